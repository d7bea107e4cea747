"""The whole corpus as (id, entry, input) cases, for the tests that compare runs: the sanitizer
backends against each other, and processes with different hash seeds.

Entries: ``html``, ``markdown``, ``text`` (``Pipeline.run`` in that format), ``paste``
(``Pipeline.paste`` of the input as the clipboard's HTML) and ``plain`` (the same with
``plain=True``). Sources: every input of ``tests/fixtures`` (fixture files and pasted pages),
the paste clipboards, XSS payloads and captured link-preview pages of tests/corpora, and
the site-table URLs alone on a line (player embeds, made with no network).
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

from composer import Clipboard, Pipeline, Policy, Submission
from composer.result import Result
from conftest import FIXTURES
from corpus_paths import CORPORA

Case = tuple[str, str, str]

#: fixture files by the entry their inputs are written for
_FIXTURE_ENTRIES = {"parse-text.txt": "text", "parse-markdown.txt": "markdown", "embed-sites.txt": "markdown"}


def paste_clipboards() -> list[Path]:
    """Every clipboard of ``tests/corpora/paste/``, sorted: ``word/`` and ``google-docs/`` (their
    ``input*.html``) and ``more/`` (named by case): 103. Empty when the corpus is absent."""
    root = CORPORA / "paste"
    if not root.is_dir():
        return []
    return sorted(
        path for path in root.rglob("*.html") if path.name.startswith("input") or path.parent.name == "more"
    )


def fixture_inputs(path: Path) -> list[tuple[str, str]]:
    """(title, input) of each case in a fixture file, whatever blocks follow the input.

    Read in order, as :func:`fixture_files.read_cases` does: a title, ``.``, the input up to a
    ``.`` line, then blocks each closed by a ``.`` line until a blank line or the end (a block
    may hold blank lines: markdown output does). Blank and ``#`` lines between cases are skipped.
    """
    lines = path.read_text(encoding="utf-8").split("\n")
    found = []
    i = 0
    while i < len(lines):
        if not lines[i].strip() or lines[i].startswith("#") or lines[i + 1 : i + 2] != ["."]:
            i += 1
            continue
        end = lines.index(".", i + 2)
        found.append((lines[i], "\n".join(lines[i + 2 : end])))
        i = end + 1
        while i < len(lines) and lines[i].strip():  # the blocks after the input
            i = lines.index(".", i) + 1
    return found


def _xss() -> list[tuple[str, str]]:
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
    return payloads


def cases() -> list[Case]:
    out: list[Case] = []
    for path in sorted(FIXTURES.rglob("*.txt")):
        entry = _FIXTURE_ENTRIES.get(path.name, "html")
        for n, (title, source) in enumerate(fixture_inputs(path)):
            source = source.replace("\\r", "\r")
            where = f"fixtures/{path.relative_to(FIXTURES)}#{n}"
            out.append((where, "paste" if title.startswith("paste") else entry, source))
    for path in sorted((FIXTURES / "paste").glob("*.html")):
        out.append((f"fixtures/{path.name}", "paste", path.read_text(encoding="utf-8")))
    for path in paste_clipboards():
        source = path.read_text(encoding="utf-8")
        name = f"paste/{path.relative_to(CORPORA / 'paste')}"
        out.extend([(name, "paste", source), (name, "plain", source)])
    for name, payload in _xss():
        for entry in ("html", "markdown", "paste", "plain"):
            out.append((f"xss/{name}", entry, payload))
    markdown_xss = (CORPORA / "xss" / "markdown-it-xss.md").read_text(encoding="utf-8")
    for n, (_title, source) in enumerate(_fixture_inputs_md(markdown_xss)):
        out.append((f"xss/markdown-it-xss#{n}", "markdown", source))
    for path in sorted((CORPORA / "pages").glob("*.response")):
        source = path.read_bytes().decode("utf-8", errors="replace")
        out.extend([(f"pages/{path.name}", "html", source), (f"pages/{path.name}", "paste", source)])
    return out


def _fixture_inputs_md(text: str) -> list[tuple[str, str]]:
    """markdown-it's fixture format: [title], ``.``, input, ``.``, expected, ``.``."""
    lines = text.split("\n")
    found = []
    i = 0
    while i < len(lines):
        if lines[i] != ".":
            i += 1
            continue
        middle = lines.index(".", i + 1)
        found.append((lines[i - 1] if i else "", "\n".join(lines[i + 1 : middle])))
        i = lines.index(".", middle + 1) + 1
    return found


def run(pipe: Pipeline, entry: str, source: str) -> Result:
    if entry == "paste":
        return pipe.paste(Clipboard(html=source))
    if entry == "plain":
        return pipe.paste(Clipboard(html=source), plain=True)
    return pipe.run(Submission(source, entry))  # type: ignore[arg-type]


def digests() -> list[str]:
    """One line per case and backend: its id and the SHA-256 of its html and ``to_dict`` JSON."""
    lines = []
    for backend in ("nh3", "bleach"):
        pipe = Pipeline(policy=Policy(embed_mode="cache_only", sanitizer=backend))
        for where, entry, source in cases():
            result = run(pipe, entry, source)
            data = json.dumps(result.to_dict(), ensure_ascii=False)
            digest = hashlib.sha256(f"{result.html}\0{data}".encode()).hexdigest()
            lines.append(f"{backend} {entry} {where} {digest}")
    return lines


if __name__ == "__main__":  # what tests/test_determinism.py runs under each PYTHONHASHSEED
    sys.stdout.write("\n".join(digests()) + "\n")
