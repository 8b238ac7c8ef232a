"""Run every case for each way of asking (selector, page, API) and each kind of user."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import User
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench import cases as bench_cases
from bench.generate import bench_users
from bench.timing import RUNNERS, Result, Skip, measure
from creneau.customers.selectors import customers_filter, customers_visible_to

TEXT_SEARCH_TARGET_MS = 30.0


def bench_user(kind: str) -> User:
    """direction sees every customer; commercial is one of the reps (its portfolio only)."""
    director, reps = bench_users()
    return director if kind == "direction" else reps[0]


def run_all(
    *, requests: int, only: str = "", paths: list[str], users: list[str]
) -> tuple[list[Result], list[str]]:
    results: list[Result] = []
    notes: list[str] = []
    for path in paths:
        for user_kind in users:
            user = bench_user(user_kind)
            every_case = [
                *bench_cases.search_cases(customers_visible_to(user)),
                *bench_cases.list_cases(),
            ]
            chosen = [case for case in every_case if only.lower() in case.name.lower()]
            try:
                run = RUNNERS[path](user)
            except Skip as skip:
                notes.append(f"{path} ({user_kind}) ignoré : {skip}")
                break
            for case in chosen:
                try:
                    times, matches = measure(run, case.params, requests)
                except Skip as skip:
                    notes.append(f"{path} ({user_kind}) ignoré : {skip}")
                    break
                target = TEXT_SEARCH_TARGET_MS if case.text_search else None
                result = Result(case.name, path, user_kind, times, matches, target)
                results.append(result)
                print(
                    f"  {path:<9} {user_kind:<10} {case.name:<32} "
                    f"p50 {result.p50:6.1f} ms  p95 {result.p95:6.1f} ms",
                    flush=True,
                )
    return results, notes


def explain(query: str, *, as_rep: bool = False) -> None:
    """EXPLAIN ANALYZE the queries that the list's search makes for `query`."""
    user = User.objects.get(pk=bench_user("commercial" if as_rep else "direction").pk)
    filters = {"q": query} if query else {}
    with CaptureQueriesContext(connection) as captured:
        page = Paginator(customers_filter(user=user, filters=filters), settings.CUSTOMERS_PAGE_SIZE)
        list(page.get_page(1).object_list)
    with connection.cursor() as cursor:
        for executed in captured.captured_queries:
            sql = executed["sql"]
            if not sql.lstrip().upper().startswith("SELECT") or "customers_customer" not in sql:
                continue
            print(f"\n-- {sql}\n")
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
            print("\n".join(row[0] for row in cursor.fetchall()))
