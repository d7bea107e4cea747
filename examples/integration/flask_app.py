"""composer in Flask: a JSON view per editor call, run synchronously in Flask's worker.

Run it: ``pip install forum-composer flask``, then ``python examples/integration/flask_app.py``
and POST JSON to http://127.0.0.1:5000/preview. Flask's views are synchronous (WSGI): call
``run``/``paste`` directly; the worker thread waits, no event loop is involved.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, request

from composer import Clipboard, InputError, Pipeline, Submission

# One pipeline per process, shared by every request and thread: it is immutable.
pipe = Pipeline()

app = Flask(__name__)
# Flask refuses larger bodies with 413 before the view runs: the same cap composer reads under.
app.config["MAX_CONTENT_LENGTH"] = pipe.policy.max_input_bytes


def _problem(message: str, status: int = 400) -> Any:
    return jsonify(
        {"ok": False, "problems": [{"code": "bad_input", "message": message, "params": {}}]}
    ), status


@app.post("/preview")
def preview() -> Any:
    """``{body, format, display_as_link?}`` -> ``Result.to_dict()`` (a refused post is still 200)."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or not isinstance(data.get("body"), str):
        return _problem('send {"body": "...", "format": "html" | "markdown" | "text"}')
    try:
        submission = Submission(data["body"], data.get("format", "html"), data.get("display_as_link", ()))
    except InputError as exc:  # a wrong format or display_as_link: the message says the fix
        return _problem(str(exc))
    return jsonify(pipe.run(submission).to_dict())


@app.post("/paste")
def paste() -> Any:
    """``{html?, text?, plain?}`` -> the fragment the editor inserts, with its notices."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return _problem('send {"html": "...", "text": "...", "plain": false}')
    try:
        clipboard = Clipboard(html=data.get("html"), text=data.get("text"))
        result = pipe.paste(clipboard, plain=data.get("plain", False))
    except InputError as exc:
        return _problem(str(exc))
    return jsonify(result.to_dict())


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=5000)
