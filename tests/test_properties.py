"""Properties over generated input: idempotence, and no dangerous construct ever appears."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from composer import Pipeline, Policy, Submission
from composer._html.scan import clean_controls
from safety import dangers

PIPE = Pipeline(policy=Policy(embed_mode="cache_only"))
_BETWEEN_TAGS = re.compile(r">\s+<")


def same(a: str, b: str) -> bool:
    """Equal up to whitespace between tags: a libxml2 round trip may move a newline that
    sits between two block tags into one of them, which renders the same."""
    return _BETWEEN_TAGS.sub("><", a.strip()) == _BETWEEN_TAGS.sub("><", b.strip())


BLEACH = Pipeline(policy=Policy(embed_mode="cache_only", sanitizer="bleach"))

TAGS = (
    "p b i a div span script style img svg math table td li ul iframe textarea title noscript "
    "template select option pre code blockquote"
).split()
ATTRS = "href src onclick onerror style class srcset xlink:href formaction title".split()
VALUES = [
    "javascript:alert(1)",
    "jav&#x09;ascript:alert(1)",
    "data:text/html,<script>x</script>",
    " vbscript:x",
    "https://example.com/a",
    'x" onmouseover="alert(1)',
    "#",
    "/rel",
    "&#0000106avascript:x",
]
TEXT = st.lists(
    st.sampled_from([*list("ab <>&\"'=/-!`\n"), "https://ex.com ", "😀", "\u2028", "<!--", "]]>", "&lt;"]),
    max_size=12,
).map("".join)


#: libxml2 (the working tree) and html5ever (nh3) build different trees from invalid nesting
#: (a table in a list, a block in a paragraph), foreign content (svg, math) and broken end
#: tags, so text there may be linked, or blocks moved, only on a second run: safe (the
#: property above), but not idempotent. Idempotence is claimed for valid nesting, generated
#: from a small content model that still carries the dangerous attributes and text.
@st.composite
def fragment(draw: st.DrawFn, depth: int = 0) -> str:
    """Nested, sometimes malformed HTML built from dangerous parts."""
    parts = []
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.integers(0, 3 if depth < 4 else 1))
        if kind <= 1:
            parts.append(draw(TEXT))
        else:
            tag = draw(st.sampled_from(TAGS))
            attrs = "".join(
                f' {draw(st.sampled_from(ATTRS))}="{draw(st.sampled_from(VALUES))}"'
                for _ in range(draw(st.integers(0, 2)))
            )
            close = draw(st.sampled_from([f"</{tag}>", "", f"</{tag}"]))
            parts.append(f"<{tag}{attrs}>{draw(fragment(depth + 1))}{close}")
    return "".join(parts)


BLOCK = ("div", "blockquote", "li-list", "table", "p", "pre")
#: text that cannot open a comment, which would swallow end tags and nest blocks in inlines
VALID_TEXT = TEXT.map(lambda text: text.replace("<!--", "<!-").replace("<", "&lt;"))
INLINE = ("b", "i", "span", "code", "a", "img", "script", "style", "textarea", "template")


@st.composite
def valid_fragment(draw: st.DrawFn, depth: int = 0, inline_only: bool = False) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.integers(0, 3 if depth < 4 else 1))
        if kind <= 1:
            parts.append(draw(VALID_TEXT))
            continue
        tag = draw(st.sampled_from(INLINE if inline_only or kind == 2 else BLOCK))
        attrs = "".join(
            f' {draw(st.sampled_from(ATTRS))}="{draw(st.sampled_from(VALUES))}"'
            for _ in range(draw(st.integers(0, 2)))
        )
        if tag == "li-list":
            items = "".join(
                f"<li>{draw(valid_fragment(depth + 1))}</li>" for _ in range(draw(st.integers(1, 2)))
            )
            parts.append(f"<ul{attrs}>{items}</ul>")
        elif tag == "table":
            parts.append(f"<table{attrs}><tr><td>{draw(valid_fragment(depth + 1))}</td></tr></table>")
        elif tag == "img":
            parts.append(f"<img{attrs}>")
        elif tag in ("script", "style", "textarea", "template"):
            parts.append(f"<{tag}{attrs}>{draw(VALID_TEXT).replace('<', '')}</{tag}>")
        else:
            inner = draw(valid_fragment(depth + 1, inline_only or tag in ("p", "pre") or tag in INLINE))
            if tag == "a":
                inner = inner.replace("<a ", "<b ").replace("<a>", "<b>").replace("</a>", "</b>")
            parts.append(f"<{tag}{attrs}>{inner}</{tag}>")
    return "".join(parts)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fragment())
def test_html_output_is_safe(source: str) -> None:
    once = PIPE.run(Submission(source)).html
    assert dangers(once) == []
    assert dangers(PIPE.run(Submission(once)).html) == []


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_fragment())
def test_html_output_is_idempotent(source: str) -> None:
    once = PIPE.run(Submission(source)).html
    assert same(PIPE.run(Submission(once)).html, once)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fragment())
def test_bleach_output_is_safe(source: str) -> None:
    once = BLEACH.run(Submission(source)).html
    assert dangers(once) == []


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from([*list("ab*_[]()<>!`#\n -:"), "javascript:", "https://x.co", "😀"]), max_size=60
    ).map("".join)
)
def test_markdown_and_text_output_is_safe_and_stable(source: str) -> None:
    for fmt in ("markdown", "text"):
        once = PIPE.run(Submission(source, fmt)).html
        assert dangers(once) == []
        assert same(PIPE.run(Submission(once)).html, once)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=40))
def test_plain_text_survives(text: str) -> None:
    """Visible text of safe input is preserved (whitespace folded as a browser does)."""
    result = PIPE.run(Submission(text, "text"))
    expected = " ".join(clean_controls(text)[0].split())
    got = " ".join(result.text.split())
    assert got == expected
