"""The README and docs/ are true and self-contained (issue 12.7), and name the right package.

The README's example is a doctest run here; links between the docs resolve inside the
repository; every install hint, in the docs and in what the code prints, names the
distribution ``forum-composer`` (PyPI's ``composer`` is another project, issue 12.5).
"""

from __future__ import annotations

import ast
import dataclasses
import doctest
import re
from pathlib import Path

import pytest

from composer import Policy

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
PYTHON_BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)
LINK = re.compile(r"\]\(([^)\s]+)\)")


def _readme_examples() -> list[str]:
    blocks = PYTHON_BLOCK.findall((ROOT / "README.md").read_text(encoding="utf-8"))
    return [block for block in blocks if ">>> " in block]


def test_the_readme_example_runs_and_shows_true_values() -> None:
    examples = _readme_examples()
    assert examples, "the README's example is a >>> block"
    for block in examples:
        test = doctest.DocTestParser().get_doctest(block, {}, "README.md", "README.md", 0)
        runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
        runner.run(test)
        assert runner.failures == 0 and test.examples, f"README example: {runner.failures} failures"


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_links_resolve_inside_the_repository(doc: Path) -> None:
    text = doc.read_text(encoding="utf-8")
    for target in LINK.findall(text):
        if re.match(r"[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
            continue  # a URL (or a data: example); same-page anchors are checked below
        path, _, anchor = target.partition("#")
        resolved = (doc.parent / path).resolve()
        assert resolved.exists(), f"{doc.name} links to {target}, which is not in the repository"
        if anchor and resolved.suffix == ".md":
            assert anchor in _anchors(resolved), f"{doc.name} links to #{anchor}, not a heading of {path}"


def _anchors(doc: Path) -> set[str]:
    """GitHub's heading slugs: lower-case, punctuation dropped, spaces to hyphens."""
    headings = re.findall(r"^#+ (.+)$", doc.read_text(encoding="utf-8"), flags=re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_docs_cite_nothing_outside_the_repository(doc: Path) -> None:
    text = doc.read_text(encoding="utf-8")
    for outside in ("../shared", "shared/corpora", "design.md"):
        assert outside not in text, f"{doc.name} cites {outside}, which a clone does not have"


def _shipped_text() -> list[Path]:
    files = [*DOCS, ROOT / "Makefile", ROOT / "pyproject.toml", ROOT / "fuzz" / "README.md"]
    files += [ROOT / "benchmarks" / "README.md", *(ROOT / "examples").glob("*.py")]
    return files + sorted((ROOT / "src" / "composer").rglob("*.py"))


def test_every_install_hint_names_forum_composer() -> None:
    wrong: list[str] = []
    for path in _shipped_text():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            bare = re.search(r"(?<![\w-])composer\[", line) or re.search(
                r"pip install\s+['\"]?composer\b", line
            )
            if bare:
                wrong.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not wrong, "install hints must name forum-composer:\n" + "\n".join(wrong)


def test_the_hints_the_code_prints(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from composer import ConfigError, Pipeline
    from composer.embeds import RedisCache

    monkeypatch.setitem(sys.modules, "bleach", None)
    monkeypatch.setitem(sys.modules, "redis", None)
    with pytest.raises(ConfigError, match=r"pip install 'forum-composer\[bleach\]'"):
        Pipeline(policy=Policy(sanitizer="bleach"))
    with pytest.raises(ConfigError, match=r"pip install 'forum-composer\[redis\]'"):
        RedisCache("redis://localhost:6379/0")


def test_the_policy_table_lists_every_field() -> None:
    table = (ROOT / "docs" / "policy.md").read_text(encoding="utf-8")
    for field in dataclasses.fields(Policy):
        assert f"| `{field.name}` |" in table, f"docs/policy.md has no row for Policy.{field.name}"


def _api_blocks() -> list[str]:
    return list(PYTHON_BLOCK.findall((ROOT / "docs" / "api.md").read_text(encoding="utf-8")))


def test_the_api_stage_example_works_as_described() -> None:
    from composer import Pipeline, Submission

    (block,) = [b for b in _api_blocks() if "class NoShouting" in b]
    scope: dict[str, object] = {}
    exec(block, scope)
    pipe = Pipeline().insert_before("sanitize", scope["NoShouting"]())  # type: ignore[operator]
    result = pipe.run(Submission("<p>STOP SHOUTING</p>"))
    assert result.html == "<p>Stop shouting</p>"
    assert [n.code for n in result.notices] == ["content_removed"]


def test_the_api_chain_lists_the_default_stages() -> None:
    from composer import Pipeline

    (block,) = [b for b in _api_blocks() if "pipe.stages" in b]
    shown = re.search(r"pipe\.stages\s+# (\(.*?\))", block)
    assert shown is not None and shown.group(1) == repr(Pipeline().stages)


def test_make_demo_renders_the_examples() -> None:
    """README: ``make demo`` renders the replies in examples/ and prints their notices."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "demo.py")], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    for code in ("pasted_as_rich", "link_embedded", "emoji_limit", "image_paste_rejected"):
        assert code in done.stdout


def test_the_api_wire_format_example_is_what_the_cli_prints(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from composer.cli import main

    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    shown = re.search(r"^```json\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL)
    assert shown is not None
    clip = tmp_path / "clip.html"
    clip.write_text("<p>hi<script>x</script></p>")
    assert main(["paste", "--html", str(clip), "--format", "json", "--offline"]) == 0
    assert json.loads(capsys.readouterr().out) == json.loads(shown.group(1))


#: (doc, a phrase of the block): python blocks whose ``expression  # value`` lines are checked
COMMENTED_VALUES = [
    ("emoji.md", 'emoji_over_limit="trim"'),
    ("policy.md", "DEFAULT_ALLOWLIST.tags |"),
    ("api.md", "Mentions(lookup=find_users)"),
    ("embeds.md", "Embeds(own_cards=find_topics)"),
]


@pytest.mark.parametrize(("name", "phrase"), COMMENTED_VALUES)
def test_values_shown_in_doc_comments_are_true(name: str, phrase: str) -> None:
    """Run the block line by line; ``expr  # value`` asserts ``expr == value``.

    ``value`` is a Python literal, optionally followed by a remark in parentheses.
    """
    blocks = PYTHON_BLOCK.findall((ROOT / "docs" / name).read_text(encoding="utf-8"))
    (block,) = [b for b in blocks if phrase in b]
    scope: dict[str, object] = {}
    checked = 0
    for statement in _statements(block):
        code, _, comment = statement.partition("  # ")
        literal = _literal(comment)
        if literal is None:
            exec(statement, scope)
            continue
        value = eval(code.strip(), scope)
        assert value == literal, f"docs/{name}: {code.strip()} is {value!r}, the doc says {comment!r}"
        checked += 1
    assert checked, f"docs/{name}: no `expr  # value` line checked"


def _statements(block: str) -> list[str]:
    """Top-level statements, so a multi-line call stays one piece."""
    lines = block.splitlines()
    tree = ast.parse(block)
    return ["\n".join(lines[node.lineno - 1 : node.end_lineno]) for node in tree.body]


def _literal(comment: str) -> object | None:
    comment = comment.strip()
    for candidate in (comment, comment.split(" (", 1)[0]):
        try:
            value: object = ast.literal_eval(candidate)
        except (ValueError, SyntaxError):
            continue
        return value
    return None


def test_missing_services_skip_loudly_or_fail_when_required(monkeypatch: pytest.MonkeyPatch) -> None:
    """README: a missing redis-server or chromium skips with its reason; with
    COMPOSER_REQUIRE_SERVICES=1 (CI) it fails."""
    import conftest

    monkeypatch.setattr(conftest, "REQUIRE_SERVICES", False)
    with pytest.raises(pytest.skip.Exception, match="no-such-server is not installed"):
        conftest.require_binary("no-such-server", "a test needs it")
    monkeypatch.setattr(conftest, "REQUIRE_SERVICES", True)
    with pytest.raises(pytest.fail.Exception, match="COMPOSER_REQUIRE_SERVICES=1"):
        conftest.require_binary("no-such-server", "a test needs it")
    assert "COMPOSER_REQUIRE_SERVICES=1" in (ROOT / ".ci" / "run").read_text()
