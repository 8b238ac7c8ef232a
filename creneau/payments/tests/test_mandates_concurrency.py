"""Two offices create a mandate for the same customer at the same moment (PostgreSQL:
SQLite has one writer at a time and proves nothing here): one mandate is made, the other
is told in French, never a 500."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from creneau.payments.mandates import mandate_create
from creneau.payments.models import Mandate
from creneau.payments.tests.mandate_helpers import DEBTOR_IBAN, debtor

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL"
    ),
]
WRITERS = 6


def test_concurrent_creations_make_one_active_mandate(direction):
    customer = debtor()
    barrier = threading.Barrier(WRITERS)
    made, refused, failed = [], [], []

    def write(number: int) -> None:
        try:
            barrier.wait()
            mandate = mandate_create(
                customer=customer, by=direction, iban=DEBTOR_IBAN, rum=f"RUM-{number}"
            )
            made.append(mandate.pk)
        except ValidationError as error:
            refused.append(" ".join(error.messages))
        except Exception as error:  # reported below
            failed.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failed == []
    assert len(made) == 1 and len(refused) == WRITERS - 1
    assert all("déjà un mandat actif" in message for message in refused)
    assert Mandate.objects.filter(customer=customer, status="active").count() == 1
