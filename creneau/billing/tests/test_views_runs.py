"""Pages of the billing run: the form, the preview (queries bounded), unticking, issuing,
the progress and the summary; other roles refused."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from creneau.billing.models import BillingRun, Invoice
from creneau.billing.runs import billing_run_create, billing_run_execute
from creneau.billing.tests.runs_helpers import (
    MONTH_END,
    MONTH_START,
    customer_with_sites,
    done_visit,
    hourly_service,
    visit_service,
)

pytestmark = pytest.mark.django_db


def make_customers(count: int) -> list:
    hourly, visits = hourly_service(), visit_service()
    customers = []
    for _index in range(count):
        customer, (site_a, site_b) = customer_with_sites(["A", "B"])
        done_visit(site_a, hourly, date(2026, 3, 3))
        done_visit(site_a, visits, date(2026, 3, 5))
        done_visit(site_b, hourly, date(2026, 3, 4))
        customers.append(customer)
    return customers


def test_the_form_defaults_to_last_month(client_for, direction):
    response = client_for(direction).get(reverse("billing:run_new"))
    assert response.status_code == 200
    form = response.context["form"]
    start, end = form.initial["period_start"], form.initial["period_end"]
    assert start.day == 1 and end.month == start.month and (end + timedelta(days=1)).day == 1
    assert "Nouvelle facturation" in response.content.decode()


def test_the_form_makes_a_preview_and_nothing_numbered(client_for, direction):
    customers = make_customers(2)
    response = client_for(direction).post(
        reverse("billing:run_new"),
        {"period_start": "2026-03-01", "period_end": "2026-03-31",
         "customer_codes": customers[0].code},
    )  # fmt: skip
    run = BillingRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("billing:run_detail", args=[run.pk])
    assert run.items.count() == 2
    assert Invoice.objects.count() == 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"period_start": "2026-03-31", "period_end": "2026-03-01"}, "ne peut précéder"),
        ({"period_start": "2025-01-01", "period_end": "2026-03-01"}, "au plus un an"),
        (
            {"period_start": "2026-03-01", "period_end": "2026-03-31", "customer_codes": "ZZZ9"},
            "Codes clients inconnus : ZZZ9",
        ),
        ({"period_start": "2026-02-30", "period_end": "2026-03-31"}, "date valide"),
        ({"period_start": "9999-12-01", "period_end": "9999-12-31"}, "de 2000 à 2099"),
    ],
)
def test_the_form_refuses_bad_input_at_the_field(client_for, direction, data, message):
    response = client_for(direction).post(reverse("billing:run_new"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert BillingRun.objects.count() == 0


def test_preview_queries_do_not_grow_with_the_invoices(client_for, direction,
                                                       django_assert_max_num_queries):  # fmt: skip
    make_customers(3)
    run = billing_run_create(by=direction, period_start=MONTH_START, period_end=MONTH_END)
    client = client_for(direction)
    url = reverse("billing:run_detail", args=[run.pk])
    with django_assert_max_num_queries(8):
        small = client.get(url)
    make_customers(12)
    bigger = billing_run_create(by=direction, period_start=MONTH_START, period_end=MONTH_END)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("billing:run_detail", args=[bigger.pk]))
    page = response.content.decode()
    assert small.status_code == response.status_code == 200
    assert page.count('class="app-card p-3 mb-2 billing-run-item') == 30
    assert "Émettre" in page and "Envoyer par e-mail" in page
    assert "Entretien des bureaux \u2013 03/03/2026" in page


def test_untick_an_invoice_and_a_line_then_issue(client_for, direction):
    kept, left_out = make_customers(2)
    run = billing_run_create(by=direction, period_start=MONTH_START, period_end=MONTH_END)
    client = client_for(direction)
    item = run.items.get(customer=left_out, billing_group="A")
    url = reverse("billing:run_item", args=[run.pk, item.pk])
    response = client.post(url, {}, HTTP_HX_REQUEST="true")  # unticked: no "included"
    assert response.status_code == 200
    assert 'hx-swap-oob="true"' in response.content.decode()
    item.refresh_from_db()
    assert item.excluded
    kept_item = run.items.get(customer=kept, billing_group="A")
    key = kept_item.proposal["lines"][1]["key"]
    client.post(reverse("billing:run_item", args=[run.pk, kept_item.pk]), {"line": key})
    kept_item.refresh_from_db()
    assert kept_item.proposal["lines"][1]["excluded"] and not kept_item.excluded
    assert kept_item.total_net == 50  # the hourly line only

    response = client.post(reverse("billing:run_issue", args=[run.pk]), {"send": "1"})
    assert response.status_code == 302
    run.refresh_from_db()
    assert (run.status, run.send, run.progress_total) == ("issuing", True, 3)
    page = client.get(reverse("billing:run_detail", args=[run.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in page and "0 sur 3 factures" in page
    billing_run_execute(run_id=run.pk)
    progress = client.get(reverse("billing:run_progress", args=[run.pk]), HTTP_HX_REQUEST="true")
    assert progress["HX-Redirect"] == reverse("billing:run_detail", args=[run.pk])
    summary = client.get(reverse("billing:run_detail", args=[run.pk]))
    assert summary.context["figures"]["issued"] == 3
    assert summary.context["figures"]["to_post"] == 3  # no e-mail anywhere
    assert 'id="summary-to-post">3<' in summary.content.decode()
    # Issued: nothing to untick any more.
    assert client.post(url, {"included": "1"}).status_code == 422


@pytest.mark.parametrize(
    ("role", "status"),
    # A sales rep reads invoices but issues none: 403. Planning reads no invoice: 404, as
    # on every invoice page. An intervenant is stopped before (its allowlist): 403.
    [("rep", 403), ("planner", 404), ("field_worker", 403)],
)
def test_other_roles_are_refused(client_for, direction, role, status, request):
    make_customers(1)
    run = billing_run_create(by=direction, period_start=MONTH_START, period_end=MONTH_END)
    client = client_for(request.getfixturevalue(role))
    assert client.get(reverse("billing:run_new")).status_code == status
    assert client.get(reverse("billing:run_detail", args=[run.pk])).status_code == status
    assert client.post(reverse("billing:run_issue", args=[run.pk])).status_code == status
    assert BillingRun.objects.get().status == "preview"


def test_accountant_may_run_and_anonymous_goes_to_login(client, client_for, accountant):
    assert client_for(accountant).get(reverse("billing:run_new")).status_code == 200
    response = client.get(reverse("billing:run_new"))
    assert response.status_code == 302 and "login" in response["Location"]
    assert client_for(accountant).get(reverse("billing:run_detail", args=[999])).status_code == 404
