"""Embeds in one post resolve concurrently: N slow URLs cost about one of them, not their sum.

A local server on 127.0.0.1 answers every page after ``--delay`` seconds (300 ms by default);
one post holds ``--urls`` of them (5), each alone on its line. The embed stage resolves them on
a thread pool within one per-post deadline, so the run should take about one delay. Printed:
the wall time of the run, the sum of the delays, and how many embeds were built; then the
same post again, answered from the cache (no request reaches the server).

    python -m benchmarks.bench_embed [--urls 5] [--delay 0.3]
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: python benchmarks/bench_embed.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from composer import Pipeline, Submission
from composer.embeds import MemoryCache, OEmbedResolver, SafeFetcher
from composer.stages.embed import Embeds


def _server(delay: float) -> tuple[ThreadingHTTPServer, list[str]]:
    log: list[str] = []

    class Slow(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            log.append(self.path)
            time.sleep(delay)
            body = f'<html><head><meta property="og:title" content="Page {self.path}"></head></html>'.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, log


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--urls", type=int, default=5)
    parser.add_argument("--delay", type=float, default=0.3)
    args = parser.parse_args([] if argv is None else argv)
    httpd, log = _server(args.delay)
    try:
        port = httpd.server_address[1]
        fetcher = SafeFetcher(allow=[f"127.0.0.1:{port}"])
        pipe = Pipeline().replace("embed", Embeds(OEmbedResolver(fetcher, MemoryCache())))
        body = "\n\n".join(f"http://127.0.0.1:{port}/page/{i}" for i in range(args.urls))
        post = Submission(body, "markdown")
        started = time.perf_counter()
        result = pipe.run(post)
        elapsed = time.perf_counter() - started
        built = sum(1 for n in result.notices if n.code == "link_embedded")
        total = args.urls * args.delay
        print(f"  {args.urls} URLs x {args.delay * 1000:.0f} ms: {elapsed * 1000:.0f} ms for the post")
        print(f"  the sequential sum: {total * 1000:.0f} ms; speed-up {total / elapsed:.1f}x; {built} embeds")
        requests_before = len(log)
        started = time.perf_counter()
        pipe.run(post)
        again = time.perf_counter() - started
        print(f"  same post again: {again * 1000:.1f} ms, {len(log) - requests_before} requests (cache)")
    finally:
        httpd.shutdown()
        httpd.server_close()


if __name__ == "__main__":
    main(sys.argv[1:])
