"""Regenerate ``src/composer/embeds/providers.json``, the oEmbed provider registry snapshot.

The source is the public registry in oembed.com's ``providers.json`` shape (MIT, Cal Henderson,
https://github.com/iamcal/oembed). To refresh::

    curl -o /tmp/providers.json https://oembed.com/providers.json
    python scripts/update_providers.py /tmp/providers.json

With no argument the script reads ``tests/corpora/oembed/providers.json`` (the snapshot the
tests were written against). The output keeps only what matching needs: per endpoint the
provider name, the endpoint URL and its URL schemes; endpoints without schemes (discovery only)
are dropped, since discovery finds them from the page anyway. Review the diff and commit it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = ROOT / "tests" / "corpora" / "oembed" / "providers.json"
TARGET = ROOT / "src" / "composer" / "embeds" / "providers.json"
NOTICE = "oEmbed provider registry, https://github.com/iamcal/oembed, MIT, Copyright (c) 2016 Cal Henderson"


def convert(providers: list[dict[str, object]]) -> list[list[object]]:
    """``[[provider_name, endpoint_url, [scheme, ...]], ...]``, sorted by name for stable diffs."""
    rows: list[list[object]] = []
    for provider in providers:
        name = str(provider["provider_name"])
        endpoints = provider.get("endpoints")
        for endpoint in endpoints if isinstance(endpoints, list) else []:
            schemes = [s.strip() for s in endpoint.get("schemes", []) if isinstance(s, str) and s.strip()]
            url = endpoint.get("url")
            if schemes and isinstance(url, str) and url.startswith(("http://", "https://")):
                rows.append([name, url.strip(), schemes])
    rows.sort(key=lambda row: (str(row[0]).lower(), str(row[1])))
    return rows


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    source = Path(args[0]) if args else DEFAULT_SOURCE
    rows = convert(json.loads(source.read_text(encoding="utf-8")))
    body = ",\n".join(json.dumps(row, ensure_ascii=False, separators=(",", ":")) for row in rows)
    TARGET.write_text(
        '{"notice":' + json.dumps(NOTICE) + ',\n"providers":[\n' + body + "\n]}\n", encoding="utf-8"
    )
    print(f"{TARGET.relative_to(ROOT)}: {len(rows)} endpoints from {source}")


if __name__ == "__main__":
    main()
