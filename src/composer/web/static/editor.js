/*
 * The demo reply box: a contenteditable editor that talks to the composer service.
 *
 * The editor holds the person's source (HTML, sent as format "html"); the preview shows what the
 * server renders from it. Every notice and problem comes from the server's Result.to_dict():
 *
 *   paste         POST /api/paste {html, text, plain, files}  -> the fragment to insert
 *   typing        POST /api/render {body, format, display_as_link} after a pause -> the preview
 *   autosave      PUT /api/drafts/{key} {body, format} after a pause; DELETE when the editor empties
 *   page load     GET /api/drafts/{key} -> the restored draft ("Clear editor" is its undo)
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
  displayAsLink: new Set(), // URLs the person chose to keep as links
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

function editorIsEmpty() {
  return editor.textContent.trim() === "" && !editor.querySelector("img, iframe, figure, aside, hr");
}

function editorSource() {
  return editorIsEmpty() ? "" : editor.innerHTML;
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

async function paste(clipboard, range, plain) {
  const reply = await api("POST", "api/paste", { ...clipboard, plain });
  if (!reply.ok || !reply.data) {
    board.failed("paste", failureMessage(reply));
    return null;
  }
  board.failed("paste", null);
  const result = reply.data;
  const fragment = unembed(fragmentOf(result.html), embeddedUrls(result));
  const nodes = fragment.childNodes.length ? insertFragment(editor, range, fragment) : [];
  placeCaretAfter(nodes[nodes.length - 1]);
  // The preview reports the embeds (it is where they show); the rest is this paste's own news.
  board.set("paste", itemsOf(result, "paste").filter((item) => item.code !== "link_embedded"));
  state.lastPaste = plain ? null : { clipboard, nodes };
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
  state.renderSeq += 1;
  state.renderOk = false;
  state.displayAsLink.clear();
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
  const request = { body, format: "html", display_as_link: Array.from(state.displayAsLink) };
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
  const reply = await api("PUT", draftUrl, { body, format: "html" }).catch((error) => ({ error }));
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

async function restoreDraft() {
  const reply = await api("GET", draftUrl).catch(() => null);
  if (!reply || !reply.ok || !reply.data) return; // 404: no draft
  const result = reply.data;
  if (!result.html && result.problems.length) {
    // Refused before any stage ran (too large, too deep): say so rather than drop it.
    board.failed("restore", "Your previous content could not be restored: " + result.problems[0].message);
    return;
  }
  if (!result.html || !editorIsEmpty()) return;
  editor.replaceChildren(unembed(fragmentOf(result.html), embeddedUrls(result)));
  board.set("restore", itemsOf(result, "restore").filter((item) => item.code === "content_restored"));
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
  if (body) sendBeforeLeaving("PUT", draftUrl, { body, format: "html" });
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
