"""Fixture files drive these tests (markdown-it-py style): title, '.', input, '.', expected, '.'."""

from __future__ import annotations

import pytest

from composer import Format, Pipeline, Policy, Submission
from fixture_files import FIXTURES, read_cases

PIPE = Pipeline(policy=Policy(embed_mode="cache_only"))


def cases(name: str) -> list[tuple[str, str, str]]:
    return [(t, a, b) for t, a, b in read_cases(FIXTURES / name)]


@pytest.mark.parametrize(
    ("fmt", "name"),
    [("text", "parse-text.txt"), ("markdown", "parse-markdown.txt"), ("html", "sanitize.txt")],
)
def test_fixture_files_exist(fmt: str, name: str) -> None:
    assert len(cases(name)) >= 5


def _check(fmt: Format, source: str, expected: str) -> None:
    assert PIPE.run(Submission(source.replace("\\r", "\r"), fmt)).html.strip() == expected.strip()


@pytest.mark.parametrize(("title", "source", "expected"), cases("parse-text.txt"), ids=lambda x: x[:40])
def test_text(title: str, source: str, expected: str) -> None:
    _check("text", source, expected)


@pytest.mark.parametrize(("title", "source", "expected"), cases("parse-markdown.txt"), ids=lambda x: x[:40])
def test_markdown(title: str, source: str, expected: str) -> None:
    _check("markdown", source, expected)


@pytest.mark.parametrize(("title", "source", "expected"), cases("sanitize.txt"), ids=lambda x: x[:40])
def test_sanitize(title: str, source: str, expected: str) -> None:
    _check("html", source, expected)
