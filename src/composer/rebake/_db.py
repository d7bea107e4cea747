"""The posts table through SQLAlchemy Core: the id scan, a range's stale rows, the guarded write.

Only SQLAlchemy's ``table()``/``column()`` constructs are used (no reflection, no ORM), so any
table with the five columns works whatever else it holds. Rows are stale when their fingerprint
column is NULL or differs from the pipeline's; pages of ids are read by keyset (``id > last
ORDER BY id LIMIT n``), never by OFFSET, so each page costs the same on a big table.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from composer.rebake._columns import Shapes

__all__ = [
    "Columns",
    "NotUTF8",
    "Page",
    "Table",
    "connect",
    "database_url",
    "existing",
    "sqlite_file",
    "table_name",
]


@dataclass(frozen=True)
class Columns:
    """The names of the five columns rebake reads and writes (each renamable)."""

    id: str = "id"
    raw: str = "raw"
    format: str = "format"
    cooked: str = "cooked"
    fingerprint: str = "cooked_fingerprint"


def database_url(url: str) -> str:
    """A SQLAlchemy URL for ``url``: a file path becomes ``sqlite:///<absolute path>``, and
    ``postgresql://`` (or ``postgres://``) uses psycopg 3 (the ``[postgres]`` extra)."""
    if "://" not in url:
        return "sqlite:///" + os.path.abspath(url)
    scheme, rest = url.split("://", 1)
    if scheme in ("postgresql", "postgres"):
        return "postgresql+psycopg://" + rest
    return url


class NotUTF8(bytes):
    """A SQLite TEXT value that is not UTF-8, as its bytes: bytes, and marked as TEXT, so that
    it is bound again as that TEXT (``CAST(:bytes AS TEXT)``, see :func:`_as_stored`). Bound
    as plain bytes it would be a BLOB, which never equals a TEXT: an id read this way would not
    find its row again, and as a page's last id it would end the keyset scan early."""

    __slots__ = ()


def _text(data: bytes) -> str | bytes:
    """SQLite TEXT as read: ``str`` when it is UTF-8, else its bytes as stored (:class:`NotUTF8`).

    SQLite keeps whatever bytes it was given as TEXT; ``sqlite3`` would raise on the first
    value that is not UTF-8 and end the run. As bytes, a ``raw`` is a failed row that says
    where (``raw is not UTF-8 text: ... at byte N``), an id finds its row again, and the others
    are rendered."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return NotUTF8(data)


def _wal(dbapi_connection: Any, _record: object) -> None:
    """SQLite: WAL, so the driver's id scan and the workers' writes do not block each other;
    TEXT that is not UTF-8 read as bytes (:func:`_text`)."""
    dbapi_connection.text_factory = _text
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


def sqlite_file(full: str) -> str | None:
    """The file a ``sqlite:///`` URL names (None for an in-memory or URI-style database)."""
    database = sa.engine.make_url(full).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return database


def existing(url: str) -> Engine:
    """:func:`connect`, for a database that must exist already.

    Raises ``FileNotFoundError`` for a SQLite file that does not exist (SQLite would create
    an empty one: a typo is not a forum), ``sqlalchemy.exc.ArgumentError`` for a URL it cannot
    read or an unknown dialect, ``ImportError`` when the dialect's driver is not installed.
    """
    full = database_url(url)
    path = sqlite_file(full) if full.startswith("sqlite") else None
    if path is not None and not os.path.isfile(path):
        raise FileNotFoundError(f"no SQLite database at {path!r}")
    return connect(url)


def connect(url: str) -> Engine:
    """An engine for ``url`` (see :func:`database_url`); SQLite waits up to 60 s for a lock."""
    full = database_url(url)
    if full.startswith("sqlite"):
        engine = sa.create_engine(full, connect_args={"timeout": 60})
        sa.event.listen(engine, "connect", _wal)
        return engine
    return sa.create_engine(full, pool_pre_ping=True)


def _quoted(name: str) -> sa.sql.quoted_name:
    """``name`` always quoted: as written, whatever the dialect's list of reserved words
    (SQLite's ``nothing`` or ``window`` are keywords SQLAlchemy would leave bare)."""
    return sa.sql.quoted_name(name, quote=True)


def _as_stored(value: Any) -> Any:
    """A value read from the table, bound as the type it was read as: bytes as a binary
    parameter (a PostgreSQL ``bytea``, a SQLite BLOB), not cast to the text column type the
    statements declare, and SQLite TEXT that is not UTF-8 (:class:`NotUTF8`) as that TEXT, so
    the guard, the range queries and the keyset compare it with what is stored."""
    if isinstance(value, NotUTF8):
        return sa.cast(sa.literal(bytes(value), sa.LargeBinary), sa.UnicodeText)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return sa.literal(bytes(value), sa.LargeBinary)
    return value


#: a page of the stale-id scan: its first id, its last id, and all its ids
Page = tuple[Any, Any, list[Any]]


def _written(binary: bool, text: type[sa.types.TypeEngine[str]]) -> type[sa.types.TypeEngine[Any]]:
    """The type a written column is bound as: bytes for a binary column, else ``text``."""
    return sa.LargeBinary if binary else text


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _parts(name: str) -> list[tuple[str, str]]:
    """``name`` split at the dots outside quotes: (the part as written, the name it holds)."""
    parts: list[tuple[str, str]] = []
    at = 0
    while True:
        if name.startswith('"', at):
            end = at + 1
            while True:
                end = name.find('"', end)
                if end < 0:
                    raise ValueError(
                        f"table {name!r} (--table) opens a quote it does not close; write"
                        f' {_quote(name[at + 1 :])} (a quote inside a quoted name is written "")'
                    )
                if not name.startswith('"', end + 1):
                    break
                end += 2
            written = name[at : end + 1]
            parts.append((written, written[1:-1].replace('""', '"')))
            at = end + 1
            if at < len(name) and name[at] != ".":
                raise ValueError(
                    f"table {name!r} (--table) has text after the quoted part {written}; a quoted part"
                    ' ends at its closing quote (a quote inside it is written "")'
                )
        else:
            end = name.find(".", at)
            end = len(name) if end < 0 else end
            parts.append((name[at:end], name[at:end]))
            at = end
        if at >= len(name):
            return parts
        at += 1  # the dot
        if at == len(name):
            parts.append(("", ""))
            return parts


def table_name(name: str) -> tuple[str | None, str]:
    """``(schema or None, name)`` for a ``--table`` value: ``name`` or ``schema.name``.

    Each part is taken as written (case and characters kept), unless it begins with a double
    quote: then it is quoted as in SQL, up to its closing quote, with ``""`` for a quote in it,
    so a name that holds a dot is reachable (``"my.posts"``, ``analytics."my.posts"``). Raises
    ``ValueError`` saying how to write it for more than one dot outside quotes, an empty part,
    or a quote left open.
    """
    parts = _parts(name)
    if any(not bare for _, bare in parts):
        raise ValueError(f"table {name!r} (--table) has an empty part; a table is name or schema.name")
    if len(parts) > 2:
        written = [w for w, _ in parts]
        first, last = written[0], written[-1]
        raise ValueError(
            f"table {name!r} (--table) has {len(parts) - 1} dots outside quotes; a table is name or"
            " schema.name: quote a name that holds a dot as SQL does, e.g."
            f" {first}.{_quote('.'.join(written[1:]))} or {_quote('.'.join(written[:-1]))}.{last}"
        )
    if len(parts) == 1:
        return None, parts[0][1]
    return parts[0][1], parts[1][1]


class Table:
    """The statements rebake runs on one table (``name`` or ``schema.name``, see
    :func:`table_name`) with its columns, writing what they take (``shapes``, see ``_columns``)."""

    def __init__(self, name: str, columns: Columns, shapes: Shapes | None = None) -> None:
        schema, bare = table_name(name)
        self.schema = schema
        self.bare = bare
        self.name = name
        self.columns = columns
        self.shapes = shapes = shapes if shapes is not None else Shapes()
        self.table = sa.table(
            _quoted(bare),
            sa.column(_quoted(columns.id)),
            sa.column(_quoted(columns.raw), sa.UnicodeText),
            sa.column(_quoted(columns.format), sa.Unicode),
            sa.column(_quoted(columns.cooked), _written(shapes.cooked.binary, sa.UnicodeText)),
            sa.column(_quoted(columns.fingerprint), _written(shapes.fingerprint.binary, sa.Unicode)),
            schema=_quoted(schema) if schema is not None else None,
        )
        c = self.table.c
        self.id = c[columns.id]
        self.raw = c[columns.raw]
        self.format = c[columns.format]
        self.cooked = c[columns.cooked]
        self.fingerprint = c[columns.fingerprint]

    def stale(self, fingerprint: str) -> sa.ColumnElement[bool]:
        """Rows whose fingerprint is NULL or another (as stored: text or bytes, see ``_columns``)."""
        if self.shapes.either:
            either = [sa.literal(fingerprint, sa.Unicode), sa.literal(fingerprint.encode(), sa.LargeBinary)]
            return sa.or_(self.fingerprint.is_(None), self.fingerprint.not_in(either))
        return sa.or_(self.fingerprint.is_(None), self.fingerprint != self._stored(fingerprint))

    def _stored(self, fingerprint: str) -> str | bytes:
        return self.shapes.fingerprint.value(fingerprint)

    def stale_without_id(self, conn: Connection, fingerprint: str) -> int:
        """Stale rows whose id is NULL: no range can name them, so they are reported, not read."""
        query = sa.select(sa.func.count()).select_from(self.table)
        return int(conn.execute(query.where(self.id.is_(None), self.stale(fingerprint))).scalar_one())

    def count(self, conn: Connection, fingerprint: str) -> tuple[int, int]:
        """(rows, stale rows) of the table."""
        stale = sa.func.sum(sa.case((self.stale(fingerprint), 1), else_=0))
        rows, stale_rows = conn.execute(sa.select(sa.func.count(), stale).select_from(self.table)).one()
        return int(rows), int(stale_rows or 0)

    def stale_ranges(
        self, engine: Engine, fingerprint: str, size: int
    ) -> Iterator[tuple[Any, Any, list[Any]]]:
        """``(first id, last id, ids)`` of each page of ``size`` stale rows, by keyset on the id.

        Each page is read in its own short transaction, so the scan holds no lock while the
        workers write.
        """
        last: Any = None
        while True:
            query = (
                sa.select(self.id)
                .where(self.id.is_not(None), self.stale(fingerprint))
                .order_by(self.id)
                .limit(size)
            )
            if last is not None:
                query = query.where(self.id > _as_stored(last))
            with engine.connect() as conn:
                ids = list(conn.execute(query).scalars())
            if not ids:
                return
            yield ids[0], ids[-1], ids
            last = ids[-1]

    def stale_ids(self, conn: Connection, first: Any, last: Any, fingerprint: str) -> list[Any]:
        """The ids of the stale rows with ``first <= id <= last``, by id (no post body)."""
        query = sa.select(self.id).where(*self._between(first, last), self.stale(fingerprint))
        return list(conn.execute(query.order_by(self.id)).scalars())

    def _between(self, first: Any, last: Any) -> tuple[sa.ColumnElement[bool], ...]:
        return (self.id >= _as_stored(first), self.id <= _as_stored(last))

    def found(self, conn: Connection, row_id: Any, fingerprint: str) -> bool | None:
        """Whether the row ``row_id`` (as read) is stale; None when that id finds no row."""
        query = sa.select(self.stale(fingerprint)).where(self.id == _as_stored(row_id)).limit(1)
        stale = conn.execute(query).scalar()
        return None if stale is None else bool(stale)

    def rows(self, conn: Connection, first: Any, last: Any, fingerprint: str) -> list[tuple[Any, Any, Any]]:
        """``(id, raw, format)`` of the stale rows with ``first <= id <= last``, by id."""
        query = (
            sa.select(self.id, self.raw, self.format)
            .where(*self._between(first, last), self.stale(fingerprint))
            .order_by(self.id)
        )
        return [(row_id, raw, fmt) for row_id, raw, fmt in conn.execute(query)]

    def write(self, conn: Connection, row_id: Any, raw: Any, fmt: Any, cooked: str, fingerprint: str) -> bool:
        """Store ``cooked`` for the row if its ``raw`` and ``format`` are still the ones
        rendered; whether they were.

        The guard (``WHERE id = :id AND raw = :raw AND format IS NOT DISTINCT FROM :format``)
        keeps an edit made while the row was rendering, of its text or of its format alone:
        that edit's own render (or the next rebake) wins, never this stale output. ``raw`` and
        ``fmt`` are the values as read, bytes included, and are compared as such.
        """
        done = conn.execute(
            sa.update(self.table)
            .where(
                self.id == _as_stored(row_id),
                self.raw == _as_stored(raw),
                self.format.is_not_distinct_from(_as_stored(fmt)),
            )
            .values(
                {
                    self.columns.cooked: self.shapes.cooked.value(cooked),
                    self.columns.fingerprint: self.shapes.fingerprint.value(fingerprint),
                }
            )
        )
        return bool(done.rowcount)
