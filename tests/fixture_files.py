"""The fixture-file format all fixture-driven tests share (markdown-it-py's).

A case is a title line, then blocks each closed by a line holding only ".": the first block
opens with a "." line too. Blank lines between cases, and "#" lines before a title, are
skipped::

    bold from a style
    .
    <span style="font-weight:700">x</span>
    .
    <strong>x</strong>
    .
"""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def read_cases(path: Path, blocks: int = 2) -> list[tuple[str, ...]]:
    """(title, block, ...) tuples, ``blocks`` blocks a case; a malformed file fails loudly."""
    lines = path.read_text(encoding="utf-8").split("\n")
    cases = []
    i = 0
    while i < len(lines):
        if not lines[i].strip() or lines[i].startswith("#"):
            i += 1
            continue
        title = lines[i]
        assert lines[i + 1 : i + 2] == ["."], f"{path.name}: '.' expected after the title {title!r}"
        parts = []
        start = i + 2
        for _ in range(blocks):
            end = lines.index(".", start)
            parts.append("\n".join(lines[start:end]))
            start = end + 1
        cases.append((title, *parts))
        i = start
    return cases
