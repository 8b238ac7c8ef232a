"""The rows of the FEC's queries (streaming.py): on PostgreSQL read ahead by a thread, the
same rows as the queryset's; leaving early or failing leaves the connection usable. And the
letter codes past three letters (a large year's)."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection
from django.db.models import F, Value
from django.db.models.functions import Concat

from creneau.accounting.lettering import letter_code
from creneau.accounting.streaming import query_rows
from creneau.customers.models import Customer
from creneau.customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _queryset():
    return (
        Customer.objects.annotate(label=Concat(F("code"), Value("-"), F("name")))
        .order_by("id")
        .values_list("label", "id", "name")
    )


def test_the_rows_are_the_querysets_in_any_chunk_size():
    CustomerFactory.create_batch(7)
    expected = list(_queryset())
    assert len(expected) == 7
    for size in (1, 2, 3, 7, 100):
        assert list(query_rows(_queryset(), size)) == expected


def test_leaving_early_leaves_the_connection_usable():
    CustomerFactory.create_batch(9)
    rows = query_rows(_queryset(), 1)
    first = next(rows)
    rows.close()  # the reading thread ends, its cursor closes
    assert first == next(iter(_queryset()))
    assert Customer.objects.count() == 9
    assert len(list(query_rows(_queryset(), 4))) == 9


@pytest.mark.skipif(connection.vendor != "postgresql", reason="1/0 is NULL on SQLite")
def test_an_error_of_the_query_is_raised_in_the_callers_thread():
    CustomerFactory.create_batch(2)
    broken = Customer.objects.extra(where=["1 / (id - id) = 1"]).values_list("id")
    with pytest.raises(DatabaseError):
        list(query_rows(broken, 10))


def test_letter_codes_up_to_five_letters():
    def reference(number: int) -> str:
        length, block = 2, 26 * 26
        while number >= block:
            number -= block
            length += 1
            block *= 26
        letters = []
        for _ in range(length):
            number, rest = divmod(number, 26)
            letters.append(chr(65 + rest))
        return "".join(reversed(letters))

    for number in [*range(0, 500_000, 97), 18_251, 18_252, 475_227, 475_228]:
        assert letter_code(number) == reference(number)
    assert letter_code(18_252) == "AAAA"
    assert letter_code(475_228) == "AAAAA"
