"""Nothing the person wrote disappears silently.

For every fixture and corpus case, the visible text of the input must be in the output text,
or accounted for by the ``content_removed`` notice. Sound but practical comparison:

- *visible text* of the input is what html5lib (a browser's parser) puts in text nodes,
  skipping elements a reader never sees (script, style, template, head, title, noscript,
  iframe, noembed, noframes, object, svg, math);
- both sides are compared as **multisets of non-whitespace characters** (controls and lone
  surrogates aside): immune to the re-flowing of blocks and whitespace a pipeline does, yet any
  lost word, letter or emoji shows;
- characters missing from the output are *accounted for* only when the input's text inside
  elements the notice names as removed (``removed["elements"]``) covers them; a notice that
  names attributes or tags (unwrapped, text kept) explains no missing text.

Posts that end in a problem (refused) are skipped: the person still has the body.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

import html5lib
import pytest

from composer import Clipboard, Pipeline, Policy, Result, Submission
from corpus_cases import fixture_inputs, paste_clipboards
from corpus_paths import CORPORA

ROOT = Path(__file__).resolve().parent
PIPE = Pipeline(policy=Policy(embed_mode="cache_only"))
INVISIBLE = frozenset(
    [
        *("script", "style", "template", "head", "title", "noscript", "iframe", "noembed", "noframes"),
        *("object", "svg", "math", "xmp", "plaintext", "textarea", "select"),
    ]
)


#: inline styles that hide an element; the paste stage counts what they held as "hidden text"
_HIDING = ("display:none", "visibility:hidden", "mso-hide:all")


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


#: bidi embeddings, overrides and isolates: removed and counted by design (docs/security.md)
_DIRECTION = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _chars(text: str) -> Counter[str]:
    return Counter(
        c
        for c in text
        if not c.isspace() and unicodedata.category(c) not in ("Cc", "Cs") and c not in _DIRECTION
    )


#: a class rule that hides (``.ad { display: none }``), read from the source's ``<style>``
_HIDING_RULE = re.compile(r"\.([\w-]+)\s*\{([^}]*)\}")


def _hiding_classes(source: str) -> frozenset[str]:
    names = set()
    for name, body in _HIDING_RULE.findall(source):
        if any(h in "".join(body.lower().split()) for h in _HIDING):
            names.add(name)
    return frozenset(names)


def _walk(
    el: Any, out: list[str], removed: set[str], inside: list[str], hiding: frozenset[str] = frozenset()
) -> None:
    """Collect visible text; ``inside`` gathers text under elements named in ``removed``."""
    for child in el:
        tag = _local(child.tag)
        if not tag:  # comment
            if child.tail:
                out.append(child.tail)
            continue
        if tag not in INVISIBLE:
            sink: list[str] = []
            if child.text:
                sink.append(child.text)
            _walk(child, sink, removed, inside, hiding)
            out.extend(sink)
            style = "".join((child.get("style") or "").lower().split())
            by_class = not hiding.isdisjoint((child.get("class") or "").split())
            hidden = "hidden text" in removed and (by_class or any(h in style for h in _HIDING))
            if tag in removed or "mso-list:ignore" in style or hidden:
                inside.extend(sink)
        if child.tail:
            out.append(child.tail)


def visible(
    source: str, removed: frozenset[str] | set[str] = frozenset()
) -> tuple[Counter[str], Counter[str]]:
    """Visible characters of ``source``, and those inside elements named in ``removed``."""
    # html5lib still expands <isindex> into a form with a prompt text, as HTML did before 2016;
    # browsers no longer do, so that text is no one's visible text
    source = re.sub(r"(?i)<isindex", "<x-isindex", source)
    document = source.lstrip()[:200].lower().startswith(("<html", "<!doctype", "<?xml", "<meta"))
    if document:
        root = html5lib.parse(source, treebuilder="etree", namespaceHTMLElements=False)
        body = root.find("body")
        root = body if body is not None else root
    else:
        root = html5lib.parseFragment(source, treebuilder="etree", namespaceHTMLElements=False)
    out: list[str] = [root.text or ""]
    inside: list[str] = []
    _walk(
        root,
        out,
        set(removed),
        inside,
        _hiding_classes(source) if "<style" in source.lower() else frozenset(),
    )
    return _chars("".join(out)), _chars("".join(inside))


def lost(source: str, result: Result) -> str | None:
    """None when nothing is silently lost, else a description of what went."""
    notice = next((n for n in result.notices if n.code == "content_removed"), None)
    removed_elements = set(notice.params.get("removed", {}).get("elements", {})) if notice else set()
    have, inside = visible(source, removed_elements)
    missing = have - _chars(result.text)
    unexplained = missing - inside
    if not unexplained:
        return None
    said = notice.message if notice else "no content_removed notice"
    return f"missing {''.join(sorted(unexplained.elements()))[:120]!r}; {said}"


# -- the cases ---------------------------------------------------------------------------------


def cases() -> list[tuple[str, str, str]]:
    """(id, entry, input): entry is html, paste or markdown."""
    out: list[tuple[str, str, str]] = []
    for path in sorted((ROOT / "fixtures").rglob("*.txt")):
        for n, (title, source) in enumerate(fixture_inputs(path)):
            entry = "paste" if title.startswith("paste") else "html"
            if path.parent.name == "fidelity":  # the first line names the entry point
                entry, _, source = source.partition("\n")
                if entry not in ("run html", "paste"):
                    continue
                entry = entry.removeprefix("run ")
            if source.startswith("markdown:"):
                continue  # markdown syntax is not visible text: covered by its own fixtures
            if path.name.startswith(("parse-", "embed-", "emoji")):
                continue  # not HTML input (text/markdown), or text is meant to change (shortcodes)
            out.append((f"{path.relative_to(ROOT / 'fixtures')}#{n}", entry, source))
    for path in sorted((ROOT / "fixtures" / "paste").glob("*.html")):
        out.append((f"fixtures/{path.name}", "paste", path.read_text(encoding="utf-8")))
    for path in paste_clipboards():
        out.append(
            (f"paste/{path.relative_to(CORPORA / 'paste')}", "paste", path.read_text(encoding="utf-8"))
        )
    xss = CORPORA / "xss"
    payloads = [
        (f"dompurify-{i['index']}", i["payload"]) for i in json.loads((xss / "dompurify.json").read_text())
    ]
    payloads += [
        (f"html5lib-{i['name']}", i["input"])
        for i in json.loads((xss / "html5lib-sanitizer.json").read_text())
    ]
    payloads += [
        (f"bleach-{i['file']}", i["input"]) for i in json.loads((xss / "bleach-cases.json").read_text())
    ]
    for name, payload in payloads:
        out.append((f"xss/{name}/html", "html", payload))
        out.append((f"xss/{name}/paste", "paste", payload))
    return out


CASES = cases()
#: known losses, each with the stage at fault (filled from this suite's findings)
KNOWN: dict[str, str] = {}


def run(entry: str, source: str) -> Result:
    if entry == "paste":
        return PIPE.paste(Clipboard(html=source))
    return PIPE.run(Submission(source, "html"))


@pytest.mark.parametrize(
    ("entry", "source"),
    [
        pytest.param(
            entry,
            source,
            id=name,
            marks=[pytest.mark.xfail(strict=True, reason=KNOWN[name])] if name in KNOWN else [],
        )
        for name, entry, source in CASES
    ],
)
def test_nothing_is_silently_lost(entry: str, source: str) -> None:
    result = run(entry, source)
    if not result.ok:
        # a refused post is not lost: the person keeps it, and the problem says why
        assert all(p.message for p in result.problems)
        return
    assert lost(source, result) is None, (lost(source, result), result.html[:300])


def test_the_comparison_can_fail() -> None:
    """A stage that drops text without saying so is caught; a removal it reports is not."""
    from composer import Result as R

    assert lost("<p>hello world</p>", R("<p>hello</p>")) is not None
    assert lost("<p>a<script>x()</script></p>", PIPE.run(Submission("<p>a<script>x()</script></p>"))) is None
    assert lost("<p>a<b>bold</b></p>", R("<p>a</p>")) is not None


def test_corpus_is_large() -> None:
    assert len(CASES) >= 700, len(CASES)
