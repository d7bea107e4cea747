"""The JSON problems the service answers with when it cannot serve a request.

A post the pipeline refuses is not a request problem: it is a ``200`` with ``ok: false`` and
the result's ``problems``. A request problem has the same ``problems`` list, with the HTTP
status beside it, so one client function reads both::

    {"ok": false, "status": 413,
     "problems": [{"code": "too_large", "message": "What you pasted is too large to send ...",
                   "detail": "the request body is over the limit of 4000 bytes; ...",
                   "params": {"limit": 4000}}]}

``message`` is for the person at the editor, in a forum user's words (no field names, no
HTTP): an editor shows it as it is. Its templates are in the notice catalogue
(:mod:`composer.messages`, the ``request_*`` codes), so ``Policy.messages`` translates them
as it does every notice. ``detail`` is for the developer: what was wrong and the fix, naming
the field.

Codes (each a :class:`RequestProblem`):

    bad_json             400  the body is not a UTF-8 JSON object (or never came whole)
    bad_field            400  a field is missing, unknown, or of the wrong type or value; params.field
    bad_input            400  the pipeline or the draft store refused the input (the detail says why)
    sign_in_required     401  create_app(draft_owner=...) found no one signed in for a draft endpoint
    not_found            404  no such endpoint
    no_draft             404  GET /api/drafts/{key} when the key has no draft (or it expired)
    method_not_allowed   405  params.allowed lists the methods
    too_large            413  the body is over the limit; params.limit is the limit in bytes
    internal_error       500  a bug; the details are logged, never sent
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from starlette.responses import Response

from composer.messages import MESSAGES, render

__all__ = ["RequestProblem", "json_response", "size_words"]


def json_response(
    data: Mapping[str, Any], status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    """``data`` as a UTF-8 JSON response (non-ASCII kept as is), never cached (a restored
    draft is private), never sniffed as another type.

    A lone surrogate (JSON may spell one, ``"\\ud800"``, and a refusal names the field it
    was in) has no UTF-8: then the whole answer is written with ASCII escapes, still valid JSON.
    """
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    try:
        body = text.encode("utf-8")
    except UnicodeEncodeError:
        body = json.dumps(data, ensure_ascii=True, separators=(",", ":")).encode("ascii")
    return Response(
        body,
        status_code=status,
        media_type="application/json",
        headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", **(headers or {})},
    )


def size_words(size: int) -> str:
    """A byte count as a person reads it: ``900 bytes``, ``3.9 KB``, ``32 MB``."""
    if size < 1024:
        return f"{size} bytes"
    for unit, scale in (("KB", 1024), ("MB", 1024**2), ("GB", 1024**3)):
        value = size / scale
        if value < 1024 or unit == "GB":
            return f"{value:.1f} {unit}" if value < 10 and value != int(value) else f"{value:.0f} {unit}"
    raise AssertionError("unreachable")  # pragma: no cover


class RequestProblem(Exception):
    """A request the service cannot serve: its HTTP ``status``, a problem ``code``, the
    developer's ``detail`` naming the field and the fix, and JSON-ready ``params``.

    What the person reads is the catalogue template ``say`` (default ``request_{code}``)
    filled with ``params`` and ``words`` (fields only the template uses, such as ``size``),
    rendered with the pipeline's translations when the answer is written (:meth:`said`;
    ``message`` is the English words, ``str(problem)`` the detail).
    """

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        *,
        say: str | None = None,
        words: Mapping[str, Any] | None = None,
        **params: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.params = params
        template = say or f"request_{code}"
        self.say = template if template in MESSAGES else "request_http_error"
        self.words = dict(words or {})

    @property
    def message(self) -> str:
        """The words for the person, in English (:meth:`said` renders a translation)."""
        return self.said()

    def said(self, messages: Mapping[str, str] | None = None) -> str:
        """The words for the person, from ``messages`` (a pipeline's catalogue) or English."""
        return render(self.say, {**self.params, **self.words}, messages)

    def to_dict(self, messages: Mapping[str, str] | None = None) -> dict[str, Any]:
        """The response body: ``{"ok": false, "status": N, "problems": [{code, message,
        detail, params}]}``, ``message`` in ``messages``' words (default: English)."""
        problem = {
            "code": self.code,
            "message": self.said(messages),
            "detail": self.detail,
            "params": dict(self.params),
        }
        return {"ok": False, "status": self.status, "problems": [problem]}

    def response(self, messages: Mapping[str, str] | None = None) -> Response:
        headers = {"Allow": ", ".join(self.params["allowed"])} if "allowed" in self.params else None
        return json_response(self.to_dict(messages), self.status, headers)
