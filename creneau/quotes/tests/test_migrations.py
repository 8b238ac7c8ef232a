"""The data migration that gave existing quotes the "finalised" status."""

from __future__ import annotations

import importlib
from datetime import timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.utils import timezone

from creneau.core.models import OutboxEmail
from creneau.quotes.models import Quote
from creneau.quotes.tests.factories import QuoteFactory

migration = importlib.import_module("creneau.quotes.migrations.0006_quotes_unsent_are_finalised")


@pytest.mark.django_db
def test_numbered_quotes_none_of_whose_emails_left_become_finalised():
    def numbered(number: str, sent_at=None) -> Quote:
        return QuoteFactory(number=number, status="sent", sent_at=sent_at, total_net=Decimal(1))

    never_sent = numbered("D-2025-00001")
    queued_only = numbered("D-2025-00002", sent_at=timezone.now())  # the old "sent": queued
    left = numbered("D-2025-00003", sent_at=timezone.now())
    accepted = QuoteFactory(number="D-2025-00004", status="accepted")
    left_at = timezone.now() - timedelta(days=2)
    for quote, status, sent_at in ((queued_only, "failed", None), (left, "sent", left_at)):
        OutboxEmail.objects.create(to=["a@example.fr"], from_email="x@example.fr", subject="s",
                                   body="b", status=status, sent_at=sent_at,
                                   related_type="quote", related_id=str(quote.pk))  # fmt: skip
    migration.unsent_become_finalised(apps, None)
    statuses = {q.number: (q.status, q.sent_at) for q in Quote.objects.all()}
    assert statuses[never_sent.number] == ("finalised", None)
    assert statuses[queued_only.number] == ("finalised", None)
    assert statuses[left.number] == ("sent", left_at)
    assert statuses[accepted.number][0] == "accepted"
