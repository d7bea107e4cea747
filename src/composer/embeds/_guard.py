"""The address rules behind SafeFetcher, enforced where the socket is made.

:mod:`composer.embeds.fetcher` explains what is promised; this module keeps it. The pieces:
``precheck`` refuses what the URL text alone gives away (scheme, userinfo, port, numeric hosts in
any spelling); ``GuardedAdapter`` mounts connection classes whose socket creation resolves the
name, checks every address with ``is_blocked_address`` and connects only then; the sockets they
make (and the TLS sockets wrapped around them) give each operation no more than the time the
fetch in progress has left. The fetch in progress is a ``Scope`` in a context variable, set by
``SafeFetcher.fetch`` in the thread that does the I/O.
"""

from __future__ import annotations

import contextvars
import ipaddress
import re
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.util.connection import allowed_gai_family

from composer.errors import ConfigError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
#: refused whatever ``is_global`` says (its answer has changed between Python releases)
_BLOCKED_V4 = tuple(
    ipaddress.IPv4Network(n)
    for n in (
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
        "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16",
        "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
    )
)  # fmt: skip
_BLOCKED_V6 = tuple(
    ipaddress.IPv6Network(n)
    for n in (
        "::/96",  # unspecified, loopback and the deprecated IPv4-compatible addresses
        "64:ff9b:1::/48", "100::/64", "2001::/23", "2001:db8::/32", "3fff::/20", "5f00::/16",
        "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8",
    )
)  # fmt: skip
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_ENDS_IN_NUMBER = re.compile(r"(?:0x[0-9a-f]*|[0-9]+)", re.IGNORECASE)


def is_blocked_address(ip: IPAddress) -> bool:
    """Whether a connection to ``ip`` could reach something other than the public internet."""
    if isinstance(ip, ipaddress.IPv6Address):
        carried = ip.ipv4_mapped or ip.sixtofour
        if carried is None and ip in _NAT64:
            carried = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if carried is not None:
            return is_blocked_address(carried)
        if ip.teredo is not None or ip.is_site_local or any(ip in net for net in _BLOCKED_V6):
            return True
    elif any(ip in net for net in _BLOCKED_V4):
        return True
    return (
        not ip.is_global
        or ip.is_multicast
        or ip.is_private
        or ip.is_reserved
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_unspecified
    )


def host_key(host: str) -> str:
    """One spelling per destination: lowercase, no brackets, no trailing dot, canonical IP text."""
    host = host.strip().lower().strip("[]").rstrip(".")
    try:
        return str(ipaddress.ip_address(host.split("%", 1)[0]))
    except ValueError:
        return host


def literal_address(host: str) -> IPAddress | None:
    """The address a host written as a number stands for, decoded as inet_aton and browsers do."""
    host = host.strip("[]")
    if ":" in host:
        try:
            return ipaddress.IPv6Address(host.split("%", 1)[0])
        except ValueError:
            raise Refused("url", f"malformed IPv6 literal {host!r}") from None
    host = host.rstrip(".")
    if not _ENDS_IN_NUMBER.fullmatch(host.rsplit(".", 1)[-1]):
        return None  # a name: judged at connect time, on what it resolves to
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        raise Refused("url", f"malformed numeric host {host!r}") from None


class Refused(Exception):
    """Raised inside the connection machinery; deliberately not an OSError, so urllib3 and
    requests let it through unwrapped instead of retrying or rewording it."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Scope:
    """The rules and deadline of the fetch in progress, seen by the sockets it opens."""

    deadline: float
    allow: frozenset[tuple[str, int]]
    ports: frozenset[int]

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def check(self, host: str, port: int, ip: IPAddress | None) -> None:
        """Refuse ``host:port`` (connecting to ``ip``, when known) unless it is public or allowed.

        ``ip`` is None for a name before DNS: then an ``ip:port`` entry on the same port may still
        admit it, so the port is left for the connect-time check to judge with the address.
        """
        key = host_key(host)
        if (key, port) in self.allow or (ip is not None and (str(ip), port) in self.allow):
            return
        if ip is None and any(allowed == port for _host, allowed in self.allow):
            return
        if port not in self.ports:
            raise Refused("port", f"port {port} of {host!r} is not allowed")
        if ip is not None and is_blocked_address(ip):
            raise Refused("blocked", f"{host!r} is {ip}, which is not a public address")


SCOPE: contextvars.ContextVar[Scope | None] = contextvars.ContextVar("composer_fetch_scope", default=None)


def _arm(sock: socket.socket) -> None:
    """Give the next socket operation no more than the time the current fetch has left."""
    scope = SCOPE.get()
    if scope is None:
        return
    remaining = scope.remaining()
    if remaining <= 0:
        raise TimeoutError("fetch deadline passed")
    current = sock.gettimeout()
    if current is None or current > remaining:
        sock.settimeout(remaining)


class DeadlineSocket(socket.socket):
    """A socket whose every operation is bounded by the fetch deadline, not only by its own timeout."""

    def recv(self, *args: Any, **kwargs: Any) -> bytes:
        _arm(self)
        return super().recv(*args, **kwargs)

    def recv_into(self, *args: Any, **kwargs: Any) -> int:
        _arm(self)
        return super().recv_into(*args, **kwargs)

    def send(self, *args: Any, **kwargs: Any) -> int:
        _arm(self)
        return super().send(*args, **kwargs)

    def sendall(self, *args: Any, **kwargs: Any) -> None:
        _arm(self)
        super().sendall(*args, **kwargs)


class DeadlineSSLSocket(ssl.SSLSocket):
    """The same for TLS: installed as the context's ``sslsocket_class``, so urllib3 wraps into it."""

    def do_handshake(self, *args: Any, **kwargs: Any) -> None:
        _arm(self)
        super().do_handshake(*args, **kwargs)

    def recv(self, *args: Any, **kwargs: Any) -> bytes:
        _arm(self)
        return super().recv(*args, **kwargs)

    def recv_into(self, *args: Any, **kwargs: Any) -> int:
        _arm(self)
        return super().recv_into(*args, **kwargs)

    def send(self, *args: Any, **kwargs: Any) -> int:
        _arm(self)
        return super().send(*args, **kwargs)

    def sendall(self, *args: Any, **kwargs: Any) -> None:
        _arm(self)
        super().sendall(*args, **kwargs)


def _resolve(host: str, port: int, scope: Scope) -> list[tuple[Any, ...]]:
    """getaddrinfo bounded by the deadline: a slow resolver is left behind in its own thread."""
    family = allowed_gai_family()
    try:
        numeric = literal_address(host) is not None
    except Refused:
        numeric = False
    if numeric:  # a literal needs no resolver and no thread
        return list(socket.getaddrinfo(host, port, family, socket.SOCK_STREAM))
    outcome: list[Any] = []

    def lookup() -> None:
        try:
            outcome.append(socket.getaddrinfo(host, port, family, socket.SOCK_STREAM))
        except BaseException as exc:  # handed to the waiting thread
            outcome.append(exc)

    worker = threading.Thread(target=lookup, name="composer-dns", daemon=True)
    worker.start()
    worker.join(max(scope.remaining(), 0))
    if not outcome:
        raise Refused("timeout", f"resolving {host!r} outlived the deadline")
    if isinstance(outcome[0], BaseException):
        raise outcome[0]
    return list(outcome[0])


def _open_socket(conn: HTTPConnection) -> socket.socket:
    """Resolve, check every address, then connect: the check sees exactly what is connected to."""
    scope = SCOPE.get()
    if scope is None:
        raise Refused("scope", "connections are only made inside SafeFetcher.fetch")
    host, port = conn.host, conn.port
    try:
        infos = _resolve(conn._dns_host, port, scope)
    except socket.gaierror as exc:
        raise NameResolutionError(host, conn, exc) from exc
    candidates = []
    for family, type_, proto, _name, sockaddr in infos:
        if family not in (socket.AF_INET, socket.AF_INET6):
            continue
        scope.check(host, port, ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0]))
        candidates.append((family, type_, proto, sockaddr))
    if not candidates:
        raise Refused("dns", f"{host!r} has no IPv4 or IPv6 address")
    error: OSError | None = None
    for family, type_, proto, sockaddr in candidates:
        remaining = scope.remaining()
        if remaining <= 0:
            raise Refused("timeout", f"no time left to connect to {host!r}")
        timeout = conn.timeout if isinstance(conn.timeout, (int, float)) else remaining
        sock = DeadlineSocket(family, type_, proto)
        try:
            for option in conn.socket_options or ():
                sock.setsockopt(*option)
            sock.settimeout(min(timeout, remaining))
            if conn.source_address:
                sock.bind(conn.source_address)
            sock.connect(sockaddr)
            return sock
        except OSError as exc:
            error = exc
            sock.close()
    if isinstance(error, TimeoutError):
        raise ConnectTimeoutError(conn, f"connection to {host} timed out") from error
    raise NewConnectionError(conn, f"failed to connect to {host}: {error}") from error


class _GuardedHTTPConnection(HTTPConnection):
    def _new_conn(self) -> socket.socket:
        return _open_socket(self)


class _GuardedHTTPSConnection(HTTPSConnection):
    def _new_conn(self) -> socket.socket:
        return _open_socket(self)


class _OneShot:
    """Pool behaviour: close what is given back, so a socket never outlives the fetch that opened it."""

    def _put_conn(self, conn: Any) -> None:
        if conn is not None:
            conn.close()
        super()._put_conn(conn)  # type: ignore[misc]


class _OneShotHTTPPool(_OneShot, HTTPConnectionPool):
    ConnectionCls = _GuardedHTTPConnection


class _OneShotHTTPSPool(_OneShot, HTTPSConnectionPool):
    ConnectionCls = _GuardedHTTPSConnection


class GuardedAdapter(HTTPAdapter):
    """Mounts the guarded pools; TLS uses one prepared context whose sockets honour the deadline."""

    def __init__(self, ssl_context: ssl.SSLContext) -> None:
        self._ssl_context = ssl_context
        super().__init__(max_retries=0)

    def init_poolmanager(
        self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any
    ) -> None:
        super().init_poolmanager(connections, maxsize, block, ssl_context=self._ssl_context, **pool_kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _OneShotHTTPPool, "https": _OneShotHTTPSPool}

    def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:
        # the context already holds the CA bundle; requests would reload it on every connection
        conn.cert_reqs = "CERT_REQUIRED"
        conn.ca_certs = None
        conn.ca_cert_dir = None

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        raise Refused("proxy", "SafeFetcher never uses a proxy")


def parse_allow(entry: str) -> tuple[str, int]:
    host, sep, port = entry.strip().rpartition(":")
    bare_ipv6 = ":" in host and not (host.startswith("[") and host.endswith("]"))
    if not sep or not host or not port.isdigit() or bare_ipv6:
        raise ConfigError(f"allow entries are 'host:port' or '[ipv6]:port', not {entry!r}")
    return host_key(host), int(port)


def precheck(url: str, scope: Scope) -> None:
    """Refuse what can be refused from the URL text alone, before any DNS or socket."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise Refused("url", f"unparseable URL {url!r}: {exc}") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise Refused("scheme", f"only http and https are fetched, not {parts.scheme!r}")
    if "@" in parts.netloc:
        raise Refused("userinfo", "URLs with credentials are not fetched")
    host = parts.hostname
    if not host:
        raise Refused("url", f"no host in {url!r}")
    if port is None:
        port = 443 if parts.scheme.lower() == "https" else 80
    scope.check(host, port, literal_address(host))
