"""Set-based writes the ORM has no single statement for."""

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import connection


def rows_update(
    *, table: str, ids: Sequence[int], columns: Mapping[str, tuple[str, Sequence[Any]]]
) -> None:
    """``UPDATE table SET col = new.col ... FROM unnest(...)``: many rows, one statement.

    ``columns`` maps a column to (its PostgreSQL type, the new values in ``ids`` order).
    Django's ``bulk_update`` builds a CASE per column instead, whose cost grows with the square
    of the rows. Table and column names come from code, never from input.
    """
    if not ids:
        return
    names = list(columns)
    selects = ", ".join(
        ["unnest(%s::bigint[]) AS id"]
        + [f"unnest(%s::{columns[name][0]}[]) AS {name}" for name in names]
    )
    assignments = ", ".join(f"{name} = new.{name}" for name in names)
    sql = (
        f"UPDATE {table} AS t SET {assignments} FROM (SELECT {selects}) AS new WHERE t.id = new.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [list(ids), *[list(columns[name][1]) for name in names]])
