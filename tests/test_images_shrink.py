"""The images stage's payload cut reads tags as HTML5 does (``shrink_payloads``).

Before the tree is built, a long pasted-image URL in an attribute is cut to its scheme, so
libxml2 never holds a 20 MB payload. The scan must end comments and bogus comments where
HTML5 ends them: behind ``<?<!-- >`` or ``<!-->`` an image is an image (the tree pass removes
and counts it), and it must be cut first. Guarded by ``fixtures/images-shrink.txt`` and a
property: the shrunk source reads, to html5ever, as the source does with each long pasted URL
an element carries cut to its scheme; nothing else (comments, raw text, values) changes.
"""

from __future__ import annotations

import os
import tracemalloc

import markupever
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupever import dom

from composer import Policy
from composer.document import Document
from composer.stages.images import Images
from composer.stages.images.urls import _LONG_VALUE, _URL_ATTRS, PASTED_SCHEMES, scheme_at, shrink_payloads
from fixture_files import FIXTURES, read_cases
from test_tokens import tree_shape

EXAMPLES = int(os.environ.get("COMPOSER_FUZZ_EXAMPLES", "200"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
_FRAGMENT = markupever.HtmlOptions(fragment_context=dom.QualName("div", "http://www.w3.org/1999/xhtml"))
PAYLOAD = "A" * 3000
CASES = read_cases(FIXTURES / "images-shrink.txt")


@pytest.mark.parametrize(("title", "source", "expected"), CASES, ids=[c[0][:60] for c in CASES])
def test_fixture(title: str, source: str, expected: str) -> None:
    assert shrink_payloads(source.replace("PAYLOAD", PAYLOAD)) == expected.replace("PAYLOAD", PAYLOAD)


@pytest.mark.parametrize("prefix", ["<?<!-- >", "<!-->", "</ <!-- >", "<!-- a --!>"])
def test_an_image_behind_a_comment_trick_never_reaches_python_whole(prefix: str) -> None:
    """Cut before the tree: the stage never reads the 9 MB value back (it was read whole
    when the scan took the image for a comment's text)."""
    big = "blob:https://x.example/" + "A" * 9_000_000  # past the size the stage lower-cases
    doc = Document(f'{prefix}<p>x <img src="{big}"> y</p> -->', "html", Policy())
    tracemalloc.start()
    try:
        Images()(doc)
        result = doc.result()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000, f"peak {peak / 1e6:.1f} MB"
    assert result.stats == {"images": 0, "images_rejected": 1}
    assert "x  y" in doc.html


_PIECES = [
    "<!--", "-->", "--!>", "<!-->", "<!--->", "<?", "<!x", "</ ", "</3", "<![CDATA[", "]]>", ">", "x", " ",
    "<", '<p title="', '"', "<p title='", "'", "<script>", "</script>", "<textarea>", "</textarea>",
    "<style>", "</style>", "<b>", "</b>",
]  # fmt: skip
_URLS = [
    f"data:image/png;base64,{PAYLOAD}",
    f"blob:https://x.example/{PAYLOAD}",
    f"cid:{PAYLOAD}",
    f"file:///{PAYLOAD}",
    f"https://x.example/{PAYLOAD}",
    "data:short",
]
_CARRIERS = [
    '<img src="{}">',
    "<img src={}>",
    "<img alt=x src='{}'>",
    '<video poster="{}"></video>',
    '<p background="{}">',
]


@st.composite
def _sources(draw: st.DrawFn) -> str:
    parts: list[str] = []
    for _ in range(draw(st.integers(1, 4))):
        parts.extend(draw(st.lists(st.sampled_from(_PIECES), max_size=5)))
        parts.append(draw(st.sampled_from(_CARRIERS)).format(draw(st.sampled_from(_URLS))))
    parts.extend(draw(st.lists(st.sampled_from(_PIECES), max_size=3)))
    return "".join(parts)


def _cut(name: str, value: str) -> str:
    """A value as :func:`shrink_payloads` leaves it: a long pasted URL cut to its scheme."""
    scheme = scheme_at(value)
    if name in _URL_ATTRS and len(value) > _LONG_VALUE and scheme in PASTED_SCHEMES:
        return f"{scheme}:"
    return value


@SETTINGS
@given(_sources())
def test_every_long_pasted_url_html5_reads_is_cut_and_nothing_else(source: str) -> None:
    shrunk = shrink_payloads(source)
    before = markupever.parse(source, _FRAGMENT).root()
    after = markupever.parse(shrunk, _FRAGMENT).root()
    assert tree_shape(after, {}) == tree_shape(before, {}, _cut)
