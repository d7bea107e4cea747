"""A camo-style image proxy URL rewriter: ``Policy(image_proxy=CamoProxy(base, key))``.

Forums (GitHub's camo, Zulip's camo, go-camo) serve remote images through their own host so
readers' IP addresses do not leak to third parties and ``http`` images do not break an ``https``
page. The proxy must not become an open relay, so each URL carries an HMAC the proxy checks::

    {base_url}/{hmac_sha256_hex(key, url)}/{encoded url}

The URL is encoded as lowercase hex (camo's format) or unpadded base64url (shorter). The proxy
server calls :meth:`CamoProxy.verify` (or re-implements its five lines) on the request path;
see ``docs/images.md`` for a complete server-side example.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

from composer.errors import ConfigError

Encoding = Literal["hex", "base64url"]


@dataclass(frozen=True)
class CamoProxy:
    """Rewrites an image URL to ``{base_url}/{signature}/{encoded url}``; a ``str -> str`` callable.

    Pure and deterministic (the same URL always gives the same proxied URL), so rebaking old
    posts is stable; a URL already under ``base_url`` is returned unchanged. The key is never
    shown in ``repr``.
    """

    base_url: str
    key: bytes | str = field(repr=False)
    encoding: Encoding = "hex"

    def __post_init__(self) -> None:
        key = self.key.encode("utf-8") if isinstance(self.key, str) else bytes(self.key)
        if len(key) < 16:
            raise ConfigError("CamoProxy key must be at least 16 bytes (a shared secret with the proxy)")
        object.__setattr__(self, "key", key)
        parts = urlsplit(self.base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
            raise ConfigError(f"CamoProxy base_url must be an http(s) URL, not {self.base_url!r}")
        object.__setattr__(self, "base_url", self.base_url.rstrip("/"))
        if self.encoding not in ("hex", "base64url"):
            raise ConfigError(f"CamoProxy encoding must be 'hex' or 'base64url', not {self.encoding!r}")

    def sign(self, url: str) -> str:
        """The hex HMAC-SHA256 of the URL's UTF-8 bytes."""
        assert isinstance(self.key, bytes)
        return hmac.new(self.key, url.encode("utf-8"), hashlib.sha256).hexdigest()

    def __call__(self, url: str) -> str:
        if url.startswith(self.base_url + "/"):
            return url
        raw = url.encode("utf-8")
        encoded = raw.hex() if self.encoding == "hex" else base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
        return f"{self.base_url}/{self.sign(url)}/{encoded}"

    def verify(self, path: str) -> str | None:
        """The proxy's side: the original URL for a request path ``/{signature}/{encoded}``, or None.

        None for anything malformed, badly encoded or wrongly signed; the comparison is
        constant-time, so the signature cannot be guessed byte by byte.
        """
        signature, _, encoded = path.strip("/").partition("/")
        if not signature or not encoded or "/" in encoded:
            return None
        try:
            if self.encoding == "hex":
                raw = bytes.fromhex(encoded)
            else:
                raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
            url = raw.decode("utf-8")
        except (ValueError, binascii.Error):
            return None
        if not hmac.compare_digest(self.sign(url), signature.lower()):
            return None
        return url
