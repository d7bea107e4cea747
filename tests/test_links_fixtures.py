"""Bare URLs through every format and entry point, driven by tests/fixtures/links-*.txt.

- ``links-text.txt``: ``run`` of text, ``paste`` of a text-only clipboard, and the plain paste
  (``paste(plain=True)``) of the same text as clipboard HTML;
- ``links-markdown.txt``: ``run`` of markdown;
- ``links-html.txt``: ``run`` of HTML and the rich ``paste`` of it.
"""

from __future__ import annotations

import html

import pytest

from composer import Clipboard, Pipeline, Policy, Submission
from fixture_files import FIXTURES, read_cases

PIPE = Pipeline(policy=Policy(embed_mode="cache_only"))


def cases(name: str) -> list[tuple[str, str, str]]:
    return [(t, a, b) for t, a, b in read_cases(FIXTURES / name)]


def _same(out: str, expected: str) -> None:
    assert out.strip() == expected.strip()


@pytest.mark.parametrize(("title", "source", "expected"), cases("links-text.txt"), ids=lambda x: x[:50])
def test_text(title: str, source: str, expected: str) -> None:
    _same(PIPE.run(Submission(source, "text")).html, expected)
    _same(PIPE.paste(Clipboard(text=source)).html, expected)
    as_html = "<p>" + html.escape(source, quote=False).replace("\n", "<br>") + "</p>"
    _same(PIPE.paste(Clipboard(html=as_html), plain=True).html, expected)


@pytest.mark.parametrize(("title", "source", "expected"), cases("links-markdown.txt"), ids=lambda x: x[:50])
def test_markdown(title: str, source: str, expected: str) -> None:
    _same(PIPE.run(Submission(source, "markdown")).html, expected)


@pytest.mark.parametrize(("title", "source", "expected"), cases("links-html.txt"), ids=lambda x: x[:50])
def test_html(title: str, source: str, expected: str) -> None:
    _same(PIPE.run(Submission(source, "html")).html, expected)
    _same(PIPE.paste(Clipboard(html=source)).html, expected)


@pytest.mark.parametrize(("title", "source", "expected"), cases("links-where.txt"), ids=lambda x: x[:50])
def test_where_links_go(title: str, source: str, expected: str) -> None:
    _same(PIPE.run(Submission(source, "html")).html, expected)
    _same(PIPE.paste(Clipboard(html=source)).html, expected)


OWN = Pipeline(policy=Policy(embed_mode="cache_only", own_hosts=frozenset({"forum.example"})))


@pytest.mark.parametrize(("title", "source", "expected"), cases("links-own.txt"), ids=lambda x: x[:50])
def test_own_links(title: str, source: str, expected: str) -> None:
    _same(OWN.run(Submission(source, "html")).html, expected)
