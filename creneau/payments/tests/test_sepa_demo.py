"""The demo's SEPA batches (demo_batches.demo_sepa_batches): last month's, transmitted, with
one debit rejected AM04; next week's, prepared; both files valid against the XSD."""

from __future__ import annotations

import pytest
from django.utils import timezone

from creneau.core.demo import DemoContext
from creneau.customers.models import Customer
from creneau.customers.tests.factories import CustomerFactory
from creneau.payments.demo_batches import demo_sepa_batches
from creneau.payments.models import Mandate, SepaBatch, SepaItemStatus
from creneau.payments.sepa_batches import sepa_batch_xml
from creneau.payments.sepa_xml import pain_errors

pytestmark = pytest.mark.django_db


def test_demo_batches(direction):
    for index in range(4):
        CustomerFactory(kind=Customer.Kind.INDIVIDUAL, email=f"demo{index}@example.fr")
    context = DemoContext(users={"direction": direction})
    message = demo_sepa_batches(context=context)
    assert "transmise" in message and "préparée" in message, message
    assert Mandate.objects.count() == 4
    today = timezone.localdate()
    past, upcoming = SepaBatch.objects.order_by("collection_date")
    assert past.status == "transmitted" and past.collection_date < today
    assert (today - past.collection_date).days >= 25
    rejected = past.items.get(status=SepaItemStatus.REJECTED)
    assert rejected.reject_code == "AM04"
    assert past.items.filter(status=SepaItemStatus.COLLECTED).count() >= 1
    assert upcoming.status == "prepared" and (upcoming.collection_date - today).days >= 6
    # The rejected invoice is debited again next week.
    assert upcoming.items.filter(invoice=rejected.invoice).exists()
    for batch in (past, upcoming):
        assert pain_errors(sepa_batch_xml(batch), batch.pain_version) == []
    assert "déjà présentes" in demo_sepa_batches(context=context)
