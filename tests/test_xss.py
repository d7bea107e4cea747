"""Every XSS payload in the corpora (tests/corpora/xss), through every entry point, with both backends."""

from __future__ import annotations

import json
import re

import pytest

import corpus_paths
from composer import Clipboard, Pipeline, Policy, Submission
from composer.policy import Backend
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
