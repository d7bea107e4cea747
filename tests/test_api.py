"""The public face: names, errors and the wire format."""

from __future__ import annotations

import json
import types

import composer
from composer import Action, Clipboard, Notice, Pipeline, Policy, Problem, Result, Submission


def test_all_is_honest() -> None:
    """Every public name is listed in __all__, and every listed name exists (as in httpx)."""
    public = {
        name
        for name, value in vars(composer).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert public == set(composer.__all__) - {"__version__"}
    for name in composer.__all__:
        assert hasattr(composer, name), name


def test_design_names_are_public() -> None:
    for name in (
        "Pipeline",
        "Submission",
        "Clipboard",
        "Policy",
        "Result",
        "Notice",
        "Action",
        "Problem",
        "ComposerError",
        "ConfigError",
        "InputError",
        "StageError",
    ):
        assert name in composer.__all__


def test_error_hierarchy() -> None:
    for error in (composer.ConfigError, composer.InputError, composer.StageError):
        assert issubclass(error, composer.ComposerError)


def test_to_dict_is_json_ready() -> None:
    result = Result(
        html="<p>x</p>",
        notices=(
            Notice("link_embedded", "m", Action("display_as_link", "Display as a link instead", "https://a")),
        ),
        problems=(Problem("emoji_limit", "Only 75 emoji are allowed.", {"limit": 75}),),
        stats={"emoji": 80},
    )
    data = json.loads(json.dumps(result.to_dict()))
    assert data == {
        "ok": False,
        "html": "<p>x</p>",
        "text": "x",
        "notices": [
            {
                "code": "link_embedded",
                "message": "m",
                "action": {
                    "code": "display_as_link",
                    "label": "Display as a link instead",
                    "target": "https://a",
                },
                "params": {},
            }
        ],
        "problems": [
            {"code": "emoji_limit", "message": "Only 75 emoji are allowed.", "params": {"limit": 75}}
        ],
        "stats": {"emoji": 80},
        "pending": [],
        "mentions": [],
        "markdown": None,
    }


def test_real_result_round_trips_through_json() -> None:
    result = Pipeline().run(Submission("<p>a<script>x</script></p>"))
    data = json.loads(json.dumps(result.to_dict()))
    assert data["ok"] is True
    assert data["notices"][0]["code"] == "content_removed"
    assert data["notices"][0]["params"]["removed"] == {"elements": {"script": 1}}


def test_messages_can_be_translated() -> None:
    pipe = Pipeline(policy=Policy(messages={"content_removed": "Entfernt: {summary}."}))
    result = pipe.run(Submission("<script>x</script>hi"))
    assert result.notices[0].message == "Entfernt: 1 element (script)."


def test_values_are_frozen() -> None:
    import dataclasses

    import pytest

    with pytest.raises(dataclasses.FrozenInstanceError):
        Policy().max_emoji = 3  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        Clipboard().html = "x"  # type: ignore[misc]
