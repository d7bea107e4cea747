"""The stages see what the sanitizer and the browser will (security issue, item 3).

The sanitizer (nh3) and browsers read markup as HTML5; the working tree is libxml2's. Where
the two readings differed, a stage saw script text where HTML5 sees an image, and the image,
emoji, link and iframe rules were bypassed. Two kinds of test guard the class:

- the differential property: for generated malformed and foreign-content markup, every
  element the output contains was in the tree the stages saw (counted by tag), on the path
  where a stage parses the tree and on the path where none does (and the same over the
  mXSS grammar of tests/test_fuzz_grammar.py); what HTML5's tree builder adds on its own
  (an empty ``<p>``, implied table wrappers, adoption-agency clones) is named and allowed;
- the shapes of ``fixtures/parser-differential.txt`` crossed with one payload per bypass
  kind (remote image, emoji over the limit, images over ``max_images``, a link with hidden
  characters, a user-written player iframe with its own ``allow``), through every entry
  point (``run`` in html/markdown/text, ``paste``, ``paste(plain=True)``).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import emoji
import markupever
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupever import dom

from composer import Clipboard, Document, Pipeline, Policy, Result, Submission
from composer._html import tree as _tree
from composer._html.html5 import differs, html5_reading, is_document
from composer._html.urls import has_hidden
from fixture_files import FIXTURES, read_cases
from test_fuzz_grammar import dangerous_html

EXAMPLES = int(os.environ.get("COMPOSER_FUZZ_EXAMPLES", "200"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
_HTML5 = markupever.HtmlOptions(fragment_context=dom.QualName("div", "http://www.w3.org/1999/xhtml"))


def html5_elements(markup: str) -> list[dom.Element]:
    """The elements of ``markup`` as a browser reads it."""
    root = markupever.parse(markup, _HTML5).root()
    return [node for node in root.descendants() if isinstance(node, dom.Element)]


def html5_text(markup: str) -> str:
    root = markupever.parse(markup, _HTML5).root()
    return "".join(node.content for node in root.descendants() if isinstance(node, dom.Text))


# -- the differential property ------------------------------------------------------------------


@dataclass
class Record:
    """A stage placed before the sanitizer that counts the tags of the tree the stages saw.

    ``force``: parse the tree (the path where a stage needed it); otherwise read the working
    HTML on the side, leaving the document as the stages left it (the path with no tree).
    """

    force: bool
    name: str = "record"
    seen: Counter[str] = field(default_factory=Counter)

    def __call__(self, doc: Document) -> None:
        body = doc.tree if self.force or doc.has_tree else _tree.parse(doc.html)
        self.seen = Counter(el.tag for el in body.iter() if isinstance(el.tag, str))
        self.seen["body"] -= 1


#: wrappers HTML5 makes on its own where libxml2 makes none (``<table><tr>`` gets a tbody)
_IMPLIED = frozenset({"tbody", "tr", "colgroup"})


def _made_by_html5(el: dom.Element) -> bool:
    """An element HTML5's tree builder makes where libxml2's makes none, holding nothing the
    stages judge: an empty ``<p>`` (a stray ``</p>``, or a ``<p>`` that HTML5 closes where
    libxml2 nested it) and a table wrapper without attributes."""
    local = el.name.local
    if local == "p":
        return not el.has_children and not len(el.attrs)
    return local in _IMPLIED and not len(el.attrs)


def _output_tags(html: str) -> Counter[str]:
    return Counter(el.name.local for el in html5_elements(html) if not _made_by_html5(el))


#: HTML5's adoption agency clones these, attributes and all, where libxml2 nested them
#: otherwise: a clone copies an element the stages saw, so for them a tag seen is enough
_FORMATTING = frozenset("a b big code em font i nobr s small strike strong tt u".split())


def _unseen(out: Counter[str], seen: Counter[str]) -> Counter[str]:
    missing = out - seen
    for tag in _FORMATTING & set(missing):
        if seen[tag]:
            del missing[tag]
    return missing


FOREIGN = ["svg", "math", "mtext", "mi", "foreignObject", "desc", "title", "annotation-xml", "mglyph"]
RAW = ["script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "noscript"]
HTML = ["p", "b", "a", "div", "span", "table", "tr", "td", "form", "select", "option", "template", "image"]
CONTENT = [
    '<img src="https://img.example/a.png">',
    '<img src="https://img.example/b.png" alt="😀">',
    "😀",
    "x",
    '<a href="https://a.example/\u200bx">l</a>',
    '<iframe src="https://www.youtube.com/embed/x" allow="camera"></iframe>',
    "</p>",
    "</br>",
    "<!-- c --!>",
    "<!-->",
    "<![CDATA[",
    "]]>",
    "<plaintext>",
    '<p title="</noscript><img src=https://img.example/n.png>">',
    "</svg>",
    "</math>",
    "&lt;img src=x&gt;",
    "<",
    ">",
]


@st.composite
def differential_html(draw: st.DrawFn, depth: int = 0) -> str:
    """Foreign content, raw-text elements and malformed nesting, around images and links."""
    parts = []
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.integers(0, 3 if depth < 4 else 0))
        if kind == 0:
            parts.append(draw(st.sampled_from(CONTENT)))
            continue
        tag = draw(st.sampled_from(FOREIGN if kind == 1 else RAW if kind == 2 else HTML))
        close = draw(st.sampled_from([f"</{tag}>", "", f"</{tag.upper()}>"]))
        parts.append(f"<{tag}>{draw(differential_html(depth + 1))}{close}")
    return "".join(parts)


POLICY = Policy(embed_mode="cache_only", max_images=10**6, max_emoji=10**6)


def _check_seen(source: str, *, force: bool) -> None:
    record = Record(force)
    pipe = Pipeline(policy=POLICY).insert_before("sanitize", record)
    out = pipe.run(Submission(source)).html
    missing = _unseen(_output_tags(out), record.seen)
    assert not missing, (source, out, missing)


@SETTINGS
@given(differential_html())
def test_every_output_element_was_seen_in_the_tree(source: str) -> None:
    _check_seen(source, force=True)


@SETTINGS
@given(differential_html())
def test_every_output_element_was_seen_without_a_tree(source: str) -> None:
    _check_seen(source, force=False)


@SETTINGS
@given(dangerous_html(), st.booleans())
def test_every_output_element_of_the_fuzz_grammar_was_seen(source: str, force: bool) -> None:
    """The mXSS and malformed-markup grammar of tests/test_fuzz_grammar.py, both paths."""
    _check_seen(source, force=force)


# -- the named shapes against each bypass kind -----------------------------------------------------

SHAPES = [(title, template) for title, template in read_cases(FIXTURES / "parser-differential.txt", 1)]
EMBED_LINE = "<p>https://www.youtube.com/watch?v=dQw4w9WgXcQ</p>\n"


@dataclass(frozen=True)
class Bypass:
    """One rule a differential could dodge: its payload, its policy, and the check on a run."""

    payload: str
    policy: Policy
    holds: Callable[[Result], bool]
    prefix: str = ""


def _no_remote_image(r: Result) -> bool:
    return not any(el.name.local == "img" and "tracker.example" in (el.attrs.get("src") or "")
                   for el in html5_elements(r.html))  # fmt: skip


def _emoji_within(limit: int) -> Callable[[Result], bool]:
    return lambda r: not r.ok or emoji.emoji_count(html5_text(r.html)) <= limit


def _images_within(limit: int) -> Callable[[Result], bool]:
    return lambda r: not r.ok or sum(el.name.local == "img" for el in html5_elements(r.html)) <= limit


def _no_hidden_href(r: Result) -> bool:
    return not any(
        el.name.local == "a" and has_hidden(el.attrs.get("href") or "") for el in html5_elements(r.html)
    )


def _only_built_iframes(r: Result) -> bool:
    iframes = [el for el in html5_elements(r.html) if el.name.local == "iframe"]
    return len(iframes) <= 1 and all("camera" not in (el.attrs.get("allow") or "") for el in iframes)


BYPASSES = {
    "remote image": Bypass(
        '<p><img src="https://tracker.example/p.png"></p>',
        Policy(embed_mode="cache_only", allow_remote_images=False),
        _no_remote_image,
    ),
    "emoji count": Bypass("<b>😀😀😀</b>", Policy(embed_mode="cache_only", max_emoji=2), _emoji_within(2)),
    "max_images": Bypass(
        '<p><img src="https://img.example/1.png"><img src="https://img.example/2.png">'
        '<img src="https://img.example/3.png"></p>',
        Policy(embed_mode="cache_only", max_images=2),
        _images_within(2),
    ),
    "hidden-char link": Bypass(
        '<p><a href="https://evil.example/\u202ecod.exe">x</a></p>',
        Policy(embed_mode="cache_only"),
        _no_hidden_href,
    ),
    "iframe allow": Bypass(
        '<p><iframe src="https://www.youtube.com/embed/abc" allow="camera; microphone"></iframe></p>',
        Policy(embed_mode="cache_only"),
        _only_built_iframes,
        prefix=EMBED_LINE,
    ),
}

ENTRY_POINTS: dict[str, Callable[[Pipeline, str], Result]] = {
    "run html": lambda pipe, s: pipe.run(Submission(s, "html")),
    "run markdown": lambda pipe, s: pipe.run(Submission(s, "markdown")),
    "run text": lambda pipe, s: pipe.run(Submission(s, "text")),
    "paste": lambda pipe, s: pipe.paste(Clipboard(html=s, text="plain")),
    "paste plain": lambda pipe, s: pipe.paste(Clipboard(html=s), plain=True),
}


@pytest.mark.parametrize("entry", ENTRY_POINTS)
@pytest.mark.parametrize("kind", BYPASSES)
@pytest.mark.parametrize(("title", "template"), SHAPES, ids=[t for t, _ in SHAPES])
def test_shape_does_not_bypass(title: str, template: str, kind: str, entry: str) -> None:
    bypass = BYPASSES[kind]
    source = bypass.prefix + template.replace("{x}", bypass.payload)
    result = ENTRY_POINTS[entry](Pipeline(policy=bypass.policy), source)
    assert bypass.holds(result), (source, result.html, result.problems)


@pytest.mark.parametrize("kind", BYPASSES)
def test_payload_alone_is_caught(kind: str) -> None:
    """Each payload, with no shape around it, trips its rule (so the checks above mean something)."""
    bypass = BYPASSES[kind]
    result = Pipeline(policy=bypass.policy).run(Submission(bypass.prefix + bypass.payload))
    assert bypass.holds(result)
    assert result.problems or result.notices or kind == "remote image"


def test_image_alias_is_an_image() -> None:
    """``<image>`` is ``<img>`` to HTML5: the image rules apply to it."""
    policy = Policy(embed_mode="cache_only", allow_remote_images=False)
    out = Pipeline(policy=policy).run(Submission('<image src="https://tracker.example/p.png">')).html
    assert "<img" not in out


@pytest.mark.parametrize(
    "markup",
    ["<p>x</p>", "<SVG>", "<Math\n>", "<noScript/>", "<IMAGE src=x>", "a</BR>", "<svgx>", "<br>", "</b>"],
)
def test_prefilter_reads_any_case_without_a_lower_cased_copy(markup: str) -> None:
    """Big sources are searched in place: both forms of the prefilter agree."""
    assert differs(markup) == differs(markup, markup.lower())
    assert differs(markup) is (markup.lower() not in ("<p>x</p>", "<svgx>", "<br>", "</b>"))


@pytest.mark.parametrize("head", ['<?xml version="1.0"?>\n', "<!DOCTYPE html>", ""])
def test_a_clipboard_document_stays_a_document(head: str) -> None:
    """A Word clipboard read as HTML5 keeps its ``<head>`` out of the body."""
    page = "<html><head><style>p{}</style></head><body><svg></svg>x</body></html>"
    markup, removed = html5_reading(head + page)
    assert is_document(markup)
    assert not removed
    body = _tree.parse(markup)
    assert body.text_content() == "x"
    assert body.find(".//style") is None
