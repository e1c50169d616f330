"""Set-based writes the ORM has no single statement for."""

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import connection
from django.db.models import Model
from django.db.models.expressions import DatabaseDefault
from django.utils import timezone


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


def rows_insert(
    *, objs: Sequence[Model], on_conflict: str = "", returning: Sequence[str] = ("id",)
) -> list[tuple[Any, ...]]:
    """``INSERT INTO table (...) SELECT ... FROM unnest(...)``: unsaved instances of one model,
    one statement, one array parameter per column.

    Django's ``bulk_create`` sends a placeholder per value: 10,000 tasks are 280,000 of them,
    and Django compiling them and psycopg splitting the statement took seconds. Here the values
    travel as arrays, taken straight from the instances' attributes (plain ids, strings,
    numbers, aware datetimes; ``auto_now``/``auto_now_add`` fields are stamped as ``save`` would).
    Fields every object leaves to its ``db_default`` are left to the database.

    ``on_conflict`` is appended as is (``"ON CONFLICT (origin_key) DO NOTHING"``). Returns the
    ``returning`` columns of the rows inserted, in the order of ``objs``; rows skipped by the
    conflict clause are missing. The instances' primary keys are not set here.
    """
    if not objs:
        return []
    meta = objs[0]._meta
    now = timezone.now()
    columns, types, values = [], [], []
    for field in meta.concrete_fields:
        if field.primary_key or field.generated:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            for obj in objs:
                setattr(obj, field.attname, now)
        column = [getattr(obj, field.attname) for obj in objs]
        defaults = sum(isinstance(value, DatabaseDefault) for value in column)
        if defaults == len(column):
            continue  # the database fills it in
        if defaults:
            raise ValueError(f"{field.name}: set on some objects, left to db_default on others")
        columns.append(field.column)
        types.append(field.db_type(connection))
        values.append(column)
    quote = connection.ops.quote_name
    aliases = [f"c{index}" for index in range(len(columns))]
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(c) for c in columns)}) "
        f"SELECT {', '.join(aliases)} "
        f"FROM unnest({', '.join(f'%s::{t}[]' for t in types)}) "
        f"WITH ORDINALITY AS new({', '.join(aliases)}, ordinality) ORDER BY ordinality "
        f"{on_conflict} RETURNING {', '.join(quote(c) for c in returning)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        return cursor.fetchall()
