"""A rich paste refused whole falls back to plain text inside ``Pipeline.paste``, for every
integrator: the plain paste of the same clipboard, led by ``pasted_as_plain`` saying why.

Every way a rich run ends early is a case: too deep, markup too large, too many elements, the
HTML flavour over the hard cap. A rich paste that is accepted is answered as before, and a
clipboard whose plain paste is refused too keeps the rich refusal (nothing to fall back to).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from composer import Clipboard, Pipeline, Policy, Result
from composer._html.flat import markup_text

PIPE = Pipeline(policy=Policy(embed_mode="cache_only"))
DEEP = "<div>" * 150 + "<p>Deep <b>words</b></p><p>second</p>" + "</div>" * 150
IMAGE = '<img src="data:image/png;base64,' + "A" * 5000 + '">'

#: (policy, html, problem code): each way a rich run is refused whole
REFUSED = [
    pytest.param(Policy(embed_mode="cache_only"), DEEP, "too_deep", id="too_deep"),
    pytest.param(
        Policy(embed_mode="cache_only", max_markup_bytes=2000),
        "<p>Deep <b>words</b></p><p>second</p>" + '<span class="x"></span>' * 200,
        "too_large",
        id="max_markup_bytes",
    ),
    pytest.param(
        Policy(embed_mode="cache_only"),
        "<p>Deep <b>words</b></p><p>second</p>" + "<i></i>" * 40_001,
        "too_complex",
        id="too_complex",
    ),
    pytest.param(
        Policy(embed_mode="cache_only", max_input_bytes=4000),
        "<p>Deep <b>words</b></p><p>second</p>" + IMAGE,
        "too_large",
        id="max_input_bytes",
    ),
]


def _codes(result: Result) -> list[str]:
    return [notice.code for notice in result.notices]


@pytest.mark.parametrize("target", ["html", "markdown"])
@pytest.mark.parametrize(("policy", "html", "code"), REFUSED)
def test_a_refused_rich_paste_is_the_plain_paste_with_why(
    policy: Policy, html: str, code: str, target: str
) -> None:
    pipe = Pipeline(policy=policy)
    clip = Clipboard(html=html, text="Deep words\n\nsecond")
    result = pipe.paste(clip, target=target)
    assert result.ok and not result.problems
    notice = result.notices[0]
    assert notice.code == "pasted_as_plain" and notice.action is None
    assert notice.params["problem"] == code
    assert notice.params["reason"].startswith("The post ")  # the refusal's own message
    assert (
        notice.message == f"Pasted as plain text: its formatting could not be kept. {notice.params['reason']}"
    )
    # the plain paste of the text flavour, exactly, with the notice first
    plain = pipe.paste(Clipboard(text=clip.text), plain=True, target=target)
    assert (result.html, result.markdown) == (plain.html, plain.markdown)
    assert "Deep words" in result.html and "second" in result.html and "<b>" not in result.html
    said = ("image_paste_rejected", "content_removed")  # the HTML's pictures, when it was read
    rest = [n.code for n in result.notices[1:] if n.code not in said]
    assert rest == [n.code for n in plain.notices if n.code not in said]


@pytest.mark.parametrize(("policy", "html", "code"), [REFUSED[0], REFUSED[2]])
def test_without_a_text_flavour_the_words_of_the_html_go_in(policy: Policy, html: str, code: str) -> None:
    """No text flavour, and HTML no parser may read: its words, read without parsing."""
    result = Pipeline(policy=policy).paste(Clipboard(html=html))
    assert result.ok and _codes(result)[0] == "pasted_as_plain"
    assert result.text == markup_text(html) == "Deep words\n\nsecond"


@pytest.mark.parametrize(
    "text", ["", " \n\t", "\u202e", "\u200b\u200d\ufeff", "\x00\x07", "\u00ad\u2060 \u3000"]
)
def test_a_text_flavour_with_nothing_to_see_gives_way_to_the_words_of_the_html(text: str) -> None:
    """A text flavour of white space, format or control characters alone shows nothing: the
    HTML's words go in, not an empty post (the HTML's "words" were lost behind a U+202E)."""
    result = PIPE.paste(Clipboard(html=DEEP, text=text))
    assert result.ok and _codes(result)[0] == "pasted_as_plain"
    assert result.text == "Deep words\n\nsecond"


@pytest.mark.parametrize(("policy", "html", "code"), [REFUSED[1], REFUSED[3]])
def test_without_a_text_flavour_markup_over_the_size_caps_is_still_refused(
    policy: Policy, html: str, code: str
) -> None:
    """Reading the words of HTML costs about 0.8 s a MB of tags: no more is read than a parse
    would read (max_markup_bytes, after pasted images are cut), so the refusal stands."""
    result = Pipeline(policy=policy).paste(Clipboard(html=html))
    assert [p.code for p in result.problems] == ["too_large"] and result.html == "" and not result.notices


def test_pasted_images_do_not_count_toward_what_is_read() -> None:
    """A deep clipboard whose bulk is a pasted image: the image is cut before the size check."""
    pipe = Pipeline(policy=Policy(embed_mode="cache_only", max_markup_bytes=2000))
    result = pipe.paste(Clipboard(html=DEEP + IMAGE))
    assert _codes(result)[:2] == ["pasted_as_plain", "image_paste_rejected"]
    assert result.text == "Deep words\n\nsecond"


def test_the_clipboards_pictures_are_still_refused_and_said() -> None:
    html = "<p>look</p>" + '<img src="data:image/png;base64,iVBORw0KGgo=">' + DEEP
    result = PIPE.paste(Clipboard(html=html, text="look"))
    assert _codes(result)[:2] == ["pasted_as_plain", "image_paste_rejected"]


def test_when_the_plain_paste_is_refused_too_the_rich_refusal_stands() -> None:
    pipe = Pipeline(policy=Policy(embed_mode="cache_only", max_length=10))
    clip = Clipboard(html="<p>" + "word " * 40 + "</p>", text="word " * 40)
    result = pipe.paste(clip)
    assert [p.code for p in result.problems] == ["too_long"] and result.html == ""
    assert "pasted_as_plain" not in _codes(result)


def test_the_notice_is_translatable() -> None:
    pipe = Pipeline(
        policy=Policy(messages={"pasted_as_plain": "Als reiner Text eingefügt ({problem}): {reason}"})
    )
    notice = pipe.paste(Clipboard(html=DEEP, text="x")).notices[0]
    assert notice.message == (
        "Als reiner Text eingefügt (too_deep): The post is nested too deeply (more than 100 levels)."
    )


def test_an_accepted_rich_paste_is_answered_as_before() -> None:
    result = PIPE.paste(Clipboard(html="<p>Hi <b>there</b></p>", text="Hi there"))
    assert _codes(result) == ["pasted_as_rich"] and result.html == "<p>Hi <b>there</b></p>"


TIGHT = Pipeline(policy=Policy(embed_mode="cache_only", max_depth=3, max_length=40))
PIECES = st.sampled_from(["<div>", "</div>", "<b>", "<p>", "word ", "x", " ", "&amp;", "😀"])


@settings(max_examples=80, deadline=None)
@given(
    html=st.lists(PIECES, min_size=1, max_size=40).map("".join),
    text=st.one_of(st.none(), st.text(max_size=30)),
)
# the plain paste's text is 41 characters once its paragraphs are lines: refused too_long
@example(html="word word word word <div><div>word word <div><div>word word ", text=None)
def test_any_rich_paste_is_rich_or_the_plain_paste_with_why(html: str, text: str | None) -> None:
    """Accepted rich, or refused with no fallback, or exactly the plain paste of the
    clipboard led by pasted_as_plain: never a refusal a plain paste could have served."""
    result = TIGHT.paste(Clipboard(html=html, text=text))
    fallback: Any = text if text is not None and text.strip() else markup_text(html)
    plain = TIGHT.paste(Clipboard(html=html, text=fallback), plain=True)
    if "pasted_as_plain" not in _codes(result):
        if result.problems and not result.html and fallback.strip():  # refused whole
            assert not plain.ok, "a plain paste could have served it"
        return
    assert _codes(result)[0] == "pasted_as_plain"
    assert result.html == plain.html and result.problems == plain.problems == ()
    assert result.notices[1:] == plain.notices
