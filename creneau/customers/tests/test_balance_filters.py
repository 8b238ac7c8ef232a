"""The customer list's balance filters: "avec un solde", "en retard", "en retard de plus de
N jours" (issue 12), on the page and the CSV export, for the roles that see invoices."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from creneau.billing.models import Invoice
from creneau.billing.services import invoice_create, invoice_issue, invoice_line_add
from creneau.catalog.tests.factories import vat_rate
from creneau.customers import selectors
from creneau.customers.tests.api_helpers import errors_by_field, ids
from creneau.customers.tests.factories import CustomerFactory


def issued(customer, by, days_past_due: int | None = None):
    invoice = invoice_create(customer=customer, by=by)
    invoice_line_add(
        invoice=invoice,
        by=by,
        line_type="free",
        description="Entretien des bureaux",
        quantity=Decimal("1"),
        unit="flat",
        unit_price=Decimal("100"),
        vat_rate=vat_rate("20"),
    )
    invoice.refresh_from_db()
    invoice = invoice_issue(invoice=invoice, by=by)
    if days_past_due is not None:
        due = timezone.localdate() - timedelta(days=days_past_due)
        issue = min(due, timezone.localdate())  # a due date never precedes the issue
        Invoice.objects.filter(pk=invoice.pk).update(issue_date=issue, due_date=due)
    return invoice


@pytest.fixture
def debtors(direction):
    paid = CustomerFactory(name="Alpha Soldé")
    issued(paid, direction)
    Invoice.objects.filter(customer=paid).update(amount_due=Decimal("0"))
    draft_only = CustomerFactory(name="Bravo Brouillon")
    invoice_create(customer=draft_only, by=direction)
    return {
        "paid": paid,
        "draft_only": draft_only,
        "not_due": CustomerFactory(name="Charlie Pas Échu"),
        "late_5": CustomerFactory(name="Delta Cinq Jours"),
        "late_40": CustomerFactory(name="Echo Quarante Jours"),
    }


@pytest.fixture
def invoiced(debtors, direction):
    issued(debtors["not_due"], direction, days_past_due=-10)
    issued(debtors["late_5"], direction, days_past_due=5)
    issued(debtors["late_40"], direction, days_past_due=40)
    return debtors


def names(response) -> list[str]:
    return [customer.name for customer in response.context["page"]]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("balance=due", ["Charlie Pas Échu", "Delta Cinq Jours", "Echo Quarante Jours"]),
        ("balance=overdue", ["Delta Cinq Jours", "Echo Quarante Jours"]),
        ("overdue_days=30", ["Echo Quarante Jours"]),
        ("balance=overdue&overdue_days=4", ["Delta Cinq Jours", "Echo Quarante Jours"]),
        ("overdue_days=3650", []),
    ],
)
def test_balance_filters(direction, client_for, invoiced, query, expected):
    assert names(client_for(direction).get(f"/customers/?{query}")) == expected


@pytest.mark.django_db
def test_a_credit_note_due_is_a_balance_but_not_overdue(direction, client_for, invoiced):
    late = Invoice.objects.get(customer=invoiced["late_40"])
    other = Invoice.objects.get(customer=invoiced["not_due"])
    Invoice.objects.filter(pk=late.pk).update(kind="credit_note", credited_invoice=other)
    client = client_for(direction)
    assert "Echo Quarante Jours" in names(client.get("/customers/?balance=due"))
    assert "Echo Quarante Jours" not in names(client.get("/customers/?balance=overdue"))


@pytest.mark.django_db
@pytest.mark.parametrize("bad", ["abc", "0", "3651", "-3", "1e3"])
def test_a_bad_number_of_days_is_ignored_with_a_message(direction, client_for, invoiced, bad):
    response = client_for(direction).get(f"/customers/?overdue_days={bad}")
    assert response.status_code == 200
    assert len(names(response)) == 5  # not filtered
    assert 'class="invalid-feedback' in response.content.decode()


@pytest.mark.django_db
def test_a_bad_balance_value_is_ignored(direction, client_for, invoiced):
    response = client_for(direction).get("/customers/?balance=everything")
    assert response.status_code == 200 and len(names(response)) == 5


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["direction", "accountant"])
def test_invoice_readers_are_offered_the_filters(role, client_for, request):
    html = client_for(request.getfixturevalue(role)).get("/customers/").content.decode()
    assert 'name="balance"' in html and 'name="overdue_days"' in html
    assert "Avec un solde" in html and "En retard" in html


@pytest.mark.django_db
def test_a_planner_is_not_offered_the_filters_and_they_do_nothing(planner, client_for, invoiced):
    response = client_for(planner).get("/customers/?balance=overdue&overdue_days=30")
    html = response.content.decode()
    assert 'name="balance"' not in html and 'name="overdue_days"' not in html
    assert len(names(response)) == 5


@pytest.mark.django_db
def test_a_rep_filters_within_its_customers(rep, direction, client_for, invoiced):
    invoiced["late_40"].sales_rep = rep
    invoiced["late_40"].save()
    assert names(client_for(rep).get("/customers/?balance=overdue")) == ["Echo Quarante Jours"]


@pytest.mark.django_db
def test_the_csv_export_follows_the_filter(direction, client_for, invoiced):
    response = client_for(direction).get("/customers/export.csv?overdue_days=30")
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert [line.split(";")[1] for line in lines[1:]] == ["Echo Quarante Jours"]


@pytest.mark.django_db
def test_the_filtered_list_query_count_does_not_grow(
    direction, client_for, invoiced, django_assert_max_num_queries
):
    client = client_for(direction)
    client.get("/customers/?balance=overdue")  # warm the session and caches
    for customer in CustomerFactory.create_batch(5):
        issued(customer, direction, days_past_due=60)
    # session, user, groups, count, 2 permissions, families, reps, the page: one EXISTS
    # in the count and the page, never a query per customer.
    with django_assert_max_num_queries(9):
        response = client.get("/customers/?balance=overdue&overdue_days=30")
    assert len(names(response)) == 6


@pytest.mark.django_db
def test_the_api_list_filters_on_the_balance(api_for, direction, planner, invoiced):
    def listed(user, **filters) -> set[int]:
        response = api_for(user).get("/api/v1/customers", filters)
        assert response.status_code == 200
        return ids(response)

    late_5, late_40 = invoiced["late_5"].pk, invoiced["late_40"].pk
    assert listed(direction, balance="due") == {invoiced["not_due"].pk, late_5, late_40}
    assert listed(direction, balance="overdue") == {late_5, late_40}
    assert listed(direction, overdue_days=30) == {late_40}
    assert len(listed(planner, balance="overdue")) == 5  # planners do not see balances


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"), [("balance", "x"), ("overdue_days", "0"), ("overdue_days", "abc")]
)
def test_the_api_refuses_a_bad_balance_filter(api_for, direction, field, value):
    response = api_for(direction).get("/api/v1/customers", {field: value})
    assert response.status_code == 422 and errors_by_field(response)[field]


postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the count's estimate is PostgreSQL's"
)


@postgresql_only
@pytest.mark.django_db
def test_a_balance_filter_counts_exactly_or_says_more_than_never_the_estimate(
    direction, client_for, invoiced, monkeypatch
):
    """The planner once announced "68 745 clients" for 9,500 overdue (docs/payments.md):
    with a balance filter the count is exact up to the limit, "plus de N" beyond."""
    monkeypatch.setattr(selectors, "planner_row_estimate", lambda queryset: 68745)
    monkeypatch.setattr(selectors, "EXACT_COUNT_LIMIT", 2)
    client = client_for(direction)
    response = client.get("/customers/?balance=due")  # 3 customers due
    assert response.context["page"].paginator.count == 3  # the bound: 2 + 1
    assert "Plus de 2 clients" in response.content.decode()
    assert "68" not in response.context["count_label"]
    response = client.get("/customers/?balance=overdue")  # 2 overdue: exact
    assert response.context["count_label"] == "2 clients"
    assert response.context["count_above"] is None
    # Without a balance filter, the estimate stays (a text search's count).
    response = client.get("/customers/")
    assert response.context["page"].paginator.count == 68745
    assert response.context["count_above"] is None
