"""The player iframe as the sanitizer hands it out: one attribute set, one order, both backends.

Issue 12.2 (the bleach backend lost ``sandbox``, ``loading`` and ``referrerpolicy``) and 12.3
(nh3 wrote them in a per-process order).
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from composer import Pipeline, Policy, Submission
from composer._html.iframe import IFRAME_ATTRIBUTES, IFRAME_FIXED, harden_iframes
from composer.document import EMBED_IFRAMES, Document
from composer.stages.sanitize import Sanitize

ORDER = [*IFRAME_ATTRIBUTES, *IFRAME_FIXED]
PLAYER = "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"


def names(tag: str) -> list[str]:
    return re.findall(r'\s([a-z]+)="', tag)


@pytest.mark.parametrize("backend", ["nh3", "bleach"])
def test_both_backends_harden_the_players_they_keep(backend: str) -> None:
    pipe = Pipeline(policy=Policy(sanitizer=backend))  # type: ignore[arg-type]
    html = pipe.run(Submission("https://www.youtube.com/watch?v=dQw4w9WgXcQ", "markdown")).html
    tag = html[html.index("<iframe") : html.index(">", html.index("<iframe")) + 1]
    assert names(tag) == ORDER
    for name, value in IFRAME_FIXED.items():
        assert f'{name}="{value}"' in tag


@pytest.mark.parametrize("backend", ["nh3", "bleach"])
@pytest.mark.parametrize(
    ("attributes", "kept"),
    [
        ('sandbox="allow-top-navigation allow-scripts"', ""),
        ('allow="camera; microphone; autoplay"', ' allow="autoplay"'),
        ('allow="geolocation"', ""),
        ('width="99999" height="-1"', ""),
        ('width="0640" height="1e3"', ""),
        ('loading="eager" referrerpolicy="unsafe-url"', ""),
        ('srcdoc="&lt;script&gt;x()&lt;/script&gt;" name="n"', ""),
        ('onload="x()" style="position:fixed"', ""),
    ],
)
def test_what_a_sanitized_iframe_may_say(backend: str, attributes: str, kept: str) -> None:
    """Whatever reaches the sanitizer on an admitted iframe: only player attributes, fixed hardening."""
    doc = Document(f'<iframe src="{PLAYER}" {attributes}></iframe>', "html", Policy(sanitizer=backend))  # type: ignore[arg-type]
    doc.env[EMBED_IFRAMES] = list(doc.tree.iter("iframe"))  # as if the embed stage built it
    Sanitize()(doc)
    fixed = "".join(f' {name}="{value}"' for name, value in IFRAME_FIXED.items())
    assert doc.html == f'<iframe src="{PLAYER}"{kept}{fixed}></iframe>'


def test_an_iframe_inside_an_attribute_value_is_text() -> None:
    html = '<a title="<iframe allowfullscreen>" href="/x">x</a><iframe src="s"></iframe>'
    out = harden_iframes(html)
    assert out.startswith('<a title="<iframe allowfullscreen>" href="/x">')
    assert out.count("sandbox=") == 1


_NAME = st.sampled_from([*ORDER, "style", "onload", "srcdoc", "name", "SRC", "Width"])
_VALUE = st.text(alphabet=st.characters(blacklist_characters='"', blacklist_categories=["Cs"]), max_size=20)


@given(st.lists(st.tuples(_NAME, _VALUE), max_size=12), st.randoms())
def test_hardening_is_a_function_of_the_attribute_set(pairs: list[tuple[str, str]], rnd: object) -> None:
    """Any attributes, in any order: the same bytes out, the fixed ones always there, in one order."""
    unique = list({name.lower(): (name, value) for name, value in pairs}.values())
    shuffled = unique[:]
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]

    def tag(attrs: list[tuple[str, str]]) -> str:
        return "<p>a</p><iframe" + "".join(f' {n}="{v}"' for n, v in attrs) + "></iframe>"

    one, two = harden_iframes(tag(unique)), harden_iframes(tag(shuffled))
    assert one == two
    got = names(one[one.index("<iframe") :])
    assert got == [name for name in ORDER if name in got]
    assert got[-3:] == list(IFRAME_FIXED)
    assert harden_iframes(one) == one
