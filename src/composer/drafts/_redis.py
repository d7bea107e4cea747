"""Drafts in Redis, for forums served from many hosts (extra ``redis``).

A draft is one JSON string written with one ``SET ... PX``: atomic per key (last write wins),
and Redis deletes it when its time to live runs out, so nothing needs purging. The expiry
is also kept in the value and checked against the store's clock on load, so a store with an
injected clock sees drafts expire when its clock says so.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from composer.drafts._model import Draft
from composer.errors import ConfigError, InputError

if TYPE_CHECKING:
    import redis

__all__ = ["RedisDrafts"]

_log = logging.getLogger("composer.drafts")


class RedisDrafts:
    """Drafts under ``prefix + key`` in the Redis at ``client_or_url`` (a URL or a client).

    Raises :class:`~composer.ConfigError` naming ``forum-composer[redis]`` when the redis
    client is not installed.
    """

    def __init__(self, client_or_url: redis.Redis | str, *, prefix: str = "composer:draft:") -> None:
        try:
            import redis
        except ImportError:
            raise ConfigError(
                "DraftStore.redis needs the redis client: pip install 'forum-composer[redis]'"
            ) from None
        if not isinstance(prefix, str):
            raise ConfigError(f"DraftStore.redis prefix must be a str, got {type(prefix).__name__}")
        self._owns_client = isinstance(client_or_url, str)
        self.client: redis.Redis = (
            redis.Redis.from_url(client_or_url) if isinstance(client_or_url, str) else client_or_url
        )
        self.prefix = prefix

    def put(self, key: str, draft: Draft, expires: float, ttl: float) -> None:
        value = json.dumps(
            {
                "body": draft.body,
                "format": draft.format,
                "saved_at": draft.saved_at.timestamp(),
                "expires": expires,
                "display_as_link": sorted(draft.display_as_link),
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )
        self.client.set(self.prefix + key, value, px=max(1, round(ttl * 1000)))

    def get(self, key: str, now: float) -> Draft | None:
        raw = self.client.get(self.prefix + key)
        if not isinstance(raw, (bytes, str)):
            return None
        try:
            value = json.loads(raw)
            if value["expires"] <= now:
                return None
            return Draft(
                value["body"],
                value["format"],
                datetime.fromtimestamp(value["saved_at"], timezone.utc),
                value.get("display_as_link", ()),  # none in a value written before they were kept
            )
        except (ValueError, TypeError, KeyError, InputError, OverflowError, OSError) as exc:
            _log.warning("composer drafts redis: ignoring an unreadable draft at %r (%s)", key, exc)
            return None

    def delete(self, key: str) -> None:
        self.client.delete(self.prefix + key)

    def close(self) -> None:
        """Disconnect a client this store made from a URL (one passed in is the caller's)."""
        if self._owns_client:
            self.client.close()
