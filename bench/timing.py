"""Server time of a search, three ways: the selector and paginator alone, the list page and
the API, both through Django's test client (in-process: no network, no browser)."""

from __future__ import annotations

import logging
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import User
from django.core.paginator import Paginator
from django.test import Client

from bench.figures import Percentiles
from creneau.core.services import api_token_create
from creneau.customers.selectors import customers_filter

PAGE_URL = "/customers/"
API_URLS = ["/api/v1/customers", "/api/v1/customers/"]


@dataclass
class Result(Percentiles):
    case: str
    path: str
    user: str
    times_ms: list[float]
    matches: list[int] = field(default_factory=list)
    target_ms: float | None = None

    @property
    def median_matches(self) -> int | None:
        return round(statistics.median(self.matches)) if self.matches else None

    @property
    def passed(self) -> bool | None:
        return None if self.target_ms is None else self.p95 <= self.target_ms


class Skip(Exception):
    """This way of asking does not exist in this build (the URL answers 404)."""


def selector_runner(user: User) -> Callable[[dict], int]:
    """customers_filter + Paginator page with its count, as the list page does it."""

    def run(params: dict) -> int:
        fresh = User.objects.get(pk=user.pk)  # a request loads its user and role afresh
        customers = customers_filter(user=fresh, filters=params)
        page = Paginator(customers, settings.CUSTOMERS_PAGE_SIZE).get_page(params.get("page"))
        list(page.object_list)
        return page.paginator.count

    return run


def page_runner(user: User, headers: dict | None = None) -> Callable[[dict], int | None]:
    client = Client()
    client.force_login(user)

    def run(params: dict) -> int:
        response = client.get(PAGE_URL, params, headers=headers or {})
        if response.status_code == 404:
            raise Skip(f"{PAGE_URL} répond 404")
        if response.status_code != 200:
            raise RuntimeError(f"{PAGE_URL} {params}: HTTP {response.status_code}")
        return None  # the HTML does not say it in a known way; the selector's line does

    return run


def typing_runner(user: User) -> Callable[[dict], int | None]:
    """The request sent as one types in the list's search box: only the results table."""
    return page_runner(user, headers={"HX-Request": "true", "HX-Target": "customer-results"})


def api_runner(user: User) -> Callable[[dict], int]:
    client = Client()
    headers = {"Authorization": f"Bearer {api_token_create(user=user, name='bench')}"}
    logging.getLogger("django.request").setLevel(logging.ERROR)  # the probes' "Not Found"
    for url in API_URLS:
        if client.get(url, {"q": "x"}, headers=headers).status_code != 404:
            break
    else:
        raise Skip(f"{API_URLS[0]} répond 404 (l'API clients n'est pas dans cette branche)")

    def run(params: dict) -> int:
        query = {key: value for key, value in params.items() if key != "page"}
        if "page" in params:
            query["offset"] = str((int(params["page"]) - 1) * settings.CUSTOMERS_PAGE_SIZE)
        response = client.get(url, query, headers=headers)
        if response.status_code != 200:
            raise RuntimeError(f"{url} {query}: HTTP {response.status_code}")
        return response.json()["count"]

    return run


RUNNERS: dict[str, Callable[[User], Callable[[dict], int]]] = {
    "sélecteur": selector_runner,
    "page": page_runner,
    "frappe": typing_runner,
    "api": api_runner,
}


def measure(
    run: Callable[[dict], int | None], params: list[dict], requests: int
) -> tuple[list, list]:
    """Time `requests` calls, cycling through `params`, after one untimed warm-up round."""
    for query in params:
        run(query)
    times, matches = [], []
    for number in range(requests):
        query = params[number % len(params)]
        started = time.perf_counter()
        count = run(query)
        times.append((time.perf_counter() - started) * 1000)
        if count is not None:
            matches.append(count)
    return times, matches
