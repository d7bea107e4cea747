"""What is distributed: the name, and no test corpus in the wheel or GPL corpus in the sdist.

The corpora under ``tests/corpora`` are test data; the paste and page captures are GPL-licensed
and must never ship (``tests/corpora/README.md``). The artifacts are built offline with the
installed hatchling backend (``python -m build --no-isolation``), once per session.
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from corpus_paths import CORPORA

ROOT = Path(__file__).resolve().parent.parent
GPL_FOLDERS = ("paste", "pages")
#: the demo editor page (composer serve at /): package data
PAGE_FILES = ("index.html", "editor.css", "editor.js", "api.js", "fragments.js", "notices.js")


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--no-isolation",
            "--wheel",
            "--sdist",
            "--outdir",
            str(out),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return out


def _corpus_names() -> set[str]:
    return {path.name for path in CORPORA.rglob("*") if path.is_file()}


def test_the_distribution_is_forum_composer(dist: Path) -> None:
    wheels = list(dist.glob("*.whl"))
    assert [w.name.split("-")[0] for w in wheels] == ["forum_composer"]
    with zipfile.ZipFile(wheels[0]) as whl:
        metadata = next(n for n in whl.namelist() if n.endswith(".dist-info/METADATA"))
        text = whl.read(metadata).decode()
        entry_points = whl.read(metadata.replace("METADATA", "entry_points.txt")).decode()
    assert "\nName: forum-composer\n" in text
    assert "composer = composer.cli:main" in entry_points


def test_the_wheel_holds_the_library_and_no_corpus(dist: Path) -> None:
    (wheel,) = dist.glob("*.whl")
    with zipfile.ZipFile(wheel) as whl:
        names = whl.namelist()
    assert "composer/__init__.py" in names
    assert "composer/embeds/providers.json" in names  # package data does ship
    editor_page = {f"composer/web/static/{name}" for name in PAGE_FILES}
    assert editor_page <= set(names), "the demo editor page is package data (composer serve at /)"
    top = {name.split("/")[0] for name in names}
    assert all(t == "composer" or t.endswith(".dist-info") for t in top), top
    corpus = _corpus_names() - {"NOTE.txt", "manifest.json", "README.md", "providers.json"}
    assert not corpus & {name.rsplit("/", 1)[-1] for name in names}


def test_the_sdist_has_no_gpl_corpus(dist: Path) -> None:
    (sdist,) = dist.glob("*.tar.gz")
    with tarfile.open(sdist) as tar:
        names = [member.name.split("/", 1)[1] for member in tar.getmembers() if "/" in member.name]
    assert "src/composer/__init__.py" in names
    for folder in GPL_FOLDERS:
        assert not [n for n in names if n.startswith(f"tests/corpora/{folder}/")], folder
    assert not [n for n in names if n.startswith(".venv/")]
