"""The working document: input that never changes, content with explicit accessors, one scan."""

from __future__ import annotations

import pytest
from lxml.html import HtmlElement

from composer import Policy
from composer.document import Document, Stage, prefetcher, sanitizes
from composer.stages import Embeds, Parse, Sanitize

INPUT_FIELDS = ("source", "format", "policy", "paste", "plain", "display_as_link", "files")
REPORT_FIELDS = ("notices", "problems", "stats", "removed", "pending", "env", "stopped")


@pytest.mark.parametrize("field", INPUT_FIELDS + REPORT_FIELDS + ("content", "scan", "html", "tree"))
def test_no_field_is_reassigned(field: str) -> None:
    doc = Document("<p>x</p>", "html", Policy())
    with pytest.raises(AttributeError):
        setattr(doc, field, getattr(doc, field))


def test_parse_leaves_the_source_and_prepares_the_content() -> None:
    source = "<p>a\x01b<svg><style><img src=x></style></svg></p>"
    doc = Document(source, "html", Policy())
    Parse()(doc)
    assert doc.source is source
    assert "\x01" not in doc.content and doc.content == doc.html
    assert doc.scan.text is doc.content


def test_reading_html_keeps_the_tree() -> None:
    doc = Document("<p>one</p>", "html", Policy())
    doc.tree[0].text = "two"
    assert doc.html == "<p>two</p>"
    assert doc.has_tree
    doc.tree[0].text = "three"  # an edit after a read is not lost
    assert doc.html == "<p>three</p>"
    doc.set_html("<p>four</p>")
    assert not doc.has_tree and doc.html == "<p>four</p>"


def test_the_scan_is_made_once_per_content() -> None:
    doc = Document("<P>See HTTPS://Example.com</P>", "html", Policy())
    facts = doc.scan
    assert facts.lower is doc.scan.lower  # one lower-cased copy, however many stages ask
    assert facts.start_tags == {"p"} and facts.url_starts == [7] and facts.ascii
    doc.set_content("<b>x</b>")
    assert doc.scan is not facts and doc.scan.start_tags == {"b"}


def test_optional_stage_members_have_defaults() -> None:
    class Bare:
        name = "bare"

        def __call__(self, doc: Document) -> None:
            pass

    bare: Stage = Bare()
    assert isinstance(bare, Stage)
    assert not sanitizes(bare) and prefetcher(bare) is None
    assert sanitizes(Sanitize()) and prefetcher(Embeds()) is not None


def test_the_bleach_path_parses_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reading ``html`` once dropped the tree, and the next stage to ask parsed it again."""
    from composer import Pipeline, Submission
    from composer._html import tree

    parses: list[str] = []
    parse = tree.parse

    def counting(markup: str) -> HtmlElement:
        parses.append(markup)
        return parse(markup)

    monkeypatch.setattr(tree, "parse", counting)
    pipe = Pipeline(policy=Policy(sanitizer="bleach", embed_mode="cache_only"))
    result = pipe.run(Submission("<p><b style='font-weight:bold'>x</b> <script>y()</script></p>", "html"))
    assert result.html == "<p><b>x</b> </p>"
    assert len(parses) == 1


def test_result_text_reuses_the_length_checks_text(monkeypatch: pytest.MonkeyPatch) -> None:
    """A post longer than ``max_length`` characters of markup has its text computed by the
    sanitizer's length check; ``Result.text`` reuses it instead of parsing the HTML again."""
    from composer import Pipeline, Submission
    from composer._html import text, tree

    parses: list[str] = []
    parse = tree.parse

    def counting(markup: str) -> HtmlElement:
        parses.append(markup)
        return parse(markup)

    monkeypatch.setattr(text, "parse", counting)
    pipe = Pipeline(policy=Policy(max_length=40, embed_mode="cache_only"))
    # the second is too long, but only the sanitizer can tell: the early floor does not count
    # character references
    for body, ok in (("<p><b>short</b> text</p>" * 3, True), ("<p>" + "&eacute;" * 50 + "</p>", False)):
        parses.clear()
        result = pipe.run(Submission(body, "html"))
        assert result.ok is ok
        assert result.text == text.html_to_text(result.html)
        assert len(parses) == 2  # the length check's, then the comparison's here: none for .text
