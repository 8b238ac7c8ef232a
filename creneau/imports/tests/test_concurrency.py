"""On PostgreSQL: two confirmations of one import at once start it once; the progress is
seen by another connection while the import's transaction is still open."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from creneau.imports.models import ImportBatch
from creneau.imports.services import batch_confirm, progress_write
from creneau.imports.tests.helpers import checked, row

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL"
    ),
]


def test_two_confirmations_at_once_start_the_import_once():
    batch = checked([row()])
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def confirm() -> None:
        barrier.wait()
        try:
            batch_confirm(batch=batch, by=None, enqueue=False)
            outcomes.append("started")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=confirm) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused", "started"]
    assert ImportBatch.objects.get(pk=batch.pk).status == "importing"


def test_progress_is_seen_during_the_import_transaction():
    from django.db import transaction

    batch = checked([row()])
    seen: list[int] = []
    with transaction.atomic():
        progress_write(batch.pk, 7, 10)

        def read() -> None:
            seen.append(ImportBatch.objects.get(pk=batch.pk).progress_done)
            connections.close_all()

        reader = threading.Thread(target=read)
        reader.start()
        reader.join()
    assert seen == [7]
