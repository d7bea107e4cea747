"""Pipeline.restore: a saved draft rendered for the editor, always sanitized, with content_restored and
its clear_editor action; the docs example and `make demo`."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from composer import Draft, Format, InputError, Pipeline, Policy, Submission
from fixture_files import FIXTURES, read_cases

# -- Pipeline.restore ------------------------------------------------------------------------

PIPE = Pipeline(policy=Policy(embed_mode="cache_only"))


@pytest.mark.parametrize(
    ("title", "source", "expected"), read_cases(FIXTURES / "drafts-restore.txt"), ids=lambda x: x[:40]
)
def test_restore_sanitizes_every_format(title: str, source: str, expected: str) -> None:
    fmt: Any = title.split(":", 1)[0]
    result = PIPE.restore(Draft(source, fmt))
    assert result.html.strip() == expected.strip()
    assert result.notices[0].code == "content_restored"


def test_restore_carries_the_notice_and_its_action() -> None:
    result = PIPE.restore(Draft("<p>Half a reply</p>"))
    assert result.ok and result.html == "<p>Half a reply</p>"
    notice = result.notices[0]
    assert notice.code == "content_restored"
    assert notice.message == "Your previous content has been restored."
    assert notice.action is not None
    assert (notice.action.code, notice.action.label, notice.action.target) == (
        "clear_editor",
        "Clear editor",
        None,
    )
    assert result.to_dict()["notices"][0]["action"]["code"] == "clear_editor"


def test_restore_is_translatable() -> None:
    pipe = Pipeline(
        policy=Policy(
            messages={
                "content_restored": "Dein vorheriger Inhalt wurde wiederhergestellt.",
                "clear_editor": "Editor leeren",
            }
        )
    )
    notice = pipe.restore(Draft("x", "text")).notices[0]
    assert notice.message == "Dein vorheriger Inhalt wurde wiederhergestellt."
    assert notice.action is not None and notice.action.label == "Editor leeren"


def test_restore_keeps_the_other_notices_and_problems() -> None:
    result = PIPE.restore(Draft("😀" * 80, "text"))
    assert [n.code for n in result.notices] == ["content_restored"]
    assert [p.code for p in result.problems] == ["emoji_limit"]


#: every way a restore's run ends early: (policy, body, format, problem)
STOPS = [
    pytest.param(Policy(max_input_bytes=10), "x" * 11, "text", "too_large", id="max_input_bytes"),
    pytest.param(
        Policy(max_markup_bytes=100), "<p>" + "x" * 200 + "</p>", "html", "too_large", id="max_markup_bytes"
    ),
    pytest.param(Policy(max_length=10), "<p>" + "word " * 20 + "</p>", "html", "too_long", id="too_long"),
    pytest.param(Policy(), "[" * 40 + "x", "markdown", "too_complex", id="too_complex"),
    pytest.param(Policy(), "<div>" * 200 + "x", "html", "too_deep", id="too_deep_html"),
    pytest.param(Policy(), "> " * 200 + "x", "markdown", "too_deep", id="too_deep_markdown"),
]


@pytest.mark.parametrize(("policy", "body", "fmt", "code"), STOPS)
def test_restore_of_a_refused_draft_still_says_it_was_restored(
    policy: Policy, body: str, fmt: Format, code: str
) -> None:
    """A limit that stops the preview does not take the draft away: the editor gets it back
    (as typed, or as text when it has no safe HTML), so ``content_restored`` and its
    ``clear_editor`` lead the result, beside the problem that says why the post is refused."""
    result = Pipeline(policy=policy).restore(Draft(body, fmt))
    assert [p.code for p in result.problems] == [code] and result.html == "" and not result.ok
    assert [n.code for n in result.notices] == ["content_restored"]
    assert result.notices[0].action is not None and result.notices[0].action.code == "clear_editor"


def test_restore_keeps_the_display_as_link_choices() -> None:
    """A link the person chose to display as a link stays one when the draft comes back."""
    video = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
    body = f"<p>Look</p><p>{video}</p>"
    embedded = PIPE.restore(Draft(body))
    assert "<iframe" in embedded.html and "link_embedded" in [n.code for n in embedded.notices]
    kept = PIPE.restore(Draft(body, display_as_link=frozenset({video})))
    assert kept.html == PIPE.run(Submission(body, display_as_link=frozenset({video}))).html
    assert "<iframe" not in kept.html and "link_embedded" not in [n.code for n in kept.notices]


def test_restore_takes_a_draft() -> None:
    with pytest.raises(InputError, match="restore\\(\\) takes a Draft, not Submission"):
        PIPE.restore(Submission("x"))  # type: ignore[arg-type]


#: a policy whose limits stop many small runs: every way a run ends early is drawn
TIGHT = Pipeline(policy=Policy(embed_mode="cache_only", max_input_bytes=200, max_length=20, max_depth=3))
DEEPISH = st.lists(st.sampled_from(["<div>", "<b>", "</div>", "> ", "- ", "x", " ", "\n", "😀"]), max_size=60)


@settings(max_examples=80, deadline=None)
@given(
    body=st.one_of(st.text(max_size=300), DEEPISH.map("".join)),
    fmt=st.sampled_from(["html", "markdown", "text"]),
    pipe=st.sampled_from([PIPE, TIGHT]),
)
def test_restore_is_run_plus_the_notice(body: str, fmt: Format, pipe: Pipeline) -> None:
    """The restored HTML is exactly what run() makes of the same post: always sanitized; and
    however the run ends (refused early or not), ``content_restored`` leads."""
    restored = pipe.restore(Draft(body, fmt))
    ran = pipe.run(Submission(body, fmt))
    assert restored.html == ran.html
    assert restored.problems == ran.problems
    assert restored.notices[1:] == ran.notices
    assert restored.notices[0].code == "content_restored"


def test_the_docs_example_shows_true_values(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """docs/drafts.md: the example runs, and each ``expr  # 'value'`` comment is what expr gives."""
    doc = (FIXTURES.parent.parent / "docs" / "drafts.md").read_text(encoding="utf-8")
    found = re.search(r"^```python\n(.*?)^```", doc, flags=re.MULTILINE | re.DOTALL)
    assert found is not None
    monkeypatch.chdir(tmp_path)  # the example's drafts.sqlite3 lands here
    scope: dict[str, object] = {}
    checked = 0
    for line in found.group(1).splitlines():
        code, _, comment = line.partition("  # ")
        if comment.strip().startswith("'"):
            assert eval(code.strip(), scope) == ast.literal_eval(comment.strip()), line
            checked += 1
        else:
            exec(line, scope)
    assert checked == 3


def test_make_demo_shows_a_restored_draft() -> None:
    demo = FIXTURES.parent.parent / "examples" / "demo.py"
    done = subprocess.run([sys.executable, str(demo)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    restored = done.stdout.split("== draft restored", 1)[1]
    assert "content_restored: Your previous content has been restored.   [Clear editor]" in restored
    assert "<script" not in restored
