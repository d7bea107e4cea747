"""Own links (no ``nofollow``) are decided as a browser resolves the href: checked against
ada-url, a WHATWG URL parser, on generated spellings (backslashes, controls, user info)."""

from __future__ import annotations

import html
import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from composer import Pipeline, Policy, Submission
from composer._html.hosts import is_own_link

ada_url = pytest.importorskip("ada_url", reason="ada-url (dev extra) is the WHATWG oracle")

OWN = frozenset({"forum.example"})
PIPE = Pipeline(policy=Policy(embed_mode="cache_only", own_hosts=OWN))
#: the forum's pages may be served over either scheme: own means own from both
BASES = ("https://forum.example/t/1", "http://forum.example/t/1")

HREF = st.lists(
    st.sampled_from(
        [
            "/",
            "\\",
            "//",
            "https:",
            "http:",
            "HTTPS://",
            "mailto:",
            "evil.example",
            "forum.example",
            "FORUM.example",
            "@",
            ":",
            ":443",
            " ",
            "\t",
            "\n",
            "\x01",
            "?",
            "#",
            "%2e",
            "%66",
            ".",
            "x",
            "user",
            "[",
            "]",
        ]
    ),
    min_size=1,
    max_size=7,
).map("".join)


def _browser_own(href: str) -> bool | None:
    """Whether a browser stays on forum.example from every base, with no user info (a link that
    carries ``user@`` is never own); None if it rejects href."""
    hosts = set()
    for base in BASES:
        try:
            url = ada_url.URL(href, base)
        except ValueError:
            return None
        if url.protocol not in ("http:", "https:") or url.username or url.password:
            return False
        hosts.add(url.hostname.rstrip("."))
    return hosts == {"forum.example"}


@settings(max_examples=500, deadline=None)
@given(HREF)
@example("/\\evil.example/x")
@example("https://evil.example\\@forum.example/x")
@example("\\\\evil.example")
@example("https://user@forum.example/t/1")
@example("https://user:pw@forum.example/t/1")
@example("//:x@forum.example")
def test_own_means_own_to_a_browser(href: str) -> None:
    """Own exactly when a browser stays on the forum, except that an ``@`` a browser drops (the
    empty user info of ``https://@forum.example``) is still refused: stricter, never laxer."""
    own = _browser_own(href)
    if own is None:
        return
    got = is_own_link(href, OWN)
    assert got == own or (own and not got and "@" in href), (href, got)


_ANCHOR = re.compile(r'<a href="([^"]*)"([^>]*)>')


@settings(max_examples=300, deadline=None)
@given(HREF)
def test_a_link_without_nofollow_stays_on_the_forum(href: str) -> None:
    out = PIPE.run(Submission(f'<p><a href="{html.escape(href)}">x</a></p>', "html")).html
    for target, rest in _ANCHOR.findall(out):
        if "nofollow" not in rest:
            assert _browser_own(html.unescape(target)) is True, out
