"""Properties over generated input: idempotence, and no dangerous construct ever appears."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from composer import Pipeline, Policy, Submission
from safety import dangers

PIPE = Pipeline(policy=Policy(embed_mode="cache_only"))
BLEACH = Pipeline(policy=Policy(embed_mode="cache_only", sanitizer="bleach"))

TAGS = [
    "p",
    "b",
    "i",
    "a",
    "div",
    "span",
    "script",
    "style",
    "img",
    "svg",
    "math",
    "table",
    "td",
    "li",
    "ul",
    "iframe",
    "textarea",
    "title",
    "noscript",
    "template",
    "select",
    "option",
    "pre",
    "code",
    "blockquote",
]
ATTRS = ["href", "src", "onclick", "onerror", "style", "class", "srcset", "xlink:href", "formaction", "title"]
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


#: foreign content (svg, math) is parsed differently by libxml2 (the working tree) and html5ever
#: (nh3), so text there may first be linked only on a second run: safe, but not idempotent.
HTML_TAGS = [t for t in TAGS if t not in ("svg", "math")]


@st.composite
def fragment(draw: st.DrawFn, depth: int = 0, tags: tuple[str, ...] = tuple(TAGS)) -> str:
    """Nested, sometimes malformed HTML built from dangerous parts."""
    parts = []
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.integers(0, 3 if depth < 4 else 1))
        if kind <= 1:
            parts.append(draw(TEXT))
        else:
            tag = draw(st.sampled_from(tags))
            attrs = "".join(
                f' {draw(st.sampled_from(ATTRS))}="{draw(st.sampled_from(VALUES))}"'
                for _ in range(draw(st.integers(0, 2)))
            )
            close = draw(st.sampled_from([f"</{tag}>", "", f"</{tag}"]))
            parts.append(f"<{tag}{attrs}>{draw(fragment(depth + 1, tags))}{close}")
    return "".join(parts)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fragment())
def test_html_output_is_safe(source: str) -> None:
    once = PIPE.run(Submission(source)).html
    assert dangers(once) == []
    assert dangers(PIPE.run(Submission(once)).html) == []


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fragment(tags=tuple(HTML_TAGS)))
def test_html_output_is_idempotent(source: str) -> None:
    once = PIPE.run(Submission(source)).html
    assert PIPE.run(Submission(once)).html == once


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
        assert PIPE.run(Submission(once)).html == once


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=40))
def test_plain_text_survives(text: str) -> None:
    """Visible text of safe input is preserved (whitespace folded as a browser does)."""
    result = PIPE.run(Submission(text, "text"))
    expected = " ".join("".join(c for c in text if c.isprintable() or c.isspace()).split())
    got = " ".join(result.text.split())
    assert got == expected
