"""The routes of the reply-box service, and :func:`create_app` that binds them to a pipeline.

Each handler reads its JSON under the pipeline's ``Policy.max_input_bytes``, checks every
field, then runs the pipeline in a worker thread (:meth:`Pipeline.arun
<composer.Pipeline.arun>`, :meth:`~composer.Pipeline.apaste`), as it does the draft store's
I/O and the encoding of the answer: the event loop only moves bytes.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import anyio.to_thread
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from composer import _checks
from composer.document import Document
from composer.drafts import MAX_KEY_LENGTH, Draft, DraftStore
from composer.drafts._model import check_key
from composer.errors import ConfigError, InputError, StageError
from composer.messages import render
from composer.pipeline import Pipeline
from composer.result import Notice, Result
from composer.web import _requests
from composer.web._drafts import DraftAnswers, iso
from composer.web._problems import RequestProblem, json_response

__all__ = ["STATIC", "DraftOwner", "create_app"]

log = logging.getLogger("composer.web")

#: the demo editor page and its assets (package data)
STATIC = Path(__file__).resolve().parent / "static"

_NO_EDITOR = """<!doctype html>
<html lang="en"><meta charset="utf-8"><title>composer</title>
<h1>composer is running</h1>
<p>The demo editor page is not installed with this copy. The JSON API answers at
<code>POST /api/render</code>, <code>POST /api/paste</code> and <code>/api/drafts/{key}</code>.</p>
</html>
"""


def _encode(result: Result) -> Response:
    """The result as JSON (``Result.text`` is computed here, in the worker thread)."""
    return json_response(result.to_dict())


#: who owns the drafts of a request: a forum's signed-in person's id, or None when no one is
DraftOwner = Callable[[Request], "str | int | None"]


class _Service:
    """The handlers, bound to one pipeline and one draft store."""

    def __init__(self, pipeline: Pipeline, drafts: DraftStore, owner: DraftOwner | None) -> None:
        self.pipe = pipeline
        self.drafts = drafts
        self.limit = pipeline.policy.max_input_bytes
        self.owner = owner
        self.answers = DraftAnswers(pipeline)

    def _key(self, request: Request) -> str:
        """The store key of ``/api/drafts/{key}``: the key as given, or, with a ``draft_owner``,
        the key inside the owner's own space (length-prefixed, so no two owners' keys meet)."""
        key: str = request.path_params["key"]
        if self.owner is None:
            return key
        owner = self.owner(request)
        if owner is None:
            raise RequestProblem(
                401, "sign_in_required", "drafts are kept for signed-in people; sign in first"
            )
        if isinstance(owner, int) and not isinstance(owner, bool):
            owner = str(owner)
        if not isinstance(owner, str) or not owner or not owner.isprintable():
            raise TypeError(
                f"draft_owner must return a non-empty printable str, an int or None, got {_checks.got(owner)}"
            )
        # the client's key is checked as the client wrote it: the messages name that key, not
        # the stored one (which holds the owner's id), and the room left by the prefix is told
        check_key(key)
        stored = f"{len(owner)}:{owner}:{key}"
        if len(stored) > MAX_KEY_LENGTH:
            room = MAX_KEY_LENGTH - (len(stored) - len(key))
            raise InputError(
                f"draft key has {len(key)} characters; the limit is {max(room, 0)} for this "
                f"person's drafts (the store's {MAX_KEY_LENGTH} less their id)"
            )
        return stored

    async def render(self, request: Request) -> Response:
        submission = await _requests.read_json(request, self.limit, _requests.submission)
        result = await self.pipe.arun(submission)
        return await anyio.to_thread.run_sync(_encode, result)

    async def paste(self, request: Request) -> Response:
        paste = await _requests.read_json(request, self.limit, _requests.clipboard, "paste")
        try:
            result = await self.pipe.apaste(paste.clipboard, plain=paste.plain, target=paste.target)
        except StageError as exc:
            if paste.plain or paste.clipboard.html is None:
                raise
            # a stage failed on the rich flavour (a bug, logged): the plain paste keeps the clipboard
            log.error("composer.web: a rich paste, pasted as plain instead: %s", exc, exc_info=exc)
            plain = await self.pipe.apaste(paste.clipboard, plain=True, target=paste.target)
            result = dataclasses.replace(plain, notices=(self._failed_rich(), *plain.notices))
        return await anyio.to_thread.run_sync(_encode, result)

    def _failed_rich(self) -> Notice:
        """``pasted_as_plain`` for a rich flavour a stage failed on (reason ``formatting_failed``)."""
        messages = self.pipe.messages
        doc = Document("", "text", self.pipe.policy, messages=messages)
        doc.notice(
            "pasted_as_plain", reason=render("formatting_failed", {}, messages), problem="internal_error"
        )
        return doc.notices[0]

    async def save_draft(self, request: Request) -> Response:
        key, stored_as = request.path_params["key"], self._key(request)  # signed in before reading
        fields = await _requests.read_json(request, self.limit, _requests.draft, "draft")
        draft = await anyio.to_thread.run_sync(self._save, stored_as, fields)
        return json_response(
            {
                "ok": True,
                "key": key,
                "format": draft.format,
                "saved_at": iso(draft),
                "display_as_link": sorted(draft.display_as_link),
            }
        )

    def _save(self, key: str, fields: _requests.DraftFields) -> Draft:
        size = len(fields.body.encode("utf-8", "surrogatepass"))
        size += sum(len(url.encode("utf-8", "surrogatepass")) for url in fields.display_as_link)
        if size > self.drafts.max_bytes:
            raise _requests.too_large(self.drafts.max_bytes, "draft")
        return self.drafts.save(key, fields.body, fields.format, display_as_link=fields.display_as_link)

    async def load_draft(self, request: Request) -> Response:
        return await anyio.to_thread.run_sync(self._restore, request.path_params["key"], self._key(request))

    def _restore(self, key: str, stored_as: str) -> Response:
        draft = self.drafts.load(stored_as)
        if draft is None:
            raise RequestProblem(
                404,
                "no_draft",
                f"there is no draft for {key!r} (none was saved, it was cleared, or it expired)",
            )
        return json_response(self.answers.answer(draft))

    async def clear_draft(self, request: Request) -> Response:
        await anyio.to_thread.run_sync(self.drafts.clear, self._key(request))
        return Response(status_code=204)

    async def index(self, request: Request) -> Response:
        page = STATIC / "index.html"
        if page.is_file():
            return FileResponse(page, headers={"X-Content-Type-Options": "nosniff"})
        return HTMLResponse(_NO_EDITOR)


# -- errors -----------------------------------------------------------------------------------

Handler = Callable[[Request, Exception], Awaitable[Response]]


def _handlers(messages: Mapping[str, str]) -> dict[Any, Handler]:
    """The error handlers, each answering a :class:`RequestProblem` whose ``message`` is
    rendered from ``messages`` (the pipeline's catalogue, its translations applied)."""

    async def problem(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestProblem)
        return exc.response(messages)

    async def refused(request: Request, exc: Exception) -> Response:
        """An :class:`InputError` from the pipeline or the draft store: the input, not the service."""
        return RequestProblem(400, "bad_input", str(exc)).response(messages)

    async def stage_failed(request: Request, exc: Exception) -> Response:
        """A :class:`StageError`: a bug in a stage, logged with its cause; the client learns only that."""
        log.error("composer.web: %s %s: %s", request.method, request.url.path, exc, exc_info=exc)
        return _internal().response(messages)

    async def http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if exc.status_code == 404:
            found = RequestProblem(
                404, "not_found", f"no endpoint at {request.url.path}; see docs/integration.md"
            )
        elif exc.status_code == 405:
            allowed = sorted((exc.headers or {}).get("Allow", "").replace(" ", "").split(","))
            found = RequestProblem(
                405,
                "method_not_allowed",
                f"{request.method} is not allowed on {request.url.path}; use {', '.join(allowed)}",
                allowed=allowed,
            )
        else:
            found = RequestProblem(exc.status_code, "http_error", exc.detail)
        return found.response(messages)

    async def crash(request: Request, exc: Exception) -> Response:
        log.exception("composer.web: %s %s failed", request.method, request.url.path, exc_info=exc)
        return _internal().response(messages)

    return {
        RequestProblem: problem,
        InputError: refused,
        StageError: stage_failed,
        HTTPException: http,
        Exception: crash,
    }


def _internal() -> RequestProblem:
    return RequestProblem(500, "internal_error", "the service failed on this request; it was logged")


# -- the app ----------------------------------------------------------------------------------


#: threads for the pipeline's runs when the app is the server's own (``composer serve``): a
#: run waiting on embeds holds one for up to ``Policy.embed_deadline``, and the loop's stock
#: executor has ``min(32, CPUs + 4)``, six on two cores, which a few slow posts would fill
WORKER_THREADS = 32


@contextlib.asynccontextmanager
async def _lifespan(app: Starlette) -> AsyncIterator[None]:
    """Give the loop :data:`WORKER_THREADS` threads for ``arun``/``apaste``. A lifespan runs
    only for the top-level app: mounted in a forum, the forum's loop keeps its executor."""
    asyncio.get_running_loop().set_default_executor(
        ThreadPoolExecutor(max_workers=WORKER_THREADS, thread_name_prefix="composer-web")
    )
    yield


def _routes(service: _Service) -> list[BaseRoute]:
    routes: list[BaseRoute] = [
        Route("/", service.index, methods=["GET"]),
        Route("/api/render", service.render, methods=["POST"]),
        Route("/api/paste", service.paste, methods=["POST"]),
        Route("/api/drafts/{key:path}", service.save_draft, methods=["PUT"]),
        Route("/api/drafts/{key:path}", service.load_draft, methods=["GET"]),
        Route("/api/drafts/{key:path}", service.clear_draft, methods=["DELETE"]),
    ]
    if STATIC.is_dir():
        routes.append(Mount("/static", StaticFiles(directory=STATIC), name="static"))
    return routes


def create_app(
    pipeline: Pipeline | None = None,
    drafts: DraftStore | None = None,
    *,
    draft_owner: DraftOwner | None = None,
) -> Starlette:
    """The reply-box service as an ASGI app, to run (``composer serve``) or mount in a forum.

    ``pipeline``: the :class:`~composer.Pipeline` every request runs (default ``Pipeline()``);
    its ``Policy.max_input_bytes`` caps each request body (over it: 413). ``drafts``: the
    :class:`~composer.DraftStore` behind ``/api/drafts/{key}`` (default
    ``DraftStore.memory(policy=pipeline.policy)``: this process only, lost on exit; pass
    ``DraftStore.sqlite(path)`` or ``DraftStore.redis(url)`` to keep them).

    ``draft_owner``: a function of the request giving the signed-in person's id (``str`` or
    ``int``), or None when no one is signed in (then the draft endpoints answer 401). With it, each
    person's keys live in their own space and no one reaches another's drafts; without it
    (the default, for ``composer serve`` and trusted setups) the key in the path is the store
    key, and anyone who can name a key can read it. It runs on the event loop: read
    ``request.user`` or ``request.session``, do no I/O.

    Endpoints, errors and the JSON shapes are in docs/integration.md. Raises
    :class:`~composer.ConfigError` when an argument is of the wrong type.
    """
    if pipeline is None:
        pipeline = Pipeline()
    elif not isinstance(pipeline, Pipeline):
        raise ConfigError(f"create_app pipeline must be a Pipeline, got {_checks.got(pipeline)}")
    if drafts is None:
        drafts = DraftStore.memory(policy=pipeline.policy)
    elif not isinstance(drafts, DraftStore):
        raise ConfigError(f"create_app drafts must be a DraftStore, got {_checks.got(drafts)}")
    if draft_owner is not None and not callable(draft_owner):
        raise ConfigError(
            f"create_app draft_owner must be a function of the request, got {_checks.got(draft_owner)}"
        )
    service = _Service(pipeline, drafts, draft_owner)
    return Starlette(
        routes=_routes(service),
        lifespan=_lifespan,
        exception_handlers=_handlers(pipeline.messages),
    )
