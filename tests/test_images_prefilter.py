"""The images stage's prefilter never skips a post the tree pass would change.

The prefilter (``_has_work``) reads start-tag names and a few C-speed searches of the
lower-cased source; whatever it says, a run must end as a run whose images stage always
walks the tree: the same HTML, removals, stats and notices. Checked on generated posts aimed
at its edges: CSS in ``style`` with and without "(", spelled with references, CSS escapes or
comments, ``background`` and ``poster`` attributes, carriers in any case, VML comments.

Not generated: a CSS string with a pasted address outside ``url()`` and ``image-set()``
(``style="content:'data:x'"``): it loads no image, the tree pass counts it all the same
(it reads every quoted string of a ``style``), and the prefilter does not look for it.
"""

from __future__ import annotations

from unittest import mock

from hypothesis import example, given, settings
from hypothesis import strategies as st

from composer import Pipeline, Policy
from composer.document import Document
from composer.stages.images import stage as images_stage

_PIECES = st.sampled_from(
    [
        *("<p>", "</p>", "a", " ", "(", ")", "\\", "&amp;", "&lt;", "&quot;", "&#40;", "&lpar;", "&#x28;"),
        *('<p style="color:red">', '<p style="background:url(data:x)">', "<p style=\"list:url('data:x')\">"),
        *(
            '<p style="list-style-image:url&#40;data:x&#41;">',
            '<p style="x:image-set(&quot;data:y&quot; 1x)">',
        ),
        *('<p style="x:\\75 rl(data:x)">', '<p style="x:url\\28 data:x)">', "<p style=x:url(blob:y)>"),
        *(
            '<p style="x:url/**/(data:x)">',
            "<p STYLE='x:&#117;rl(file:x)'>",
            "<p style=\"a:'b' \\75 rl(cid:x)\">",
        ),
        *('<table background="data:x"><tr><td>t</td></tr></table>', '<td BACKGROUND="&#100;ata:x">'),
        *(
            '<p poster="data:x">',
            '<VIDEO poster="data:x"></VIDEO>',
            '<IMG src="data:x">',
            '<img src="x.png">',
        ),
        *(
            "<svg><image href='data:x'/></svg>",
            '<!--[if gte vml 1]><v:imagedata src="file:///x"/><![endif]-->',
        ),
        *(
            "url",
            " url (data:x)",
            "image-set",
            "background",
            "poster",
            "style",
            "data:",
            "<b<img src=data:x>",
        ),
        *(
            "&nbsp;",
            "&#8217;",
            '<p style="x:url&lpar;data:x&rpar;">',
            '<p style="x:&#92;75 rl&#x28;data:x)">',
        ),
    ]
)
_PIPE = Pipeline(policy=Policy(allow_remote_images=False))


def _prepared(source: str) -> Document:
    """The document as the stages before ``images`` leave it (parse, paste)."""
    doc = Document(source, "html", _PIPE._bound, messages=_PIPE._messages)
    for name in _PIPE.stages[: _PIPE.stages.index("images")]:
        _PIPE.stage(name)(doc)
    return doc


def _outcome(doc: Document) -> tuple[object, ...]:
    return doc.removed, doc.stats, [n.code for n in doc.notices], [p.code for p in doc.problems]


@settings(max_examples=500, deadline=None)
@given(st.lists(_PIECES, max_size=16).map("".join))
@example('<p style="list-style-image:url&#40;data:x&#41;">(')
@example('<p style="x:\\75 rl(data:x)">')
@example('<p style="x:url/**/(data:x)">(')
@example('<p style="x:url&lpar;data:x&rpar;">&nbsp;')
def test_a_post_the_prefilter_skips_is_one_the_tree_pass_leaves_alone(source: str) -> None:
    skipped = _prepared(source)
    if images_stage._has_work(skipped):
        return
    images = _PIPE.stage("images")
    images(skipped)
    parsed = _prepared(source)
    assert parsed.tree is not None  # parses it, if the stages before did not
    walked = _prepared(source)
    with mock.patch.object(images_stage, "_has_work", return_value=True):
        images(walked)
    assert _outcome(walked) == _outcome(skipped)
    assert walked.html == parsed.html  # the tree as parsed: nothing taken out
