"""The scans' patterns mean the same on every supported Python (3.10+), and never backtrack.

Python 3.10's ``re`` reads no possessive quantifier (``X*+``) and no atomic group (``(?>X)``):
composer's scans once used both (3.11+ only), and on 3.10 ``import composer`` failed with
"multiple repeat". They now write the same guarantee as 3.10 reads it
(:mod:`composer._html.atomic`). Guarded here:

- on 3.11 and later, each rewritten pattern matches exactly what its possessive original
  (kept below, as it was written) matched, on generated inputs over that pattern's alphabet;
- on every version, :func:`composer._html.atomic.atomic` gives nothing back, and the group
  names :func:`composer._html.atomic.compile_atomic` gives stay unique when fragments are reused.

The pathological inputs (tests/test_pathological.py) keep the cost side: each of them runs
through these scans at the largest size the default policy accepts.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from composer import Policy
from composer._html import atomic as atomic_module
from composer._html import empty, stray, tokens
from composer._html.atomic import compile_atomic, possessive, run
from composer._html.tokens import RAW_TEXT, _any_case
from composer.stages.sanitize import removed, stage
from composer.stages.sanitize.backends import URL_ATTRIBUTES

EXAMPLES = int(os.environ.get("COMPOSER_FUZZ_EXAMPLES", "200"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
POSSESSIVE = pytest.mark.skipif(
    sys.version_info < (3, 11), reason="the possessive originals compile only on Python 3.11+"
)

# ---- the originals, as written for Python 3.11+ (composer 0.2.0) ----

_NOT_NAME = r"\t\n\f\r />"
_SPACE = r"[\t\n\f\r ]"
_D = rf"[{_NOT_NAME}]"
_S = _any_case("script")
OLD_ATTRIBUTES = (
    rf"(?:[\t\n\f\r /]++|[^{_NOT_NAME}][^{_NOT_NAME}=]*+"
    rf"(?:{_SPACE}*+={_SPACE}*+(?:\"[^\"]*+\"?|'[^']*+'?|[^\t\n\f\r >]*+))?)*+"
)
OLD_SCRIPT_DATA = rf"(?:[^<]++|<(?!/{_S}{_D}|!--))*+"
OLD_ESCAPED_TEXT = rf"(?:[^<-]++|-(?!->)|<(?!/?{_S}{_D}))*+"
OLD_DOUBLE = rf"<{_S}{_D}(?:[^<-]++|-(?!->)|<(?!/{_S}{_D}))*+"
OLD_ESCAPED = (
    rf"(?:-*+>|(?:{OLD_ESCAPED_TEXT}{OLD_DOUBLE}</{_S}{_D})*+{OLD_ESCAPED_TEXT}"
    rf"(?:-->|{OLD_DOUBLE}(?:-->)?)?)"
)
OLD_SCRIPT = rf"{_S}(?={_D}){OLD_ATTRIBUTES}(?:>{OLD_SCRIPT_DATA}(?:<!--{OLD_ESCAPED}{OLD_SCRIPT_DATA})*+)?"
OLD_RAW_ELEMENTS = "".join(
    rf"|{_any_case(name)}(?={_D}){OLD_ATTRIBUTES}(?:>[\s\S]*?(?=</{_any_case(name)}{_D}|\Z))?"
    for name in sorted(RAW_TEXT - {"plaintext", "script"})
)
_RAW_START = rf"(?:{'|'.join(map(_any_case, sorted(RAW_TEXT)))}){_D}"
OLD_OTHER = (
    rf"(?:/|(?!{_RAW_START}))[a-zA-Z][^{_NOT_NAME}]*+(?:[^>\"'=]*+>|{OLD_ATTRIBUTES}>?)"
    r"|!--(?:>|->|[\s\S]*?--!?>|[\s\S]*+)"
    r"|(?:!|\?|/(?![a-zA-Z]))[^>]*+>?"
    rf"|{_any_case('plaintext')}(?={_D})[\s\S]*+|{OLD_SCRIPT}{OLD_RAW_ELEMENTS}"
    r"|(?![a-zA-Z!?/])"
)
_CDATA = r"!\[CDATA\[[\s\S]*?(?:\]\]>|\Z)|"


def old_finder(names: frozenset[str], foreign: bool) -> str:
    named = "|".join(map(_any_case, sorted(names)))
    sought = rf"</?(?:{named})(?=[{_NOT_NAME}])"
    other = (_CDATA if foreign else "") + OLD_OTHER
    return (
        rf"(?:[^<]++|(?!{sought})<(?:{other}))*+"
        rf"(?:(?P<tag><(?P<slash>/?)(?P<name>{named})(?=[{_NOT_NAME}]){OLD_ATTRIBUTES}>?)|\Z)"
    )


OLD_TAG = rf"<(/?)([a-zA-Z][^{_NOT_NAME}]*+){OLD_ATTRIBUTES}(>?)"
OLD_SCRIPT_CONTENT = rf"{OLD_SCRIPT_DATA}(?:<!--{OLD_ESCAPED}{OLD_SCRIPT_DATA})*+"
OLD_PLAINTEXT = r"[\s\S]*+"


def old_marking_starts(long: int) -> str:
    return (
        rf"<([a-z][^\s/>]*+(?:\s++[^\s<>=\"'/][^<>=\"']*+>|(?=[^>]{{{long}}})[\s/])?"
        r"|/(?=[^a-z])|/b(?=r[\s/>])|[!?])"
    )


OLD_BARE_WORDS = r"<([a-z][a-z0-9-]*+)\s++([^\s<>=\"'/][^<>=\"']*+)>"
OLD_MAYBE_EMPTY = (
    f"<[{''.join(sorted({name[0] for name in (*empty.BLOCKS, *empty.INLINES)}))}][a-z0-9]*+(?<!<br)"
    r"(?:>| [^>]*+>)(?:[\s\xa0]|&nbsp;|<br>)*+</"
)
OLD_HANDLERS = r"on[a-z]++(?=\s*+=)"
OLD_TAG_STEP = r"=\s*+([\"'])|>"


def old_scanner(schemes: frozenset[str]) -> dict[str, str]:
    """The possessive forms of ``removed._scanner``'s patterns (values, value_at, attributes)."""
    plain = "|".join(sorted(re.escape(scheme) for scheme in schemes)) or "(?!)"
    allowed = rf"(?![\s\x00-\x20]*+(?:{plain}):)"
    named = "|".join(rf"(?<=[\s\"'/]{name}=)" for name in sorted(URL_ATTRIBUTES))
    value = rf"\s*+(?:\"{allowed}([^\"]*)\"|'{allowed}([^']*)'|(?![\"']){allowed}([^\s>]+))"
    plainly = "".join(
        f"(?<!:{re.escape(scheme[::-1])}{quote}=)" for scheme in sorted(schemes) for quote in "\"'"
    )
    url_names = "|".join(re.escape(n[::-1]) for n in sorted(URL_ATTRIBUTES, key=lambda n: (-len(n), n)))
    attributes = rf"=(?:\s*+[a-z]++(?<=no)|{plainly}\s*+(?:{url_names}))(?=[\s\"'/])"
    return {"values": rf"=(?:{named}){value}", "value_at": value, "attributes": attributes}


# ---- inputs: each pattern's alphabet, as pieces that reach its edges ----


def pieces(*alphabet: str) -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(alphabet), max_size=40).map("".join)


HTML = pieces(
    "<", ">", "</", "/", "<!--", "-->", "--!>", "->", "-", "!", "?", "<!", "<?", '"', "'", "=", " ", "\t",
    "\n", "a", "x", "b", "<script", "</script", "SCRIPT", "<style>", "</style>", "<plaintext>",
    "<textarea>", "</textarea ", "form", "<form", "</form>", "h5", "<h5 ", "<svg>", "<![CDATA[", "]]>",
    "<p title=", "<br>", "&nbsp;", "\xa0",
)  # fmt: skip
SCRIPT = pieces(
    "<!--", "-->", "--", "->", "-", "<script>", "<SCRIPT ", "</script>", "</script/", "<", "a", ">", "/"
)
WORDS = pieces("<", ">", "/", " ", "\n", "a", "b", "br", "x-1", "=", '"', "'", "!", "?", "</", "r")
EMPTY = pieces(
    "<p", "<b", "<br", "<div", "<s", "<em", ">", " ", "\xa0", "&nbsp;", "<br>", "</", "p>", "x", '"'
)
ATTRIBUTES = pieces(
    "<a", " ", "\t", "\n", "/", "=", '"', "'", "on", "onerror", "n", "o", "href", "src", "data", "ferh",
    "http:", "https:", ":ptth", "javascript:", "\x01", "\x00", "x", ">", "<", "no", "=on",
)  # fmt: skip


def same(old: re.Pattern[str], new: re.Pattern[str], text: str, groups: tuple[str | int, ...] = (0,)) -> None:
    """Both patterns find the same matches with the same groups, searching and at each start."""

    def found(pattern: re.Pattern[str]) -> list[object]:
        return [(m.span(), m.group(*groups)) for m in pattern.finditer(text)]

    def at(pattern: re.Pattern[str], pos: int) -> object:
        match = pattern.match(text, pos)
        return None if match is None else (match.span(), match.group(*groups))

    assert found(new) == found(old)
    for pos in range(len(text) + 1):
        assert at(new, pos) == at(old, pos), pos


FINDERS = [
    (frozenset({"form", "h5", "text"}), False),
    (frozenset({"form", "h5", "text"}), True),
    (frozenset({"body", "html"}), False),
]


@contextmanager
def as_on_310() -> Iterator[None]:
    """Patterns built inside are the forms Python 3.10 reads (no possessive quantifier)."""
    native = atomic_module.NATIVE
    atomic_module.NATIVE = False
    try:
        yield
    finally:
        atomic_module.NATIVE = native


def on_310(module: ModuleType) -> ModuleType:
    """A copy of ``module`` whose module-level patterns are the 3.10 forms."""
    spec = importlib.util.spec_from_file_location(f"{module.__name__}_on_310", module.__file__)
    assert spec is not None and spec.loader is not None
    copy = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = copy  # dataclasses look their module up
    with as_on_310():
        spec.loader.exec_module(copy)
    return copy


TOKENS, STRAY, EMPTY_310, REMOVED = (on_310(m) for m in (tokens, stray, empty, removed))


#: the images scan's tags that can hold no pasted image (composer 0.4.0), as first written
OLD_NO_SCHEME = r"""(?:[^>"':&\\=]|=[\t\n\f\r ]*+(?:"[^"':&\\]*+"|'[^'":&\\]*+'|[^\t\n\f\r >"'=:&\\]*+))*+"""


def old_passing(rest: str) -> str:
    """``tokens._passing`` as first written: text and the tags passed by in one C-speed step."""
    return rf"(?:[^<]++|</?(?!{tokens._RAW_START})[a-zA-Z][^{_NOT_NAME}]*+(?:{rest})>)*+"


@POSSESSIVE
@SETTINGS
@given(HTML)
def test_tags_passed_by_as_the_possessive_scan_passed_them(text: str) -> None:
    from composer.stages.images import urls

    urls_310 = on_310(urls)
    for rest, rest_310 in (("/?", "/?"), (urls._NO_SCHEME, urls_310._NO_SCHEME)):
        with as_on_310():
            passing_310 = TOKENS._passing(rest_310)
        assert "*+" not in passing_310.pattern and "++" not in passing_310.pattern
        old = re.compile(old_passing(OLD_NO_SCHEME if rest != "/?" else rest))
        for new in (passing_310, tokens._passing(rest)):
            same(old, new, text)


@POSSESSIVE
@SETTINGS
@given(HTML)
def test_tokens_find_the_tags_the_possessive_scan_found(text: str) -> None:
    for names, foreign in FINDERS:
        with as_on_310():
            finder = TOKENS._finder(names, foreign)
        assert "*+" not in finder.pattern and "++" not in finder.pattern
        for new in (finder, tokens._finder(names, foreign)):
            same(re.compile(old_finder(names, foreign)), new, text, ("tag", "slash", "name"))
    for module in (TOKENS, tokens):
        same(re.compile(OLD_TAG), module._TAG, text, (0, 1, 2, 3))
        same(re.compile(OLD_PLAINTEXT), module._RAW_CONTENT["plaintext"], text)


@POSSESSIVE
@SETTINGS
@given(SCRIPT, st.sampled_from(["<script>", "<form>", "<svg><script>"]))
def test_script_content_ends_where_the_possessive_scan_ended(text: str, before: str) -> None:
    """A script's escapes (``<!--``, ``<script`` inside it): the content scan and the finder."""
    names, foreign = FINDERS[1]
    with as_on_310():
        finder = TOKENS._finder(names, foreign)
    for module, new in ((TOKENS, finder), (tokens, tokens._finder(names, foreign))):
        same(re.compile(OLD_SCRIPT_CONTENT), module._RAW_CONTENT["script"], text)
        same(re.compile(old_finder(names, foreign)), new, before + text + "<form>")


@POSSESSIVE
@SETTINGS
@given(WORDS)
def test_stray_marks_and_bare_words_as_the_possessive_scan(text: str) -> None:
    for long in (2, 5, stray.LONG_TAG):
        with as_on_310():
            marks = STRAY.marking_starts(long)
        for new in (marks, stray.marking_starts(long)):
            same(re.compile(old_marking_starts(long)), new, text, (1,))
    for module in (STRAY, stray):
        same(re.compile(OLD_BARE_WORDS), module.BARE_WORDS, text, (1, 2))


@POSSESSIVE
@SETTINGS
@given(EMPTY)
def test_empty_prefilter_as_the_possessive_scan(text: str) -> None:
    for module in (EMPTY_310, empty):
        same(re.compile(OLD_MAYBE_EMPTY), module._MAYBE_EMPTY, text)
    with_pre = (compile_atomic(f"{EMPTY_310.MAYBE_EMPTY_PATTERN}|<(?P<pre>pre)"), stage._EMPTY_OR_PRE)
    for new in with_pre:  # as the sanitize stage asks it, with a group of its own
        same(re.compile(f"{OLD_MAYBE_EMPTY}|<(?P<pre>pre)"), new, text + "<pre>", ("pre",))


SCHEME_SETS = [Policy().allowlist.url_schemes, frozenset({"http", "https"}), frozenset()]


@POSSESSIVE
@SETTINGS
@given(ATTRIBUTES)
def test_removal_scans_as_the_possessive_scan(text: str) -> None:
    for module in (REMOVED, removed):
        same(re.compile(OLD_TAG_STEP), module._TAG_STEP, text, (0, 1))
        for schemes in SCHEME_SETS:
            old = old_scanner(schemes)
            with as_on_310() if module is REMOVED else nullcontext():
                new = module._scanner(frozenset({"script"}), schemes)
            same(re.compile(OLD_HANDLERS), new.handlers, text)
            same(re.compile(old["values"]), new.values, text, (0, 1, 2, 3))
            same(re.compile(old["value_at"]), new.value_at, text, (0, 1, 2, 3))
            same(re.compile(old["attributes"]), new.attributes, text)
            same(re.compile(old["attributes"]), new.attributes, text[::-1])


# ---- the helper, on every version ----


def test_a_possessive_loop_gives_nothing_back() -> None:
    assert re.fullmatch("(?:a)*a", "aaa")
    for context in (nullcontext(), as_on_310()):
        with context:
            assert compile_atomic(possessive("a") + "a").fullmatch("aaa") is None
            assert compile_atomic(possessive("a") + "b").fullmatch("aaab")
            assert re.fullmatch(run("a") + "a", "aaa") is None
            assert re.fullmatch(run("a", "+") + "b", "aaab")


def test_reused_and_nested_loops_are_numbered_apart() -> None:
    with as_on_310():
        inner = possessive("[a-w]", "+") + "<"
        pattern = compile_atomic(f"{possessive(inner)}x{inner}")
    assert pattern.groupindex == {"_atomic0": 1, "_atomic1": 2, "_atomic2": 3}
    assert pattern.fullmatch("ab<c<xd<")
    assert pattern.fullmatch("ab<c<x") is None


@pytest.mark.parametrize(
    ("pattern", "text"),
    [
        # (a+)* before a failing end: exponential when the loop may re-split what it matched
        (re.compile("(?:a+(?!a)|b)*c"), "ab" * 5000 + "a" * 5000 + "x"),  # the 3.10 form of a++
        (tokens._finder(frozenset({"form"}), False), "<a " + "a=" * 20000),
        (tokens._RAW_CONTENT["script"], "<!--<script>" + "-" * 20000),
    ],
)
def test_hostile_runs_are_read_once(pattern: re.Pattern[str], text: str) -> None:
    """Inputs that take exponential time where a loop may give back and re-split its runs
    finish at all (a regression hangs here; the time is not asserted)."""
    pattern.match(text)


def test_every_scan_compiles_here() -> None:
    """The patterns built at call time compile on this Python (those built at import did)."""
    builders: list[Callable[[], object]] = [
        lambda: tokens._finder(frozenset({"form"}), True),
        lambda: stray.marking_starts(3),
        lambda: removed._scanner(frozenset({"script"}), frozenset({"https"})),
    ]
    for build in builders:
        build()


def test_the_version_smoke_renders_every_post() -> None:
    """scripts/version_smoke.py, which .ci/run compares across Python versions, runs here."""
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root / "src"), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(
        [sys.executable, str(root / "scripts" / "version_smoke.py")],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    results = json.loads(done.stdout)
    assert len(results) == 8
    assert all(result["html"] for result in results)
