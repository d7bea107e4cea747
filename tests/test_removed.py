"""What ``content_removed`` reports (design point 10): what a reader would miss, never an
editor's own markup. The cases are in ``tests/fixtures/fidelity/removed.txt``; these
properties guard the two halves of the rule beyond the listed inputs."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from composer import Clipboard, Pipeline, Policy, Result, Submission

PIPE = Pipeline(policy=Policy(embed_mode="cache_only"))

_WORD = st.text(alphabet="abcdefghij", min_size=1, max_size=8)
#: attributes an editor writes for looks or for itself
_PRESENTATIONAL = st.sampled_from(
    [
        'class="ipsQuote"',
        'style="color:red;font-weight:700"',
        'id="p-12"',
        'data-ipsquote-username="Jo"',
        'dir="ltr"',
        'lang="en"',
        'width="80"',
        'align="center"',
        'title="note"',
        "hidden",
    ]
)
#: tags whose text stays when the sanitizer unwraps them
_WRAPPER = st.sampled_from(["span", "font", "div", "cite", "x-note", "section", "small", "center"])
#: what a reader would miss, and the kind it is counted as
_MISSED = st.sampled_from(
    [
        ("<script>x()</script>", "elements"),
        ('<video src="https://example.com/v.mp4"></video>', "tags"),
        ('<input value="x">', "tags"),
        ('<iframe src="https://example.com/"></iframe>', "elements"),
        ('<a href="javascript:x()">go</a>', "links"),
        ('<b onclick="x()">go</b>', "attributes"),
    ]
)


def _wrapped(words: list[str], attrs: list[str], tags: list[str]) -> str:
    body = " ".join(words)
    for tag, attr in zip(tags, attrs, strict=False):
        body = f"<{tag} {attr}>{body}</{tag}>"
    return f"<p>{body}</p>"


def _removed(result: Result) -> dict[str, dict[str, int]]:
    for notice in result.notices:
        if notice.code == "content_removed":
            removed: dict[str, dict[str, int]] = notice.params["removed"]
            return removed
    return {}


@settings(max_examples=60, deadline=None)
@given(
    st.lists(_WORD, min_size=1, max_size=4),
    st.lists(_PRESENTATIONAL, min_size=1, max_size=4),
    st.lists(_WRAPPER, min_size=1, max_size=4),
    st.sampled_from(["run", "paste", "plain"]),
)
def test_an_editors_markup_is_not_reported(
    words: list[str], attrs: list[str], tags: list[str], entry: str
) -> None:
    source = _wrapped(words, attrs, tags)
    if entry == "run":
        result = PIPE.run(Submission(source, "html"))
    else:
        result = PIPE.paste(Clipboard(html=source), plain=entry == "plain")
    assert _removed(result) == {}, source
    assert result.text.split() == " ".join(words).split()


@settings(max_examples=60, deadline=None)
@given(
    st.lists(_WORD, min_size=1, max_size=3),
    st.lists(_PRESENTATIONAL, min_size=0, max_size=3),
    st.lists(_WRAPPER, min_size=0, max_size=3),
    _MISSED,
)
def test_what_a_reader_would_miss_is_reported(
    words: list[str], attrs: list[str], tags: list[str], missed: tuple[str, str]
) -> None:
    markup, kind = missed
    source = _wrapped(words, attrs, tags) + f"<p>{markup}</p>"
    assert kind in _removed(PIPE.run(Submission(source, "html"))), source


#: text that looks like a handler, for inside a quoted value (a URL or a title)
_HANDLER_LIKE = st.lists(
    st.sampled_from(['"', "'", " ", "onerror=", "onclick =", "x", "/", "&quot;", "="]), max_size=8
).map("".join)


@settings(max_examples=80, deadline=None)
@given(_HANDLER_LIKE, st.sampled_from(["href", "title"]), st.sampled_from(["run", "paste"]))
def test_handler_like_text_in_a_value_is_not_reported(value: str, attr: str, entry: str) -> None:
    escaped = value.replace("&", "&amp;").replace('"', "&quot;")
    target = f"https://example.com/{escaped}" if attr == "href" else escaped
    source = f'<p><a {attr}="{target}">x</a></p>'
    run = entry == "run"
    result = PIPE.run(Submission(source, "html")) if run else PIPE.paste(Clipboard(html=source))
    assert "attributes" not in _removed(result), source
