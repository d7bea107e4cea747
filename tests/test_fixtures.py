"""Fixture files drive these tests (markdown-it-py style): title, '.', input, '.', expected, '.'."""

from __future__ import annotations

from pathlib import Path

import pytest

from composer import Format, Pipeline, Policy, Submission

FIXTURES = Path(__file__).resolve().parent / "fixtures"
PIPE = Pipeline(policy=Policy(embed_mode="cache_only"))


def read_fixtures(path: Path) -> list[tuple[str, str, str]]:
    """(title, input, expected) triples from a fixture file."""
    lines = path.read_text(encoding="utf-8").split("\n")
    cases = []
    i = 0
    while i < len(lines):
        if not lines[i].strip():
            i += 1
            continue
        title = lines[i]
        assert lines[i + 1] == ".", f"{path.name}: '.' expected after title {title!r}"
        j = lines.index(".", i + 2)
        k = lines.index(".", j + 1)
        cases.append((title, "\n".join(lines[i + 2 : j]), "\n".join(lines[j + 1 : k])))
        i = k + 1
    return cases


def cases(name: str) -> list[tuple[str, str, str]]:
    return read_fixtures(FIXTURES / name)


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
