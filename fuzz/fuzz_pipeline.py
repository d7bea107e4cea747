"""Coverage-guided fuzzing of the whole pipeline with atheris (libFuzzer for Python).

Each input is split by its first byte into an entry point (html, markdown, text, rich paste,
plain paste, bleach backend) and the rest, decoded as UTF-8 with surrogateescape so invalid
bytes reach the pipeline as lone surrogates. A crash is: any exception (bytes are never
passed, so InputError is a bug here too), or a dangerous construct in the output.

Run (not part of CI; see fuzz/README.md)::

    .venv/bin/python fuzz/fuzz_pipeline.py -max_total_time=300 fuzz/corpus

The seed corpus is written from tests/corpora on first run (the libFuzzer corpus stays out of git).
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import atheris  # type: ignore[import-not-found]

with atheris.instrument_imports():
    from composer import Clipboard, Pipeline, Policy, Submission

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from safety import dangers  # type: ignore[import-not-found]

ROOT = Path(__file__).resolve().parent.parent
CORPORA = ROOT / "tests" / "corpora"
NH3 = Pipeline(policy=Policy(embed_mode="cache_only"))
BLEACH = Pipeline(policy=Policy(embed_mode="cache_only", sanitizer="bleach"))
ENTRIES = 6


def one_input(data: bytes) -> None:
    if not data:
        return
    entry = data[0] % ENTRIES
    text = data[1:].decode("utf-8", "surrogateescape")
    if entry == 0:
        result = NH3.run(Submission(text, "html"))
    elif entry == 1:
        result = NH3.run(Submission(text, "markdown"))
    elif entry == 2:
        result = NH3.run(Submission(text, "text"))
    elif entry == 3:
        result = NH3.paste(Clipboard(html=text, text=text))
    elif entry == 4:
        result = NH3.paste(Clipboard(html=text), plain=True)
    else:
        result = BLEACH.run(Submission(text, "html"))
    found = dangers(result.html)
    if found:
        raise AssertionError(f"dangerous output {found} for entry {entry}: {result.html[:500]!r}")


def seeds() -> list[bytes]:
    """Every corpus case once per entry point it suits."""
    texts: list[str] = []
    xss = CORPORA / "xss"
    texts += [item["payload"] for item in json.loads((xss / "dompurify.json").read_text())]
    texts += [item["input"] for item in json.loads((xss / "html5lib-sanitizer.json").read_text())]
    texts += [item["input"] for item in json.loads((xss / "bleach-cases.json").read_text())]
    texts.append((xss / "markdown-it-xss.md").read_text())
    texts += [p.read_text(errors="replace") for p in sorted((CORPORA / "paste").rglob("*.html"))]
    out: list[bytes] = []
    for text in texts:
        body = text.encode("utf-8", "surrogateescape")
        out.extend(bytes([entry]) + body for entry in range(ENTRIES))
    return out


def write_seeds(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for seed in seeds():
        path = directory / hashlib.sha1(seed).hexdigest()
        if not path.exists():
            path.write_bytes(seed)


def main() -> None:
    corpus_dirs = [Path(arg) for arg in sys.argv[1:] if not arg.startswith("-")]
    for directory in corpus_dirs[:1]:
        write_seeds(directory)
    sys.setrecursionlimit(10_000)
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
