"""composer in Django: one sync view (``run``) and one async view (``await arun``).

A whole Django project in one file, so it runs as it is: ``pip install forum-composer django``,
then ``python examples/integration/django_app.py runserver`` and POST JSON to
http://127.0.0.1:8000/preview or /preview-async. In a real project the settings go in
settings.py, the views in an app's views.py and the patterns in urls.py.

Under WSGI (gunicorn, runserver) use the sync view: the worker thread waits for ``run``.
Under ASGI (uvicorn, daphne) an async view awaits ``arun``, which runs the pipeline in a
worker thread so embed waits never hold the event loop.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from composer import InputError, Pipeline, Submission

# One pipeline per process (module level), shared by every request and thread: it is immutable.
pipe = Pipeline()

if not settings.configured:
    settings.configure(
        DEBUG=False,
        SECRET_KEY="example-only-not-secret",
        ROOT_URLCONF=__name__,
        ALLOWED_HOSTS=["127.0.0.1", "localhost", "testserver"],
        # Django refuses larger bodies (RequestDataTooBig, a 400) before composer reads them
        DATA_UPLOAD_MAX_MEMORY_SIZE=pipe.policy.max_input_bytes,
    )


def _submission(request: HttpRequest) -> Submission | JsonResponse:
    try:
        data = json.loads(request.body)
        return Submission(data["body"], data.get("format", "html"), data.get("display_as_link", ()))
    except (ValueError, KeyError, TypeError) as exc:  # bad JSON, a missing body, InputError
        hint = 'send {"body": "...", "format": "html" | "markdown" | "text"}'
        message = str(exc) if isinstance(exc, InputError) else hint
        return JsonResponse(
            {"ok": False, "problems": [{"code": "bad_input", "message": message, "params": {}}]}, status=400
        )


@csrf_exempt  # an API called with JSON; a forum keeps its own CSRF and auth here
@require_POST
def preview(request: HttpRequest) -> JsonResponse:
    submission = _submission(request)
    if isinstance(submission, JsonResponse):
        return submission
    return JsonResponse(pipe.run(submission).to_dict())


@csrf_exempt
@require_POST
async def preview_async(request: HttpRequest) -> JsonResponse:
    submission = _submission(request)
    if isinstance(submission, JsonResponse):
        return submission
    result = await pipe.arun(submission)
    return JsonResponse(result.to_dict())


urlpatterns: list[Any] = [
    path("preview", preview),
    path("preview-async", preview_async),
]


if __name__ == "__main__":
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
