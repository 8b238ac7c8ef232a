"""NarrowPaginator: deep pages in two queries, the same rows in the same order."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from creneau.core.pagination import NarrowPaginator


@pytest.fixture
def users(db):
    # Names that sort differently from ids, and ties broken by id.
    User.objects.bulk_create(User(username=f"u{(n * 7) % 23:02d}-{n}") for n in range(23))
    return User.objects.order_by("last_name", "-username", "id")


@pytest.mark.parametrize("orphans", [0, 2])
def test_every_page_holds_what_a_plain_paginator_gives(users, orphans):
    narrow = NarrowPaginator(users, 5, orphans=orphans)
    narrow.narrow_from_offset = 5  # from the second page on
    plain = Paginator(users, 5, orphans=orphans)
    assert narrow.num_pages == plain.num_pages
    for number in plain.page_range:
        assert list(narrow.page(number)) == list(plain.page(number))


def test_a_deep_page_costs_two_queries_and_the_first_pages_one(users):
    paginator = NarrowPaginator(users, 5)
    paginator.narrow_from_offset = 10
    assert paginator.count == 23
    with CaptureQueriesContext(connection) as first:
        list(paginator.page(2))
    with CaptureQueriesContext(connection) as deep:
        list(paginator.page(4))
    assert len(first) == 1 and len(deep) == 2
