"""linkify-it's own fixture file (tests/corpora/linkify-it, MIT) against composer's URL finder.

Every case whose expected link has an ``http(s)://`` scheme or starts with ``www.`` must link
exactly the expected text, in the finder and through the pipeline's text format. Cases composer
refuses by design are listed in ``REFUSED`` with the reason.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from composer import Pipeline, Policy, Submission
from composer._html.urls import find_links

CORPUS = Path(__file__).resolve().parent / "corpora" / "linkify-it" / "links.txt"
PIPE = Pipeline(policy=Policy(embed_mode="cache_only"))

#: input line -> why composer does not link it as linkify-it does
REFUSED: dict[str, str] = {}


def _cases() -> list[tuple[int, str, str]]:
    """(line number, input, expected link) as linkify-it-py's reader pairs them."""
    lines = [re.sub(r"^%.*", "", line.rstrip()) for line in CORPUS.read_text(encoding="utf-8").split("\n")]
    cases = []
    skip = False
    for i, line in enumerate(lines):
        if skip:
            skip = False
            continue
        if not line.strip():
            continue
        following = lines[i + 1] if i + 1 < len(lines) else ""
        if following.strip():
            cases.append((i + 1, line, following))
            skip = True
        else:
            cases.append((i + 1, line, line))
    return cases


CASES = [c for c in _cases() if re.match(r"(?i)https?://|www\.", c[2])]


def test_the_corpus_holds_the_scheme_and_www_cases() -> None:
    assert len(CASES) >= 70


@pytest.mark.parametrize(("number", "line", "expected"), CASES, ids=lambda x: str(x)[:50])
def test_the_finder_links_exactly_the_expected_text(number: int, line: str, expected: str) -> None:
    if line in REFUSED:
        assert not find_links(line), REFUSED[line]
        return
    links = find_links(line)
    assert links, f"line {number}: nothing linked"
    assert links[0].text == expected
    assert line[links[0].index : links[0].last_index] == expected


@pytest.mark.parametrize(("number", "line", "expected"), CASES, ids=lambda x: str(x)[:50])
def test_the_text_format_links_exactly_the_expected_text(number: int, line: str, expected: str) -> None:
    out = PIPE.run(Submission(line, "text")).html
    shown = [html.unescape(text) for text in re.findall(r"<a [^>]*>(.*?)</a>", out)]
    if line in REFUSED:
        assert not shown, REFUSED[line]
    else:
        assert shown[:1] == [expected]
