"""One page of a list in one statement: the rows, and beside them the count of the whole list
and any sums asked for, instead of a COUNT and then the page.

Django's Paginator counts first and slices after: two statements for every list page. Here the
page's statement carries the totals as an uncorrelated scalar subquery, which PostgreSQL runs
once (an InitPlan) with the list's filters and none of the page's joins or sorting, so the page
keeps its own plan. (A window count, ``COUNT(*) OVER ()``, would be simpler SQL, but makes the
database join and number every matching row before it can cut the page: twice as slow on 100,000
quants.) A page number past the end finds no rows to carry the totals: only then is the list
counted and the last page read, as ``Paginator.get_page`` does.
"""

from collections.abc import Sequence
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, F, Func, IntegerField, QuerySet, Subquery, Sum
from django.db.models.functions import JSONObject

TOTALS = "_paging_totals"
LAST_PAGE_NUMBER = 10**9


class _WholeList(Func):
    """COUNT or SUM over every row of the subquery it stands in. Django is told it is no
    aggregate, so it adds no GROUP BY (which would make one total per row)."""

    contains_aggregate = False


def list_totals(queryset: QuerySet, sums: Sequence[str]) -> Subquery:
    """The whole list's count and the sums of ``sums`` (field names), as one JSON object."""
    fields: dict[str, Any] = {"count": _WholeList(template="COUNT(*)", output_field=IntegerField())}
    fields |= {name: _WholeList(F(name), function="SUM") for name in sums}
    return Subquery(queryset.order_by().values(totals=JSONObject(**fields))[:1])


def page_with_totals(
    queryset: QuerySet, number: Any, per_page: int, *, sums: Sequence[str] = ()
) -> tuple[Page, dict[str, int]]:
    """Page ``number`` of ``queryset`` (any input: not a number means the first page), and the
    whole list's totals: ``count`` and each of ``sums`` (0 for an empty list)."""
    paginator = Paginator(queryset, per_page)
    try:
        # Past any real list, and short of an OFFSET PostgreSQL refuses: the last page then.
        wanted = min(max(1, int(number)), LAST_PAGE_NUMBER)
    except (TypeError, ValueError):
        wanted = 1
    start = (wanted - 1) * per_page
    rows = list(
        queryset.annotate(**{TOTALS: list_totals(queryset, sums)})[start : start + per_page]
    )
    if rows:
        found = getattr(rows[0], TOTALS)
        totals = {name: found[name] or 0 for name in ("count", *sums)}
    elif wanted > 1:  # past the end: what Paginator.get_page shows
        figures = queryset.order_by().aggregate(count=Count("*"), **{n: Sum(n) for n in sums})
        totals = {name: figures[name] or 0 for name in ("count", *sums)}
        paginator.count = totals["count"]  # type: ignore[misc]
        return paginator.get_page(wanted), totals
    else:
        totals = dict.fromkeys(("count", *sums), 0)
    paginator.count = totals["count"]  # type: ignore[misc]
    return Page(rows, wanted, paginator), totals
