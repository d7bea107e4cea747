"""Parse HTML into the one working tree and serialize it back, each exactly once per run."""

from __future__ import annotations

from collections.abc import Iterable

from lxml import etree, html

from composer._html.html5 import is_document

_PARSER = etree.HTMLParser(huge_tree=True, remove_blank_text=False, default_doctype=False)  # type: ignore[call-arg]
# every element an lxml.html element, chosen in C: lxml.html's own parser asks a Python
# ``lookup`` method for each element proxy it makes (~0.6 µs each, ~25 000 a run of the
# benchmark), to hand out form and input subclasses no stage uses
_PARSER.set_element_class_lookup(
    etree.ElementDefaultClassLookup(
        element=html.HtmlElement,
        comment=html.HtmlComment,
        pi=html.HtmlProcessingInstruction,
        entity=html.HtmlEntity,
    )
)

#: Tags that make a new line in the reader's view (used by text projections).
BLOCK_TAGS = frozenset(
    (
        "address article aside blockquote dd details div dl dt figcaption figure footer h1 h2 h3 "
        "h4 h5 h6 header hr li main nav ol p pre section summary table tbody thead tfoot tr ul"
    ).split()
)


def parse(source: str) -> html.HtmlElement:
    """Return the ``<body>`` element holding ``source``.

    A fragment is wrapped in ``<html><body>`` first, so libxml2 does not wrap leading text in
    a ``<p>``; a full document (a Word clipboard) is parsed as it is. Callers guarantee the
    nesting depth was checked, because libxml2 silently drops content below ~255 levels.
    The parse stage gives HTML5's reading of a post to libxml2 (see :mod:`composer._html.html5`),
    so this tree holds what the sanitizer and the browser will see.
    """
    if not is_document(source):
        source = "<html><body>" + source + "</body></html>"
    try:
        root = html.document_fromstring(source, parser=_PARSER)
    except etree.ParserError:  # "Document is empty": only whitespace or comments
        root = html.document_fromstring("<html><body></body></html>", parser=_PARSER)
    body = root.find("body")
    if body is None:  # a document with only a <head> or a frameset
        body = etree.SubElement(root, "body")
    return body


def serialize(body: html.HtmlElement) -> str:
    """The inner HTML of ``body`` in one ``tostring`` call."""
    body.attrib.clear()
    body.tail = None
    for item in body.iter("li"):
        if item.text is None and not len(item):
            item.text = ""  # libxml2 writes an empty li without "</li>": what follows moves in
    out = etree.tostring(body, encoding="unicode", method="html")
    # "<body>" ... "</body>"; an empty body serializes as "<body></body>"
    return out[6:-7]


def remove_keeping_tail(node: etree._Element, text: str = "") -> None:
    """Remove ``node`` (an element or comment) and its content, leaving ``text`` and the
    node's tail text where it stood."""
    parent = node.getparent()
    if parent is None:
        return
    rest = text + (node.tail or "")
    previous = node.getprevious()
    if rest:
        if previous is not None:
            previous.tail = (previous.tail or "") + rest
        else:
            parent.text = (parent.text or "") + rest
    parent.remove(node)


def splice(unwrap: Iterable[etree._Element] = (), remove: Iterable[etree._Element] = ()) -> None:
    """Unwrap the elements of ``unwrap`` (their text and children stay where they stood) and
    take out the nodes of ``remove`` with their content (their tail text stays), all at once.

    O(children of the parents touched): lxml's ``drop_tag`` looks up the element's index among
    its siblings and appending to a growing text re-encodes it, so unwrapping or removing n
    siblings one at a time costs O(n²) (70 000 spans took 15 s). Each parent is rebuilt once,
    deepest first, so an element unwrapped inside another one is flat by the time its parent
    is.
    """
    action: dict[etree._Element, bool] = {el: True for el in unwrap}
    action.update((node, False) for node in remove)
    parents: dict[etree._Element, int] = {}
    for node in action:
        parent = node.getparent()
        if parent is not None and parent not in parents:
            parents[parent] = sum(1 for _ in parent.iterancestors())
    for parent in sorted(parents, key=parents.__getitem__, reverse=True):
        _rebuild(parent, action)


def _rebuild(parent: etree._Element, action: dict[etree._Element, bool]) -> None:
    kept: list[etree._Element] = []
    texts: list[str] = []  # texts[i]: the text before kept[i]; the last one closes the parent
    current = [parent.text or ""]
    for child in list(parent):
        todo = action.get(child)
        tail = child.tail or ""
        if todo is None:
            texts.append("".join(current))
            kept.append(child)
            current = [tail]
        else:
            if todo:
                current.append(child.text or "")
                for grandchild in list(child):
                    texts.append("".join(current))
                    kept.append(grandchild)
                    current = [grandchild.tail or ""]
            current.append(tail)
        parent.remove(child)
    texts.append("".join(current))
    parent.text = texts[0] or None
    for el, tail in zip(kept, texts[1:], strict=True):
        parent.append(el)
        el.tail = tail or None
