"""Drafts: a reply kept while its author is away, restored with "Clear editor" as its undo.

1. The forum saves the editor's content now and then: ``drafts.save(key, body, format)``.
   The body is kept raw (never sanitized on the way in, so nothing the person wrote is lost);
   a body over the store's ``max_bytes`` (by default the policy's ``max_input_bytes``) is
   refused with :class:`~composer.InputError` and nothing is stored.
2. When the person comes back, ``drafts.load(key)`` gives the :class:`Draft` (or None), and
   :meth:`Pipeline.restore <composer.Pipeline.restore>` renders it through the whole chain,
   sanitizer last, with the ``content_restored`` notice and its ``clear_editor`` action.
3. On submit or "Clear editor", ``drafts.clear(key)``. Drafts nobody comes back for expire
   after the store's ``ttl`` (7 days by default) and are purged as later saves happen
   (SQLite) or by Redis itself.

Backends: :meth:`DraftStore.sqlite` (one file, WAL, shared by the processes of a host),
:meth:`DraftStore.redis` (many hosts; extra ``redis``), :meth:`DraftStore.memory` (tests).
Each save replaces the key's draft in one atomic write: last write wins, and two processes
saving at once never mix drafts.
"""

from composer.drafts._model import MAX_KEY_LENGTH, Draft, DraftBackend
from composer.drafts._store import DEFAULT_TTL, DraftStore

__all__ = ["DEFAULT_TTL", "MAX_KEY_LENGTH", "Draft", "DraftBackend", "DraftStore"]
