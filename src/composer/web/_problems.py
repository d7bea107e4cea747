"""The JSON problems the service answers with when it cannot serve a request.

A post the pipeline refuses is not a request problem: it is a ``200`` with ``ok: false`` and
the result's ``problems``. A request problem has the same ``problems`` list, with the HTTP
status beside it, so one client function reads both::

    {"ok": false, "status": 400,
     "problems": [{"code": "bad_field", "message": "...", "params": {"field": "format"}}]}

Codes (each a :class:`RequestProblem`):

    bad_json             400  the body is not a UTF-8 JSON object (or never came whole)
    bad_field            400  a field is missing, unknown, or of the wrong type or value; params.field
    bad_input            400  the pipeline or the draft store refused the input (the message says why)
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

__all__ = ["RequestProblem", "json_response"]


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


class RequestProblem(Exception):
    """A request the service cannot serve: its HTTP ``status``, a problem ``code``, a
    ``message`` naming the field and the fix, and JSON-ready ``params``."""

    def __init__(self, status: int, code: str, message: str, **params: Any) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.params = params

    def to_dict(self) -> dict[str, Any]:
        """The response body: ``{"ok": false, "status": N, "problems": [{code, message, params}]}``."""
        problem = {"code": self.code, "message": self.message, "params": dict(self.params)}
        return {"ok": False, "status": self.status, "problems": [problem]}

    def response(self) -> Response:
        headers = {"Allow": ", ".join(self.params["allowed"])} if "allowed" in self.params else None
        return json_response(self.to_dict(), self.status, headers)
