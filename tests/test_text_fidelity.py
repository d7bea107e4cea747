"""What the person typed is what the reader sees: text-only posts keep every visible
character (whitespace aside) through every format and entry point (issue 10, the net for
URL spans and stray "<").

Posts are generated from words in many scripts, punctuation glued to URLs, emoji, "<" and
"&". HTML input is the same text escaped with ``html.escape``; markdown input avoids the
characters markdown gives meaning to (``* _ ~ ` [ ] \\ #`` and line-leading ``> - +``), and
its "&" is never followed by an entity name. The output is read by html5lib, as a browser
reads it.
"""

from __future__ import annotations

import html

import html5lib
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from composer import Clipboard, Pipeline, Policy, Submission

PIPE = Pipeline(policy=Policy(embed_mode="cache_only", max_emoji=10**6))

WORDS = [
    "café",
    "naïve",
    "Straße",
    "Москва",
    "привет",
    "Ελλάδα",
    "東京都",
    "日本語",
    "中文",
    "한국어",
    "नमस्ते",
    "مرحبا",
    "می\u200cخواهم",
    "שלום",
    "ไทย",
    "പോലൊരാള്\u200d",
    "word",
    "I'm",
    "e-mail",
    "3.14",
    "50%",
    "a/b",
    "x@y",
]
URLS = [
    "https://example.org/café",
    "https://ru.wikipedia.org/wiki/Москва",
    "https://ja.wikipedia.org/wiki/東京",
    "https://example.com/😀/party",
    "https://bücher.example/über",
    "www.bücher.de/ä",
    "http://example.org",
    "https://en.wikipedia.org/wiki/Foo_(bar)",
    "https://example.org/a?b=1&c=2",
    "https://fa.wikipedia.org/wiki/می\u200cخواهم",
    "http://",
    "www.",
    "https://exa\u202emple.com",
    "https://example.org/a\u200bb",
]
EMOJI = ["😀", "👍🏽", "👨\u200d👩\u200d👧", "🇫🇷", "❤️", "✪"]
#: punctuation that may touch a URL or word on either side
PUNCT = [
    ".",
    ",",
    ":",
    ";",
    "!",
    "?",
    "'",
    '"',
    "(",
    ")",
    "‘",
    "’",
    "“",
    "”",
    "«",
    "»",
    "、",
    "。",
    "（",
    "）",
    "「",
    "」",
    "/",
]
SPECIAL = {
    "html": ["<", "& ", "&amp;", "<3", "a<b", "<p", ">", "-", "*", "~~", "_"],
    "text": ["<", "& ", "&amp;", "<3", "a<b", ">", "*", "~~", "_"],
}
SPECIAL["markdown"] = ["< ", "& ", "<3", "a<b"]

SEPARATORS = ["", " ", " ", " ", "\n"]


def _post(fmt: str) -> st.SearchStrategy[str]:
    token = st.one_of(
        st.sampled_from(WORDS),
        st.sampled_from(URLS),
        st.sampled_from(EMOJI),
        st.sampled_from(PUNCT),
        st.sampled_from(SPECIAL[fmt]),
        st.text(st.characters(categories=("L", "N")), min_size=1, max_size=6),
    )
    pieces = st.lists(st.tuples(token, st.sampled_from(SEPARATORS)), min_size=1, max_size=14)
    return pieces.map(lambda ps: "".join(t + s for t, s in ps).strip())


def _visible(markup: str) -> str:
    """The text a browser shows for ``markup``, whitespace removed."""
    root = html5lib.parse(markup, namespaceHTMLElements=False)
    body = root.find("body")
    assert body is not None
    return "".join("".join(body.itertext()).split())


#: bidi embeddings, overrides and isolates: removed from every output and counted (issue 10 kind 6)
_DIRECTION = dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A)])


def _typed(text: str) -> str:
    """What a reader must see of ``text``: all of it, whitespace and direction controls aside."""
    return "".join(text.translate(_DIRECTION).split())


SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(_post("text"))
@example("see https://example.org/café is open")
def test_text_keeps_every_character(post: str) -> None:
    assert _visible(PIPE.run(Submission(post, "text")).html) == _typed(post)
    assert _visible(PIPE.paste(Clipboard(text=post)).html) == _typed(post)


@SETTINGS
@given(_post("markdown"))
@example("see https://example.org/café is open")
@example("in a list: https://ru.wikipedia.org/wiki/Москва and more")
def test_markdown_keeps_every_character(post: str) -> None:
    assert _visible(PIPE.run(Submission(post, "markdown")).html) == _typed(post)


@SETTINGS
@given(_post("html"))
@example("I think a<b is true, see https://example.org/café")
def test_html_keeps_every_character(post: str) -> None:
    source = html.escape(post, quote=False)
    assert _visible(PIPE.run(Submission(source, "html")).html) == _typed(post)
    assert _visible(PIPE.paste(Clipboard(html=source)).html) == _typed(post)
    assert _visible(PIPE.paste(Clipboard(html=source), plain=True).html) == _typed(post)
