"""The bounded worst case: every input the default policy accepts, in every format and entry
point, ends within 3 s and 700 MB on the project's 2-core machine, or is refused early.

Each family is built at the largest size the default policy accepts (``max_markup_bytes``,
``MAX_ELEMENTS``, ``MAX_MARKDOWN_MARKS``, ... less a margin) inside a forked child with an
address-space limit (``RLIMIT_AS``, 1.5 GB above what the forked test process already maps)
and a generous watchdog (20 s, for a loaded CI); the child reports its seconds and peak RSS,
printed with ``-s``, and recorded in the table of docs/security.md. Only the watchdog and the
memory limit are asserted, never a time.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection

import pytest

from composer import Clipboard, InputError, Pipeline, Policy, Result, Submission, _limits
from composer._limits import MAX_BRACKET_NESTING, MAX_ELEMENTS, MAX_MARKDOWN_LINES, MAX_MARKDOWN_MARKS

PIPE = Pipeline(policy=Policy(embed_mode="cache_only"))
TIMEOUT = float(os.environ.get("COMPOSER_PATHOLOGICAL_TIMEOUT", "20"))
MEMORY = int(1.5 * 1024**3)
#: the problems a pathological post may end in (codes are API: composer.messages)
DOCUMENTED = {
    "too_large",
    "too_long",
    "too_deep",
    "too_complex",
    "emoji_limit",
    "too_many_images",
    "too_many_links",
    "too_many_mentions",
}
MiB = 1024 * 1024
#: the largest post or paste (after its images) the default policy parses, less a margin
MARKUP = Policy().max_markup_bytes - 64
ELEMENTS = MAX_ELEMENTS - 10
#: the most that is read at all
READ = Policy().max_input_bytes - 64


@dataclass(frozen=True)
class Outcome:
    """What came back from the child process: enough to judge, small enough to send."""

    problems: tuple[str, ...]
    html_length: int
    text_empty: bool
    seconds: float
    peak_mb: int


def _mapped_bytes() -> int:
    """The address space this process maps now (``VmSize``), in bytes."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * resource.getpagesize()


def _child(conn: Connection, work: Callable[[], Result]) -> None:
    try:
        # above what the fork inherited: a long test run maps more (browsers, Dask, servers)
        limit = _mapped_bytes() + MEMORY
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        start = time.perf_counter()
        result = work()
        seconds = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        outcome = Outcome(
            tuple(p.code for p in result.problems), len(result.html), not result.html, seconds, peak
        )
        conn.send(("ok", outcome))
    except BaseException as exc:  # RecursionError and MemoryError included: report them
        conn.send(("error", f"{type(exc).__name__}: {str(exc)[:200]}"))
    finally:
        conn.close()


def watchdog(work: Callable[[], Result], timeout: float = TIMEOUT) -> Outcome:
    """Run ``work`` in a forked child; fail on a hang (the child is killed) or any exception."""
    parent, child = multiprocessing.get_context("fork").Pipe(duplex=False)
    process = multiprocessing.get_context("fork").Process(target=_child, args=(child, work), daemon=True)
    process.start()
    child.close()
    try:
        if not parent.poll(timeout):
            pytest.fail(f"no answer within {timeout:.0f} s (a hang)")
        status, value = parent.recv()
    except EOFError:
        pytest.fail(f"the child died (exit code {process.exitcode}): out of memory or a crash")
    finally:
        if process.is_alive():
            process.kill()
        process.join()
    if status == "error":
        pytest.fail(f"raised {value}")
    assert isinstance(value, Outcome)
    return value


def settled(outcome: Outcome, label: str) -> Outcome:
    print(
        f"\n{label}: {outcome.seconds:.2f} s, {outcome.peak_mb} MB, problems={list(outcome.problems)}, "
        f"html={outcome.html_length}"
    )
    assert set(outcome.problems) <= DOCUMENTED, outcome.problems
    return outcome


def nested(depth: int) -> str:
    return "<div>" * depth + "x" + "</div>" * depth


def fill(unit: str, size: int = MARKUP, head: str = "", tail: str = "") -> str:
    """``unit`` repeated to fill ``size`` characters between ``head`` and ``tail``."""
    return head + unit * ((size - len(head) - len(tail)) // len(unit)) + tail


def elements(unit: str, per_unit: int, size: int = MARKUP) -> str:
    """``unit`` (opening ``per_unit`` elements) repeated up to ``MAX_ELEMENTS`` or ``size``."""
    return unit * min(ELEMENTS // per_unit, size // len(unit))


def _word_item(i: int) -> str:
    return f'<p style="mso-list:l0 level{i % 12 + 1} lfo1"><span style="mso-list:Ignore">·</span>x</p>'


MARKUP_FAMILIES: dict[str, Callable[[], str]] = {
    # markup a parser must read to the end: up to max_markup_bytes
    "text-512KiB": lambda: "a" * MARKUP,
    "spaced-text": lambda: fill("a" + " " * 300),
    "lt": lambda: "<" * MARKUP,
    "lt-slash": lambda: "</" * (MARKUP // 2),
    "entities": lambda: fill("&amp;"),
    "urls": lambda: fill("https://example.com/p "),
    "comments": lambda: fill("<!---->"),
    "unclosed-comment": lambda: fill("x", head="<p>before</p><!--"),
    "script-text": lambda: fill("x", head="<script>", tail="</script><p>x</p>"),
    "emoji": lambda: "😀" * (MARKUP // 4),
    "emoji-zwj": lambda: "👩\u200d👩\u200d👧\u200d👦" * (MARKUP // 25),
    "attributes-one-tag": lambda: "<p " + " ".join(f"a{i}=x" for i in range(MARKUP // 10)) + ">x</p>",
    "attributes-256-per-tag": lambda: fill("<p " + " ".join(f"a{i}=x" for i in range(256)) + ">x</p>"),
    # at max_input_bytes: read, then refused before any parser (controls are not even cleaned)
    "text-32MiB": lambda: "a" * READ,
    "controls-32MiB": lambda: "a\x01" * (READ // 2),
    "tags-32MiB": lambda: fill("<b>", READ),
    # a rich paste refused, its plain fallback scans the clipboard's HTML for pasted images
    "attributed-tags-32MiB": lambda: fill("<b a>", READ),
    "attributed-tags-and-an-image-32MiB": lambda: fill('<b a="x" c=d>', READ, tail='<img src="data:x">'),
    "styled-tags-and-an-image-32MiB": lambda: fill('<b style="a:b">', READ, tail='<img src="data:x">'),
    # elements: up to MAX_ELEMENTS
    "span-x": lambda: elements("<span>x</span>", 1),
    "span-empty": lambda: elements("<span></span>", 1),
    "bold-normal": lambda: elements('<b style="font-weight:normal">x</b>', 1),
    "styled-spans": lambda: elements('<span style="font-weight:700;font-style:italic">x</span>', 1),
    "table-cells": lambda: "<table><tr>" + elements("<td>", 1) + "</table>",
    "br": lambda: elements("<br>", 1),
    "empty-p": lambda: elements("<p></p>", 1),
    "nested-div-99": lambda: elements("<div>" * 99 + "x" + "</div>" * 99, 99),
    "nested-b-99": lambda: elements("<b>" * 99 + "x", 99),
    "margin-left-items": lambda: (
        "<ul>"
        + "".join(f'<li style="margin-left:{i}px">x</li>' for i in range(min(ELEMENTS, MARKUP // 40)))
        + "</ul>"
    ),
    "word-list-items": lambda: "".join(_word_item(i) for i in range(min(ELEMENTS // 2, MARKUP // 90))),
    "links": lambda: elements('<a href="https://example.com/x">x</a>', 1),
    "images": lambda: elements('<img src="https://example.com/i.png">', 1),
    # what content_removed scans for (stages/sanitize/removed.py): every one of them found and counted
    "script-links-spaced": lambda: elements("<a href = javascript:x>y</a>", 1),
    "event-handlers": lambda: elements("<b onclick=x>y</b>", 1),
    "bare-attributes": lambda: "<b " + "a " * (MARKUP // 2 - 4) + ">",
    # tags past the attribute cap with no ">" to the end: each was read to the end (was 8 s)
    "unclosed-tags-many-attributes": lambda: elements("x <a b", 1),
    "spaced-equals": lambda: elements("<b title = x>y</b>", 1),
}
MARKDOWN_FAMILIES: dict[str, Callable[[], str]] = {
    "md-text": lambda: fill("word "),
    "md-lt": lambda: "<" * MARKUP,
    "md-emphasis-marks": lambda: "*_" * (MAX_MARKDOWN_MARKS // 2) + fill(" a", MARKUP - MAX_MARKDOWN_MARKS),
    "md-brackets-marks": lambda: "[" * MAX_BRACKET_NESTING + "x" + fill("] a", MARKUP - 40),
    "md-nested-links": lambda: fill(
        "[" * MAX_BRACKET_NESTING + "a" + "](http://x)" * MAX_BRACKET_NESTING + "\n",
        MAX_MARKDOWN_MARKS * 3,
    ),
    "md-backticks": lambda: "a" + "`" * (MAX_MARKDOWN_MARKS - 1) + fill(" a", MARKUP - MAX_MARKDOWN_MARKS),
    "md-lines": lambda: fill("> - x\n", MAX_MARKDOWN_LINES * 6),
    "md-empty-items": lambda: "-\n" * MAX_MARKDOWN_LINES,
    "md-quotes": lambda: fill("> "),
    "md-urls": lambda: fill("https://example.com/p "),
    "md-references": lambda: fill("[a]: http://x\n", MAX_MARKDOWN_LINES * 14),
}
#: pastes only: a Word clipboard at max_input_bytes whose bulk is an embedded image
PASTE_FAMILIES: dict[str, Callable[[], str]] = {
    "word-paste-with-image": lambda: (
        '<html><body><p class=MsoNormal>Text before</p><p><img src="data:image/png;base64,'
        + "A" * (Policy().max_input_bytes - 200)
        + '"></p><p>after</p></body></html>'
    ),
    "deep-200k-unclosed": lambda: "<div>" * 200_000,
}
ENTRIES = ("html", "text", "paste", "paste-plain")


def _work(entry: str, build: Callable[[], str]) -> Callable[[], Result]:
    def work() -> Result:
        source = build()
        if entry == "paste":
            return PIPE.paste(Clipboard(html=source, text=source[:1000]))
        if entry == "paste-plain":
            return PIPE.paste(Clipboard(html=source), plain=True)
        return PIPE.run(Submission(source, entry))  # type: ignore[arg-type]

    return work


@pytest.mark.parametrize(
    ("family", "entry"),
    [(f, e) for f in MARKUP_FAMILIES for e in ENTRIES]
    + [(f, "markdown") for f in (*MARKDOWN_FAMILIES, "text-32MiB", "controls-32MiB", "lt")]
    + [(f, e) for f in PASTE_FAMILIES for e in ("paste", "paste-plain")],
)
def test_worst_case_at_the_accepted_maximum(family: str, entry: str) -> None:
    build = {**MARKUP_FAMILIES, **MARKDOWN_FAMILIES, **PASTE_FAMILIES}[family]
    settled(watchdog(_work(entry, build)), f"{family}/{entry}")


@pytest.mark.parametrize(
    ("source", "fmt", "code"),
    [
        ("a" * (MARKUP + 100), "text", "too_large"),
        ("<span></span>" * (MAX_ELEMENTS + 1), "html", "too_complex"),
        ("*" * (MAX_MARKDOWN_MARKS + 1), "markdown", "too_complex"),
        (
            "[" * (MAX_BRACKET_NESTING + 1) + "a" + "](http://x)" * (MAX_BRACKET_NESTING + 1),
            "markdown",
            "too_complex",
        ),
        ("x\n" * (MAX_MARKDOWN_LINES + 1), "markdown", "too_complex"),
        ("<p>" + "x" * 100_001 + "</p>", "html", "too_long"),
    ],
)
def test_refused_early(source: str, fmt: str, code: str) -> None:
    """Just past each pre-parse limit: refused with its problem before any parser (no html)."""
    result = PIPE.run(Submission(source, fmt))  # type: ignore[arg-type]
    assert [p.code for p in result.problems] == [code]
    assert result.html == ""


def test_deep_nesting_is_refused_not_truncated() -> None:
    outcome = watchdog(lambda: PIPE.run(Submission(nested(30_000))))  # within the byte and element caps
    assert outcome.problems == ("too_deep",)
    assert outcome.html_length == 0


def test_ten_megabyte_line_is_too_large() -> None:
    outcome = watchdog(lambda: PIPE.run(Submission("a" * 10_000_000, "text")))
    assert outcome.problems == ("too_large",)


def test_over_the_byte_cap_is_too_large() -> None:
    policy = Policy(max_input_bytes=MiB, embed_mode="cache_only")
    outcome = watchdog(lambda: Pipeline(policy=policy).run(Submission("a" * (MiB + 1))))
    assert outcome.problems == ("too_large",)


def test_invalid_utf8_bytes_are_an_input_error() -> None:
    """Bytes that are not UTF-8 cannot be read at all: the one documented exception."""
    for raw in (b"\xff\xfe<p>x</p>", b"<p>\xc3</p>", b"\xed\xa0\x80", b"\xf4\x90\x80\x80"):
        with pytest.raises(InputError):
            PIPE.run(Submission(raw))
        with pytest.raises(InputError):
            PIPE.paste(Clipboard(html=raw))


def test_valid_utf8_bytes_are_read() -> None:
    result = PIPE.run(Submission("<p>é 😀</p>".encode()))
    assert result.ok and "é 😀" in result.text


def test_control_characters_are_counted_not_kept() -> None:
    source = "".join(chr(c) for c in range(0x20) if chr(c) not in "\t\n\r") + "<p>x</p>"
    result = PIPE.run(Submission(source))
    assert result.ok
    assert not any(chr(c) in result.html for c in range(0x20) if chr(c) not in "\t\n\r")
    assert any(n.code == "content_removed" for n in result.notices)


# -- lists the paste stage rebuilds (issue 11.1): each item one level deeper than the last --


def _word_items(count: int) -> str:
    return "".join(
        f'<p style="mso-list:l0 level{i + 1} lfo1"><span style="mso-list:Ignore">·</span>x</p>'
        for i in range(count)
    )


LIST_CASES: dict[str, Callable[[int], str]] = {
    "margin-left": lambda n: (
        "<ul>" + "".join(f'<li style="margin-left:{i}px">x</li>' for i in range(n)) + "</ul>"
    ),
    "mso-list": _word_items,
    "aria-level": lambda n: (
        "<ul>" + "".join(f'<li aria-level="{i % 99 + 1}">x</li>' for i in range(n)) + "</ul>"
    ),
    "gdocs-margin-pt": lambda n: (
        "<ol>" + "".join(f'<li dir="ltr" style="margin-left:{i * 0.75}pt">x</li>' for i in range(n)) + "</ol>"
    ),
}


#: the pre-parse caps lifted (in the forked child only), so 30 000 items reach the builder
UNCAPPED = Pipeline(policy=Policy(embed_mode="cache_only", max_markup_bytes=8 * MiB))


def _uncapped(work: Callable[[], Result]) -> Callable[[], Result]:
    def run() -> Result:
        _limits.MAX_ELEMENTS = 10**9  # the child's own copy of the module
        return work()

    return run


@pytest.mark.parametrize("count", [500, 30_000])
@pytest.mark.parametrize("shape", list(LIST_CASES))
def test_rebuilt_lists_are_bounded(shape: str, count: int) -> None:
    """500 items raised RecursionError; 30 000 (1.1-2.4 MB, over the default caps, so they
    run with the caps lifted) crashed lxml. Both are built, nine levels deep at most."""
    source = LIST_CASES[shape](count)
    for label, work in (
        ("run", lambda: UNCAPPED.run(Submission(source))),
        ("paste", lambda: UNCAPPED.paste(Clipboard(html=source))),
    ):
        outcome = settled(watchdog(_uncapped(work)), f"{shape}-{count}/{label}")
        assert set(outcome.problems) <= {"too_long"}
        assert not outcome.text_empty


def _in_small_thread(work: Callable[[], Result]) -> Callable[[], Result]:
    """``work`` run in a thread with a 1 MiB stack (common in servers), its result handed back."""

    def run() -> Result:
        box: list[Result | BaseException] = []

        def target() -> None:
            try:
                box.append(work())
            except BaseException as exc:
                box.append(exc)

        threading.stack_size(MiB)
        thread = threading.Thread(target=target)
        thread.start()
        thread.join()
        if isinstance(box[0], BaseException):
            raise box[0]
        return box[0]

    return run


@pytest.mark.parametrize("shape", list(LIST_CASES))
def test_rebuilt_lists_in_a_small_stack_thread(shape: str) -> None:
    source = LIST_CASES[shape](4_000)
    settled(watchdog(_in_small_thread(lambda: PIPE.paste(Clipboard(html=source)))), f"{shape}/1MiB-stack")


ISSUE_EXAMPLES: dict[str, Callable[[], Result]] = {
    "nested markdown links (60 KB, was 8 s)": lambda: PIPE.run(
        Submission("[" * 5000 + "a" + "](http://x)" * 5000, "markdown")
    ),
    "70 000 spans (980 KB, was 15 s)": lambda: PIPE.run(Submission("<span>x</span>" * 70_000)),
    "100 000 attributes pasted (was 15 s)": lambda: PIPE.paste(
        Clipboard(html="<p " + " ".join(f"a{i}=x" for i in range(100_000)) + ">x</p>")
    ),
    "500 indented items (was RecursionError)": lambda: PIPE.run(
        Submission("<ul>" + "".join(f'<li style="margin-left:{i}px">x</li>' for i in range(500)) + "</ul>")
    ),
}


@pytest.mark.parametrize("example", list(ISSUE_EXAMPLES))
def test_issue_11_examples(example: str) -> None:
    """The inputs issue 11 named end in a result or an early problem (refused: too_large or
    too_complex), each well inside the budget."""
    settled(watchdog(ISSUE_EXAMPLES[example]), example)
