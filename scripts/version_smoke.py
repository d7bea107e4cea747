"""Render a few posts and pastes that go through every source scan; print the results as JSON.

`.ci/run` runs this on the project's interpreter and, when the machine has one, on the oldest
Python composer supports (3.10), and compares the two outputs: composer must import there
and give the same bytes (design: output is a function of the input and the policy alone).
The scans' patterns are written per version (composer._html.atomic), so this is where a
pattern only a newer Python reads, or one that reads differently, shows first.

    python scripts/version_smoke.py > out.json
"""

from __future__ import annotations

import json
import sys

from composer import Clipboard, Pipeline, Policy, Submission

#: each touches the scans: tags in values, comments, raw text and script escapes
#: (composer._html.tokens), bare words and long tags (stray), empty elements (empty),
#: event handlers and URL values off the allowlist (the sanitizer's removal report)
POSTS = (
    (
        "html",
        '<p title="<h5>" onclick="x()">Hi <a href = "javascript:alert(1)">there</a></p><p> &nbsp;<br></p>',
    ),
    (
        "html",
        "<script><!--<script></script>--></script><h5>kept</h5><!-- <form> --><textarea><h5></textarea>",
    ),
    ("html", "<svg><![CDATA[ <h5> ]]></svg><h5>x</h5><b and c>d</b><b onmouseover=y>z</b>"),
    ("html", "<p>if a<b and c>d then</p><p " + "a=1 " * 300 + ">many attributes</p>"),
    ("markdown", "**bold** and a <https://example.com/x> link\n\n- item\n- <b>raw</b>"),
    ("text", "plain <text> with a https://example.com/y URL"),
)
PASTES = (
    '<html><body><p class=MsoNormal style="font-weight:700">Word <o:p></o:p></p>'
    '<img src="data:image/png;base64,AAAA"></body></html>',
    '<meta charset="utf-8"><b style="font-weight:normal" id="docs-internal-guid-1">'
    "<p><span>Docs</span></p></b>",
)


def main() -> int:
    pipe = Pipeline(policy=Policy(embed_mode="cache_only"))
    out = [pipe.run(Submission(body, fmt)).to_dict() for fmt, body in POSTS]  # type: ignore[arg-type]
    out += [pipe.paste(Clipboard(html=html, text="text")).to_dict() for html in PASTES]
    json.dump(out, sys.stdout, indent=1, sort_keys=True, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
