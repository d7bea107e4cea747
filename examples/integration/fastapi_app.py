"""composer in FastAPI: mount the whole service, and call ``arun`` from your own async route.

Run it: ``pip install 'forum-composer[web]' fastapi``, then
``uvicorn examples.integration.fastapi_app:app`` (or ``python examples/integration/fastapi_app.py``):
the editor's JSON API answers under http://127.0.0.1:8000/composer/api/ and the demo editor at
http://127.0.0.1:8000/composer/. The same mounting
works in a plain Starlette app: ``Mount("/composer", app=create_app(...))`` in its routes.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

from composer import DraftStore, Pipeline, Policy, Submission
from composer.web import create_app

# One pipeline per process, shared by every request: it is immutable and thread-safe.
pipe = Pipeline(policy=Policy())
drafts = DraftStore.sqlite("composer-drafts.sqlite3", policy=pipe.policy)

app = FastAPI(title="A forum")
# The reply box's JSON API under /composer: /composer/api/render, /composer/api/paste, ...
# Mount it behind your authentication: its draft keys are trusted as given (docs/integration.md).
app.mount("/composer", create_app(pipe, drafts))


class Reply(BaseModel):
    body: str
    format: Literal["html", "markdown", "text"] = "html"


@app.post("/topics/{topic_id}/replies")
async def reply(topic_id: int, reply: Reply) -> dict[str, Any]:
    """Render a submitted reply without blocking the loop, and refuse it when composer does."""
    result = await pipe.arun(Submission(reply.body, reply.format))
    if not result.ok:
        raise HTTPException(422, [p.to_dict() for p in result.problems])
    # store result.html with the reply; result.text is for notifications and search
    return {"topic": topic_id, "html": result.html, "notices": [n.to_dict() for n in result.notices]}


if __name__ == "__main__":
    import uvicorn

    uvicorn.run(app, host="127.0.0.1", port=8000)
