"""Every XSS payload in the corpora (tests/corpora/xss), through every entry point, with both backends."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence

import pytest

import corpus_paths
from composer import Card, Clipboard, Pipeline, Policy, Submission
from composer.policy import Backend
from composer.stages import Embeds, Hashtags, Mentions
from safety import dangers

CORPORA = corpus_paths.CORPORA / "xss"


def _payloads() -> list[tuple[str, str]]:
    cases: list[tuple[str, str]] = []
    for item in json.loads((CORPORA / "dompurify.json").read_text()):
        cases.append((f"dompurify-{item['index']}", item["payload"]))
    for item in json.loads((CORPORA / "html5lib-sanitizer.json").read_text()):
        cases.append((f"html5lib-{item['name']}", item["input"]))
    for item in json.loads((CORPORA / "bleach-cases.json").read_text()):
        cases.append((f"bleach-{item['file']}", item["input"]))
    return cases


def _markdown_payloads() -> list[tuple[str, str]]:
    """Inputs of markdown-it-py's xss.md fixtures (title, '.', input, '.', expected, '.')."""
    text = (CORPORA / "markdown-it-xss.md").read_text()
    blocks = re.split(r"^\.\n", text, flags=re.MULTILINE)
    inputs = [blocks[i] for i in range(1, len(blocks), 3)]
    extra = [
        "[x](javascript:alert(1))",
        "[x]: javascript:alert(1)\n\n[click][x]",
        "<javascript:alert(1)>",
        '![img](x "title\\" onerror=\\"alert(1))',
        "[a](jav&#x09;ascript:alert(1))",
        "![x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    ]
    return [(f"md-{i}", s) for i, s in enumerate(inputs + extra)]


PAYLOADS = _payloads()
MD_PAYLOADS = _markdown_payloads()
BACKENDS: tuple[Backend, ...] = ("nh3", "bleach")
PIPES = {b: Pipeline(policy=Policy(sanitizer=b, embed_mode="cache_only")) for b in BACKENDS}


def test_corpora_are_complete() -> None:
    assert len(PAYLOADS) == 223 + 72 + 20
    assert len(MD_PAYLOADS) >= 13


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("name", "payload"), PAYLOADS, ids=[n for n, _ in PAYLOADS])
def test_html_payload_is_defused(backend: Backend, name: str, payload: str) -> None:
    pipe = PIPES[backend]
    for result in (
        pipe.run(Submission(payload, "html")),
        pipe.run(Submission(payload, "markdown")),
        pipe.paste(Clipboard(html=payload)),
        pipe.paste(Clipboard(html=payload), plain=True),
    ):
        assert dangers(result.html) == [], result.html


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("name", "payload"), MD_PAYLOADS, ids=[n for n, _ in MD_PAYLOADS])
def test_markdown_payload_is_defused(backend: Backend, name: str, payload: str) -> None:
    result = PIPES[backend].run(Submission(payload, "markdown"))
    assert dangers(result.html) == [], result.html


def test_oracle_catches_what_it_should() -> None:
    """The oracle itself must be able to fail."""
    assert dangers("<img src=x onerror=alert(1)>")
    assert dangers('<a href="jav&#x09;ascript:alert(1)">x</a>')
    assert dangers('<a href=" &#x6a;avascript:x">x</a>')
    assert dangers("<svg><script>alert(1)</script></svg>")
    assert dangers('<img srcset="a.png 1x, data:image/png;base64,AA 2x">')
    assert not dangers('<p><a href="https://example.com">ok</a></p>')


# -- the social stages: every name is a person, every own link a topic whose card holds the payload


def _everyone(names: Sequence[str]) -> Mapping[str, str]:
    return {name: f"/u/{name}" for name in names}


def _social(backend: Backend, payload: str) -> Pipeline:
    def topics(urls: Sequence[str]) -> Mapping[str, Card]:
        return {url: Card(payload or "t", payload, payload, avatar_url=payload) for url in urls}

    policy = Policy(sanitizer=backend, embed_mode="cache_only", own_hosts={"forum.example"})
    return (
        Pipeline(policy=policy)
        .insert_after("links", Mentions(lookup=_everyone))
        .insert_after("mentions", Hashtags(lookup=_everyone))
        .replace("embed", Embeds(own_cards=topics))
    )


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("name", "payload"), PAYLOADS[::3], ids=[n for n, _ in PAYLOADS[::3]])
def test_payloads_through_mentions_and_own_cards(backend: Backend, name: str, payload: str) -> None:
    pipe = _social(backend, payload)
    for body, fmt in (
        (f"@alice {payload} @bob", "html"),
        (f"https://forum.example/t/1\n\n{payload}", "text"),
    ):
        result = pipe.run(Submission(body, fmt))  # type: ignore[arg-type]
        assert dangers(result.html) == [], result.html
