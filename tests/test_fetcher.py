"""SafeFetcher against real servers on 127.0.0.1: the faults end in FetchError by the deadline, every
SSRF trick is refused before a socket connects, and the allowlist admits exactly what it names."""

from __future__ import annotations

import gzip
import ipaddress
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from composer.embeds import _guard
from composer.embeds.fetcher import (
    DEFAULT_USER_AGENT,
    Fetcher,
    FetchError,
    Response,
    SafeFetcher,
    is_blocked_address,
)
from composer.errors import ConfigError
from conftest import require_binary

BIG = 50 * 1024 * 1024
PAGE = b"<!doctype html><html><head><title>Hello</title></head><body>caf\xc3\xa9</body></html>"
GZIP_BOMB = gzip.compress(b"\0" * BIG, compresslevel=9)  # ~50 KB that inflate to 50 MB


@dataclass
class Server:
    """A threaded HTTP server whose handlers see the test's stop event and log every request."""

    httpd: ThreadingHTTPServer
    stop: threading.Event
    log: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    sent: dict[str, int] = field(default_factory=dict)
    other_port: int = 0

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    def url(self, path: str, scheme: str = "http", host: str = "127.0.0.1") -> str:
        return f"{scheme}://{host}:{self.port}{path}"

    def paths(self) -> list[str]:
        return [path for path, _headers in self.log]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Any

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        state: Server = self.server.state
        state.log.append((self.path, dict(self.headers.items())))
        path = self.path
        try:
            if path.startswith("/hops/"):
                left = int(path.rsplit("/", 1)[1])
                self.redirect(f"/hops/{left - 1}" if left > 1 else "/page")  # N redirects
            else:
                getattr(self, "route_" + path.strip("/").replace("-", "_"), self.route_missing)()
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            pass  # the client gave up, as it should

    def reply(self, status: int, body: bytes, content_type: str | None, **headers: str) -> None:
        self.send_response(status)
        if content_type is not None:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def redirect(self, location: str | None) -> None:
        self.send_response(302)
        if location is not None:
            self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def route_missing(self) -> None:
        self.reply(404, b"no such route", "text/plain")

    def route_page(self) -> None:
        self.reply(200, PAGE, "text/html; charset=UTF-8")

    def route_json(self) -> None:
        self.reply(200, b'{"type": "link", "title": "x"}', "application/json")

    def route_oembed_type(self) -> None:
        self.reply(200, b'{"type": "link"}', "application/json+oembed; charset=utf-8")

    def route_png(self) -> None:
        self.reply(200, b"\x89PNG\r\n\x1a\n", "image/png")

    def route_no_type(self) -> None:
        self.reply(200, PAGE, None)

    def route_status500(self) -> None:
        self.reply(500, b"<h1>oops</h1>", "text/html")

    def route_slow(self) -> None:
        self.server.state.stop.wait(30)  # silence past any deadline; ends when the module does
        self.reply(200, PAGE, "text/html")

    def route_drip(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", "600")
        self.end_headers()
        self.wfile.flush()
        for _ in range(600):
            self.wfile.write(b"x")
            self.wfile.flush()
            if self.server.state.stop.wait(1):
                return

    def route_drip_headers(self) -> None:
        self.wfile.write(b"HTTP/1.1 200 OK\r\n")
        for byte in b"X-Padding: " + b"a" * 600:
            self.wfile.write(bytes([byte]))
            self.wfile.flush()
            if self.server.state.stop.wait(1):
                return

    def stream_big(self, key: str, chunked: bool) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(BIG))
        self.end_headers()
        block = b"a" * 65536  # the 50 MB are written block by block, never built
        sent = 0
        try:
            while sent < BIG:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(block), block) if chunked else block)
                sent += len(block)
            if chunked:
                self.wfile.write(b"0\r\n\r\n")
        finally:
            self.server.state.sent[key] = sent

    def route_huge(self) -> None:
        self.stream_big("huge", chunked=False)

    def route_huge_chunked(self) -> None:
        self.stream_big("huge-chunked", chunked=True)

    def route_close_delimited(self) -> None:
        # no Content-Length, no chunking: the body ends when the server closes
        self.wfile.write(b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n")
        self.close_connection = True
        for _ in range(64):
            self.wfile.write(b"b" * 65536)

    def route_gzip_bomb(self) -> None:
        self.reply(200, GZIP_BOMB, "text/html", Content_Encoding="gzip")

    def route_gzip_page(self) -> None:
        self.reply(200, gzip.compress(PAGE), "text/html; charset=utf-8", Content_Encoding="gzip")

    def route_loop(self) -> None:
        self.redirect("/loop")

    def route_relative(self) -> None:
        self.redirect("page")

    def route_no_location(self) -> None:
        self.redirect(None)

    def route_to_other(self) -> None:
        self.redirect(f"http://127.0.0.1:{self.server.state.other_port}/page")

    def route_to_metadata(self) -> None:
        self.redirect("http://169.254.169.254/latest/meta-data/")

    def route_to_loopback(self) -> None:
        self.redirect("http://127.0.0.1/")

    def route_to_file(self) -> None:
        self.redirect("file:///etc/passwd")


def start(stop: threading.Event, tls: ssl.SSLContext | None = None) -> Server:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    if tls is not None:
        httpd.socket = tls.wrap_socket(httpd.socket, server_side=True)
    state = Server(httpd, stop)
    httpd.state = state  # type: ignore[attr-defined]
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return state


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[Server, Server]]:
    """Two servers: the one under test and another on a second port that must stay unreachable."""
    stop = threading.Event()
    main, other = start(stop), start(stop)
    main.other_port = other.port
    yield main, other
    stop.set()
    for state in (main, other):
        state.httpd.shutdown()
        state.httpd.server_close()


@pytest.fixture
def server(servers: tuple[Server, Server]) -> Server:
    return servers[0]


@pytest.fixture
def fetcher(server: Server) -> SafeFetcher:
    return SafeFetcher(allow=[f"127.0.0.1:{server.port}"])


def refused(fetcher: SafeFetcher, url: str, seconds: float = 3.0, **kwargs: Any) -> FetchError:
    """The FetchError ``url`` raises, checked to come no later than the deadline plus 2 s slack."""
    deadline = time.monotonic() + seconds
    with pytest.raises(FetchError) as caught:
        fetcher.fetch(url, deadline=deadline, **kwargs)
    assert time.monotonic() <= deadline + 2, f"{url} overran its deadline"
    return caught.value


# --- what works ---------------------------------------------------------------------------------


def test_fetches_a_page(fetcher: SafeFetcher, server: Server) -> None:
    as_protocol: Fetcher = fetcher  # what the resolver is typed against
    got = as_protocol.fetch(server.url("/page"), deadline=time.monotonic() + 3)
    assert got == Response(server.url("/page"), 200, "text/html", "utf-8", PAGE)
    path, headers = server.log[-1]
    assert path == "/page"
    assert headers["User-Agent"] == DEFAULT_USER_AGENT
    assert "Authorization" not in headers and "Cookie" not in headers


def test_json_and_its_suffix_types(fetcher: SafeFetcher, server: Server) -> None:
    deadline = time.monotonic() + 3
    assert fetcher.fetch(server.url("/json"), deadline=deadline).content_type == "application/json"
    oembed = fetcher.fetch(server.url("/oembed-type"), deadline=deadline, accept=("application/json",))
    assert oembed.content_type == "application/json+oembed"
    assert oembed.body == b'{"type": "link"}'


def test_follows_redirects_to_the_final_url(fetcher: SafeFetcher, server: Server) -> None:
    got = fetcher.fetch(server.url("/relative"), deadline=time.monotonic() + 3)
    assert got.url == server.url("/page")
    assert got.body == PAGE


def test_five_redirects_are_followed_and_a_sixth_is_not(fetcher: SafeFetcher, server: Server) -> None:
    assert fetcher.fetch(server.url("/hops/5"), deadline=time.monotonic() + 3).url == server.url("/page")
    assert refused(fetcher, server.url("/hops/6")).reason == "redirects"


def test_gzip_is_decoded(fetcher: SafeFetcher, server: Server) -> None:
    assert fetcher.fetch(server.url("/gzip-page"), deadline=time.monotonic() + 3).body == PAGE


def test_concurrent_fetches_share_one_fetcher(fetcher: SafeFetcher, server: Server) -> None:
    deadline = time.monotonic() + 5
    results: list[bytes] = []
    threads = [
        threading.Thread(
            target=lambda: results.append(fetcher.fetch(server.url("/page"), deadline=deadline).body)
        )
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [PAGE] * 8


# --- faults: each one a FetchError by the deadline ----------------------------------------------------


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/status500", "status"),
        ("/png", "content_type"),
        ("/no-type", "content_type"),
        ("/loop", "redirects"),
        ("/no-location", "status"),
        ("/to-metadata", "blocked"),
        ("/to-loopback", "blocked"),
        ("/to-file", "scheme"),
    ],
)
def test_fault(fetcher: SafeFetcher, server: Server, path: str, reason: str) -> None:
    assert refused(fetcher, server.url(path)).reason == reason


def test_loop_stops_after_the_limit(fetcher: SafeFetcher, server: Server) -> None:
    before = len(server.log)
    refused(fetcher, server.url("/loop"))
    assert server.paths()[before:] == ["/loop"] * 6  # the first request and five redirects


def test_silent_server_times_out_at_the_deadline(server: Server) -> None:
    patient = SafeFetcher(allow=[f"127.0.0.1:{server.port}"], read_timeout=30)
    assert refused(patient, server.url("/slow"), seconds=1.0).reason == "timeout"


@pytest.mark.parametrize("path", ["/drip", "/drip-headers"])
def test_drip_is_cut_at_the_deadline(fetcher: SafeFetcher, server: Server, path: str) -> None:
    # one byte a second never trips the 2 s read timeout: only the deadline ends this
    assert refused(fetcher, server.url(path), seconds=2.5).reason == "timeout"


@pytest.mark.parametrize("path", ["/huge", "/huge-chunked", "/close-delimited", "/gzip-bomb"])
def test_big_bodies_are_refused(fetcher: SafeFetcher, server: Server, path: str) -> None:
    assert refused(fetcher, server.url(path), seconds=10).reason == "too_large"


def test_undeclared_big_body_is_cut_while_streaming(server: Server) -> None:
    small = SafeFetcher(allow=[f"127.0.0.1:{server.port}"], max_bytes=100_000)
    assert refused(small, server.url("/huge-chunked"), seconds=10).reason == "too_large"
    deadline = time.monotonic() + 5
    while "huge-chunked" not in server.sent and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.sent["huge-chunked"] < BIG  # the server was stopped long before 50 MB


def test_deadline_already_past(fetcher: SafeFetcher, server: Server) -> None:
    assert refused(fetcher, server.url("/page"), seconds=-1).reason == "timeout"


# --- the allowlist is narrow ---------------------------------------------------------------------


def test_redirect_to_another_local_port_is_refused(
    fetcher: SafeFetcher, servers: tuple[Server, Server]
) -> None:
    server, other = servers
    assert refused(fetcher, server.url("/to-other")).reason in {"port", "blocked"}
    assert other.log == []


def test_allowing_one_port_does_not_allow_the_next(servers: tuple[Server, Server]) -> None:
    server, other = servers
    # both ports are permitted as ports, so only the address check stands between us and `other`
    fetcher = SafeFetcher(allow=[f"127.0.0.1:{server.port}"], ports=(server.port, other.port))
    assert fetcher.fetch(server.url("/page"), deadline=time.monotonic() + 3).body == PAGE
    assert refused(fetcher, other.url("/page")).reason == "blocked"
    assert refused(fetcher, server.url("/to-other")).reason == "blocked"
    assert other.log == []


def test_a_name_is_checked_on_what_it_resolves_to(servers: tuple[Server, Server]) -> None:
    server, _other = servers
    before = len(server.log)
    fetcher = SafeFetcher(ports=(server.port,))  # no URL-level reason to refuse "localhost"
    error = refused(fetcher, server.url("/page", host="localhost"))
    assert error.reason == "blocked" and "127.0.0.1" in str(error)
    assert len(server.log) == before


def test_an_allowed_address_admits_a_name_that_resolves_to_it(servers: tuple[Server, Server]) -> None:
    server, other = servers
    fetcher = SafeFetcher(allow=[f"127.0.0.1:{server.port}"])
    assert fetcher.fetch(server.url("/page", host="localhost"), deadline=time.monotonic() + 3).body == PAGE
    assert refused(fetcher, other.url("/page", host="localhost")).reason == "port"
    assert other.log == []


def test_allowing_a_name(server: Server) -> None:
    fetcher = SafeFetcher(allow=[f"LocalHost.:{server.port}"])
    assert fetcher.fetch(server.url("/page", host="localhost"), deadline=time.monotonic() + 3).body == PAGE
    assert refused(fetcher, server.url("/page")).reason == "port"  # the IP was not named


@pytest.mark.parametrize("entry", ["127.0.0.1", "::1:80", "example.com:http", ":80", "[::1]"])
def test_bad_allow_entries(entry: str) -> None:
    with pytest.raises(ConfigError):
        SafeFetcher(allow=[entry])


def test_allow_entries_are_canonical() -> None:
    assert _guard.parse_allow("[0:0::1]:8080") == ("::1", 8080)
    assert _guard.parse_allow("Example.COM.:81") == ("example.com", 81)


# --- SSRF: every trick refused before any socket connects -------------------------------------------

BLOCKED_URLS = [
    # plain internal addresses
    "http://127.0.0.1/",
    "http://127.255.255.254/",
    "http://localhost/",
    "http://10.0.0.1/",
    "http://172.16.0.1/",
    "http://172.31.255.255/",
    "http://192.168.1.1/",
    "http://169.254.169.254/latest/meta-data/",
    "https://169.254.169.254/",
    "http://100.64.0.1/",
    "http://100.127.255.254/",
    "http://0.0.0.0/",
    "http://0.1.2.3/",
    "http://224.0.0.1/",
    "http://239.255.255.250/",
    "http://240.0.0.1/",
    "http://255.255.255.255/",
    "http://192.0.0.8/",
    "http://198.18.0.1/",
    # textual forms of 127.0.0.1 and 169.254.169.254
    "http://2130706433/",
    "http://0177.0.0.1/",
    "http://0x7f.1/",
    "http://0x7f000001/",
    "http://017700000001/",
    "http://127.1/",
    "http://127.0.1/",
    "http://0/",
    "http://2852039166/",
    "http://0xa9.0xfe.0xa9.0xfe/",
    "http://0251.0376.0251.0376/",
    "http://127.0.0.1./",
    "http://127.0.0.1../",
    "http://0x7f.1./",
    # IPv6
    "http://[::1]/",
    "http://[::]/",
    "http://[0:0:0:0:0:0:0:1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:7f00:1]/",
    "http://[::ffff:169.254.169.254]/",
    "http://[::ffff:10.0.0.1]/",
    "http://[::127.0.0.1]/",
    "http://[::a9fe:a9fe]/",
    "http://[fe80::1]/",
    "http://[fe80::1%25eth0]/",
    "http://[fd00::1]/",
    "http://[fc00::1]/",
    "http://[fec0::1]/",
    "http://[ff02::1]/",
    "http://[2002:7f00:1::]/",
    "http://[2002:a9fe:a9fe::1]/",
    "http://[64:ff9b::a9fe:a9fe]/",
    "http://[64:ff9b::7f00:1]/",
    "http://[2001::1]/",
    "http://[2001:db8::1]/",
]

REFUSED_URLS = {
    "http://example.com@127.0.0.1/": "userinfo",
    "http://user:pass@169.254.169.254/": "userinfo",
    "http://example.com:80@127.0.0.1:80/": "userinfo",
    "http://@127.0.0.1/": "userinfo",
    "ftp://example.com/": "scheme",
    "file:///etc/passwd": "scheme",
    "gopher://127.0.0.1:70/": "scheme",
    "javascript:alert(1)": "scheme",
    "//example.com/": "scheme",
    "http://93.184.215.14:22/": "port",
    "http://example.com:8080/": "port",
    "http://example.com:0/": "port",
    "http://256.0.0.1/": "url",
    "http://1.2.3.4.5/": "url",
    "http://0x100000000/": "url",
    "http://[::1/": "url",
    "http://[::gg]/": "url",
    "http://example.com:99999/": "url",
    "http:///path": "url",
}


@pytest.fixture
def no_connect(monkeypatch: pytest.MonkeyPatch) -> None:
    """A tripwire: refusing means refusing before any connection is attempted."""

    def tripwire(self: socket.socket, address: Any) -> None:
        raise AssertionError(f"a socket connected to {address}")

    monkeypatch.setattr(_guard.DeadlineSocket, "connect", tripwire)


@pytest.mark.usefixtures("no_connect")
@pytest.mark.parametrize("url", BLOCKED_URLS)
def test_ssrf_address_refused(url: str) -> None:
    error = refused(SafeFetcher(), url)
    assert error.reason == "blocked", error


@pytest.mark.usefixtures("no_connect")
@pytest.mark.parametrize(("url", "reason"), REFUSED_URLS.items())
def test_ssrf_url_refused(url: str, reason: str) -> None:
    assert refused(SafeFetcher(), url).reason == reason


@pytest.mark.usefixtures("no_connect")
@pytest.mark.parametrize("url", ["http://localhost./", "http://１２７.０.０.１/", "http://ⓛⓞⓒⓐⓛⓗⓞⓢⓣ/"])
def test_ssrf_spellings_that_may_not_resolve(url: str) -> None:
    # depending on the resolver and IDNA these are malformed, unresolvable or loopback: never fetched
    assert refused(SafeFetcher(), url).reason in {"blocked", "url", "dns"}


def test_the_check_is_at_connect_time(monkeypatch: pytest.MonkeyPatch, server: Server) -> None:
    """DNS rebinding needs two lookups, one to check and one to connect; there is only one."""
    lookups: list[str] = []
    real = socket.getaddrinfo

    def hostile_dns(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "rebind.test":
            lookups.append(host)
            return real("127.0.0.1", port, *args, **kwargs)
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", hostile_dns)
    before = len(server.log)
    error = refused(SafeFetcher(ports=(server.port,)), f"http://rebind.test:{server.port}/page")
    assert error.reason == "blocked"
    assert lookups == ["rebind.test"]  # the lookup that was checked is the one a connect would use
    assert len(server.log) == before


@pytest.mark.parametrize(
    "address",
    ["8.8.8.8", "1.1.1.1", "93.184.215.14", "2606:4700:4700::1111", "::ffff:8.8.8.8", "2002:808:808::1"],
)
def test_public_addresses_pass(address: str) -> None:
    assert not is_blocked_address(ipaddress.ip_address(address))


def test_every_blocked_url_is_blocked_as_an_address_too() -> None:
    for url in BLOCKED_URLS:
        host = url.split("//", 1)[1].split("/", 1)[0]
        if host.startswith("["):
            ip = ipaddress.ip_address(host[1:-1].split("%", 1)[0])
            assert is_blocked_address(ip), url


# --- HTTPS: the checked address is connected to, the certificate checked against the URL's host -----


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Path]]:
    openssl = require_binary("openssl", "makes the self-signed certificate for the HTTPS tests")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    stop = threading.Event()
    state = start(stop, tls=context)
    yield state, cert
    stop.set()
    state.httpd.shutdown()
    state.httpd.server_close()


def test_https_verifies_the_url_host(tls_server: tuple[Server, Path]) -> None:
    server, cert = tls_server
    by_name = SafeFetcher(allow=[f"localhost:{server.port}"], ca_bundle=str(cert))
    url = server.url("/page", scheme="https", host="localhost")
    assert by_name.fetch(url, deadline=time.monotonic() + 5).body == PAGE
    # the same server by IP: the certificate names localhost, so this must not verify
    by_ip = SafeFetcher(allow=[f"127.0.0.1:{server.port}"], ca_bundle=str(cert))
    assert refused(by_ip, server.url("/page", scheme="https")).reason == "tls"
    # and with the public CA bundle the self-signed certificate is not trusted
    public_cas = SafeFetcher(allow=[f"localhost:{server.port}"])
    assert refused(public_cas, url).reason == "tls"


def test_https_drip_is_cut_at_the_deadline(tls_server: tuple[Server, Path]) -> None:
    server, cert = tls_server
    fetcher = SafeFetcher(allow=[f"localhost:{server.port}"], ca_bundle=str(cert))
    url = server.url("/drip", scheme="https", host="localhost")
    assert refused(fetcher, url, seconds=2.5).reason == "timeout"
