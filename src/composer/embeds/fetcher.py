"""SafeFetcher: fetch a URL from a post without letting the post reach the server's own network.

Every URL in a post is chosen by its author, so fetching one is a request the author makes from
inside the forum's network (SSRF). What :class:`SafeFetcher` promises:

1. Only ``http`` and ``https``; no userinfo (``http://example.com@127.0.0.1/`` is refused, and
   would send credentials besides); only ports 80 and 443 unless configured.
2. The address is checked on the socket address actually connected to, after DNS, inside the
   connection's socket creation. There is one resolution and it is the one used, so DNS rebinding
   (a name that is public when checked and internal when connected) cannot pass. A name with any
   refused address is refused as a whole.
3. Refused: every address that is not globally routable (``ipaddress`` ``is_global``) plus an
   explicit table (loopback, RFC 1918, link-local incl. 169.254.169.254, CGNAT 100.64/10,
   0.0.0.0/8, multicast, reserved, documentation, unique- and link-local IPv6, site-local IPv6).
   IPv4-mapped, 6to4 and NAT64 IPv6 addresses are judged by the IPv4 address they carry;
   IPv4-compatible (``::a.b.c.d``, deprecated) and Teredo addresses are refused outright.
4. Textual forms (``2130706433``, ``0177.0.0.1``, ``0x7f.1``, ``127.1``, trailing dots,
   full-width digits that IDNA folds to ASCII) are decoded as ``inet_aton`` and browsers decode
   them and judged before any socket exists; they resolve to the same address at connect time,
   where the check repeats.
5. Redirects are followed by hand, at most ``max_redirects``; every hop is checked like the first.
6. One deadline bounds the whole fetch, DNS included: DNS runs in a helper thread the caller stops
   waiting for, and every socket operation gets at most the time left, so a body that drips one
   byte a second is cut at the deadline (the per-read timeout alone would never fire).
7. The body is streamed and capped at ``max_bytes`` after decompression; ``Content-Length`` only
   serves to refuse early, never to size a buffer.
8. Only the accepted content types (``text/html`` also admits XHTML, ``application/json`` admits
   ``+json`` types such as the ``application/json+oembed`` some providers send).
9. No proxies, environment settings, cookies or connection reuse: each socket is opened under the
   fetch that uses it and closed after it, so nothing crosses from one fetch to another.

``allow`` admits an internal destination on purpose, as exact ``host:port`` or ``ip:port`` pairs
(``"127.0.0.1:54321"`` admits that port only). An admitted pair skips the address and port checks.

Why not ``requests-hardened`` (1.3.0 evaluated, as design.md asks): it is close to this design
(an ``HTTPAdapter`` that resolves the name and pins the connection to the checked IP, keeping
SNI), but (a) its only allowlist is ``ip_filter_allow_loopback_ips``, a boolean that admits every
loopback port and no other internal host, so a test server cannot be admitted narrowly; (b) it
tests ``is_private`` and ``is_multicast`` only, so IPv4-compatible ``::7f00:1`` and
``::a9fe:a9fe`` (169.254.169.254) and site-local ``fec0::1`` pass its filter (verified by calling
it); (c) it has no per-fetch deadline, body cap, port or scheme rule, so all of those would be
written here anyway. Hence this small urllib3 connection subclass.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urljoin

import requests
from requests.utils import DEFAULT_CA_BUNDLE_PATH
from urllib3.exceptions import NameResolutionError, NewConnectionError
from urllib3.exceptions import TimeoutError as Urllib3Timeout

from composer.__about__ import __version__
from composer.embeds._guard import (
    SCOPE,
    DeadlineSSLSocket,
    GuardedAdapter,
    Refused,
    Scope,
    is_blocked_address,
    parse_allow,
    precheck,
)
from composer.errors import ConfigError

__all__ = ["FetchError", "Fetcher", "Response", "SafeFetcher", "is_blocked_address"]

#: operators should pass one naming their forum, so a site owner knows who is asking
DEFAULT_USER_AGENT = f"composer/{__version__} (link preview)"
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class Response:
    """A fetched page: its final URL after redirects and a capped body."""

    url: str
    status: int
    content_type: str  # lowercased mime type without parameters
    charset: str | None  # from the Content-Type header, if any
    body: bytes  # at most max_bytes


class FetchError(Exception):
    """Any failed fetch; ``reason`` is a short machine code for logs and cached failures.

    Reasons: ``blocked``, ``scheme``, ``userinfo``, ``port``, ``url``, ``dns``, ``connect``,
    ``tls``, ``timeout``, ``status``, ``content_type``, ``too_large``, ``redirects``, ``protocol``.
    """

    def __init__(self, reason: str, message: str = "") -> None:
        super().__init__(f"{reason}: {message}" if message else reason)
        self.reason = reason


class Fetcher(Protocol):
    """What the resolver needs from the network; tests and operators may supply their own."""

    def fetch(
        self, url: str, *, deadline: float, accept: tuple[str, ...] = ("text/html", "application/json")
    ) -> Response: ...


def _parse_content_type(header: str) -> tuple[str, str | None]:
    mime, _, params = header.partition(";")
    charset = None
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip("\"'").lower() or None
    return mime.strip().lower(), charset


def _accepted(mime: str, accept: tuple[str, ...]) -> bool:
    for wanted in accept:
        wanted = wanted.lower()
        if mime == wanted or (wanted.endswith("/*") and mime.startswith(wanted[:-1])):
            return True
        if wanted == "application/json" and (mime.endswith("+json") or mime.startswith("application/json+")):
            return True
        if wanted == "text/html" and mime == "application/xhtml+xml":
            return True
    return False


def _reason(exc: BaseException) -> str:
    """The machine code for an exception out of requests or urllib3, searching its causes."""
    seen: BaseException | None = exc
    for _ in range(8):
        if seen is None:
            break
        if isinstance(seen, Refused):
            return seen.reason
        if isinstance(seen, NameResolutionError | socket.gaierror):
            return "dns"
        if isinstance(seen, NewConnectionError):  # checked first: urllib3 makes it a ConnectTimeoutError
            return "connect"
        if isinstance(seen, TimeoutError | Urllib3Timeout | requests.Timeout):
            return "timeout"
        if isinstance(seen, ssl.SSLError | requests.exceptions.SSLError):
            return "tls"
        nested = getattr(seen, "reason", None)
        seen = nested if isinstance(nested, BaseException) else (seen.__cause__ or seen.__context__)
    if isinstance(exc, requests.exceptions.InvalidURL | requests.exceptions.MissingSchema | ValueError):
        return "url"
    if isinstance(exc, requests.ConnectionError):
        return "connect"
    return "protocol"


class SafeFetcher:
    """Fetches pages for link previews under the rules in this module's docstring; thread-safe."""

    def __init__(
        self,
        *,
        allow: Iterable[str] = (),
        ports: Iterable[int] = (80, 443),
        max_bytes: int = 1024 * 1024,
        max_redirects: int = 5,
        connect_timeout: float = 2.0,
        read_timeout: float = 2.0,
        user_agent: str = DEFAULT_USER_AGENT,
        ca_bundle: str | None = None,
    ) -> None:
        self._allow = frozenset(parse_allow(entry) for entry in allow)
        self._ports = frozenset(int(port) for port in ports)
        if max_bytes <= 0 or max_redirects < 0 or connect_timeout <= 0 or read_timeout <= 0:
            raise ConfigError("SafeFetcher limits must be positive (max_redirects may be 0)")
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.user_agent = user_agent
        context = ssl.create_default_context(cafile=ca_bundle or DEFAULT_CA_BUNDLE_PATH)
        context.sslsocket_class = DeadlineSSLSocket
        self._adapter = GuardedAdapter(context)

    def close(self) -> None:
        """Drop the connection pools' bookkeeping (sockets are closed after each fetch anyway)."""
        self._adapter.close()

    def __enter__(self) -> SafeFetcher:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def fetch(
        self, url: str, *, deadline: float, accept: tuple[str, ...] = ("text/html", "application/json")
    ) -> Response:
        """GET ``url`` by ``deadline`` (a ``time.monotonic()`` value), or raise :class:`FetchError`."""
        scope = Scope(deadline, self._allow, self._ports)
        token = SCOPE.set(scope)
        try:
            return self._fetch(url, scope, accept)
        except FetchError:
            raise
        except Exception as exc:
            reason = "timeout" if scope.remaining() <= 0 else _reason(exc)
            raise FetchError(reason, str(exc)) from exc
        finally:
            SCOPE.reset(token)

    def _fetch(self, url: str, scope: Scope, accept: tuple[str, ...]) -> Response:
        headers = {
            "User-Agent": self.user_agent,
            "Accept": ", ".join(accept),
            "Accept-Encoding": "gzip, deflate",
            "Connection": "close",
        }
        for _hop in range(self.max_redirects + 1):
            precheck(url, scope)
            prepared = requests.Request("GET", url, headers=headers).prepare()
            assert prepared.url is not None
            precheck(prepared.url, scope)  # IDNA may have turned the host into digits
            remaining = scope.remaining()
            if remaining <= 0:
                raise FetchError("timeout", "deadline passed before the request")
            timeout = (min(self.connect_timeout, remaining), min(self.read_timeout, remaining))
            response = self._adapter.send(prepared, stream=True, timeout=timeout, verify=True, proxies={})
            with response:
                if response.status_code in _REDIRECTS:
                    location = response.headers.get("Location")
                    if not location:
                        raise FetchError("status", f"HTTP {response.status_code} without a Location")
                    url = urljoin(prepared.url, location)
                    continue
                if not 200 <= response.status_code < 300:
                    raise FetchError("status", f"HTTP {response.status_code}")
                mime, charset = _parse_content_type(response.headers.get("Content-Type", ""))
                if not _accepted(mime, accept):
                    raise FetchError("content_type", f"{mime or 'no content type'} is not one of {accept}")
                body = self._read(response, scope)
                return Response(prepared.url, response.status_code, mime, charset, body)
        raise FetchError("redirects", f"more than {self.max_redirects} redirects")

    def _read(self, response: requests.Response, scope: Scope) -> bytes:
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise FetchError("too_large", f"Content-Length {declared} exceeds {self.max_bytes}")
        chunks: list[bytes] = []
        size = 0
        for chunk in response.raw.stream(_CHUNK, decode_content=True):
            size += len(chunk)
            if size > self.max_bytes:
                raise FetchError("too_large", f"body exceeds {self.max_bytes} bytes")
            chunks.append(chunk)
            if scope.remaining() <= 0:
                raise FetchError("timeout", "deadline passed while reading the body")
        return b"".join(chunks)
