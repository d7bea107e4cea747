"""A real HTTP server on 127.0.0.1 for the embed tests: captured pages, an oEmbed endpoint, faults.

Every request is logged (path and query), so a test can prove that a second run touched no
network. Routes:

- ``/pages/<name>``: a captured page from ``tests/corpora/pages`` (``<name>.response``), as
  HTML or JSON by the corpus manifest;
- ``/oembed?url=...``: an oEmbed provider; the kind of answer depends on the asked URL's path
  (``/video/``, ``/photo/``, ``/rich-script/``, ``/link/``, ``/bad-json/``, ``/no-title/``);
- ``/discover/<kind>``: an HTML page whose ``<link rel="alternative">`` points at ``/oembed``;
- ``/og/<n>``: a small OpenGraph page; ``/slow/<n>``: the same after 300 ms;
- ``/og-video/<n>``, ``/og-player/<n>``: an OpenGraph page whose ``og:video`` is the n-th of
  :data:`NOT_PLAYERS` or :data:`PLAYERS` (``/hostile-video/<n>``, ``/hostile-player/<n>``:
  the same as an oEmbed answer's iframe);
- faults: ``/hang`` (10 s of silence), ``/drip`` (one byte a second), ``/huge`` (50 MB),
  ``/status/500``, ``/loop`` (redirects to itself), ``/to/<target>`` (a redirect to
  ``http://127.0.0.1/`` or ``http://169.254.169.254/``).
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from corpus_paths import CORPORA

PAGES = CORPORA / "pages"
KINDS = {entry["file"]: entry["kind"] for entry in json.loads((PAGES / "manifest.json").read_text())["files"]}
REDIRECT_TARGETS = {"loopback": "http://127.0.0.1/", "metadata": "http://169.254.169.254/latest/meta-data/"}
PLAYER = "https://www.youtube-nocookie.com/embed/oEmbedVid01"
#: URLs on allowlisted player hosts that are not players the site table builds (issue 11.5):
#: ``/oembed`` answers ``/hostile-video/<n>`` with an iframe of the n-th, ``/og-video/<n>`` is a
#: page whose ``og:video`` is the n-th; both ask for camera and microphone and odd sizes
NOT_PLAYERS = (
    "https://www.youtube.com/redirect?q=https%3A%2F%2Fevil.example%2F",
    "https://www.youtube-nocookie.com/embed/",
    "https://www.youtube.com/attribution_link?u=%2Fwatch%3Fv%3DdQw4w9WgXcQ",
    "https://www.youtube.com/logout?continue=https%3A%2F%2Fevil.example",
    "https://player.vimeo.com/api/player.js",
    "https://player.vimeo.com/video/../../login",
    "https://www.dailymotion.com/logout",
    "https://open.spotify.com/redirect?u=https%3A%2F%2Fevil.example",
    "https://w.soundcloud.com/player/?url=https%3A%2F%2Fevil.example%2Fa%2Fb",
    "https://w.soundcloud.com/icon/",
    "https://player.twitch.tv/?parent=evil.example",
    "https://clips.twitch.tv/create",
    "https://www.tiktok.com/login",
    "https://streamable.com/",
    "https://www.loom.com/looms/videos",
    "https://www.youtube-nocookie.com:8443/embed/dQw4w9WgXcQ",
    "https://user@www.youtube-nocookie.com/embed/dQw4w9WgXcQ",
)
#: players the site table does build, named by a page with hostile extras
PLAYERS = (
    "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?autoplay=1&origin=https%3A%2F%2Fevil.example",
    "https://player.vimeo.com/video/76979871?h=8272103f6e&autopause=0",
)
_HOSTILE_EXTRAS = 'allow="camera; microphone; geolocation" sandbox="allow-top-navigation" width="9000"'


def oembed_answer(asked: str) -> bytes:
    """The provider's answer for ``asked``; the kind is taken from the asked URL's path."""
    path = urlsplit(asked).path
    common: dict[str, Any] = {"version": "1.0", "provider_name": "Local Test", "title": "Answer for " + path}
    if "/video/" in path:
        html = f'<iframe width="480" height="270" src="{PLAYER}?feature=oembed" allowfullscreen></iframe>'
        data = {**common, "type": "video", "html": html, "width": 480, "height": 270}
    elif "/hostile-video/" in path or "/hostile-player/" in path:
        table = NOT_PLAYERS if "/hostile-video/" in path else PLAYERS
        html = f'<iframe src="{table[int(path.rsplit("/", 1)[1])]}" {_HOSTILE_EXTRAS}></iframe>'
        data = {**common, "type": "video", "html": html, "width": 9000, "height": 1}
    elif "/offsite-video/" in path:
        html = '<iframe src="https://player.unknown.example/v/1"></iframe>'
        data = {**common, "type": "video", "html": html, "width": 480, "height": 270}
    elif "/photo/" in path:
        data = {
            **common,
            "type": "photo",
            "url": "https://images.example.org/cat.jpg",
            "width": 64,
            "height": 48,
        }
    elif "/rich-script/" in path:
        html = '<div>hello</div><script>alert("pwned")</script><img src=x onerror=alert(1)>'
        data = {**common, "type": "rich", "html": html, "thumbnail_url": "javascript:alert(1)"}
    elif "/bad-json/" in path:
        return b'{"type": "video", "title": "unterminated'
    elif "/no-title/" in path:
        data = {"version": "1.0", "type": "link"}
    else:
        data = {**common, "type": "link", "author_name": "Someone"}
    return json.dumps(data).encode()


class EmbedServer:
    """Start with :meth:`start`; ``base`` is ``http://127.0.0.1:<port>``; ``log`` lists requests."""

    def __init__(self) -> None:
        self.log: list[str] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                with server._lock:
                    server.log.append(self.path)
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    server.route(self)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.allow = f"127.0.0.1:{self.port}"

    def start(self) -> EmbedServer:
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def requests_for(self, prefix: str) -> list[str]:
        with self._lock:
            return [p for p in self.log if p.startswith(prefix)]

    # -- routes ---------------------------------------------------------------------------

    def route(self, h: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(h.path)
        path = parts.path
        if path.startswith("/pages/"):
            name = path.removeprefix("/pages/") + ".response"
            if name not in KINDS:
                return self.send(h, 404, "text/plain", b"no such page")
            kind = "application/json" if KINDS[name] == "json" else "text/html"
            return self.send(h, 200, kind, (PAGES / name).read_bytes())
        if path == "/oembed":
            asked = parse_qs(parts.query).get("url", [""])[0]
            return self.send(h, 200, "application/json", oembed_answer(asked))
        if path.startswith("/discover/"):
            asked = quote(f"{self.base}/{path.removeprefix('/discover/')}/1", safe="")
            page = (
                '<html><head><title>Discovery page</title><link rel="alternative" '
                f'type="application/json+oembed" href="/oembed?url={asked}"></head><body>x</body></html>'
            )
            return self.send(h, 200, "text/html; charset=utf-8", page.encode())
        if path.startswith(("/og/", "/slow/")):
            if path.startswith("/slow/"):
                time.sleep(0.3)
            page = (
                f'<html><head><meta property="og:title" content="Page {path}">'
                '<meta property="og:site_name" content="Local"></head><body></body></html>'
            )
            return self.send(h, 200, "text/html", page.encode())
        if path.startswith(("/og-video/", "/og-player/")):
            table = NOT_PLAYERS if path.startswith("/og-video/") else PLAYERS
            video = table[int(path.rsplit("/", 1)[1])].replace("&", "&amp;")
            page = (
                f'<html><head><meta property="og:title" content="Video {path}">'
                f'<meta property="og:video" content="{video}">'
                '<meta property="og:video:type" content="text/html">'
                '<meta property="og:video:width" content="9000"><meta property="og:video:height" content="1">'
                "</head><body></body></html>"
            )
            return self.send(h, 200, "text/html", page.encode())
        if path == "/hang":
            time.sleep(10)
            return self.send(h, 200, "text/html", b"<title>too late</title>")
        if path == "/drip":
            return self.stream(h, "text/html", self._drip())
        if path == "/huge":
            return self.stream(h, "text/html", self._huge())
        if path.startswith("/status/"):
            return self.send(h, int(path.rsplit("/", 1)[1]), "text/html", b"<title>error page</title>")
        if path == "/loop":
            return self.redirect(h, "/loop")
        if path.startswith("/to/"):
            return self.redirect(h, REDIRECT_TARGETS[path.removeprefix("/to/")])
        return self.send(h, 404, "text/plain", b"not found")

    @staticmethod
    def _drip() -> Iterator[bytes]:
        yield b"<html><head><title>"
        for _ in range(30):
            time.sleep(1)
            yield b"x"

    @staticmethod
    def _huge() -> Iterator[bytes]:
        yield b"<html><head><title>huge</title></head><body>"
        chunk = b"a" * 1024 * 1024
        for _ in range(50):
            yield chunk

    @staticmethod
    def send(h: BaseHTTPRequestHandler, status: int, content_type: str, body: bytes) -> None:
        h.send_response(status)
        h.send_header("Content-Type", content_type)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    @staticmethod
    def stream(h: BaseHTTPRequestHandler, content_type: str, chunks: Iterator[bytes]) -> None:
        """No Content-Length: the client must cap what it reads itself."""
        h.send_response(200)
        h.send_header("Content-Type", content_type)
        h.send_header("Connection", "close")
        h.end_headers()
        for chunk in chunks:
            h.wfile.write(chunk)
            h.wfile.flush()
        h.close_connection = True

    @staticmethod
    def redirect(h: BaseHTTPRequestHandler, location: str) -> None:
        h.send_response(302)
        h.send_header("Location", location)
        h.send_header("Content-Length", "0")
        h.end_headers()
