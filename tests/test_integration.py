"""The integration examples (docs/integration.md) run as written: FastAPI mounting
``create_app`` and awaiting ``arun``, a Flask view, Django sync and async views.

Each example module is loaded from ``examples/integration/`` and driven through its
framework's own test client, so the code a reader copies is the code CI ran.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from starlette.testclient import TestClient

from composer import Pipeline, Submission

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "integration"
YOUTUBE = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"integration_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def expected(body: str, fmt: Any = "html") -> dict[str, Any]:
    return Pipeline().run(Submission(body, fmt)).to_dict()


POST = "<p>Hi <b>there</b><script>x()</script> 🙂</p>"


def test_fastapi_mounts_the_service_and_awaits_arun(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the example keeps its drafts in the working directory
    example = load("fastapi_app")
    with TestClient(example.app) as client:
        mounted = client.post("/composer/api/render", json={"body": POST, "format": "html"})
        assert mounted.status_code == 200 and mounted.json() == expected(POST)
        assert client.put("/composer/api/drafts/u:1", json={"body": "x", "format": "text"}).status_code == 200
        assert client.get("/composer/api/drafts/u:1").json()["notices"][0]["code"] == "content_restored"
        assert client.get("/composer/").status_code == 200
        reply = client.post("/topics/7/replies", json={"body": POST})
        assert reply.status_code == 200
        assert reply.json()["html"] == expected(POST)["html"]
        refused = client.post("/topics/7/replies", json={"body": "😀" * 80, "format": "text"})
        assert refused.status_code == 422 and refused.json()["detail"][0]["code"] == "emoji_limit"
    example.drafts.close()
    assert (tmp_path / "composer-drafts.sqlite3").is_file()


def test_flask_views() -> None:
    example = load("flask_app")
    client = example.app.test_client()
    assert client.post("/preview", json={"body": POST}).get_json() == expected(POST)
    markdown = client.post("/preview", json={"body": "**b**", "format": "markdown"}).get_json()
    assert markdown["html"] == "<p><strong>b</strong></p>\n"
    pasted = client.post("/paste", json={"html": "<b>x</b>", "text": "x"}).get_json()
    assert pasted["notices"][0]["action"]["code"] == "paste_as_plain"
    assert client.post("/paste", json={"html": "<b>x</b>", "plain": True}).get_json()["html"] == "<p>x</p>"
    bad = client.post("/preview", json={"body": "x", "format": "rtf"})
    assert bad.status_code == 400 and "format" in bad.get_json()["problems"][0]["message"]
    assert client.post("/preview", data="not json", content_type="application/json").status_code == 400
    assert client.post("/paste", json={"html": "x", "plain": "no"}).status_code == 400
    too_big = b"x" * (example.pipe.policy.max_input_bytes + 1)
    assert client.post("/preview", data=too_big, content_type="application/json").status_code == 413


def test_django_sync_and_async_views() -> None:
    os.environ.pop("DJANGO_SETTINGS_MODULE", None)
    example = load("django_app")
    import django  # type: ignore[import-untyped]
    from django.test import Client  # type: ignore[import-untyped]

    django.setup()
    client = Client()
    for route in ("/preview", "/preview-async"):
        response = client.post(route, {"body": POST}, content_type="application/json")
        assert response.status_code == 200, response.content
        assert response.json() == expected(POST)
        embed = client.post(
            route, {"body": f"{YOUTUBE}\n", "format": "markdown"}, content_type="application/json"
        )
        assert embed.json()["notices"][0]["code"] == "link_embedded"
        bad = client.post(route, {"body": "x", "format": "rtf"}, content_type="application/json")
        assert bad.status_code == 400 and "format" in bad.json()["problems"][0]["message"]
        assert client.post(route, "{", content_type="application/json").status_code == 400
        assert client.get(route).status_code == 405
    assert example.pipe.policy.max_input_bytes == django.conf.settings.DATA_UPLOAD_MAX_MEMORY_SIZE
