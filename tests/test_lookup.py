"""composer._lookup.ask: the one way a forum's per-post callback is asked (own cards, mentions,
hashtags): only the keys asked, only kept values, a failure is None and logged."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st

from composer._lookup import ask

LOG = logging.getLogger("composer.test_lookup")


def _even(value: object) -> int | None:
    return value if isinstance(value, int) and value % 2 == 0 else None


def _ask(lookup: object, keys: Sequence[str]) -> dict[str, int] | None:
    return ask(lookup, keys, _even, LOG, "test lookup", "the keys stay as written")  # type: ignore[arg-type]


def test_the_lookup_gets_the_keys_once_as_a_tuple() -> None:
    calls: list[object] = []

    def lookup(keys: Sequence[str]) -> Mapping[str, int]:
        calls.append(keys)
        return {}

    assert _ask(lookup, ["a", "b"]) == {}
    assert calls == [("a", "b")]


def test_only_the_keys_asked_and_kept_values_in_the_order_asked(caplog: pytest.LogCaptureFixture) -> None:
    answer = {"b": 2, "a": 4, "c": 3, "not asked": 6}
    with caplog.at_level(logging.WARNING, logger=LOG.name):
        found = _ask(lambda keys: answer, ["a", "b", "c", "d"])
    assert found == {"a": 4, "b": 2}
    assert list(found) == ["a", "b"]
    assert "test lookup: unusable answer for 'c': int 3" in caplog.text


@pytest.mark.parametrize("answer", [None, ["a"], "a", 1])
def test_an_answer_that_is_not_a_mapping_is_a_failure(
    answer: object, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger=LOG.name):
        assert _ask(lambda keys: answer, ["a"]) is None
    assert f"the test lookup returned {type(answer).__name__}, not a mapping" in caplog.text
    assert "test lookup failed; the keys stay as written" in caplog.text


def test_a_lookup_that_raises_is_a_failure_with_its_traceback(caplog: pytest.LogCaptureFixture) -> None:
    def boom(keys: Sequence[str]) -> Mapping[str, int]:
        raise RuntimeError("database down")

    with caplog.at_level(logging.WARNING, logger=LOG.name):
        assert _ask(boom, ["a"]) is None
    assert "database down" in caplog.text and "Traceback" in caplog.text


@given(
    st.lists(st.text(max_size=3), max_size=6, unique=True),
    st.dictionaries(
        st.text(max_size=3), st.one_of(st.none(), st.integers(), st.text(max_size=2)), max_size=8
    ),
)
def test_the_result_is_exactly_the_kept_answers_to_the_keys_asked(
    keys: list[str], answer: dict[str, object]
) -> None:
    found = _ask(lambda asked: answer, keys)
    assert found == {k: answer[k] for k in keys if _even(answer.get(k)) is not None}
