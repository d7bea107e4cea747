"""The reply-box service (issue 16): every endpoint and every error, through Starlette's test
client, and once over real HTTP against a ``composer serve`` process (uvicorn).

The refused requests are data, in ``fixtures/web-requests.txt``; the results must be exactly
what the pipeline gives for the same input (``Result.to_dict()``).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from composer import Clipboard, ConfigError, Draft, DraftStore, Pipeline, Policy, Submission
from composer.document import Document
from composer.web import create_app
from conftest import free_port
from fixture_files import FIXTURES, read_cases

YOUTUBE = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
OFFLINE = Policy(embed_mode="cache_only")


@pytest.fixture(scope="module")
def pipe() -> Pipeline:
    return Pipeline(policy=OFFLINE)


@pytest.fixture
def drafts() -> DraftStore:
    return DraftStore.memory(policy=OFFLINE)


@pytest.fixture
def client(pipe: Pipeline, drafts: DraftStore) -> Iterator[TestClient]:
    with TestClient(create_app(pipe, drafts), raise_server_exceptions=False) as test_client:
        yield test_client


# -- the endpoints give what the pipeline gives --------------------------------------------------

POSTS = [
    ("<p>Hi <b>there</b><script>x()</script></p>", "html"),
    ("**bold** and a 🙂\n\n- one\n- two", "markdown"),
    ("first line\nsecond line https://example.com/a", "text"),
    (f"Look:\n\n{YOUTUBE}\n\nnice", "markdown"),
    ("😀" * 80, "text"),
]


@pytest.mark.parametrize(("body", "fmt"), POSTS)
def test_render_is_the_pipelines_result(client: TestClient, pipe: Pipeline, body: str, fmt: Any) -> None:
    response = client.post("/api/render", json={"body": body, "format": fmt})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == pipe.run(Submission(body, fmt)).to_dict()


def test_the_emoji_limit_is_a_problem_in_a_200(client: TestClient) -> None:
    data = client.post("/api/render", json={"body": "😀" * 80, "format": "text"}).json()
    assert data["ok"] is False
    assert [p["code"] for p in data["problems"]] == ["emoji_limit"]


def test_display_as_link_undoes_the_embed(client: TestClient) -> None:
    body = {"body": f"Look:\n\n{YOUTUBE}\n\nnice", "format": "markdown"}
    embedded = client.post("/api/render", json=body).json()
    (notice,) = [n for n in embedded["notices"] if n["code"] == "link_embedded"]
    assert notice["action"] == {
        "code": "display_as_link",
        "label": "Display as a link instead",
        "target": YOUTUBE,
    }
    assert "<iframe" in embedded["html"]
    undone = client.post("/api/render", json={**body, "display_as_link": [notice["action"]["target"]]}).json()
    assert "<iframe" not in undone["html"] and f'href="{YOUTUBE}"' in undone["html"]
    assert all(n["code"] != "link_embedded" for n in undone["notices"])


RICH = '<p><b>Bold</b> and <span style="color:red">red</span></p><p>two</p>'


@pytest.mark.parametrize(
    ("payload", "clipboard", "options"),
    [
        ({"html": RICH, "text": "Bold and red\n\ntwo"}, Clipboard(RICH, "Bold and red\n\ntwo"), {}),
        (
            {"html": RICH, "text": "Bold and red", "plain": True},
            Clipboard(RICH, "Bold and red"),
            {"plain": True},
        ),
        ({"html": RICH, "plain": True}, Clipboard(RICH), {"plain": True}),
        ({"text": "just text"}, Clipboard(text="just text"), {}),
        ({"html": RICH, "target": "markdown"}, Clipboard(RICH), {"target": "markdown"}),
        ({"html": None, "text": None}, Clipboard(), {}),
    ],
)
def test_paste_is_the_pipelines_result(
    client: TestClient, pipe: Pipeline, payload: dict[str, Any], clipboard: Clipboard, options: Any
) -> None:
    response = client.post("/api/paste", json=payload)
    assert response.status_code == 200
    assert response.json() == pipe.paste(clipboard, **options).to_dict()


def test_rich_paste_offers_plain_and_plain_is_the_undo(client: TestClient) -> None:
    rich = client.post("/api/paste", json={"html": RICH, "text": "Bold and red\n\ntwo"}).json()
    assert rich["notices"][0]["action"]["code"] == "paste_as_plain"
    assert "<b>Bold</b>" in rich["html"]
    plain = client.post(
        "/api/paste", json={"html": RICH, "text": "Bold and red\n\ntwo", "plain": True}
    ).json()
    assert "<b>" not in plain["html"] and "Bold and red" in plain["html"]


@pytest.mark.parametrize(
    "files",
    [
        [{"name": "shot.png", "type": "image/png"}],
        [{"name": "", "type": "IMAGE/JPEG", "size": 1024}],
        [{"type": "image/gif"}, {"type": "image/webp"}],
    ],
)
def test_a_pasted_image_file_is_refused_by_its_type(client: TestClient, files: list[dict[str, Any]]) -> None:
    data = client.post("/api/paste", json={"html": None, "text": None, "files": files}).json()
    codes = [n["code"] for n in data["notices"]]
    assert "image_paste_rejected" in codes
    assert data["stats"]["images_rejected"] == len(files)


def test_a_pasted_non_image_file_is_not_an_image(client: TestClient) -> None:
    data = client.post(
        "/api/paste", json={"text": "notes", "files": [{"name": "a.pdf", "type": "application/pdf"}]}
    )
    assert "image_paste_rejected" not in [n["code"] for n in data.json()["notices"]]


def test_a_paste_describes_at_most_max_files_files(client: TestClient) -> None:
    from composer.web._requests import MAX_FILES

    file = {"type": "image/png"}
    assert client.post("/api/paste", json={"files": [file] * MAX_FILES}).status_code == 200
    response = client.post("/api/paste", json={"files": [file] * (MAX_FILES + 1)})
    assert response.status_code == 400
    (problem,) = response.json()["problems"]
    assert (problem["code"], problem["params"]["field"]) == ("bad_field", "files")
    assert f"at most {MAX_FILES} files" in problem["detail"]
    assert problem["message"] == "You pasted too many files at once (more than 1000). Paste fewer at a time."
    assert problem["params"]["limit"] == MAX_FILES


def test_a_pasted_file_typed_with_a_lone_surrogate_is_answered(client: TestClient, pipe: Pipeline) -> None:
    raw = b'{"files": [{"type": "\\ud800", "name": "\\udc80.png"}]}'
    response = client.post("/api/paste", content=raw)
    assert response.status_code == 200, response.text
    assert response.json() == pipe.paste(Clipboard(files=(("\ud800", b""),))).to_dict()


#: JSON strings with what UTF-8 cannot hold: lone surrogates, as JSON spells them
_SURROGATE_TEXT = st.text(
    st.characters(max_codepoint=0x7F)
    | st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF, categories=["Cs"]),
    max_size=6,
)
_ANY_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | _SURROGATE_TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_SURROGATE_TEXT, inner, max_size=3),
    max_leaves=6,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.sampled_from([("POST", "/api/render"), ("POST", "/api/paste"), ("PUT", "/api/drafts/k")]),
    st.dictionaries(
        st.sampled_from(["body", "format", "html", "text", "files", "plain", "display_as_link"])
        | _SURROGATE_TEXT,
        _ANY_JSON,
        max_size=4,
    ),
)
def test_any_json_object_is_answered_never_a_crash(
    client: TestClient, endpoint: tuple[str, str], payload: dict[str, Any]
) -> None:
    method, path = endpoint
    response = client.request(method, path, content=json.dumps(payload).encode("ascii"))
    assert response.status_code in (200, 400), response.text
    assert response.headers["content-type"] == "application/json"
    assert isinstance(response.json(), dict)


# -- drafts -------------------------------------------------------------------------------------


def test_a_draft_is_saved_restored_and_cleared(
    client: TestClient, pipe: Pipeline, drafts: DraftStore
) -> None:
    body = "<p>Half a <b>reply</b><script>x()</script></p>"
    saved = client.put("/api/drafts/user:42:topic:7", json={"body": body, "format": "html"})
    assert saved.status_code == 200
    data = saved.json()
    assert (data["ok"], data["key"], data["format"]) == (True, "user:42:topic:7", "html")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", data["saved_at"])
    stored = drafts.load("user:42:topic:7")
    assert stored is not None and stored.body == body  # kept raw; sanitized on the way out
    restored_response = client.get("/api/drafts/user:42:topic:7")
    assert restored_response.headers["cache-control"] == "no-store", "a private draft is never cached"
    restored = restored_response.json()
    assert restored.pop("draft")["body"] == body, "the saved body comes back beside the restored result"
    assert restored == pipe.restore(Draft(body, "html")).to_dict()
    assert restored["notices"][0]["code"] == "content_restored"
    assert restored["notices"][0]["action"]["label"] == "Clear editor"
    assert "<script" not in restored["html"]
    cleared = client.delete("/api/drafts/user:42:topic:7")
    assert (cleared.status_code, cleared.content) == (204, b"")
    gone = client.get("/api/drafts/user:42:topic:7")
    assert gone.status_code == 404 and gone.json()["problems"][0]["code"] == "no_draft"
    assert client.delete("/api/drafts/user:42:topic:7").status_code == 204  # idempotent


TYPED = [
    ("**x** and https://example.com/x", "markdown"),
    ("plain <b>not a tag</b> https://example.com/x\n\nsecond", "text"),
    (f"<p>See https://example.com/x and <b>bold</b></p><h1>Title</h1><p>{YOUTUBE}</p>", "html"),
]


@pytest.mark.parametrize(("body", "fmt"), TYPED, ids=[fmt for _, fmt in TYPED])
def test_a_draft_comes_back_as_it_was_typed(client: TestClient, pipe: Pipeline, body: str, fmt: str) -> None:
    """GET gives the saved body and format as PUT took them (an editor loads those back),
    beside the restored result (the preview and its notices), whose fields mean what they did."""
    saved = client.put("/api/drafts/k", json={"body": body, "format": fmt}).json()
    answer = client.get("/api/drafts/k").json()
    draft = answer.pop("draft")
    assert answer == pipe.restore(Draft(body, fmt)).to_dict()  # type: ignore[arg-type]
    assert answer["notices"][0]["code"] == "content_restored"
    assert (draft["body"], draft["format"], draft["saved_at"]) == (body, fmt, saved["saved_at"])
    assert draft["display_as_link"] == []
    assert draft["editor_text"] is None, "the editor_html is given: no text needed"
    if fmt != "html":
        assert draft["editor_html"] is None, "markdown and text go back as the text they are"
        return
    # what was typed, safe for a rich editor: nothing linked, embedded or turned into h2
    editor = draft["editor_html"]
    typed = f"<p>See https://example.com/x and <b>bold</b></p><h2>Title</h2><p>{YOUTUBE}</p>"
    assert editor == typed, "the sanitizer's own rules (h1 -> h2) apply; no stage adds links or embeds"
    assert "<a " in answer["html"] and "<iframe" in answer["html"], "the restored preview still does"


def test_a_draft_is_given_back_safe_for_a_rich_editor(client: TestClient) -> None:
    """editor_html is the body through the sanitizer: what was typed, less what could run."""
    body = '<p>Hi <img src=x onerror="alert(1)"><script>alert(2)</script><a href="javascript:x()">j</a></p>'
    client.put("/api/drafts/k", json={"body": body, "format": "html"})
    draft = client.get("/api/drafts/k").json()["draft"]
    assert draft["body"] == body, "kept raw, as typed"
    for unsafe in ("onerror", "<script", "javascript:", "alert("):
        assert unsafe not in draft["editor_html"]
    assert draft["editor_html"].startswith("<p>Hi ")


@pytest.mark.parametrize("emoji_over_limit", ["reject", "trim"])
def test_a_draft_the_chain_refuses_or_trims_still_comes_back_whole(emoji_over_limit: str) -> None:
    """Over max_length or the emoji limit, the restored result says so (or trims); the typed
    body comes back whole, so the person can fix it rather than lose it."""
    policy = Policy(embed_mode="cache_only", max_length=50, emoji_over_limit=emoji_over_limit)  # type: ignore[arg-type]
    body = "<p>" + "😀" * 80 + "x" * 60 + "</p>"
    with TestClient(create_app(Pipeline(policy=policy), DraftStore.memory(policy=policy))) as client:
        client.put("/api/drafts/k", json={"body": body, "format": "html"})
        answer = client.get("/api/drafts/k").json()
    assert answer["problems"], "the restored result reports the problem"
    assert answer["draft"]["body"] == body
    assert answer["draft"]["editor_html"] == body


#: drafts the policy refuses before the sanitizer can parse them: (policy, body, problem)
UNPARSABLE = [
    pytest.param(
        OFFLINE, "<div>" * 200 + "<p>Deep &amp; <b>dear</b></p><p>second</p>", "too_deep", id="too_deep"
    ),
    pytest.param(
        OFFLINE,
        "<p>Long &lt;reply&gt;</p>" + "<p>more <i></i></p>" * 20_000,
        "too_complex",
        id="too_many_elements",
    ),
]


@pytest.mark.parametrize(("policy", "body", "code"), UNPARSABLE)
def test_a_draft_with_no_safe_html_comes_back_as_its_text(policy: Policy, body: str, code: str) -> None:
    """Nested too deeply (or too much markup) to parse, an HTML draft has no safe HTML to put
    in a rich editor; its text comes back instead, as a plain-text draft, and the answer says
    both that it was restored and that its formatting was not kept: nothing is lost silently."""
    with TestClient(create_app(Pipeline(policy=policy), DraftStore.memory(policy=policy))) as client:
        assert client.put("/api/drafts/k", json={"body": body, "format": "html"}).status_code == 200
        answer = client.get("/api/drafts/k").json()
    assert [p["code"] for p in answer["problems"]] == [code]
    assert [n["code"] for n in answer["notices"]] == ["content_restored", "restored_as_plain"]
    assert answer["notices"][1]["message"] == "It came back as plain text: its formatting could not be kept."
    draft = answer["draft"]
    assert draft["body"] == body and draft["editor_html"] is None
    first = "Deep & dear" if code == "too_deep" else "Long <reply>"
    assert len(body) < OFFLINE.max_markup_bytes
    assert draft["editor_text"].startswith(first + "\n\n")
    assert "<" not in draft["editor_text"].replace("<reply>", "")


def test_a_draft_with_more_markup_than_is_read_is_not_claimed_restored() -> None:
    """Over max_markup_bytes an HTML draft is neither parsed nor read for its words (seconds of
    work): nothing goes back to the box, so the answer does not say it was restored."""
    policy = Policy(embed_mode="cache_only", max_markup_bytes=1024)
    body = "<p>Long reply</p>" + "<p>more</p>" * 150
    with TestClient(create_app(Pipeline(policy=policy), DraftStore.memory(policy=policy))) as client:
        client.put("/api/drafts/k", json={"body": body, "format": "html"})
        answer = client.get("/api/drafts/k").json()
    assert [p["code"] for p in answer["problems"]] == ["too_large"] and not answer["notices"]
    assert answer["draft"]["body"] == body
    assert answer["draft"]["editor_html"] is None and answer["draft"]["editor_text"] is None


def test_a_draft_the_sanitizer_leaves_nothing_of_is_not_claimed_restored(client: TestClient) -> None:
    """All of it taken out (MathML alone): nothing goes back to the box, so no content_restored;
    content_removed says what went."""
    client.put("/api/drafts/k", json={"body": "<math><mi>x</mi></math>", "format": "html"})
    answer = client.get("/api/drafts/k").json()
    assert answer["draft"]["editor_html"] == "" and answer["draft"]["editor_text"] is None
    assert "content_restored" not in [n["code"] for n in answer["notices"]]
    assert "content_removed" in [n["code"] for n in answer["notices"]]


def test_a_stage_failing_on_a_restore_still_gives_the_draft_back(caplog: pytest.LogCaptureFixture) -> None:
    """A bug in a stage breaks the preview, not the restore: the draft and content_restored
    come back, with the problem preview_failed in words for the person; the detail is logged."""
    broken = Pipeline(policy=OFFLINE).insert_before("sanitize", _Boom())
    with TestClient(create_app(broken), raise_server_exceptions=False) as client:
        client.put("/api/drafts/k", json={"body": "<p>Half a reply</p>", "format": "html"})
        response = client.get("/api/drafts/k")
    assert response.status_code == 200 and "secret" not in response.text
    answer = response.json()
    assert [n["code"] for n in answer["notices"]] == ["content_restored"]
    assert [p["code"] for p in answer["problems"]] == ["preview_failed"]
    message = answer["problems"][0]["message"]
    assert message == "The preview could not be made. Your text is still in the editor."
    assert answer["draft"]["editor_html"] == "<p>Half a reply</p>", "the sanitizer alone still runs"
    assert "secret detail" in caplog.text


def test_display_as_link_choices_are_saved_and_restored(client: TestClient, drafts: DraftStore) -> None:
    body = f"<p>Look</p><p>{YOUTUBE}</p>"
    saved = client.put("/api/drafts/k", json={"body": body, "format": "html", "display_as_link": [YOUTUBE]})
    assert saved.status_code == 200 and saved.json()["display_as_link"] == [YOUTUBE]
    stored = drafts.load("k")
    assert stored is not None and stored.display_as_link == frozenset({YOUTUBE})
    answer = client.get("/api/drafts/k").json()
    assert answer["draft"]["display_as_link"] == [YOUTUBE]
    assert "<iframe" not in answer["html"], "the link the person chose stays a link"
    assert "link_embedded" not in [n["code"] for n in answer["notices"]]
    client.put("/api/drafts/k", json={"body": body, "format": "html", "display_as_link": None})
    assert "<iframe" in client.get("/api/drafts/k").json()["html"], "a save without choices drops them"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=st.text(max_size=200),
    fmt=st.sampled_from(["html", "markdown", "text"]),
    links=st.lists(st.text(max_size=40), max_size=3),
)
@example(body="</A>", fmt="html", links=[])  # nothing of it reaches the box: not claimed restored
def test_any_draft_comes_back_as_it_was_put(
    client: TestClient, pipe: Pipeline, body: str, fmt: str, links: list[str]
) -> None:
    """Whatever was PUT comes back in draft (body, format, choices) beside the restored result."""
    saved = client.put("/api/drafts/prop", json={"body": body, "format": fmt, "display_as_link": links})
    assert saved.status_code == 200, saved.text
    answer = client.get("/api/drafts/prop").json()
    draft = answer.pop("draft")
    assert (draft["body"], draft["format"]) == (body, fmt)
    assert draft["display_as_link"] == sorted(set(links))
    expected = pipe.restore(Draft(body, fmt, display_as_link=frozenset(links))).to_dict()  # type: ignore[arg-type]
    shown = (draft["editor_html"] or draft["editor_text"] or "").strip()
    if fmt == "html" and body.strip() and not shown:  # nothing went back to the box: not restored
        expected["notices"] = [n for n in expected["notices"] if n["code"] != "content_restored"]
    assert answer == expected
    assert fmt == "html" or draft["editor_html"] is None


def test_a_later_save_replaces_the_draft(client: TestClient) -> None:
    client.put("/api/drafts/k", json={"body": "first", "format": "text"})
    client.put("/api/drafts/k", json={"body": "*second*", "format": "markdown"})
    assert client.get("/api/drafts/k").json()["html"] == "<p><em>second</em></p>\n"


def test_a_key_may_hold_slashes_and_escapes(client: TestClient, drafts: DraftStore) -> None:
    client.put("/api/drafts/forum/topic%207", json={"body": "x", "format": "text"})
    assert drafts.load("forum/topic 7") is not None


def test_with_a_draft_owner_each_person_has_their_own_drafts() -> None:
    store = DraftStore.memory(policy=OFFLINE)
    app = create_app(
        Pipeline(policy=OFFLINE), store, draft_owner=lambda request: request.headers.get("x-user")
    )
    ann, bob = {"x-user": "ann"}, {"x-user": "bob"}
    with TestClient(app) as client:
        assert (
            client.put(
                "/api/drafts/topic:7", json={"body": "ann's", "format": "text"}, headers=ann
            ).status_code
            == 200
        )
        assert client.get("/api/drafts/topic:7", headers=bob).status_code == 404
        assert client.get("/api/drafts/topic:7", headers=ann).json()["html"] == "<p>ann's</p>"
        assert client.delete("/api/drafts/topic:7", headers=bob).status_code == 204
        assert client.get("/api/drafts/topic:7", headers=ann).status_code == 200, "bob cleared only his own"
        for method in ("PUT", "GET", "DELETE"):
            response = client.request(method, "/api/drafts/topic:7", json={"body": "x", "format": "text"})
            assert response.status_code == 401
            assert response.json()["problems"][0]["code"] == "sign_in_required"
        colliding = {"x-user": "ann:topic"}  # owner "ann:topic" + key "7" is not ann's "topic:7"
        assert client.get("/api/drafts/7", headers=colliding).status_code == 404
    assert store.load("topic:7") is None, "keys are never stored outside their owner's space"


def test_a_draft_owner_may_be_an_int_id() -> None:
    store = DraftStore.memory(policy=OFFLINE)
    with TestClient(create_app(Pipeline(policy=OFFLINE), store, draft_owner=lambda request: 42)) as client:
        assert client.put("/api/drafts/t", json={"body": "x", "format": "text"}).status_code == 200
    assert store.load("2:42:t") is not None


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("k" * 256, "draft key has 256 characters; the limit is 247 for this person's drafts"),
        ("a%00b", "draft key 'a\\x00b' has control"),
    ],
)
def test_with_a_draft_owner_a_refused_key_is_named_as_the_client_wrote_it(key: str, message: str) -> None:
    app = create_app(Pipeline(policy=OFFLINE), draft_owner=lambda request: "ann:42")
    with TestClient(app) as client:
        for method in ("PUT", "GET", "DELETE"):
            response = client.request(method, f"/api/drafts/{key}", json={"body": "x", "format": "text"})
            assert response.status_code == 400, response.text
            (problem,) = response.json()["problems"]
            assert problem["code"] == "bad_input"
            assert problem["detail"].startswith(message), problem["detail"]
            assert "ann:42" not in problem["detail"], "the owner's id is not echoed"


def test_a_draft_owner_giving_an_unprintable_id_is_a_server_error() -> None:
    app = create_app(Pipeline(policy=OFFLINE), draft_owner=lambda request: "ann\x00")
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/api/drafts/t")
    assert response.status_code == 500
    assert response.json()["problems"][0]["code"] == "internal_error"


KEYS = st.text(
    st.characters(categories=("L", "N", "P", "S", "Zs"), exclude_characters="\x85\xa0"),
    min_size=1,
    max_size=60,
).filter(
    lambda key: key.isprintable() and key.strip(".") != "" and not key.isspace()
)  # the store refuses blank keys


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(key=KEYS)
def test_any_printable_key_round_trips_through_the_path(
    client: TestClient, drafts: DraftStore, key: str
) -> None:
    path = "/api/drafts/" + urllib.parse.quote(key, safe="")
    assert client.put(path, json={"body": "kept", "format": "text"}).json()["key"] == key
    assert drafts.load(key) is not None
    assert client.get(path).json()["html"] == "<p>kept</p>"
    assert client.delete(path).status_code == 204 and drafts.load(key) is None


# -- refused requests ---------------------------------------------------------------------------

REQUESTS = read_cases(FIXTURES / "web-requests.txt")


def _raw(block: str) -> tuple[str, str, bytes]:
    """The method, path and body bytes of a fixture request (``\\xNN`` is that raw byte)."""
    line, _, body = block.partition("\n")
    method, path = line.split(" ", 1)
    raw = re.sub(rb"\\x([0-9a-f]{2})", lambda m: bytes([int(m[1], 16)]), body.encode("utf-8"))
    return method, path, raw


@pytest.mark.parametrize(("title", "request_", "expected"), REQUESTS, ids=[c[0] for c in REQUESTS])
def test_refused_requests(
    client: TestClient, drafts: DraftStore, title: str, request_: str, expected: str
) -> None:
    method, path, body = _raw(request_)
    status, code, field = expected.split(" ")
    response = client.request(method, path, content=body)
    assert response.status_code == int(status), response.text
    assert response.headers["content-type"] == "application/json"
    data = response.json()
    assert (data["ok"], data["status"]) == (False, int(status))
    (problem,) = data["problems"]
    assert problem["code"] == code
    assert problem["message"] and set(problem) == {"code", "message", "detail", "params"}
    _for_a_person(problem)
    if field != "-":
        field = json.loads(f'"{field}"')  # a field named with a JSON escape (\ud800)
        assert problem["params"]["field"] == field
        assert f'"{field}"' in problem["detail"]
    if code == "bad_field":
        assert re.search(r"send|must|is not a field", problem["detail"]), "the detail says the fix"
    if method == "PUT":
        assert drafts.backend.get(path.rsplit("/", 1)[1], 0) is None, "nothing stored"
    if code == "method_not_allowed":
        assert response.headers["allow"] and problem["params"]["allowed"]


@pytest.mark.parametrize(
    "raw",
    [
        b"[" * 100_000 + b"]" * 100_000,
        b'{"body": ' + b"[" * 100_000 + b"]" * 100_000 + b', "format": "text"}',
    ],
    ids=["a deep array", "a deep field"],
)
def test_json_nested_too_deeply_is_a_400(client: TestClient, raw: bytes) -> None:
    response = client.post("/api/render", content=raw)
    assert response.status_code == 400 and response.json()["problems"][0]["code"] == "bad_json"


def test_a_large_body_is_read_and_checked_off_the_loop_with_the_same_answer(
    client: TestClient, pipe: Pipeline
) -> None:
    body = "<p>A long <b>post</b> 🙂</p>\n" * 4000  # over THREAD_PARSE_BYTES
    response = client.post("/api/render", json={"body": body, "format": "html"})
    assert response.json() == pipe.run(Submission(body, "html")).to_dict()
    refused = client.post("/api/render", json={"body": body, "format": "rtf"})
    assert refused.status_code == 400 and refused.json()["problems"][0]["params"] == {"field": "format"}


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
FIELDS = ("body", "format", "display_as_link", "html", "text", "plain", "files", "target")


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    path=st.sampled_from(["/api/render", "/api/paste", "/api/drafts/k"]),
    payload=st.dictionaries(st.sampled_from(FIELDS), JSON, max_size=5) | JSON,
)
def test_any_json_is_a_result_or_a_400_never_a_crash(client: TestClient, path: str, payload: Any) -> None:
    method = "PUT" if path.startswith("/api/drafts") else "POST"
    response = client.request(method, path, content=json.dumps(payload).encode())
    assert response.status_code in (200, 400), response.text
    data = response.json()
    assert data["ok"] in (True, False)
    if response.status_code == 400:
        assert data["problems"][0]["code"] in ("bad_json", "bad_field", "bad_input")
        _for_a_person(data["problems"][0])


# -- request size -------------------------------------------------------------------------------

SMALL = Policy(embed_mode="cache_only", max_input_bytes=1000)


@pytest.fixture
def small() -> Iterator[tuple[TestClient, DraftStore]]:
    store = DraftStore.memory(policy=SMALL)
    with TestClient(create_app(Pipeline(policy=SMALL), store)) as test_client:
        yield test_client, store


@pytest.mark.parametrize(
    ("method", "path", "payload"),
    [
        ("POST", "/api/render", {"body": "x" * 1200, "format": "text"}),
        ("POST", "/api/paste", {"html": "<b>x</b>" * 100, "text": "x" * 600}),
        ("PUT", "/api/drafts/k", {"body": "é" * 600, "format": "text"}),
    ],
)
def test_a_body_over_max_input_bytes_is_413(
    small: tuple[TestClient, DraftStore], method: str, path: str, payload: dict[str, Any]
) -> None:
    client, store = small
    response = client.request(method, path, content=json.dumps(payload, ensure_ascii=False).encode())
    assert response.status_code == 413
    (problem,) = response.json()["problems"]
    assert (problem["code"], problem["params"]) == ("too_large", {"limit": 1000})
    assert "1000 bytes" in problem["detail"]
    assert problem["message"] == TOO_LARGE[path.split("/")[2]].format(size="1000 bytes")
    assert store.load("k") is None


#: what a person reads for a 413, by endpoint
TOO_LARGE = {
    "paste": "What you pasted is too large to send (more than {size}). Try pasting less at a time.",
    "render": "Your post is too large to send (more than {size}). Your text is still here; shorten it.",
    "drafts": "Your draft is too large to save (more than {size}). Your text is still here; shorten it.",
}


def _for_a_person(problem: dict[str, Any]) -> None:
    """A request problem's ``message`` is in a forum user's words: no field names, JSON,
    HTTP or bytes (those are the ``detail``'s), and it says what to do."""
    message = problem["message"]
    for jargon in ('"', "JSON", "field", "HTTP", "request body", "Content-Length", "endpoint", "UTF-8"):
        assert jargon not in message, (jargon, message)
    assert re.search(r"still here|Sign in|There is no saved draft|pasting less|fewer", message), message
    assert problem["detail"] and problem["detail"] != message


@pytest.mark.parametrize(
    ("limit", "size"), [(1000, "1000 bytes"), (4000, "3.9 KB"), (33_554_432, "32 MB"), (5 * 1024**3, "5 GB")]
)
def test_sizes_are_said_as_a_person_reads_them(limit: int, size: str) -> None:
    from composer.web._problems import size_words

    assert size_words(limit) == size


def test_a_request_problem_keeps_the_detail_and_the_words_apart() -> None:
    from composer.web import RequestProblem

    problem = RequestProblem(401, "sign_in_required", "drafts are kept for signed-in people; sign in first")
    assert str(problem) == problem.detail == "drafts are kept for signed-in people; sign in first"
    assert problem.message == "Sign in to keep drafts of your replies."
    assert problem.said({"request_sign_in_required": "Melde dich an."}) == "Melde dich an."
    unknown = RequestProblem(418, "teapot", "short and stout")
    assert (
        unknown.message
        == "Something went wrong on the server. Your text is still here; try again in a moment."
    )


def test_request_problems_speak_the_forums_language() -> None:
    """The words of a request problem are catalogue templates: Policy.messages translates them."""
    policy = Policy(
        embed_mode="cache_only",
        max_input_bytes=1000,
        messages={"request_too_large_paste": "Zu groß zum Senden (mehr als {size})."},
    )
    with TestClient(create_app(Pipeline(policy=policy))) as client:
        problem = client.post("/api/paste", json={"text": "x" * 2000}).json()["problems"][0]
    assert problem["message"] == "Zu groß zum Senden (mehr als 1000 bytes)."


def test_request_problems_over_real_http_are_words_for_a_person() -> None:
    """Through uvicorn on 127.0.0.1: each problem the editor can meet (413 per endpoint, a
    400, a 404, a 500) carries words for the person and the developer's detail beside them."""
    from editor_page import serving

    broken = Pipeline(policy=SMALL).insert_before("sanitize", _Boom())
    requests = [
        ("POST", "/api/paste", {"html": "<b>x</b>" * 100, "text": "x" * 600}, 413),
        ("POST", "/api/render", {"body": "x" * 1200, "format": "text"}, 413),
        ("PUT", "/api/drafts/k", {"body": "x" * 1200, "format": "text"}, 413),
        ("POST", "/api/render", {"body": "x", "format": "bbcode"}, 400),
        ("POST", "/api/nothing", {}, 404),
        ("POST", "/api/render", {"body": "hi", "format": "text"}, 500),
    ]
    with serving(create_app(broken, DraftStore.memory(policy=SMALL))) as base:
        for method, path, payload, status in requests:
            data = json.dumps(payload).encode()
            sent = urllib.request.Request(
                base + path, data=data, method=method, headers={"Content-Type": "application/json"}
            )
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(sent, timeout=30)
            assert refused.value.code == status
            (problem,) = json.loads(refused.value.read())["problems"]
            _for_a_person(problem)
            if status == 413:
                assert problem["message"] == TOO_LARGE[path.split("/")[2]].format(size="1000 bytes")
            if status == 400:
                assert '"format"' in problem["detail"]
            assert "secret" not in json.dumps(problem)


def test_a_body_just_under_the_limit_is_served(small: tuple[TestClient, DraftStore]) -> None:
    client, _ = small
    payload = json.dumps({"body": "x" * 900, "format": "text"}).encode()
    assert len(payload) <= 1000
    assert client.post("/api/render", content=payload).status_code == 200


def test_a_draft_store_smaller_than_the_policy_is_413_too() -> None:
    store = DraftStore.memory(policy=SMALL, max_bytes=100)
    with TestClient(create_app(Pipeline(policy=SMALL), store)) as client:
        response = client.put("/api/drafts/k", json={"body": "x" * 200, "format": "text"})
        assert response.status_code == 413 and response.json()["problems"][0]["params"] == {"limit": 100}
        assert store.load("k") is None


def test_a_declared_length_over_the_limit_is_refused_unread(small: tuple[TestClient, DraftStore]) -> None:
    client, _ = small
    response = client.post("/api/render", content=b"{}", headers={"content-length": "5000"})
    assert response.status_code == 413


def _drive(app: Any, chunks: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], int]:
    """Call the ASGI app by hand for ``POST /api/render`` with these receive messages (the
    last repeats); the messages it sent and how many it received."""
    pulled = 0
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        pulled += 1
        return chunks[min(pulled, len(chunks)) - 1]

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/render",
        "raw_path": b"/api/render",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"content-type", b"application/json"), (b"transfer-encoding", b"chunked")],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }
    asyncio.run(app(scope, receive, send))
    return sent, pulled


def test_a_client_that_goes_away_mid_body_is_no_server_error(caplog: pytest.LogCaptureFixture) -> None:
    part = {"type": "http.request", "body": b'{"body": "x', "more_body": True}
    sent, _ = _drive(create_app(Pipeline(policy=SMALL)), [part, {"type": "http.disconnect"}])
    assert sent[0]["status"] == 400
    assert "internal_error" not in caplog.text and "Traceback" not in caplog.text


def test_a_streamed_body_is_read_no_further_than_the_limit() -> None:
    """Drive the ASGI app by hand: an endless chunked body is cut off just past the limit."""
    chunk = {"type": "http.request", "body": b"x" * 100, "more_body": True}
    sent, pulled = _drive(create_app(Pipeline(policy=SMALL)), [chunk])
    assert sent[0]["status"] == 413
    assert pulled == 11, "read 1 100 bytes at most for a 1 000-byte limit"


# -- the page, the app's construction, the extra ------------------------------------------------


def test_the_index_page_is_html(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "<html" in response.text.lower()


def test_create_app_checks_its_arguments() -> None:
    with pytest.raises(ConfigError, match="must be a Pipeline"):
        create_app(Policy())  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="must be a DraftStore"):
        create_app(None, {})  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="draft_owner must be a function"):
        create_app(draft_owner="user")  # type: ignore[arg-type]


class _Boom:
    name = "boom"

    def __call__(self, doc: Document) -> None:
        raise ValueError("secret detail")


class _RichBoom:
    """A stage with a bug that only rich pastes reach."""

    name = "rich_boom"

    def __call__(self, doc: Document) -> None:
        if doc.paste and not doc.plain:
            raise ValueError("secret detail")


def test_a_stage_failing_on_a_rich_paste_gives_the_plain_paste(caplog: pytest.LogCaptureFixture) -> None:
    """A bug on the rich flavour does not lose the clipboard: the plain paste, said, and logged."""
    broken = Pipeline(policy=OFFLINE).insert_before("sanitize", _RichBoom())
    with TestClient(create_app(broken), raise_server_exceptions=False) as client:
        response = client.post("/api/paste", json={"html": "<p>Hi <b>there</b></p>", "text": "Hi there"})
        assert client.post("/api/paste", json={"html": "<b>x</b>", "plain": True}).status_code == 200
    assert response.status_code == 200 and "secret" not in response.text
    answer = response.json()
    assert answer["ok"] and answer["html"] == "<p>Hi there</p>"
    assert answer["notices"][0]["code"] == "pasted_as_plain"
    assert answer["notices"][0]["message"] == (
        "Pasted as plain text: its formatting could not be kept. Reading it failed on the server."
    )
    assert answer["notices"][0]["params"]["problem"] == "internal_error"
    assert "secret detail" in caplog.text


def test_a_failing_stage_is_a_500_problem_without_its_details(caplog: pytest.LogCaptureFixture) -> None:
    broken = Pipeline(policy=OFFLINE).insert_before("sanitize", _Boom())
    with TestClient(create_app(broken), raise_server_exceptions=False) as client:
        response = client.post("/api/render", json={"body": "hi", "format": "text"})
    assert response.status_code == 500
    (problem,) = response.json()["problems"]
    assert problem["code"] == "internal_error" and "secret" not in response.text
    assert "secret detail" in caplog.text


def _python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)


def test_the_core_does_not_import_the_web_stack() -> None:
    done = _python(
        "import sys, composer, composer.cli\n"
        "print(sorted({'starlette', 'uvicorn', 'anyio'} & set(sys.modules)))"
    )
    assert done.stdout.strip() == "[]", done.stderr


def test_without_the_extra_the_import_error_says_what_to_install() -> None:
    done = _python("import sys; sys.modules['starlette'] = None; import composer.web")
    assert "pip install 'forum-composer[web]'" in done.stderr
    assert "ImportError" in done.stderr


def test_serve_without_the_extra_says_what_to_install() -> None:
    done = _python(
        "import sys; sys.modules['uvicorn'] = None; from composer.cli import main; sys.exit(main(['serve']))"
    )
    assert done.returncode == 2
    assert "pip install 'forum-composer[web]'" in done.stderr


# -- a real server --------------------------------------------------------------------------------


class Served:
    """``composer serve`` in a subprocess, on a free port of 127.0.0.1."""

    def __init__(self, args: list[str], env: dict[str, str], cwd: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        command = [sys.executable, "-m", "composer", "--offline", "serve", "--port", str(self.port), *args]
        self.process = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    pytest.fail(f"composer serve did not start: {self.output}")
                time.sleep(0.05)

    def call(self, method: str, path: str, payload: object = None) -> tuple[int, Any]:
        data = json.dumps(payload).encode() if payload is not None else None
        request = urllib.request.Request(
            self.base + path, data=data, method=method, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                raw = response.read()
                return response.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())

    def stop(self) -> None:
        self.process.terminate()
        try:
            out, _ = self.process.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            out, _ = self.process.communicate()
        self.output = out


def test_composer_serve_over_real_http(tmp_path: Path) -> None:
    env = {**os.environ, "COMPOSER_DRAFTS": str(tmp_path / "env-drafts.sqlite3")}
    server = Served(["--max-emoji", "3"], env, tmp_path)
    try:
        status, data = server.call("POST", "/api/render", {"body": "<b>hi</b> 🙂🙂🙂🙂", "format": "html"})
        assert status == 200 and data["problems"][0]["code"] == "emoji_limit", "global flags apply"
        status, data = server.call("POST", "/api/paste", {"html": RICH, "text": "Bold and red"})
        assert status == 200 and data["notices"][0]["code"] == "pasted_as_rich"
        assert server.call("PUT", "/api/drafts/u:1", {"body": "kept", "format": "text"})[0] == 200
        status, data = server.call("GET", "/api/drafts/u:1")
        assert status == 200 and data["html"] == "<p>kept</p>"
        assert server.call("POST", "/api/render", {"body": 1})[0] == 400
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            sock.sendall(b"POST /api/render HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\n")
            assert sock.recv(200).startswith(b"HTTP/1.1 413 ")
        page = urllib.request.urlopen(server.base + "/", timeout=30)
        assert page.status == 200 and page.headers["content-type"].startswith("text/html")
    finally:
        server.stop()
    assert (tmp_path / "env-drafts.sqlite3").is_file(), "COMPOSER_DRAFTS names the drafts file"
    assert "warning" not in server.output
    again = Served(["--drafts", str(tmp_path / "env-drafts.sqlite3"), "--host", "0.0.0.0"], env, tmp_path)
    try:
        status, data = again.call("GET", "/api/drafts/u:1")
        assert status == 200 and data["html"] == "<p>kept</p>", "drafts outlive the process"
    finally:
        again.stop()
    assert "warning: listening on 0.0.0.0: anyone who reaches it can read a draft" in again.output


def test_slow_embeds_do_not_hold_up_other_requests() -> None:
    """Ten posts wait on a site that never answers (embed deadline 3 s) while a plain post is
    served: it comes back while all ten are still waiting, as the app's own executor has
    threads to spare (the loop's stock one has six on two cores, and the plain post would
    queue behind the slow ones)."""
    import threading

    import uvicorn

    from composer.embeds.cache import MemoryCache
    from composer.embeds.fetcher import SafeFetcher
    from composer.embeds.resolver import OEmbedResolver
    from composer.stages.embed import Embeds
    from silent_server import Silent

    silent = Silent()
    fetcher = SafeFetcher(allow=[f"127.0.0.1:{silent.port}"], connect_timeout=1.0, read_timeout=5.0)
    resolver = OEmbedResolver(fetcher, MemoryCache())
    pipe = Pipeline(policy=Policy(embed_deadline=3.0)).replace("embed", Embeds(resolver))
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(pipe), host="127.0.0.1", port=port, log_level="warning")
    )
    serving = threading.Thread(target=server.run, daemon=True)
    serving.start()
    base = f"http://127.0.0.1:{port}"

    def render(body: str) -> None:
        payload = json.dumps({"body": body, "format": "markdown"}).encode()
        request = urllib.request.Request(base + "/api/render", data=payload, method="POST")
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 200

    try:
        while not server.started:
            assert serving.is_alive(), "the server did not start"
            time.sleep(0.02)
        slow = [
            threading.Thread(target=render, args=(f"see\n\nhttp://127.0.0.1:{silent.port}/p/{i}\n",))
            for i in range(10)
        ]
        for thread in slow:
            thread.start()
        while len(silent.accepted) < 10:  # every slow post is waiting on the silent site
            assert any(thread.is_alive() for thread in slow)
            time.sleep(0.02)
        render("a plain post")
        assert all(thread.is_alive() for thread in slow), "the plain post was served while they waited"
        for thread in slow:
            thread.join(30)
    finally:
        server.should_exit = True
        serving.join(30)
        silent.close()
        pipe.close()


def test_serve_with_an_unopenable_drafts_file_is_a_usage_error(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such" / "dir" / "drafts.sqlite3"
    done = _python(
        f"import sys; from composer.cli import main; sys.exit(main(['serve', '--drafts', {str(missing)!r}]))"
    )
    assert done.returncode == 2, done.stderr
    assert "composer:" in done.stderr and "Traceback" not in done.stderr
