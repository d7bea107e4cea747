"""What the ``cooked`` and fingerprint columns take: text or bytes, and how much.

A forum may keep the rendered HTML and its fingerprint in any text-ish or bytes-ish column:
``text``, ``varchar(n)``, ``char(n)``, a PostgreSQL ``bytea``, a SQLite column declared
``BLOB``. Rebake reads the column types once, in the driver, before anything runs, and then

- writes UTF-8 bytes to a binary column and text to any other (a SQLite column with no
  declared type, BLOB affinity, gets text: what SQLite hands back to the forum as it wrote it);
- compares the fingerprint as the column stores it (on SQLite, where any column holds any type,
  a fingerprint stored as text or as bytes is current either way);
- refuses, with a :class:`RebakeError` naming the column and the fix, a fingerprint column too
  short for the fingerprint or a column of a type that holds no text (an ``integer``);
- leaves the length of each rendered post to the worker (:meth:`Storage.too_long`): a post too
  long for a ``varchar(n)`` column is a failed row that says how to widen it, not the end of
  the run. SQLite enforces no declared length, so there it has none.

The id, ``raw`` and ``format`` columns are only read: their values are taken as read (bytes
decoded, see ``_work.text_of``) and only their presence is checked here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from composer.rebake._errors import RebakeError

__all__ = ["FLAGS", "Shapes", "Storage", "qualified", "shapes_of"]

#: each column's field of ``Columns`` -> its flag of ``composer rebake``
FLAGS = {
    "id": "--id-column",
    "raw": "--raw-column",
    "format": "--format-column",
    "cooked": "--cooked-column",
    "fingerprint": "--fingerprint-column",
}


@dataclass(frozen=True)
class Storage:
    """How one written column stores a value: ``binary`` (UTF-8 bytes) or text, at most
    ``length`` characters (bytes, when binary; None: no limit); ``declared`` is its type as the
    database names it and ``widen`` the advice for a value too long, both for messages."""

    name: str = ""
    flag: str = ""
    binary: bool = False
    length: int | None = None
    declared: str = ""
    widen: str = ""

    def value(self, text: str) -> str | bytes:
        """``text`` as this column takes it."""
        return text.encode() if self.binary else text

    def too_long(self, text: str, what: str) -> str | None:
        """Why ``text`` does not fit this column, or None when it does."""
        if self.length is None:
            return None
        size = len(text.encode()) if self.binary else len(text)
        if size <= self.length:
            return None
        unit = "bytes" if self.binary else "characters"
        return (
            f"{what} is {size} {unit}, more than the column {self.name!r} ({self.flag}) holds"
            f" ({self.declared}): {self.widen}"
        )


@dataclass(frozen=True)
class Shapes:
    """What the two written columns take; ``either``: a fingerprint stored as text or as bytes
    is current (SQLite, where a column of any declared type holds both)."""

    cooked: Storage = Storage("cooked", FLAGS["cooked"])
    fingerprint: Storage = Storage("cooked_fingerprint", FLAGS["fingerprint"])
    either: bool = False


def _sqlite_declared(conn: Connection, schema: str | None, bare: str) -> dict[str, str] | None:
    """column -> declared type (``""`` for none) of a SQLite table, or None when there is none."""
    preparer = conn.dialect.identifier_preparer
    where = f"{preparer.quote_identifier(schema)}." if schema is not None else ""
    found = conn.exec_driver_sql(f"PRAGMA {where}table_info({preparer.quote_identifier(bare)})").all()
    return {row[1]: row[2] or "" for row in found} or None


def _reflected(conn: Connection, schema: str | None, bare: str) -> dict[str, Any] | None:
    """column -> type of a table as SQLAlchemy reflects it, or None when it finds no table."""
    try:
        return {c["name"]: c["type"] for c in sa.inspect(conn).get_columns(bare, schema=schema)}
    except sa.exc.NoSuchTableError:
        return None


def _storage(conn: Connection, table: str, column: str, field: str, kind: Any) -> Storage:
    """How ``column`` (the ``field`` of ``Columns``) stores a value: ``kind`` is its SQLite
    declared type (a str), or its reflected SQLAlchemy type."""
    flag = FLAGS[field]
    if isinstance(kind, str):  # SQLite: its declared type, by SQLite's own affinity rule
        return Storage(column, flag, binary="BLOB" in kind.upper(), declared=kind or "no type")
    preparer = conn.dialect.identifier_preparer
    declared = "unknown" if isinstance(kind, sa.types.NullType) else str(kind.compile(dialect=conn.dialect))
    alter = f"widen it, e.g. ALTER TABLE {table} ALTER COLUMN {preparer.quote(column)} TYPE"
    if isinstance(kind, sa.LargeBinary):
        return Storage(column, flag, True, kind.length, declared, f"{alter} bytea")
    if isinstance(kind, (sa.String, sa.types.NullType)):
        length = kind.length if isinstance(kind, sa.String) else None
        return Storage(column, flag, False, length, declared, f"{alter} text")
    what = "cooked" if field == "cooked" else "fingerprint"
    holds = "the rendered HTML" if field == "cooked" else "the fingerprint"
    raise RebakeError(
        f"the {what} column {column!r} ({flag}) is {declared}, which holds no text: name the"
        f" column that holds {holds} (text or bytes), or change its type"
    )


def qualified(schema: str | None, bare: str) -> str:
    """The table's name as SQL writes it, each part always quoted (``"analytics"."my.posts"``)."""

    def quote(part: str) -> str:
        return '"' + part.replace('"', '""') + '"'

    return quote(bare) if schema is None else f"{quote(schema)}.{quote(bare)}"


def _schema_found(conn: Connection, schema: str | None, bare: str) -> str | None:
    """PostgreSQL: the schema the database finds the table in (through the whole
    ``search_path``, where SQLAlchemy looks in the first schema only), None when it finds none."""
    query = sa.text(
        "select n.nspname from pg_class c join pg_namespace n on n.oid = c.relnamespace"
        " where c.oid = to_regclass(:name)"
    )
    found = conn.execute(query, {"name": qualified(schema, bare)}).scalar()
    conn.rollback()  # no transaction stays open
    return None if found is None else str(found)


def shapes_of(
    conn: Connection, schema: str | None, bare: str, name: str, columns: dict[str, str], fingerprint: str
) -> Shapes:
    """The :class:`Shapes` of table ``name`` (``schema``, ``bare``) whose columns are
    ``columns`` (field -> column name). Raises :class:`RebakeError` for a table or a column
    missing, a fingerprint column too short for ``fingerprint``, a written column that holds no
    text. On PostgreSQL the table is the one the database finds, through the whole
    ``search_path``."""
    sqlite = conn.dialect.name == "sqlite"
    types: dict[str, Any] | None
    types = _sqlite_declared(conn, schema, bare) if sqlite else _reflected(conn, schema, bare)
    if types is None and conn.dialect.name == "postgresql":
        found = _schema_found(conn, schema, bare)
        if found is None:
            raise RebakeError(f"no such table {name!r} (--table) in this database")
        types = _reflected(conn, found, bare)
    if types is None:
        if sqlite:
            raise RebakeError(f"no such table {name!r} (--table) in this database")
        return Shapes()  # a database rebake knows no catalog of: its queries will tell
    for field, column in columns.items():
        if column not in types:
            found = ", ".join(repr(other) for other in types)
            raise RebakeError(
                f"no such column {column!r} ({FLAGS[field]}) in table {name!r}; its columns: {found}"
            )
    preparer = conn.dialect.identifier_preparer
    table = preparer.quote(bare) if schema is None else f"{preparer.quote(schema)}.{preparer.quote(bare)}"
    cooked = _storage(conn, table, columns["cooked"], "cooked", types[columns["cooked"]])
    stamp = _storage(conn, table, columns["fingerprint"], "fingerprint", types[columns["fingerprint"]])
    if stamp.length is not None and stamp.length < len(fingerprint):
        unit = "bytes" if stamp.binary else "characters"
        raise RebakeError(
            f"the fingerprint column {stamp.name!r} ({stamp.flag}) holds {stamp.length} {unit}"
            f" ({stamp.declared}), the fingerprint is {len(fingerprint)}: widen it, e.g. ALTER TABLE"
            f" {table} ALTER COLUMN {preparer.quote(stamp.name)} TYPE varchar({len(fingerprint)})"
        )
    return Shapes(cooked, stamp, either=sqlite)
