"""The demo editor page as a person uses it: a server, a browser page, pastes and keystrokes.

The harness of ``tests/test_webui.py``. :func:`serving` runs an ASGI app with uvicorn in a
thread on a free port of 127.0.0.1; :func:`open_page` opens the editor in a fresh browser
context where every request off that server is aborted (a player frame gets a dark stand-in
page, so a preview's YouTube player never reaches the network) and where the page's own
Content-Security-Policy violations are recorded (:func:`watched`). :func:`paste` dispatches a
real ``paste`` event: a ``ClipboardEvent`` whose ``DataTransfer`` holds the ``text/html`` and
``text/plain`` flavours and, for images, a ``File``.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from composer import DraftStore, Pipeline, Policy

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"

EDITOR = "[data-composer=editor]"
NOTICES = "[data-composer=notices]"
PREVIEW = "[data-composer=preview]"
POST = "[data-composer=post]"
#: what "within 2 s" waits for: the page's debounce is well under it, the slack is for a busy CI
WITHIN = 4_000


# -- the server and the browser ---------------------------------------------------------------


@contextlib.contextmanager
def serving(app: Any) -> Iterator[str]:
    """``app`` run by uvicorn in a thread on a free port of 127.0.0.1; yields its base URL."""
    uvicorn = pytest.importorskip("uvicorn", reason="the [web] extra is not installed")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    runner = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=runner.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not runner.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        runner.should_exit = True
        thread.join(timeout=10)
        sock.close()


def service(drafts_path: Path) -> Any:
    """``create_app`` with drafts in a SQLite file and embeds from the site table only
    (``cache_only``: no network, as ``composer serve --offline``)."""
    pytest.importorskip("starlette", reason="the [web] extra is not installed")
    from composer.web import create_app

    pipe = Pipeline(policy=Policy(embed_mode="cache_only"))
    return create_app(pipe, DraftStore.sqlite(drafts_path, policy=pipe.policy))


def open_page(
    browser: Any, server: str, key: str, *, width: int = 1000, height: int = 900
) -> tuple[Any, Any]:
    """A fresh context (no cookies, no cache) on the editor with draft ``key``; other hosts
    are unreachable. Returns the context and its page, ready (the draft check is done)."""
    context = browser.new_context(viewport={"width": width, "height": height})
    context.route(re.compile(r"^(?!" + re.escape(server) + r"/).*"), offline)
    context.add_init_script(_WATCH)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.errors = errors
    load(page, server, key)
    return context, page


#: what a player frame shows instead of the player site (the tests never leave 127.0.0.1)
PLAYER_STAND_IN = (
    '<!doctype html><body style="margin:0;height:100vh;display:grid;place-items:center;'
    'background:#111;color:#eee;font:16px system-ui">&#9654; player (offline in tests)</body>'
)


def offline(route: Any) -> None:
    """Any request off the server: a frame gets a dark stand-in, everything else is aborted."""
    if route.request.resource_type == "document" and route.request.frame.parent_frame is not None:
        route.fulfill(status=200, content_type="text/html", body=PLAYER_STAND_IN)
    else:
        route.abort()


#: records what the page's Content-Security-Policy refused, and anything that ran from content
_WATCH = """
window.__composerWatch = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__composerWatch.push('csp ' + e.effectiveDirective + ': ' + (e.blockedURI || e.sample));
}, true);
"""


def watched(page: Any) -> list[str]:
    """The page's errors, CSP violations and runs of pasted code since it loaded."""
    found: list[str] = page.evaluate("window.__composerWatch || []")
    return [*page.errors, *found]


def load(page: Any, server: str, key: str) -> None:
    page.goto(f"{server}/?draft={key}")
    page.wait_for_selector("html[data-composer-ready=true]", state="attached")


def shoot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"webui-{name}.png"), full_page=True)


# -- acting like a person ----------------------------------------------------------------------

_PASTE = """
({html, text, files}) => {
  const data = new DataTransfer();
  if (html !== null) data.setData('text/html', html);
  if (text !== null) data.setData('text/plain', text);
  for (const [name, type] of files) {
    data.items.add(new File([new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10])], name, {type}));
  }
  const editor = document.querySelector('[data-composer=editor]');
  if (window.__composerPasted === undefined) {
    window.__composerPasted = 0;
    editor.addEventListener('composer:pasted', () => { window.__composerPasted += 1; });
  }
  const before = window.__composerPasted;
  editor.focus();
  const event = new ClipboardEvent('paste', {clipboardData: data, bubbles: true, cancelable: true});
  editor.dispatchEvent(event);
  return before;
}
"""


def paste(
    page: Any, html: str | None = None, text: str | None = None, files: tuple[tuple[str, str], ...] = ()
) -> None:
    """A real paste event on the editor, answered by ``/api/paste`` and put in the editor
    (the page's ``composer:pasted`` event) before this returns: keys pressed next land after
    it, as a person's would once the paste shows."""
    with page.expect_response("**/api/paste", timeout=WITHIN) as answer:
        before = page.evaluate(_PASTE, {"html": html, "text": text, "files": [list(f) for f in files]})
    assert answer.value.status == 200, answer.value.text()
    page.wait_for_function("n => window.__composerPasted > n", arg=before, timeout=WITHIN)


def type_in_editor(page: Any, text: str) -> None:
    page.click(EDITOR)
    page.keyboard.type(text)


def notice(page: Any, code: str) -> Any:
    return page.locator(f"{NOTICES} [data-code={code}]")


def action(page: Any, code: str) -> Any:
    return page.locator(f"{NOTICES} button[data-action={code}]")


def draft_status(server: str, key: str) -> int:
    """The HTTP status of ``GET /api/drafts/{key}`` (200: a draft is kept, 404: none)."""
    try:
        with urllib.request.urlopen(f"{server}/api/drafts/{key}", timeout=10) as reply:
            return int(reply.status)
    except urllib.error.HTTPError as error:
        return error.code


def put_draft(
    server: str, key: str, body: str, fmt: str = "html", display_as_link: tuple[str, ...] = ()
) -> None:
    """Save a draft the way the page does, ``PUT /api/drafts/{key}``."""
    fields: dict[str, Any] = {"body": body, "format": fmt}
    if display_as_link:
        fields["display_as_link"] = list(display_as_link)
    request = urllib.request.Request(
        f"{server}/api/drafts/{key}",
        json.dumps(fields).encode(),
        {"Content-Type": "application/json"},
        method="PUT",
    )
    with urllib.request.urlopen(request, timeout=10) as reply:
        assert reply.status == 200


def get_draft(server: str, key: str) -> dict[str, Any]:
    """What ``GET /api/drafts/{key}`` answers (the draft must exist)."""
    with urllib.request.urlopen(f"{server}/api/drafts/{key}", timeout=10) as reply:
        answer: dict[str, Any] = json.loads(reply.read())
    return answer


def expect() -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect


_PASTE_AT = """
async ({before, html, text}) => {
  const editor = document.querySelector('[data-composer=editor]');
  editor.innerHTML = before;
  editor.focus();
  let start = null;
  let end = null;
  const walker = document.createTreeWalker(editor, NodeFilter.SHOW_TEXT);
  const texts = [];
  while (walker.nextNode()) texts.push(walker.currentNode);
  for (const node of texts) {
    for (const mark of ['|', '[', ']']) {
      const at = node.data.indexOf(mark);
      if (at < 0) continue;
      node.deleteData(at, 1);
      if (mark !== ']') start = [node, at];
      if (mark !== '[') end = [node, at];
    }
  }
  if (start && end) {
    const range = document.createRange();
    range.setStart(...start);
    range.setEnd(...end);
    const selection = document.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }
  const pasted = new Promise((resolve) => editor.addEventListener('composer:pasted', resolve, {once: true}));
  const data = new DataTransfer();
  if (html !== null) data.setData('text/html', html);
  if (text !== null) data.setData('text/plain', text);
  editor.dispatchEvent(new ClipboardEvent('paste', {clipboardData: data, bubbles: true, cancelable: true}));
  await pasted;
  return editor.innerHTML;
}
"""


def paste_at(page: Any, before: str, html: str | None, text: str | None) -> str:
    """Set the editor to ``before`` with the caret at ``|`` (or the selection ``[...]``), paste,
    and return the editor's HTML once the paste is in."""
    return str(page.evaluate(_PASTE_AT, {"before": before, "html": html, "text": text}))


_INSERT = """
async ({before, fragment, start, length}) => {
  const {fragmentOf, insertFragment} = await import(new URL('static/fragments.js', location.href));
  const editor = document.createElement('div');
  editor.innerHTML = before;
  document.body.append(editor);
  const texts = [];
  const walker = document.createTreeWalker(editor, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) texts.push(walker.currentNode);
  const whole = editor.textContent;
  const at = (index) => {
    for (const node of texts) {
      if (index <= node.length) return [node, index];
      index -= node.length;
    }
    return [editor, editor.childNodes.length];
  };
  const from = whole.length ? start % (whole.length + 1) : 0;
  const to = from + (whole.length ? length % (whole.length - from + 1) : 0);
  const range = document.createRange();
  range.setStart(...at(from));
  range.setEnd(...at(to));
  const pasted = fragmentOf(fragment);
  const expected = whole.slice(0, from) + pasted.textContent + whole.slice(to);
  insertFragment(editor, range, pasted);
  const html = editor.innerHTML;
  const reparsed = document.createElement('template');
  reparsed.innerHTML = html;
  editor.remove();
  return {html, reparsed: reparsed.innerHTML, text: editor.textContent, expected};
}
"""


def insert(page: Any, before: str, fragment: str, start: int, length: int) -> dict[str, str]:
    """The page's own insertion (static/fragments.js) of ``fragment`` over the selection of
    ``length`` characters from character ``start`` of ``before`` (both taken modulo the text):
    the editor's HTML, that HTML re-parsed, its text, and the text expected."""
    found: dict[str, str] = page.evaluate(
        _INSERT, {"before": before, "fragment": fragment, "start": start, "length": length}
    )
    return found
