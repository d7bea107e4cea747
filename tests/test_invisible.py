"""One set of invisible characters (``composer._html.urls.INVISIBLE``), one scheme reader.

The images stage, the sanitizer and the link finder once each had their own set; a pasted
image whose scheme hid behind a character only one of them knew passed the images stage.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from composer import Clipboard, Pipeline, Policy, Result, Submission
from composer._html.hosts import scheme_at
from composer._html.urls import INVISIBLE, has_hidden
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


def _named_references() -> list[tuple[str, str]]:
    """(name, character) for every named character reference that spells one invisible character."""
    from html.entities import html5

    return sorted(
        (name.rstrip(";"), char)
        for name, char in html5.items()
        if name.endswith(";") and len(char) == 1 and char in ALL_INVISIBLE
    )


NAMED = _named_references()


def test_named_references_to_invisible_characters_exist() -> None:
    names = {name for name, _ in NAMED}
    assert {"zwj", "zwnj", "lrm", "rlm", "NoBreak", "ZeroWidthSpace"} <= names


@given(st.sampled_from(NAMED), st.sampled_from(["https://exa{}mple.com/", "https://example.com/a{}b"]))
def test_a_link_spelling_an_invisible_character_by_name_is_refused(named: tuple[str, str], url: str) -> None:
    """design point 3: a URL holding an invisible character is no link, however the character
    is written; by name (``&zwj;``) as by number (``&#x200d;``), and the loss is reported."""
    name, char = named
    by_name = PIPE.run(Submission(f'<p><a href="{url.format("&" + name + ";")}">x</a></p>'))
    by_number = PIPE.run(Submission(f'<p><a href="{url.format(f"&#x{ord(char):x};")}">x</a></p>'))
    assert by_name.html == by_number.html == "<p>x</p>"
    assert [n.params for n in by_name.notices] == [n.params for n in by_number.notices]
    # the rich paste of the same HTML, and markdown (whose parser decodes both the same way)
    pasted = [
        PIPE.paste(Clipboard(html=f'<a href="{url.format(ref)}">x</a>'))
        for ref in (f"&{name};", f"&#x{ord(char):x};")
    ]
    assert pasted[0].html == pasted[1].html and "href" not in pasted[0].html
    marked = [
        PIPE.run(Submission(f"[x]({url.format(ref)})", "markdown"))
        for ref in (f"&{name};", f"&#x{ord(char):x};")
    ]
    assert marked[0].html == marked[1].html
