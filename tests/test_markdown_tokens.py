"""What markdown-it's linkify and the word rule read as one token is not cut by emphasis
(cases in tests/fixtures/parse-markdown.txt and mentions.txt; properties here).

- A bare URL in markdown is the link the text format makes of it, ``www.`` ones too: the
  ``_``, ``*`` and ``~`` inside it are the URL's, not emphasis (``www.x.com/@_b_``).
- A word the markdown renderer keeps as typed for a stage (``@_ann_``) is one that stage
  links: the two read the same character before the sigil (a character reference decoded,
  an opening ``_`` looked through only where emphasis closes after the word).
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

import lxml.html
from hypothesis import example, given, settings
from hypothesis import strategies as st

from composer import Pipeline, Policy, Submission
from composer._html.urls import find_links
from composer.stages import Mentions

PIPE = Pipeline(policy=Policy(embed_mode="cache_only"))

_PATH = st.text(st.sampled_from("ab/_*~-@"), min_size=1, max_size=10).filter(lambda p: p[0] not in "*~")


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["www.example.org/", "https://example.org/", "WWW.example.org/"]), _PATH)
@example("www.example.org/", "@_b_")
@example("www.example.org/", "a_b_c")
def test_markdown_links_a_url_as_the_text_format_does(start: str, path: str) -> None:
    source = f"see {start}{path} now"
    links = find_links(source)
    if not links:
        return
    root = lxml.html.fragment_fromstring(PIPE.run(Submission(source, "markdown")).html, create_parent="div")
    anchors = root.findall(".//a")
    assert [(a.get("href"), a.text_content()) for a in anchors] == [
        (html.unescape(links[0].url), links[0].text)
    ], source


def _everyone(names: Sequence[str]) -> Mapping[str, str]:
    return {name: f"/u/{name}" for name in names}


MENTIONS = Pipeline(policy=Policy(embed_mode="cache_only")).insert_after("links", Mentions(lookup=_everyone))
#: a name is followed by white space (what follows it is the lookahead's side, not judged
#: here); one delimiter character a post (crossed pairs of two kinds are not modelled)
_OTHERS = ("@_ann_ ", "@bob ", "&amp;", "&#64;bob ", " ", "x", "(", ")", ".", "\n")
_POSTS = st.sampled_from("_*~").flatmap(
    lambda mark: st.lists(
        st.sampled_from([mark, mark * 2, *_OTHERS, "[a](u)", "`c`", "<http://x.org>"]),
        min_size=1,
        max_size=10,
    ).map("".join)
)


def _loose_text(el: lxml.html.HtmlElement) -> list[str]:
    """The text of ``el`` outside links and code (where no stage links a word)."""
    if el.tag in ("a", "code", "pre"):
        return []
    out = [el.text or ""]
    for child in el:
        out.extend(_loose_text(child))
        out.append(child.tail or "")
    return out


@settings(max_examples=300, deadline=None)
@given(_POSTS)
@example("&amp;@_ann_")
@example("_@_ann_ x_")
@example("(_@_ann_)")
@example("[a](u)@_ann_ ")
@example("*@_ann_ ")
@example("__@_ann_ *_")
def test_a_name_kept_as_typed_is_a_name_the_stage_links(post: str) -> None:
    """Every ``@_ann_`` is a link (the directory knows every name) or, where what a reader
    sees before its sigil glues it to a word, markdown's reading, as with no word stage
    (``_ann_`` is emphasis): never left as typed text that links nothing."""
    root = lxml.html.fragment_fromstring(MENTIONS.run(Submission(post, "markdown")).html, create_parent="div")
    assert "@_ann_" not in "".join(_loose_text(root)), post
