/*
 * The demo reply box: a contenteditable editor that talks to the composer service.
 *
 * The editor holds the person's source: HTML (format "html"), or, when a markdown or text draft
 * came back, its lines as text (that format is kept until the editor is cleared). The preview
 * shows what the server renders from it. Every notice and problem comes from the server's
 * Result.to_dict():
 *
 *   paste         POST /api/paste {html, text, plain, files, target} -> the fragment to insert
 *                 (a rich flavour refused whole comes back as plain text, "pasted_as_plain");
 *                 a clipboard too large to send is sent again as its text alone, with the 413
 *   typing        POST /api/render {body, format, display_as_link} after a pause -> the preview
 *   autosave      PUT /api/drafts/{key} {body, format, display_as_link} after a pause (and when
 *                 a link is chosen to stay a link); DELETE when the editor empties
 *   page load     GET /api/drafts/{key} -> the draft as typed into the box, its display_as_link
 *                 choices, and the restored preview ("Clear editor" is its undo)
 *
 * The API paths are relative to the page, so a forum may mount the app under a prefix. The draft
 * key is the page's ?draft= query (default "reply"). Native ES modules: no framework,
 * no build step, the files are served as they are.
 */
import { api, failureMessage, sendBeforeLeaving } from "./api.js";
import {
  embeddedUrls,
  emptyLine,
  endOf,
  fragmentOf,
  insertFragment,
  placeCaretAfter,
  rangeIn,
  rangeOver,
  textFragment,
  textOf,
  unembed,
} from "./fragments.js";
import { NoticeBoard, itemsOf } from "./notices.js";

const RENDER_DELAY_MS = 400; // the preview follows well within 2 s of the last keystroke
const SAVE_DELAY_MS = 800; // and so does the draft

const editor = document.querySelector("[data-composer=editor]");
const preview = document.querySelector("[data-composer=preview]");
const postButton = document.querySelector("[data-composer=post]");
const form = document.querySelector("[data-composer=form]");
const statusLine = document.querySelector("[data-composer=status]");
const thread = document.querySelector("[data-composer=thread]");

const draftKey = new URLSearchParams(location.search).get("draft") || "reply";
const draftUrl = "api/drafts/" + encodeURIComponent(draftKey);

const state = {
  format: "html", // what the editor holds: "html", or a restored draft's "markdown" or "text"
  displayAsLink: new Set(), // URLs the person chose to keep as links (saved with the draft)
  lastPaste: null, // {clipboard, nodes}: what "Paste as plain text instead" replaces
  renderSeq: 0, // answers to older renders are dropped
  renderOk: false,
  renderTimer: 0,
  saveTimer: 0,
  savePending: false,
  draftQueue: Promise.resolve(), // draft requests go one at a time, so the last one wins
};

const board = new NoticeBoard(
  document.querySelector("[data-composer=notices]"),
  {
    paste_as_plain: () => pasteAsPlain(),
    display_as_link: (target) => displayAsLink(target),
    clear_editor: () => clearEditor(),
  },
  () => editor.focus(),
);

// -- the editor ---------------------------------------------------------------------------------

/** The editor holds ``format``; markdown and text show their spaces and lines as typed. */
function setFormat(format) {
  state.format = format;
  editor.dataset.format = format;
}

function editorIsEmpty() {
  return editor.textContent.trim() === "" && !editor.querySelector("img, iframe, figure, aside, hr");
}

function editorSource() {
  if (editorIsEmpty()) return "";
  return state.format === "html" ? editor.innerHTML : textOf(editor);
}

/** What PUT /api/drafts/{key} keeps: the source, its format and the display_as_link choices. */
function draftFields(body) {
  const fields = { body, format: state.format };
  if (state.displayAsLink.size) fields.display_as_link = Array.from(state.displayAsLink);
  return fields;
}

/** An editor left with nothing (or a lone <br>) gets its empty paragraph back, caret inside. */
function keepALine() {
  const bare = Array.from(editor.childNodes).every(
    (node) => node.nodeName === "BR" || (node.nodeType === Node.TEXT_NODE && node.data === ""),
  );
  if (!bare) return;
  const line = emptyLine();
  editor.replaceChildren(line);
  if (document.activeElement === editor) {
    const range = document.createRange();
    range.setStart(line, 0);
    range.collapse(true);
    document.getSelection().removeAllRanges();
    document.getSelection().addRange(range);
  }
}

function updatePostButton() {
  const empty = editorIsEmpty();
  editor.classList.toggle("is-empty", empty); // the placeholder (Chrome leaves a <br> behind)
  postButton.disabled = !state.renderOk || empty;
}

/** The editor changed: preview and autosave follow after a pause (or the preview at once). */
function changed(options = {}) {
  clearTimeout(state.renderTimer);
  clearTimeout(state.saveTimer);
  state.savePending = true;
  updatePostButton();
  if (options.now) render();
  else state.renderTimer = setTimeout(render, RENDER_DELAY_MS);
  state.saveTimer = setTimeout(saveDraft, SAVE_DELAY_MS);
}

// -- paste --------------------------------------------------------------------------------------

/** Why a request over the size limit (413) is not pasted as it is: the answer's own words. */
function refusalOf(reply) {
  const problem = (reply.data && reply.data.problems && reply.data.problems[0]) || {};
  return [{ kind: "problem", code: problem.code || "request_failed", message: failureMessage(reply), action: null }];
}

/**
 * Ask the service for a paste. A rich flavour the pipeline refuses whole comes back as plain
 * text with its "pasted_as_plain" notice; a clipboard too large to send at all (413) is asked
 * for again with its text flavour alone, so what can be kept is kept; ``refusal`` says why.
 */
async function askPaste(clipboard, plain) {
  const asText = plain || state.format === "text";
  const target = state.format === "markdown" ? "markdown" : "html";
  const reply = await api("POST", "api/paste", { ...clipboard, plain: asText, target });
  const tooLarge = reply.status === 413 && clipboard.html !== null && clipboard.text !== null;
  if (!tooLarge) return { reply, refusal: [] };
  const again = { text: clipboard.text, files: clipboard.files, plain: true, target };
  return { reply: await api("POST", "api/paste", again), refusal: refusalOf(reply) };
}

/** What a paste result puts in the editor, in the editor's format. */
function pastedNodes(result) {
  if (state.format === "markdown") return textFragment(result.markdown || "");
  if (state.format === "text") return textFragment(result.html ? result.text : "");
  return unembed(fragmentOf(result.html), embeddedUrls(result));
}

async function paste(clipboard, range, plain) {
  const { reply, refusal } = await askPaste(clipboard, plain);
  if (!reply.ok || !reply.data) {
    board.set("paste", refusal);
    board.failed("paste", failureMessage(reply));
    return null;
  }
  board.failed("paste", null);
  const result = reply.data;
  const fragment = pastedNodes(result);
  const nodes = fragment.childNodes.length ? insertFragment(editor, range, fragment) : [];
  placeCaretAfter(nodes[nodes.length - 1]);
  // The preview reports the embeds (it is where they show); the rest is this paste's own news.
  const news = itemsOf(result, "paste").filter((item) => item.code !== "link_embedded");
  board.set("paste", [...refusal, ...news]);
  const undoable = result.notices.some((notice) => notice.code === "pasted_as_rich"); // its undo is offered
  state.lastPaste = undoable ? { clipboard, nodes } : null;
  changed({ now: true });
  // For integrators (and the tests): the paste is in the editor; detail is the Result.to_dict().
  editor.dispatchEvent(new CustomEvent("composer:pasted", { detail: result }));
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
  paste(clipboard, rangeIn(editor), false).catch((error) => board.failed("paste", error.message));
});

// -- the undo actions ---------------------------------------------------------------------------

/** "Paste as plain text instead": the last paste's nodes give way to its plain result. */
async function pasteAsPlain() {
  const last = state.lastPaste;
  state.lastPaste = null;
  board.set("paste", []);
  if (!last) return;
  editor.focus();
  await paste(last.clipboard, rangeOver(last.nodes) || endOf(editor), true);
}

/** "Display as a link instead": render again with that URL in display_as_link, and keep the
 * choice with the draft at once (a reload must not embed it again). */
function displayAsLink(url) {
  if (!url) return;
  state.displayAsLink.add(url);
  editor.focus();
  render();
  saveDraft();
}

/** "Clear editor": an empty editor, no draft on the server, nothing left to undo. */
async function clearEditor() {
  clearTimeout(state.saveTimer);
  clearTimeout(state.renderTimer);
  state.savePending = false;
  state.renderSeq += 1;
  state.renderOk = false;
  state.displayAsLink.clear();
  setFormat("html");
  state.lastPaste = null;
  editor.replaceChildren(emptyLine());
  preview.replaceChildren();
  board.clear();
  updatePostButton();
  editor.focus();
  await deleteDraft();
}

// -- preview ------------------------------------------------------------------------------------

async function render() {
  clearTimeout(state.renderTimer);
  const seq = ++state.renderSeq;
  const body = editorSource();
  if (!body) {
    preview.replaceChildren();
    state.renderOk = false;
    board.set("render", []);
    updatePostButton();
    return null;
  }
  const request = { body, format: state.format, display_as_link: Array.from(state.displayAsLink) };
  let reply;
  try {
    reply = await api("POST", "api/render", request);
  } catch (error) {
    reply = { error };
  }
  if (seq !== state.renderSeq) return null; // a newer render is on its way
  if (reply.error || !reply.ok || !reply.data) {
    state.renderOk = false;
    board.failed("render", reply.error ? reply.error.message : failureMessage(reply));
    updatePostButton();
    return null;
  }
  const result = reply.data;
  // result.html is the server's sanitized output (nh3, the pipeline's last stage): safe to show.
  preview.replaceChildren(fragmentOf(result.html));
  state.renderOk = result.ok;
  board.failed("render", null);
  board.set("render", itemsOf(result, "render"));
  updatePostButton();
  return result;
}

// -- drafts -------------------------------------------------------------------------------------

/** Run ``request`` after the draft requests before it (a save in flight never outlives a clear). */
function queueDraft(request) {
  state.draftQueue = state.draftQueue.then(request, request);
  return state.draftQueue;
}

function saveDraft() {
  clearTimeout(state.saveTimer);
  state.savePending = false;
  return queueDraft(putDraft);
}

function deleteDraft() {
  return queueDraft(removeDraft);
}

async function putDraft() {
  const body = editorSource(); // what the editor holds now, not when the save was asked for
  if (!body) return removeDraft();
  statusLine.textContent = "Saving draft\u2026";
  const reply = await api("PUT", draftUrl, draftFields(body)).catch((error) => ({ error }));
  if (reply.error || !reply.ok) {
    statusLine.textContent = "";
    board.failed("save", reply.error ? reply.error.message : failureMessage(reply));
    return;
  }
  board.failed("save", null);
  statusLine.textContent = "Draft saved";
}

async function removeDraft() {
  const reply = await api("DELETE", draftUrl).catch((error) => ({ error }));
  if (reply.error || (!reply.ok && reply.status !== 404)) {
    board.failed("save", reply.error ? reply.error.message : failureMessage(reply));
    return;
  }
  statusLine.textContent = "";
}

/**
 * The draft back in the box as it was typed: ``draft.editor_html`` (the HTML body through the
 * server's sanitizer alone: no link added, no embed built, nothing trimmed), or, for HTML too
 * deep to parse, ``draft.editor_text`` as a text draft; or a markdown or text body as its
 * lines; its display_as_link choices back too. The restored result gives the preview and the
 * "content restored" notice with its "Clear editor" (and "restored_as_plain" when it is text).
 */
async function restoreDraft() {
  const reply = await api("GET", draftUrl).catch((error) => ({ error }));
  if (reply.error || (!reply.ok && reply.status !== 404)) {
    // Not "no draft": the person must know a draft may be there before typing over it.
    const why = reply.error ? reply.error.message : failureMessage(reply);
    board.failed("restore", "Your previous content could not be loaded: " + why);
    return;
  }
  if (!reply.ok || !reply.data || !reply.data.draft) return; // 404: no draft
  const result = reply.data;
  const draft = result.draft;
  const asText = draft.format === "html" && draft.editor_html === null;
  const format = asText ? "text" : draft.format;
  const typed = (format === "html" ? draft.editor_html : asText ? draft.editor_text : draft.body) || "";
  // what the sanitizer took out of an html draft is said: the box and the next save lack it
  const removed = itemsOf(result, "restore").filter((item) => item.code === "content_removed");
  if (!typed.trim()) {
    if (draft.body.trim()) {
      const said = [...removed, ...result.problems]; // what took it out, or what refused it (too large)
      const why = said.length ? said[0].message : "nothing in it can be shown in the editor";
      board.failed("restore", "Your previous content could not be restored: " + why);
    }
    return;
  }
  if (!editorIsEmpty()) return;
  setFormat(format);
  state.displayAsLink = new Set(draft.display_as_link);
  const content = format === "html" ? unembed(fragmentOf(typed), new Set()) : textFragment(typed);
  editor.replaceChildren(content);
  const said = ["content_restored", "restored_as_plain"];
  const restored = itemsOf(result, "restore").filter((item) => said.includes(item.code));
  board.set("restore", format === "html" ? [...restored, ...removed] : restored);
  await render();
}

// -- typing, posting, leaving -------------------------------------------------------------------

editor.addEventListener("input", () => {
  keepALine();
  changed();
});

editor.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    form.requestSubmit(); // Ctrl+Enter posts, as in most forums
  }
});

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (postButton.disabled) return;
  postButton.disabled = true;
  const result = await render();
  if (!result || !result.ok) return;
  const item = document.createElement("li");
  item.className = "post-body";
  item.append(fragmentOf(result.html)); // the reply as the server rendered it (sanitized)
  thread.append(item);
  await clearEditor();
  statusLine.textContent = "Reply posted";
});

// A draft typed just before leaving is sent anyway.
addEventListener("pagehide", () => {
  if (!state.savePending) return;
  const body = editorSource();
  if (body) sendBeforeLeaving("PUT", draftUrl, draftFields(body));
  else sendBeforeLeaving("DELETE", draftUrl);
});

try {
  document.execCommand("defaultParagraphSeparator", false, "p"); // Enter makes paragraphs, not <div>s
} catch (error) {
  // a browser without it keeps its own separator: the server reads either
}
keepALine();
updatePostButton();
restoreDraft().finally(() => {
  document.documentElement.dataset.composerReady = "true";
});
