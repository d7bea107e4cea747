"""Run the pipeline over the example replies and print what the editor would show.

Each example is handled the way a forum backend would: clipboard HTML through
``Pipeline.paste``, submitted posts through ``Pipeline.run``, a draft kept while its author
was away through ``DraftStore`` and ``Pipeline.restore``. Embeds are offline here
(``embed_mode="cache_only"``): site-table embeds such as YouTube need no network.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from composer import Clipboard, DraftStore, Pipeline, Policy, Result, Submission

HERE = Path(__file__).resolve().parent


def show(title: str, result: Result) -> None:
    print(f"== {title}: {'ok' if result.ok else 'REFUSED'}")
    for notice in result.notices:
        undo = f"   [{notice.action.label}]" if notice.action else ""
        print(f"   notice   {notice.code}: {notice.message}{undo}")
    for problem in result.problems:
        print(f"   problem  {problem.code}: {problem.message}")
    if result.stats:
        print(f"   stats    {dict(result.stats)}")
    html = result.html.replace("\n", " ")
    print(f"   html     {html[:160]}{'...' if len(html) > 160 else ''}\n")


def main() -> None:
    pipe = Pipeline(policy=Policy(embed_mode="cache_only"))
    print(f"stages: {' -> '.join(pipe.stages)}\n")
    show("rich paste from Word", pipe.paste(Clipboard(html=(HERE / "rich-paste.html").read_text())))
    show(
        "the undo: paste as plain text",
        pipe.paste(Clipboard(html=(HERE / "rich-paste.html").read_text()), plain=True),
    )
    show(
        "YouTube link alone on its line",
        pipe.run(Submission((HERE / "youtube-link.md").read_text(), "markdown")),
    )
    show("80 emoji", pipe.run(Submission((HERE / "emoji-80.txt").read_text(), "text")))
    show("pasted data: image", pipe.paste(Clipboard(html=(HERE / "pasted-image.html").read_text())))
    show("draft restored after a restart", restored_draft(pipe))


def restored_draft(pipe: Pipeline) -> Result:
    """Save a draft raw, open the store again as a restarted server would, restore it."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "drafts.sqlite3"
        with DraftStore.sqlite(path, policy=pipe.policy) as drafts:
            drafts.save("user:42:topic:7", (HERE / "draft.html").read_text())
        with DraftStore.sqlite(path, policy=pipe.policy) as drafts:
            draft = drafts.load("user:42:topic:7")
            assert draft is not None, "the draft was saved a moment ago"
            return pipe.restore(draft)


if __name__ == "__main__":
    main()
