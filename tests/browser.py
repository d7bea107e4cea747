"""A real-browser XSS oracle: load HTML into headless Chromium, poke every element, record execution.

The static oracle (``safety.dangers``) says what *looks* dangerous; this one says what *runs*.
One browser and one page serve a whole session. Each check loads a batch of outputs, each in its
own ``<div data-vector>`` container, from a route-served origin (``http://composer.test``), so
Playwright's init script runs before any of the content:

1. ``alert``/``confirm``/``prompt``/``print`` are replaced by recorders (in every frame), and a
   page-level dialog handler records any dialog that still opens;
2. the page is served with a *report-only* Content-Security-Policy allowing no inline script at
   all, so any script that runs (an inline ``<script>``, an event handler, a ``javascript:`` URL,
   a plugin, an external script) also raises a ``securitypolicyviolation`` event, which is
   recorded: a payload that runs without calling ``alert`` is still caught;
3. a capture-phase click/submit listener records every activation of a link or form whose URL
   has a ``javascript:``, ``data:`` or ``vbscript:`` scheme (and lets it proceed, so it can run);
   other links are stopped so the batch page stays loaded;
4. navigation of the page itself, a frame navigated to a dangerous scheme, or a popup window is
   recorded too;
5. after the ``load`` event and a short pause (failing images, autofocus, animations), every
   element of each container gets focused, clicked, and sent the usual mouse, pointer, focus,
   keyboard, animation and transition events, plus one event for every ``on*`` attribute it
   still carries; then timers get another pause.

A hit names its vector when the event's target or the running script sits in a container; when
it cannot be attributed, :meth:`Oracle.locate` re-runs the batch's vectors one by one.
"""

from __future__ import annotations

import contextlib
import html as htmllib
import itertools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

BASE = "http://composer.test"
CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: report-only: nothing is blocked (payloads get their chance to run), every attempt is reported
CSP = (
    "script-src 'nonce-composer-oracle'; object-src 'none'; frame-src https:; "
    "base-uri 'none'; form-action 'none'"
)
DANGEROUS_SCHEME = re.compile(r"^\s*(?:javascript|vbscript|data):", re.IGNORECASE)
#: outputs per page load: large enough to keep a thousand vectors to a few dozen loads
BATCH = 100

_INIT = r"""
(() => {
  const containerOf = (node) => {
    try {
      if (node && node.nodeType !== 1) node = node.parentElement;
      const box = node && node.closest ? node.closest('[data-vector]') : null;
      if (box) return box.getAttribute('data-vector');
    } catch (e) {}
    try { return window.top.__composerCurrent || null; } catch (e) { return null; }
  };
  const hit = (kind, detail, node) => {
    let vector = null;
    try {
      const ev = window.event;
      node = node || (ev && ev.target) || document.currentScript;
      vector = containerOf(node);
    } catch (e) {}
    try { window.__composerHit(kind, String(detail).slice(0, 300), vector); } catch (e) {}
  };
  for (const name of ['alert', 'confirm', 'prompt', 'print']) {
    const recorder = function (...args) {
      hit(name, args.length ? args[0] : '');
      return name === 'confirm' ? false : (name === 'prompt' ? null : undefined);
    };
    try {
      Object.defineProperty(window, name, {value: recorder, writable: false, configurable: false});
    } catch (e) { window[name] = recorder; }
  }
  document.addEventListener('securitypolicyviolation', (e) => {
    hit('csp:' + e.effectiveDirective, (e.sample || e.blockedURI || '') + ' @' + e.lineNumber, e.target);
  }, true);
  const dangerous = /^\s*(javascript|vbscript|data):/i;
  document.addEventListener('click', (e) => {
    const link = e.target && e.target.closest ? e.target.closest('a[href], area[href]') : null;
    if (!link) return;
    const url = link.getAttribute('href') || '';
    if (dangerous.test(link.href) || dangerous.test(url)) hit('activate-url', link.href, link);
    else e.preventDefault();
  }, true);
  document.addEventListener('submit', (e) => {
    const form = e.target;
    const url = (e.submitter && e.submitter.formAction) || form.action || '';
    if (dangerous.test(url)) hit('submit-url', url, form);
    else e.preventDefault();
  }, true);
})();
"""

_POKE = r"""
async ({events, settle}) => {
  const ctor = (name) => {
    if (/^(mouse|click|dblclick|contextmenu|auxclick)/.test(name)) return MouseEvent;
    if (/^pointer/.test(name)) return PointerEvent;
    if (/^(focus|blur)/.test(name)) return FocusEvent;
    if (/^key/.test(name)) return KeyboardEvent;
    if (/^animation/.test(name)) return AnimationEvent;
    if (/^transition/.test(name)) return TransitionEvent;
    if (/^(drag|drop)/.test(name)) return DragEvent;
    if (name === 'wheel') return WheelEvent;
    return Event;
  };
  const pause = (ms) => new Promise((r) => setTimeout(r, ms));
  await pause(settle);
  for (const box of document.querySelectorAll('[data-vector]')) {
    window.__composerCurrent = box.getAttribute('data-vector');
    for (const el of [box, ...box.querySelectorAll('*')]) {
      const names = new Set(events);
      for (const attr of Array.from(el.attributes || [])) {
        if (attr.name.startsWith('on')) names.add(attr.name.slice(2));
      }
      for (const name of names) {
        try { el.dispatchEvent(new (ctor(name))(name, {bubbles: true, cancelable: true})); } catch (e) {}
      }
      try { if (typeof el.focus === 'function') el.focus(); } catch (e) {}
      try { if (typeof el.click === 'function') el.click(); } catch (e) {}
    }
  }
  window.__composerCurrent = null;
  await pause(settle);
  return document.querySelectorAll('[data-vector]').length;
}
"""

EVENTS = [
    "mouseover",
    "mouseenter",
    "mousemove",
    "mousedown",
    "mouseup",
    "mouseout",
    "mouseleave",
    "pointerover",
    "pointerenter",
    "pointerdown",
    "pointerup",
    "dblclick",
    "contextmenu",
    "focusin",
    "keydown",
    "keyup",
    "input",
    "change",
    "wheel",
    "dragstart",
    "animationstart",
    "animationend",
    "transitionend",
    "toggle",
    "load",
    "error",
]


@dataclass(frozen=True)
class Hit:
    """One recorded execution or dangerous navigation; ``vector`` None when unattributed."""

    kind: str
    detail: str
    vector: str | None


@dataclass
class Oracle:
    """Loads batches of HTML into one Chromium page and records anything that executes."""

    page: Any
    settle_ms: int = 150
    hits: list[Hit] = field(default_factory=list)
    loads: int = 0
    _pages: dict[str, str] = field(default_factory=dict)
    _serial: Iterator[int] = field(default_factory=itertools.count)

    @classmethod
    def launch(cls, playwright: Any) -> tuple[Any, Oracle]:
        """The browser (close it when done) and an oracle on its one page."""
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        context = browser.new_context(java_script_enabled=True, bypass_csp=False)
        page = context.new_page()
        oracle = cls(page)
        context.expose_binding("__composerHit", oracle._binding)
        context.add_init_script(_INIT)
        context.route("**/*", oracle._route)
        context.on("page", oracle._popup)
        page.on("dialog", oracle._dialog)
        page.on("framenavigated", oracle._navigated)
        return browser, oracle

    # -- recording ---------------------------------------------------------------------------

    def _binding(self, source: Any, kind: str, detail: str, vector: str | None) -> None:
        self.hits.append(Hit(kind, detail, vector))

    def _dialog(self, dialog: Any) -> None:
        self.hits.append(Hit("dialog:" + dialog.type, dialog.message, None))
        dialog.dismiss()

    def _popup(self, popup: Any) -> None:
        if popup is not self.page:
            self.hits.append(Hit("popup", popup.url, None))
            popup.close()

    def _navigated(self, frame: Any) -> None:
        url = frame.url
        if frame == self.page.main_frame:
            if not url.startswith(BASE + "/batch/"):
                self.hits.append(Hit("navigation", url, None))
        elif DANGEROUS_SCHEME.match(url):
            self.hits.append(Hit("frame-navigation", url, None))

    def _route(self, route: Any) -> None:
        url = route.request.url
        if url in self._pages:
            route.fulfill(
                status=200,
                headers={
                    "Content-Type": "text/html; charset=utf-8",
                    "Content-Security-Policy-Report-Only": CSP,
                },
                body=self._pages[url],
            )
        elif url.startswith(BASE):
            route.fulfill(status=404, headers={"Content-Type": "text/plain"}, body="")
        else:
            if route.request.is_navigation_request() and DANGEROUS_SCHEME.match(url):
                self.hits.append(Hit("request", url, None))
            route.abort()

    # -- checking ----------------------------------------------------------------------------

    def check(self, outputs: Sequence[tuple[str, str]], batch: int = BATCH) -> list[Hit]:
        """Load ``(vector, html)`` pairs in batches; return every hit (empty: nothing ran).

        Sanitized output is balanced HTML, so containers cannot leak into each other; raw
        payloads can (an unclosed comment hides the rest of its batch): check those in small
        batches.
        """
        found: list[Hit] = []
        for at in range(0, len(outputs), batch):
            found.extend(self._load(outputs[at : at + batch]))
        return found

    def locate(self, outputs: Sequence[tuple[str, str]]) -> dict[str, list[Hit]]:
        """Each vector's own hits, found by loading the vectors one at a time (slow: failures only)."""
        located: dict[str, list[Hit]] = {}
        for name, markup in outputs:
            hits = self._load([(name, markup)])
            if hits:
                located[name] = hits
        return located

    def _load(self, batch: Sequence[tuple[str, str]]) -> list[Hit]:
        url = f"{BASE}/batch/{next(self._serial)}"
        boxes = "\n".join(
            f'<div data-vector="{htmllib.escape(name)}">{markup}</div>' for name, markup in batch
        )
        self._pages = {
            url: '<!doctype html><html><head><meta charset="utf-8"><title>oracle</title>'
            f"</head><body>\n{boxes}\n</body></html>"
        }
        before = len(self.hits)
        try:
            self.page.goto(url, wait_until="domcontentloaded", timeout=30_000)
            with contextlib.suppress(Exception):  # aborted iframes may hold "load" back
                self.page.wait_for_load_state("load", timeout=5_000)
            self.page.evaluate(_POKE, {"events": EVENTS, "settle": self.settle_ms})
        except Exception as exc:  # the page navigated away or crashed: that is a finding too
            self.hits.append(Hit("harness", f"{type(exc).__name__}: {exc}"[:300], None))
        self.loads += 1
        self.page.wait_for_timeout(20)  # let late binding calls land
        return self.hits[before:]
