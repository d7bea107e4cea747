"""One set of invisible characters (``composer._html.urls.INVISIBLE``), one scheme reader.

The images stage, the sanitizer and the link finder once each had their own set; a pasted
image whose scheme hid behind a character only one of them knew passed the images stage.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from composer import Pipeline, Policy, Result, Submission
from composer._html.urls import INVISIBLE, has_hidden, scheme_at
from composer.stages.sanitize import url_scheme
from fixture_files import FIXTURES, read_cases

PIPE = Pipeline(policy=Policy(embed_mode="cache_only"))
CASES = [(t, a, b, c) for t, a, b, c in read_cases(FIXTURES / "images-invisible.txt", blocks=3)]
_CLASS = re.compile(f"[{INVISIBLE}]")
#: every character of the set, from its regex class
ALL_INVISIBLE = [chr(c) for c in range(0x10000) if _CLASS.match(chr(c))]


def _removed_images(result: Result) -> dict[str, int]:
    for notice in result.notices:
        if notice.code == "content_removed":
            removed: dict[str, int] = notice.params["removed"].get("images", {})
            return removed
    return {}


def test_the_set_is_what_it_says() -> None:
    assert len(CASES) >= 10
    assert "\t" not in ALL_INVISIBLE and "\n" not in ALL_INVISIBLE and " " not in ALL_INVISIBLE
    assert {"\u200b", "\u200d", "\u202e", "\u2066", "\ufeff", "\x00", "\x85"} <= set(ALL_INVISIBLE)


@pytest.mark.parametrize(("title", "source", "html", "counts"), CASES, ids=[c[0] for c in CASES])
def test_a_hidden_scheme_is_still_a_pasted_image(title: str, source: str, html: str, counts: str) -> None:
    result = PIPE.run(Submission(source))
    expected = {k: int(v) for k, v in (item.split("=") for item in counts.split())}
    assert result.html.strip() == html
    assert [n.code for n in result.notices if n.code == "image_paste_rejected"] == ["image_paste_rejected"]
    assert _removed_images(result) == expected


_SCHEMES = st.sampled_from(["data", "blob", "javascript", "cid"])


@given(st.sampled_from(ALL_INVISIBLE), _SCHEMES, st.integers(0, 4))
def test_every_reader_skips_every_invisible_character(char: str, scheme: str, at: int) -> None:
    """The images stage and the sanitizer read one scheme; the link finder refuses the URL."""
    at = min(at, len(scheme))
    value = scheme[:at] + char + scheme[at:] + ":x"
    assert scheme_at(value) == scheme
    assert url_scheme(value, raw=False) == scheme
    assert has_hidden(value)
