/*
 * The demo reply box: a contenteditable editor that talks to the composer service.
 *
 * The editor holds the person's source (HTML, sent as format "html"); the preview shows what the
 * server renders from it. Every notice and problem comes from the server's Result.to_dict():
 *
 *   paste         POST /api/paste {html, text, plain?, files}  -> the fragment to insert
 *   typing        POST /api/render {body, format, display_as_link} after a pause -> the preview
 *   autosave      PUT /api/drafts/{key} {body, format} after a pause; DELETE when the editor empties
 *   page load     GET /api/drafts/{key} -> the restored draft ("Clear editor" is its undo)
 *
 * Notices are kept in groups by where they came from (the last paste, the last render, the
 * restored draft, failed requests) and drawn into one polite live region, keyed so that a
 * notice that stays is never redrawn (and so never announced twice).
 *
 * No framework, no build step: this file is served as it is.
 */
(() => {
  "use strict";

  const RENDER_DELAY_MS = 400; // preview: well within 2 s of the last keystroke
  const SAVE_DELAY_MS = 800; // draft autosave: well within 2 s of the last keystroke
  const EMBED_SELECTOR = ".composer-embed, .composer-photo, .composer-card";

  const root = document;
  const editor = root.querySelector("[data-composer=editor]");
  const noticesBox = root.querySelector("[data-composer=notices]");
  const preview = root.querySelector("[data-composer=preview]");
  const postButton = root.querySelector("[data-composer=post]");
  const form = root.querySelector("[data-composer=form]");
  const statusLine = root.querySelector("[data-composer=status]");
  const thread = root.querySelector("[data-composer=thread]");

  const draftKey = new URLSearchParams(location.search).get("draft") || "reply";
  const draftUrl = "/api/drafts/" + encodeURIComponent(draftKey);

  const state = {
    displayAsLink: new Set(), // URLs the person chose to keep as links
    groups: { restore: [], paste: [], render: [], error: [] },
    dismissed: new Set(), // keys of notices closed with their x button
    lastPaste: null, // {clipboard, nodes}: what "Paste as plain text instead" replaces
    renderSeq: 0,
    renderOk: false,
    renderTimer: 0,
    saveTimer: 0,
    savePending: false,
  };

  // -- talking to the server -------------------------------------------------------------------

  class RequestFailed extends Error {}

  async function api(method, url, body) {
    const init = { method, headers: { Accept: "application/json" } };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(url, init);
    } catch (error) {
      throw new RequestFailed("The server could not be reached; your text is still here.");
    }
    let data = null;
    try {
      data = await response.json();
    } catch (error) {
      data = null;
    }
    return { status: response.status, ok: response.ok, data };
  }

  /** The message of a failed request's JSON problem, whatever shape the server gave it. */
  function failureMessage(reply) {
    const data = reply.data || {};
    const problems = Array.isArray(data.problems) ? data.problems : [];
    const message =
      (problems[0] && problems[0].message) ||
      (data.problem && data.problem.message) ||
      data.message ||
      data.detail;
    return (message ? String(message) : "The server refused the request") + " (" + reply.status + ").";
  }

  function reportFailure(operation, message) {
    state.groups.error = state.groups.error.filter((item) => item.operation !== operation);
    if (message) {
      state.groups.error.push({ kind: "problem", code: "request_failed", message, action: null, operation });
    }
    drawNotices();
  }

  // -- reading the editor ----------------------------------------------------------------------

  function editorIsEmpty() {
    return editor.textContent.trim() === "" && !editor.querySelector("img, iframe, figure, aside, hr");
  }

  function editorSource() {
    return editorIsEmpty() ? "" : editor.innerHTML;
  }

  /**
   * The server's HTML as inert nodes. Every HTML string this page inserts (paste results,
   * restored drafts, previews) comes from the composer API, which sanitizes it with nh3 as its
   * last step; a <template> parses it without running anything until it is placed.
   */
  function fragmentOf(html) {
    const template = root.createElement("template");
    template.innerHTML = html;
    return template.content;
  }

  /**
   * Embeds (players, photos, cards) are rendering, not source: the server builds them from a URL
   * alone on its line and never accepts them back as input. In the editor each becomes its URL
   * again, on its own line, so the preview embeds it (or keeps it a link when so chosen).
   */
  function unembed(fragment, urls) {
    for (const embed of Array.from(fragment.querySelectorAll(EMBED_SELECTOR))) {
      const links = Array.from(embed.querySelectorAll("a[href]"));
      const link = links.find((a) => urls.has(a.getAttribute("href"))) || links[0];
      if (!link) continue;
      const line = root.createElement("p");
      line.textContent = link.getAttribute("href");
      embed.replaceWith(line);
    }
    return fragment;
  }

  function embeddedUrls(result) {
    return new Set(
      result.notices
        .filter((notice) => notice.code === "link_embedded" && notice.action && notice.action.target)
        .map((notice) => notice.action.target),
    );
  }

  // -- inserting a paste -----------------------------------------------------------------------

  function rangeInEditor() {
    const selection = root.getSelection();
    if (selection && selection.rangeCount) {
      const range = selection.getRangeAt(0);
      if (editor.contains(range.commonAncestorContainer)) return range.cloneRange();
    }
    const range = root.createRange();
    range.selectNodeContents(editor);
    range.collapse(false);
    return range;
  }

  /** The child of the editor that holds ``node`` (null when ``node`` is the editor). */
  function topLevel(node) {
    let current = node;
    while (current && current.parentNode !== editor) {
      if (current === editor) return null;
      current = current.parentNode;
    }
    return current;
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
   * Put ``fragment`` where ``range`` is and return the top-level nodes it became. One pasted
   * paragraph joins the line it lands in, as a native paste does; several blocks split that line
   * in two, so no block is nested in another (the browser would re-parse such markup otherwise).
   */
  function insertFragment(range, fragment) {
    range.deleteContents();
    if (isSingleParagraph(fragment)) {
      const paragraph = fragment.firstElementChild;
      const inline = root.createDocumentFragment();
      inline.append(...paragraph.childNodes);
      const nodes = Array.from(inline.childNodes);
      range.insertNode(inline);
      return nodes;
    }
    const nodes = Array.from(fragment.childNodes);
    const top = topLevel(range.startContainer);
    if (!top) {
      range.insertNode(fragment);
      return nodes;
    }
    const tail = root.createRange();
    tail.setStart(range.startContainer, range.startOffset);
    tail.setEndAfter(top);
    const rest = tail.extractContents();
    const anchor = top.nextSibling;
    editor.insertBefore(fragment, anchor);
    if (rest.textContent.trim() !== "") editor.insertBefore(rest, anchor);
    if (top.parentNode === editor && top.textContent.trim() === "" && !top.querySelector?.("img")) {
      top.remove();
    }
    return nodes;
  }

  function placeCaretAfter(node) {
    if (!node || !node.isConnected) return;
    const range = root.createRange();
    range.setStartAfter(node);
    range.collapse(true);
    const selection = root.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  async function paste(clipboard, range, plain) {
    const reply = await api("POST", "/api/paste", { ...clipboard, plain });
    if (!reply.ok || !reply.data) {
      reportFailure("paste", failureMessage(reply));
      return null;
    }
    reportFailure("paste", null);
    const result = reply.data;
    const fragment = unembed(fragmentOf(result.html), embeddedUrls(result));
    const nodes = fragment.childNodes.length ? insertFragment(range, fragment) : [];
    placeCaretAfter(nodes[nodes.length - 1]);
    // The preview reports the embeds (it is where they show); the rest is this paste's own news.
    state.groups.paste = itemsOf(result, "paste").filter((item) => item.code !== "link_embedded");
    state.lastPaste = { clipboard, nodes };
    drawNotices();
    changed({ now: true });
    return result;
  }

  editor.addEventListener("paste", (event) => {
    const data = event.clipboardData;
    if (!data) return;
    event.preventDefault();
    const clipboard = {
      html: data.getData("text/html") || null,
      text: data.getData("text/plain") || null,
      files: Array.from(data.files || []).map((file) => ({ name: file.name, type: file.type })),
    };
    if (clipboard.html === null && clipboard.text === null && clipboard.files.length === 0) return;
    paste(clipboard, rangeInEditor(), false).catch((error) => reportFailure("paste", error.message));
  });

  // -- the actions -----------------------------------------------------------------------------

  /** "Paste as plain text instead": the last paste's nodes give way to its plain result. */
  async function pasteAsPlain() {
    const last = state.lastPaste;
    state.groups.paste = [];
    drawNotices();
    if (!last) return;
    state.lastPaste = null;
    const alive = last.nodes.filter((node) => node.isConnected);
    const range = root.createRange();
    if (alive.length) {
      range.setStartBefore(alive[0]);
      range.setEndAfter(alive[alive.length - 1]);
    } else {
      range.selectNodeContents(editor);
      range.collapse(false);
    }
    editor.focus();
    await paste(last.clipboard, range, true);
    state.lastPaste = null; // a plain paste has nothing to undo
  }

  /** "Display as a link instead": render again with that URL in display_as_link. */
  function displayAsLink(url) {
    if (!url) return;
    state.displayAsLink.add(url);
    editor.focus();
    render();
  }

  /** "Clear editor": an empty editor, no draft on the server, nothing left to undo. */
  async function clearEditor() {
    clearTimeout(state.saveTimer);
    clearTimeout(state.renderTimer);
    state.savePending = false;
    editor.replaceChildren();
    preview.replaceChildren();
    state.displayAsLink.clear();
    state.lastPaste = null;
    state.groups = { restore: [], paste: [], render: [], error: [] };
    state.renderSeq += 1;
    state.renderOk = false;
    drawNotices();
    updatePostButton();
    editor.focus();
    await deleteDraft();
  }

  const ACTIONS = {
    paste_as_plain: () => pasteAsPlain(),
    display_as_link: (target) => displayAsLink(target),
    clear_editor: () => clearEditor(),
  };

  // -- notices ---------------------------------------------------------------------------------

  function itemsOf(result, source) {
    const problems = result.problems.map((p) => ({ kind: "problem", code: p.code, message: p.message, action: null }));
    const notices = result.notices.map((n) => ({ kind: "notice", code: n.code, message: n.message, action: n.action }));
    return [...problems, ...notices].map((item) => ({ ...item, source }));
  }

  function keyOf(item) {
    const target = item.action && item.action.target ? item.action.target : "";
    return [item.source || item.operation || "", item.kind, item.code, target, item.message].join("\u0000");
  }

  function buildNotice(item, key) {
    const box = root.createElement("div");
    box.className = "notice notice-" + item.kind;
    box.dataset.code = item.code;
    box.dataset.key = key;
    const message = root.createElement("span");
    message.className = "message";
    message.textContent = item.message;
    box.append(message);
    if (item.action && ACTIONS[item.action.code]) {
      const button = root.createElement("button");
      button.type = "button";
      button.className = "action";
      button.dataset.action = item.action.code;
      if (item.action.target) button.dataset.target = item.action.target;
      button.textContent = item.action.label;
      button.addEventListener("click", () => {
        Promise.resolve(ACTIONS[item.action.code](item.action.target)).catch((error) =>
          reportFailure("action", error.message),
        );
      });
      box.append(button);
    }
    if (item.kind === "notice") {
      const dismiss = root.createElement("button");
      dismiss.type = "button";
      dismiss.className = "dismiss";
      dismiss.setAttribute("aria-label", "Dismiss: " + item.message);
      dismiss.textContent = "\u00d7";
      dismiss.addEventListener("click", () => {
        state.dismissed.add(key);
        drawNotices();
        editor.focus();
      });
      box.prepend(dismiss);
    }
    return box;
  }

  /** Redraw the live region, touching only the notices that came or went. */
  function drawNotices() {
    const { restore, paste: pasted, render: rendered, error } = state.groups;
    const problems = [...rendered, ...error].filter((item) => item.kind === "problem");
    const notices = [...restore, ...pasted, ...rendered].filter((item) => item.kind === "notice");
    const wanted = new Map();
    for (const item of [...problems, ...notices]) {
      const key = keyOf(item);
      if (!wanted.has(key)) wanted.set(key, item);
    }
    for (const key of Array.from(state.dismissed)) {
      if (!wanted.has(key)) state.dismissed.delete(key); // gone, so it may come back later
    }
    const shown = new Map(Array.from(noticesBox.children).map((el) => [el.dataset.key, el]));
    let previous = null;
    for (const [key, item] of wanted) {
      if (state.dismissed.has(key)) continue;
      let element = shown.get(key);
      shown.delete(key);
      if (!element) element = buildNotice(item, key);
      const expected = previous ? previous.nextSibling : noticesBox.firstChild;
      if (element !== expected) noticesBox.insertBefore(element, expected);
      previous = element;
    }
    for (const element of shown.values()) element.remove();
  }

  // -- preview and post button -----------------------------------------------------------------

  function updatePostButton() {
    const empty = editorIsEmpty();
    editor.classList.toggle("is-empty", empty); // the placeholder (Chrome leaves a <br> behind)
    postButton.disabled = !state.renderOk || empty;
  }

  async function render() {
    clearTimeout(state.renderTimer);
    const seq = ++state.renderSeq;
    const body = editorSource();
    if (!body) {
      preview.replaceChildren();
      state.groups.render = [];
      state.renderOk = false;
      drawNotices();
      updatePostButton();
      return null;
    }
    const request = { body, format: "html", display_as_link: Array.from(state.displayAsLink) };
    let reply;
    try {
      reply = await api("POST", "/api/render", request);
    } catch (error) {
      if (seq === state.renderSeq) {
        state.renderOk = false;
        reportFailure("render", error.message);
        updatePostButton();
      }
      return null;
    }
    if (seq !== state.renderSeq) return null; // a newer render is on its way
    if (!reply.ok || !reply.data) {
      state.renderOk = false;
      reportFailure("render", failureMessage(reply));
      updatePostButton();
      return null;
    }
    const result = reply.data;
    // result.html is the server's sanitized output (nh3, the pipeline's last stage): safe to show.
    preview.replaceChildren(fragmentOf(result.html));
    state.groups.render = itemsOf(result, "render");
    state.renderOk = result.ok;
    reportFailure("render", null);
    updatePostButton();
    return result;
  }

  // -- drafts ----------------------------------------------------------------------------------

  function setStatus(text) {
    statusLine.textContent = text;
  }

  async function saveDraft() {
    clearTimeout(state.saveTimer);
    state.savePending = false;
    const body = editorSource();
    if (!body) return deleteDraft();
    setStatus("Saving draft\u2026");
    const reply = await api("PUT", draftUrl, { body, format: "html" }).catch((error) => ({ error }));
    if (reply.error || !reply.ok) {
      setStatus("");
      reportFailure("save", reply.error ? reply.error.message : failureMessage(reply));
      return;
    }
    reportFailure("save", null);
    setStatus("Draft saved");
  }

  async function deleteDraft() {
    const reply = await api("DELETE", draftUrl).catch((error) => ({ error }));
    if (reply.error || (!reply.ok && reply.status !== 404)) {
      reportFailure("save", reply.error ? reply.error.message : failureMessage(reply));
      return;
    }
    setStatus("");
  }

  async function restoreDraft() {
    const reply = await api("GET", draftUrl).catch(() => null);
    if (!reply || reply.status === 404 || !reply.ok || !reply.data) return;
    const result = reply.data;
    if (!result.html && result.problems.length) {
      // Refused before any stage ran (too large, too deep): say so rather than drop it.
      reportFailure("restore", "Your previous content could not be restored: " + result.problems[0].message);
      return;
    }
    if (!result.html || !editorIsEmpty()) return;
    editor.replaceChildren(unembed(fragmentOf(result.html), embeddedUrls(result)));
    state.groups.restore = itemsOf(result, "restore").filter((item) => item.code === "content_restored");
    drawNotices();
    await render();
  }

  // -- typing, posting, leaving ----------------------------------------------------------------

  /** The editor changed: preview and autosave follow after a pause (or at once). */
  function changed(options = {}) {
    clearTimeout(state.renderTimer);
    clearTimeout(state.saveTimer);
    state.savePending = true;
    updatePostButton();
    if (options.now) {
      render();
    } else {
      state.renderTimer = setTimeout(render, RENDER_DELAY_MS);
    }
    state.saveTimer = setTimeout(saveDraft, SAVE_DELAY_MS);
  }

  editor.addEventListener("input", () => changed());

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (postButton.disabled) return;
    postButton.disabled = true;
    const result = await render();
    if (!result || !result.ok) return;
    const item = root.createElement("li");
    item.className = "post-body";
    // The reply as the server rendered it (sanitized, see render()).
    item.append(fragmentOf(result.html));
    thread.append(item);
    await clearEditor();
    setStatus("Reply posted");
  });

  // A draft typed just before leaving is sent anyway (keepalive outlives the page).
  addEventListener("pagehide", () => {
    if (!state.savePending) return;
    const body = editorSource();
    const init = body
      ? { method: "PUT", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ body, format: "html" }) }
      : { method: "DELETE" };
    fetch(draftUrl, { ...init, keepalive: true }).catch(() => {});
  });

  try {
    root.execCommand("defaultParagraphSeparator", false, "p"); // Enter makes paragraphs, not <div>s
  } catch (error) {
    // an old browser keeps its own separator: the server reads either
  }
  updatePostButton();
  restoreDraft().finally(() => {
    root.documentElement.dataset.composerReady = "true";
  });
})();
