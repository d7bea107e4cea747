"""The reply box as a service: an ASGI app (Starlette) to run or mount in a forum.

Needs the ``web`` extra (``pip install 'forum-composer[web]'``); ``import composer`` never
imports it. ``composer serve`` runs :func:`create_app` with uvicorn. Endpoints, the JSON
shapes and the problems are in docs/integration.md::

    POST   /api/render        {body, format, display_as_link?}        -> Result.to_dict()
    POST   /api/paste         {html?, text?, plain?, files?, target?} -> Result.to_dict()
    PUT    /api/drafts/{key}  {body, format, display_as_link?}        -> {ok, key, format, saved_at,
                                                                          display_as_link}
    GET    /api/drafts/{key}  the draft as typed, and as restored     -> Result.to_dict() + draft: {body,
                              format, saved_at, display_as_link, editor_html}; 404 when none
    DELETE /api/drafts/{key}                                          -> 204
    GET    /                  the demo editor page; /static/* its assets
"""

try:
    import starlette  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised by a test that hides starlette
    raise ImportError(
        "composer.web needs the web extra (Starlette and uvicorn): pip install 'forum-composer[web]'"
    ) from exc

from composer.web._app import DraftOwner, create_app
from composer.web._problems import RequestProblem

__all__ = ["DraftOwner", "RequestProblem", "create_app"]
