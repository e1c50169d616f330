"""The HTTP benchmark's yardstick (bench/http.py): the least an authenticated API write costs.

Issue 7 compares the handheld's task completion over HTTP with "a minimal Django view doing one
indexed SELECT and one UPDATE in a transaction, served by the same gunicorn set-up". This is
that view. It is mounted only when WMS_BENCH_VIEWS is true (wms/urls.py), which only the
benchmark's own gunicorn sets; production never serves it, and its table (``bench_counter``)
exists only in the throwaway benchmark database.

It pays what every API request pays, so the ratio measures what task completion adds on top:
the same middleware, DRF's request handling and JSON rendering, and the same authentication (a
floor user's ``Authorization: Token`` header, looked up in the database on every request). Its
two statements are raw SQL on a table of its own: no migration for a yardstick, and nothing the
product's models would have to carry.
"""

from django.db import connection, transaction
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

TABLE = "bench_counter"


class MinimalWriteView(APIView):
    """POST: read one counter row by primary key and add one to it, in one transaction."""

    permission_classes = [IsAuthenticated]  # authentication: the API's defaults, token first

    @extend_schema(exclude=True)
    def post(self, request: Request, pk: int) -> Response:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SELECT hits FROM {TABLE} WHERE id = %s", [pk])
            row = cursor.fetchone()
            if row is None:
                return Response({"detail": "No such counter."}, status=404)
            cursor.execute(f"UPDATE {TABLE} SET hits = hits + 1 WHERE id = %s", [pk])
        return Response({"id": pk, "hits": row[0] + 1})
