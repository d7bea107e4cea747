"""The ``composer`` command: render a post or a paste from the shell.

Exit status: 0 when the result is ok, 1 when it has problems, 2 for usage, input or
configuration errors (``rebake``: 1 when a row failed to render, 2 when the run could not,
130 after Ctrl-C).
The policy options (``--role``, ``--offline``, ``--max-emoji``, ...) go
before or after the subcommand; ``--role`` starts from :meth:`Policy.preset` and the other
options change it; ``render`` reads the input format from the file's extension unless
``--from`` is given.
"""

from __future__ import annotations

import argparse
import errno
import json
import os
import socket
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import PurePath
from typing import Any, TextIO

from composer.__about__ import __version__
from composer.errors import ComposerError
from composer.inputs import Clipboard, Format, Submission
from composer.pipeline import Pipeline
from composer.policy import PRESETS, Policy
from composer.result import Result


def _read(path: str, limit: int) -> bytes:
    """Read at most ``limit + 1`` bytes, so an oversized file is refused, not truncated."""
    if path == "-":
        return sys.stdin.buffer.read(limit + 1)
    with open(path, "rb") as fh:
        return fh.read(limit + 1)


def _print(result: Result, fmt: str, out: TextIO) -> None:
    if fmt == "json":
        json.dump(result.to_dict(), out, ensure_ascii=False, indent=2)
        out.write("\n")
        return
    fragment = result.markdown if result.markdown is not None else result.html  # paste --target
    out.write((result.text if fmt == "text" else fragment) + "\n")
    for notice in result.notices:
        action = f" [{notice.action.label}]" if notice.action else ""
        print(f"notice: {notice.code}: {notice.message}{action}", file=sys.stderr)
    for problem in result.problems:
        print(f"problem: {problem.code}: {problem.message}", file=sys.stderr)


#: ``--from`` when it is not given: by the file's extension; stdin and other files are html.
SOURCE_BY_SUFFIX: dict[str, Format] = {
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "text",
    ".html": "html",
    ".htm": "html",
}


def _source_format(path: str, given: Format | None) -> Format:
    if given is not None:
        return given
    if path == "-":
        return "html"
    return SOURCE_BY_SUFFIX.get(PurePath(path).suffix.lower(), "html")


def _policy_options(parser: argparse.ArgumentParser, *, defaults: bool) -> None:
    """The options that build the Policy; accepted before and after the subcommand.

    On a subcommand they default to SUPPRESS, so a value given before it is not overwritten.
    """

    def default(value: object) -> object:
        return value if defaults else argparse.SUPPRESS

    parser.add_argument(
        "--sanitizer", choices=("nh3", "bleach"), default=default("nh3"), help="sanitizer backend"
    )
    parser.add_argument(
        "--offline",
        action="store_true",
        default=default(False),
        help="never fetch link previews (embed cache only)",
    )
    parser.add_argument(
        "--role",
        choices=tuple(PRESETS),
        default=default(None),
        help="the poster's role: its preset's limits (default: Policy() as is, a member's)",
    )
    parser.add_argument(
        "--max-emoji",
        type=int,
        default=default(None),
        metavar="N",
        help="emoji allowed per post (default: the role's, 75)",
    )
    parser.add_argument(
        "--emoji-over-limit",
        choices=("reject", "trim"),
        default=default(None),
        help="over the limit: refuse or trim (default: the role's, reject)",
    )


def _policy(args: argparse.Namespace) -> Policy:
    """The ``--role`` preset (or ``Policy()``) with the options given on top of it."""
    base = Policy.preset(args.role) if args.role is not None else Policy()
    changes: dict[str, Any] = {
        "sanitizer": args.sanitizer,
        "embed_mode": "cache_only" if args.offline else base.embed_mode,
    }
    for name in ("max_emoji", "emoji_over_limit"):
        if getattr(args, name) is not None:
            changes[name] = getattr(args, name)
    return replace(base, **changes)


def _target_option(paste: argparse.ArgumentParser) -> None:
    """``composer paste --target markdown``: the fragment for a markdown editor."""
    paste.add_argument(
        "--target",
        choices=("html", "markdown"),
        default="html",
        help="what the editor edits: html (default) or markdown; with markdown, --format html "
        "prints the markdown source and the JSON holds it under 'markdown'",
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="composer", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"composer {__version__}")
    _policy_options(parser, defaults=True)
    common = argparse.ArgumentParser(add_help=False)
    _policy_options(common, defaults=False)
    sub = parser.add_subparsers(dest="command", required=True)

    render = sub.add_parser("render", parents=[common], help="render a submitted post")
    render.add_argument("file", nargs="?", default="-", help="input file, or - for stdin (default)")
    render.add_argument(
        "--from",
        dest="source",
        choices=("html", "markdown", "text"),
        default=None,
        help="input format (default: by extension, .md/.markdown markdown, .txt text; else html)",
    )
    render.add_argument("--format", choices=("html", "text", "json"), default="html")
    render.add_argument(
        "--display-as-link",
        action="append",
        default=[],
        metavar="URL",
        help="keep this URL as a plain link (repeatable)",
    )

    paste = sub.add_parser("paste", parents=[common], help="render a paste from its clipboard flavours")
    paste.add_argument("--html", metavar="FILE", help="the text/html flavour")
    paste.add_argument("--text", metavar="FILE", help="the text/plain flavour")
    paste.add_argument("--plain", action="store_true", help="paste as plain text (the undo)")
    paste.add_argument("--format", choices=("html", "text", "json"), default="html")
    _target_option(paste)

    sub.add_parser("stages", parents=[common], help="list the stages of the default chain")
    _serve_parser(sub, common)
    _rebake_parser(sub, common)
    return parser


# -- composer serve ---------------------------------------------------------------------------

_LOOPBACK = ("127.0.0.1", "localhost", "::1")

#: where ``composer serve`` keeps drafts when neither ``--drafts`` nor ``COMPOSER_DRAFTS`` is given
DEFAULT_DRAFTS = "composer-drafts.sqlite3"


def _port(text: str) -> int:
    """A TCP port for ``serve --port``: 0 to 65535 (0: any free port), else a usage error
    (exit 2) rather than uvicorn's traceback at bind time."""
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port; give a number from 0 to 65535")
    return int(text)


def _serve_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    serve = sub.add_parser(
        "serve",
        parents=[common],
        help="run the reply-box service and its demo editor (needs the web extra)",
        description="Run composer.web.create_app with uvicorn: the JSON API and the demo editor at /.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serve.add_argument("--port", type=_port, default=8000, help="port to listen on (default: 8000)")
    serve.add_argument(
        "--drafts",
        metavar="PATH",
        default=None,
        help=f"SQLite file for drafts (default: $COMPOSER_DRAFTS, else ./{DEFAULT_DRAFTS})",
    )


def _cannot_listen(host: str, port: int) -> str | None:
    """Why ``serve`` could not listen on ``host``:``port``, or None when it can: each address
    the host names is bound as the server will bind it (``SO_REUSEADDR``, IPv6 alone), then
    released. Port 0 (any free port) is never busy. Without this, uvicorn logs the bind error
    and exits 3, a status the CLI does not document."""
    if port == 0:
        return None
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (OSError, UnicodeError) as exc:
        return f"cannot listen on {host}: {exc}; give an address of this machine with --host"
    for family, kind, proto, _, address in infos:
        with socket.socket(family, kind, proto) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            try:
                sock.bind(address)
            except OSError as exc:
                if exc.errno == errno.EADDRINUSE:
                    return f"port {port} is in use on {host}; pick another with --port"
                return f"cannot listen on {host} port {port}: {exc.strerror}; pick another --host or --port"
    return None


def _serve(args: argparse.Namespace, pipe: Pipeline) -> int:
    """Run the service until interrupted; 2 when the ``web`` extra is missing or the address
    cannot be listened on (the port is in use, the host is not this machine's)."""
    try:
        import uvicorn

        from composer.web import create_app
    except ImportError:
        print(
            "composer serve needs the web extra (Starlette and uvicorn): pip install 'forum-composer[web]'",
            file=sys.stderr,
        )
        return 2
    problem = _cannot_listen(args.host, args.port)
    if problem:
        print(f"composer serve: {problem}", file=sys.stderr)
        return 2
    from composer.drafts import DraftStore

    path = args.drafts or os.environ.get("COMPOSER_DRAFTS") or DEFAULT_DRAFTS
    with DraftStore.sqlite(path, policy=pipe.policy) as drafts, pipe:
        print(f"composer: drafts in {os.path.abspath(path)}", file=sys.stderr)
        if args.host not in _LOOPBACK:
            print(
                f"composer: warning: listening on {args.host}: anyone who reaches it can read a draft "
                "by naming its key; a forum mounts create_app(draft_owner=...) behind its sign-in instead",
                file=sys.stderr,
            )
        uvicorn.run(create_app(pipe, drafts), host=args.host, port=args.port, log_level="info")
    return 0


def _rebake_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    """``composer rebake DB_URL --table posts ...``: see docs/rebake.md."""
    rebake = sub.add_parser(
        "rebake", parents=[common], help="re-render the stale posts of a database table (docs/rebake.md)"
    )
    rebake.add_argument("db_url", metavar="DB_URL", help="a SQLite file, sqlite:///PATH or postgresql://...")
    rebake.add_argument(
        "--table",
        required=True,
        help='the posts table: name or schema.name; quote a name holding a dot: analytics."my.posts"',
    )
    for name, default in (
        ("id", "id"),
        ("raw", "raw"),
        ("format", "format"),
        ("cooked", "cooked"),
        ("fingerprint", "cooked_fingerprint"),
    ):
        rebake.add_argument(f"--{name}-column", default=default, metavar="NAME", help=f"default {default}")
    rebake.add_argument("--batch-size", type=int, default=500, metavar="N", help="rows per range and commit")
    rebake.add_argument("--engine", choices=("local", "dask"), default="local")
    rebake.add_argument("--workers", type=int, default=None, metavar="N", help="default: the CPU count")
    rebake.add_argument("--scheduler", default=None, metavar="tcp://HOST:8786", help="a running Dask cluster")
    rebake.add_argument("--fetch", action="store_true", help="fetch embeds missing from the cache")
    rebake.add_argument("--dry-run", action="store_true", help="count the stale rows, render nothing")


def _rebake(args: argparse.Namespace) -> int:
    """Run ``composer rebake``: the summary line on stdout, failures and pending URLs on stderr."""
    try:
        from composer import rebake
    except ImportError as exc:
        print(
            f"composer rebake needs the [rebake] extra: pip install 'forum-composer[rebake]' ({exc})",
            file=sys.stderr,
        )
        return 2
    changes: dict[str, Any] = {"sanitizer": args.sanitizer}
    for name in ("max_emoji", "emoji_over_limit"):
        if getattr(args, name) is not None:
            changes[name] = getattr(args, name)
    columns = rebake.Columns(
        args.id_column, args.raw_column, args.format_column, args.cooked_column, args.fingerprint_column
    )
    try:
        summary = rebake.rebake(
            args.db_url,
            table=args.table,
            columns=columns,
            pipeline=rebake.PolicyPipeline(args.role, tuple(sorted(changes.items()))),
            batch_size=args.batch_size,
            engine=args.engine,
            workers=args.workers,
            scheduler=args.scheduler,
            fetch=args.fetch,
            dry_run=args.dry_run,
        )
    except ComposerError as exc:
        print(f"composer rebake: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(
            "composer rebake: interrupted; what was committed stays, run it again to resume", file=sys.stderr
        )
        return 130
    for failure in summary.failed:
        print(f"failed: {failure.id!r}: {failure.error}", file=sys.stderr)  # 'a ' shows its space
    for url in summary.pending:
        print(f"pending: {url}", file=sys.stderr)
    print(summary.line())
    return 1 if summary.failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "rebake":
        return _rebake(args)
    try:
        policy = _policy(args)
        pipe = Pipeline(policy=policy)
        if args.command == "stages":
            print("\n".join(pipe.stages))
            return 0
        if args.command == "serve":
            return _serve(args, pipe)
        limit = policy.max_input_bytes
        if args.command == "render":
            body = _read(args.file, limit)
            source = _source_format(args.file, args.source)
            result = pipe.run(Submission(body, source, frozenset(args.display_as_link)))
        else:
            if not args.html and not args.text:
                print("composer paste: give --html FILE and/or --text FILE", file=sys.stderr)
                return 2
            html = _read(args.html, limit) if args.html else None
            text = _read(args.text, limit) if args.text else None
            result = pipe.paste(Clipboard(html=html, text=text), plain=args.plain, target=args.target)
    except OSError as exc:
        print(f"composer: {exc}", file=sys.stderr)
        return 2
    except ComposerError as exc:
        print(f"composer: {exc}", file=sys.stderr)
        return 2
    _print(result, args.format, sys.stdout)
    return 0 if result.ok else 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
