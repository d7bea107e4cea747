/*
 * Server HTML in the editor: parsing it inert, turning embeds back into their URLs, and
 * inserting a pasted fragment where the caret is.
 */

const EMBED_SELECTOR = ".composer-embed, .composer-photo, .composer-card, .composer-quote";

/**
 * The server's HTML as inert nodes. Every HTML string this page inserts (paste results,
 * restored drafts, previews, posted replies) comes from the composer API, which sanitizes it
 * with nh3 as its pipeline's last stage; a <template> parses it without running or loading
 * anything until it is placed.
 */
export function fragmentOf(html) {
  const template = document.createElement("template");
  template.innerHTML = html;
  return template.content;
}

/**
 * ``text`` (a markdown or text draft, a markdown paste) as the editor's lines: a paragraph per
 * line (an empty one holds a <br>). Every character stays text, spaces and tabs included:
 * nothing in it is read as markup, and ``textOf`` reads the same text back.
 */
export function textFragment(text) {
  const fragment = document.createDocumentFragment();
  for (const part of text.replace(/\r\n?/g, "\n").split("\n")) {
    const line = document.createElement("p");
    line.append(part || document.createElement("br"));
    fragment.append(line);
  }
  return fragment;
}

const LINES = new Set(["P", "DIV", "LI", "PRE", "BLOCKQUOTE", "H1", "H2", "H3", "H4", "H5", "H6"]);

/**
 * Add the lines of ``node`` to ``state`` (``lines``; ``inline``: the current line holds
 * something; ``ended``: a block just ended, so what follows starts a line). Each block starts
 * and ends a line; a <br> ends one, except the last of a block, which only holds it open.
 */
function readLines(node, state) {
  const startLine = () => {
    state.lines.push("");
    state.ended = false;
    state.inline = false;
  };
  for (const child of node.childNodes) {
    const block = LINES.has(child.nodeName);
    if (state.ended || (block && state.inline)) startLine();
    if (child.nodeType === Node.TEXT_NODE) {
      state.lines[state.lines.length - 1] += child.data;
      state.inline = true;
    } else if (child.nodeName === "BR") {
      if (child.nextSibling || !LINES.has(node.nodeName)) startLine();
      else state.inline = true;
    } else if (child.nodeType === Node.ELEMENT_NODE) {
      readLines(child, state);
      if (block) state.ended = true;
    }
  }
}

/**
 * The editor's text (a markdown or text draft), read from its nodes rather than ``innerText``,
 * which collapses spaces and counts blank lines by CSS margins: indentation, runs of spaces
 * and blank lines come back exactly as ``textFragment`` put them, or as they were typed.
 */
export function textOf(editor) {
  const state = { lines: [""], inline: false, ended: false };
  readLines(editor, state);
  return state.lines.join("\n").replace(/\n+$/, "");
}

/** The URLs a result embedded (the targets of its link_embedded notices). */
export function embeddedUrls(result) {
  return new Set(
    result.notices
      .filter((notice) => notice.code === "link_embedded" && notice.action && notice.action.target)
      .map((notice) => notice.action.target),
  );
}

/**
 * Embeds (players, photos, cards) are rendering, not source: the server builds them from a URL
 * alone on its line and never accepts them back as input. In the editor each becomes its URL
 * again, on its own line, so the preview embeds it (or keeps it a link when so chosen).
 */
export function unembed(fragment, urls) {
  for (const embed of Array.from(fragment.querySelectorAll(EMBED_SELECTOR))) {
    const links = Array.from(embed.querySelectorAll("a[href]"));
    const link = links.find((a) => urls.has(a.getAttribute("href"))) || links[0];
    if (!link) continue;
    const line = document.createElement("p");
    line.textContent = link.getAttribute("href");
    embed.replaceWith(line);
  }
  return fragment;
}

/** The selection when it is inside ``editor``, else the editor's end. */
export function rangeIn(editor) {
  const selection = document.getSelection();
  let range = endOf(editor);
  if (selection && selection.rangeCount) {
    const current = selection.getRangeAt(0);
    if (editor.contains(current.commonAncestorContainer)) range = current.cloneRange();
  }
  // A caret between the editor's blocks (where focus() puts it) next to an empty line goes in it.
  if (range.collapsed && range.startContainer === editor) {
    const near = [editor.childNodes[range.startOffset], editor.childNodes[range.startOffset - 1]];
    const line = near.find((node) => node && node.nodeName === "P" && node.textContent === "");
    if (line) range.setStart(line, 0);
  }
  return range;
}

export function endOf(editor) {
  const range = document.createRange();
  range.selectNodeContents(editor);
  range.collapse(false);
  return range;
}

/** The range over ``nodes`` still in the page, or null when none is. */
export function rangeOver(nodes) {
  const alive = nodes.filter((node) => node.isConnected);
  if (!alive.length) return null;
  const range = document.createRange();
  range.setStartBefore(alive[0]);
  range.setEndAfter(alive[alive.length - 1]);
  return range;
}

/** The child of ``editor`` that holds ``node`` (null when ``node`` is the editor). */
function topLevel(editor, node) {
  let current = node;
  while (current && current.parentNode !== editor) {
    if (current === editor) return null;
    current = current.parentNode;
  }
  return current;
}

const BLOCKS = "p, li, h1, h2, h3, h4, h5, h6, pre, blockquote, div, dd, dt, td, th";

/** The innermost block inside ``editor`` that holds ``node`` (null for the editor's own text). */
function blockOf(editor, node) {
  const element = node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement;
  const block = element && element.closest(BLOCKS);
  return block && block !== editor && editor.contains(block) ? block : null;
}

/**
 * Empty ``range``. A selection from one block into another leaves one block, as typing over it
 * does: what is left of the last block joins the first, and containers it leaves empty (a list
 * whose only item it was) go too.
 */
function deleteSelection(editor, range) {
  const first = blockOf(editor, range.startContainer);
  const last = blockOf(editor, range.endContainer);
  const [node, offset] = [range.startContainer, range.startOffset]; // kept: the start is only cut short
  range.deleteContents();
  if (!first || !last || first === last || first.contains(last) || last.contains(first)) return;
  if (!first.isConnected || !last.isConnected) return;
  first.append(...last.childNodes);
  let emptied = last;
  while (emptied.parentNode !== editor && emptied.parentNode.childNodes.length === 1) {
    emptied = emptied.parentNode;
  }
  emptied.remove();
  range.setStart(node, offset);
  range.collapse(true);
}

/** An empty line is a block holding one <br> (see emptyLine); text pasted into it replaces the <br>. */
function dropPlaceholder(editor, range) {
  const block = blockOf(editor, range.startContainer);
  if (block && block.textContent === "" && block.childNodes.length === 1 && block.firstChild.nodeName === "BR") {
    block.firstChild.remove();
    range.setStart(block, 0);
    range.collapse(true);
  }
}

/** The editor's content when it is empty: one paragraph, so what is typed lands in a <p>. */
export function emptyLine() {
  const line = document.createElement("p");
  line.append(document.createElement("br"));
  return line;
}

function isSingleParagraph(fragment) {
  const elements = fragment.children;
  return (
    elements.length === 1 &&
    elements[0].tagName === "P" &&
    Array.from(fragment.childNodes).every((n) => n === elements[0] || n.textContent.trim() === "")
  );
}

/**
 * Put ``fragment`` where ``range`` is in ``editor`` and return the nodes it became. One pasted
 * paragraph joins the line it lands in, as a native paste does; several blocks split that line
 * in two, so no block is nested in another (the browser would re-parse such markup otherwise).
 */
export function insertFragment(editor, range, fragment) {
  deleteSelection(editor, range);
  dropPlaceholder(editor, range);
  if (isSingleParagraph(fragment)) {
    const inline = document.createDocumentFragment();
    inline.append(...fragment.firstElementChild.childNodes);
    const nodes = Array.from(inline.childNodes);
    range.insertNode(inline);
    return nodes;
  }
  const nodes = Array.from(fragment.childNodes);
  const top = topLevel(editor, range.startContainer);
  if (!top) {
    range.insertNode(fragment);
    return nodes;
  }
  const tail = document.createRange();
  tail.setStart(range.startContainer, range.startOffset);
  tail.setEndAfter(top);
  const rest = tail.extractContents();
  const anchor = top.nextSibling;
  editor.insertBefore(fragment, anchor);
  if (holdsContent(rest)) editor.insertBefore(rest, anchor);
  if (top.parentNode === editor && !holdsContent(top)) top.remove(); // the caret was at its start
  return nodes;
}

/** Text (a space counts) or an image: what a split may not throw away. */
function holdsContent(node) {
  return node.textContent !== "" || Boolean(node.querySelector && node.querySelector("img, iframe, hr"));
}

export function placeCaretAfter(node) {
  if (!node || !node.isConnected) return;
  const range = document.createRange();
  range.setStartAfter(node);
  range.collapse(true);
  const selection = document.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
}
