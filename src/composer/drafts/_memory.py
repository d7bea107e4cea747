"""Drafts in a dict: one process, for tests and single-process servers."""

from __future__ import annotations

import threading
from collections import OrderedDict

from composer.drafts._model import Draft

__all__ = ["MemoryDrafts"]


class MemoryDrafts:
    """Drafts in insertion order of their last save, so the oldest (first to expire) lead.

    With one time to live per store, a save's expiry is never before an earlier save's, so
    purging on write pops expired drafts from the front and stops at the first live one.
    """

    def __init__(self) -> None:
        self._drafts: OrderedDict[str, tuple[float, Draft]] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, key: str, draft: Draft, expires: float, ttl: float) -> None:
        with self._lock:
            self._drafts[key] = (expires, draft)
            self._drafts.move_to_end(key)
            now = draft.saved_at.timestamp()
            while self._drafts:
                oldest = next(iter(self._drafts.values()))
                if oldest[0] > now:
                    break
                self._drafts.popitem(last=False)

    def get(self, key: str, now: float) -> Draft | None:
        with self._lock:
            entry = self._drafts.get(key)
        if entry is None or entry[0] <= now:
            return None
        return entry[1]

    def delete(self, key: str) -> None:
        with self._lock:
            self._drafts.pop(key, None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._drafts)

    def close(self) -> None:
        """Nothing to release; the drafts stay."""
