"""Where the test corpora live: ``tests/corpora/`` inside the repository.

Every test, benchmark, fuzz harness and script reads its real-world data through
:data:`CORPORA`, so a fresh clone with nothing beside it has all it needs. Provenance and
licences are in ``tests/corpora/README.md`` and each folder's note; the GPL-licensed files are
test data only and never enter the wheel or the sdist (``pyproject.toml``, ``tests/test_packaging.py``).
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["CORPORA"]

#: ``tests/corpora``: emoji/, oembed/, pages/, paste/, xss/ and their provenance notes.
CORPORA = Path(__file__).resolve().parent / "corpora"
