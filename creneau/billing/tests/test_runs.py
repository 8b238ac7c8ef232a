"""Issuing a billing run: complete invoices, exclusions, interruptions and resumption,
nothing billed twice (two runs at once: PostgreSQL), the command."""

from __future__ import annotations

import io
import threading
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections

from creneau.billing import runs, runs_bulk
from creneau.billing.journal import journal_verify
from creneau.billing.models import (
    BilledIntervention,
    BillingRun,
    Invoice,
    InvoiceLine,
    JournalEntry,
)
from creneau.billing.runs import (
    RunInterrupted,
    billing_run_create,
    billing_run_execute,
    billing_run_issue,
)
from creneau.billing.services import invoice_create, invoice_line_add
from creneau.billing.tests.runs_helpers import (
    MONTH_END,
    MONTH_START,
    customer_with_sites,
    done_visit,
    flat_schedule,
    hourly_service,
    visit_service,
)
from creneau.catalog.tests.factories import vat_rate
from creneau.customers.models import InvoiceRecipient
from creneau.planning.models import Intervention

pytestmark = pytest.mark.django_db


def make_customers(count: int, service=None) -> list:
    service = service or visit_service()
    customers = []
    for index in range(count):
        customer, (site_a, site_b) = customer_with_sites(["A", "B"], email=f"c{index}@example.fr")
        done_visit(site_a, service, date(2026, 3, 3))
        done_visit(site_a, service, date(2026, 3, 10))
        done_visit(site_b, service, date(2026, 3, 4))
        customers.append(customer)
    return customers


def new_run(user, **kwargs) -> BillingRun:
    return billing_run_create(by=user, period_start=MONTH_START, period_end=MONTH_END, **kwargs)


def issued(user, run: BillingRun, **kwargs) -> BillingRun:
    billing_run_issue(run=run, by=user, enqueue=False, **kwargs)
    return billing_run_execute(run_id=run.pk)


def assert_complete_and_once() -> None:
    """Every invoice issued, numbered without gap, with its lines, links and journal
    entry; every visit billed at most once; the journal's chain holds."""
    invoices = list(Invoice.objects.order_by("number"))
    assert all(invoice.status == Invoice.Status.ISSUED for invoice in invoices)
    numbers = [int(invoice.number.rsplit("-", 1)[1]) for invoice in invoices]
    assert numbers == list(range(1, len(invoices) + 1))
    for invoice in invoices:
        lines = list(invoice.lines.all())
        assert lines and invoice.total_gross == invoice.totals(lines).gross > 0
        assert BilledIntervention.objects.filter(line__invoice=invoice).exists()
    assert JournalEntry.objects.count() == len(invoices)
    assert journal_verify().ok
    done = Intervention.objects.filter(status=Intervention.Status.DONE).count()
    assert BilledIntervention.objects.count() == done
    assert len(set(BilledIntervention.objects.values_list("intervention_id", flat=True))) == done


def test_issuing_makes_complete_frozen_invoices(direction):
    service = hourly_service()
    customer, (site_1, site_2) = customer_with_sites(["A", "A"], email="")
    done_visit(site_1, service, date(2026, 3, 3))
    done_visit(site_2, service, date(2026, 3, 5))
    run = issued(direction, new_run(direction))
    assert run.status == BillingRun.Status.ISSUED
    assert (run.progress_done, run.progress_total) == (1, 1)
    invoice = Invoice.objects.get()
    assert invoice.number.startswith("F-") and invoice.billing_run == run
    assert invoice.customer_name == customer.name
    assert [site["id"] for site in invoice.site_addresses] == [site_1.pk, site_2.pk]
    assert set(invoice.sites.values_list("pk", flat=True)) == {site_1.pk, site_2.pk}
    assert (invoice.period_start, invoice.period_end) == (MONTH_START, MONTH_END)
    assert invoice.needs_posting  # no e-mail anywhere: to be posted
    lines = list(invoice.lines.all())
    # Two sites: a section title for each, then its lines.
    assert [line.line_type for line in lines] == ["section", "service", "section", "service"]
    assert lines[0].description == site_1.name
    assert invoice.total_gross == Decimal("120.00")
    assert invoice.amount_due == invoice.total_gross
    assert_complete_and_once()


def test_recipients_decide_what_is_posted(direction):
    service = visit_service()
    customer, (site_a, site_b) = customer_with_sites(["A", "B"], email="")
    InvoiceRecipient.objects.create(customer=customer, billing_group="B", email="b@example.fr")
    done_visit(site_a, service, date(2026, 3, 3))
    done_visit(site_b, service, date(2026, 3, 3))
    issued(direction, new_run(direction))
    posted = dict(Invoice.objects.values_list("billing_group", "needs_posting"))
    assert posted == {"A": True, "B": False}


def test_unticked_customers_and_lines_stay_to_bill(direction):
    hourly, visits = hourly_service(), visit_service()
    kept, (site,) = customer_with_sites(["A"])
    left_out, (other_site,) = customer_with_sites(["A"])
    done_visit(site, hourly, date(2026, 3, 3))
    window = done_visit(site, visits, date(2026, 3, 4))
    done_visit(other_site, hourly, date(2026, 3, 3))
    run = new_run(direction)
    item = run.items.get(customer=kept)
    window_key = next(line["key"] for line in item.proposal["lines"] if line["unit"] == "visit")
    issued(
        direction,
        run,
        excluded_customer_ids=[left_out.pk],
        excluded_lines=[(item.pk, window_key)],
    )
    invoice = Invoice.objects.get()
    assert invoice.customer == kept
    assert invoice.lines.count() == 1
    assert not BilledIntervention.objects.filter(intervention=window).exists()
    again = new_run(direction)
    assert {item.customer_id for item in again.items.all()} == {kept.pk, left_out.pk}


def test_flat_fee_is_billed_once_across_runs(direction):
    service = hourly_service()
    _customer, (site,) = customer_with_sites(["A"])
    schedule = flat_schedule(site, service, "250.00")
    for day in (date(2026, 3, 2), date(2026, 3, 9)):
        done_visit(site, service, day, schedule=schedule, occurrence_date=day)
    issued(direction, new_run(direction))
    line = InvoiceLine.objects.get(flat_schedule=schedule)
    assert (line.flat_month, line.net) == (date(2026, 3, 1), Decimal("250.00"))
    assert line.billed_interventions.count() == 2
    # A visit done later that month: the month's fee is billed already.
    day = date(2026, 3, 16)
    done_visit(site, service, day, schedule=schedule, occurrence_date=day)
    assert new_run(direction).items.count() == 0


def test_two_previews_of_the_same_period_bill_once(direction):
    make_customers(3)
    first, second = new_run(direction), new_run(direction)
    issued(direction, first)
    second = issued(direction, second)
    assert second.status == BillingRun.Status.ISSUED
    assert Invoice.objects.count() == 6
    assert all(item.proposal.get("emptied") for item in second.items.all())
    assert second.progress_done == second.progress_total == 6
    assert_complete_and_once()


def test_interrupted_batch_leaves_nothing_half_made_and_resumes(direction, monkeypatch, settings):
    make_customers(4)  # 8 proposed invoices
    settings.BILLING_RUN_BATCH_SIZE = 3
    calls = {"count": 0}
    journal = runs_bulk._Batch._journal

    def dies_on_second_batch(self, invoices):
        calls["count"] += 1
        if calls["count"] == 2:
            raise KeyboardInterrupt  # the worker is killed: not an error to recover from
        return journal(self, invoices)

    monkeypatch.setattr(runs_bulk._Batch, "_journal", dies_on_second_batch)
    run = new_run(direction)
    billing_run_issue(run=run, by=direction, enqueue=False)
    with pytest.raises(KeyboardInterrupt):
        billing_run_execute(run_id=run.pk)
    assert Invoice.objects.count() == 3  # the first batch; nothing of the second
    assert_complete_and_once_so_far()
    run.refresh_from_db()
    assert (run.status, run.progress_done) == (BillingRun.Status.ISSUING, 3)
    billing_run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert (run.status, run.progress_done, run.progress_total) == ("issued", 8, 8)
    assert Invoice.objects.count() == 8
    assert_complete_and_once()


def assert_complete_and_once_so_far() -> None:
    for invoice in Invoice.objects.all():
        assert invoice.status == Invoice.Status.ISSUED
        assert invoice.lines.exists() and invoice.journal_entries.count() == 1
    ids = list(BilledIntervention.objects.values_list("intervention_id", flat=True))
    assert len(ids) == len(set(ids))
    assert journal_verify().ok


def test_interrupt_after_then_execute_again_issues_what_is_left(direction, monkeypatch, settings):
    make_customers(3)
    settings.BILLING_RUN_BATCH_SIZE = 2
    run = new_run(direction)
    billing_run_issue(run=run, by=direction, enqueue=False)
    with pytest.raises(RunInterrupted):
        billing_run_execute(run_id=run.pk, interrupt_after=4)
    assert Invoice.objects.count() == 4
    billing_run_execute(run_id=run.pk)
    billing_run_execute(run_id=run.pk)  # once more: nothing left, nothing twice
    assert Invoice.objects.count() == 6
    assert_complete_and_once()


def test_a_failed_batch_is_made_item_by_item(direction, monkeypatch):
    customers = make_customers(2)
    run = new_run(direction)
    # Meanwhile, a manual billing takes one visit of the first customer's group A.
    item = run.items.get(customer=customers[0], billing_group="A")
    taken = item.proposal["lines"][0]["visits"][0][0]
    draft = invoice_create(customer=customers[0], by=direction)
    line = invoice_line_add(
        invoice=draft, by=direction, line_type="free", description="Passage",
        unit_price=Decimal(1), vat_rate=vat_rate("20"),
    )  # fmt: skip
    BilledIntervention.objects.create(intervention_id=taken, line=line, date=date(2026, 3, 3))

    def broken(*args, **kwargs):
        raise RuntimeError("batch path broken")

    monkeypatch.setattr(runs_bulk, "execute_batch", broken)
    run = issued(direction, run)
    assert run.status == BillingRun.Status.ISSUED
    assert Invoice.objects.filter(billing_run=run).count() == 4
    item.refresh_from_db()
    assert item.invoice.lines.get().quantity == Decimal(1)  # the other visit only
    assert item.invoice.lines.get().billed_interventions.count() == 1


def test_issue_twice_is_refused(direction):
    make_customers(1)
    run = issued(direction, new_run(direction))
    with pytest.raises(Exception, match="déjà émise"):
        billing_run_issue(run=run, by=direction)


def test_the_issue_queues_the_task(direction, django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    make_customers(1)
    run = new_run(direction)
    with django_capture_on_commit_callbacks(execute=True):
        billing_run_issue(run=run, by=direction, send=True)
    task = DBTaskResult.objects.get(task_path__endswith="execute_billing_run")
    assert task.args_kwargs["args"] == [run.pk]


def test_command_previews_then_issues(direction):
    customers = make_customers(2)
    output = io.StringIO()
    call_command("billing_run", "--start", "2026-03-01", "--end", "2026-03-31", stdout=output)
    assert "4 facture(s) proposée(s)" in output.getvalue()
    assert Invoice.objects.count() == 0
    call_command(
        "billing_run", "--start", "2026-03-01", "--end", "2026-03-31",
        "--customer", str(customers[0].pk), "--issue", stdout=output,
    )  # fmt: skip
    assert "2 facture(s) émise(s)" in output.getvalue()
    assert set(Invoice.objects.values_list("customer_id", flat=True)) == {customers[0].pk}
    with pytest.raises(CommandError, match="Date invalide"):
        call_command("billing_run", "--start", "2026-13-01", "--end", "2026-03-31")
    with pytest.raises(CommandError, match="précéder"):
        call_command("billing_run", "--start", "2026-03-31", "--end", "2026-03-01")


def test_command_resumes_a_run(direction, monkeypatch, settings):
    make_customers(2)
    settings.BILLING_RUN_BATCH_SIZE = 1
    run = new_run(direction)
    billing_run_issue(run=run, by=direction, enqueue=False)
    with pytest.raises(RunInterrupted):
        billing_run_execute(run_id=run.pk, interrupt_after=1)
    output = io.StringIO()
    call_command("billing_run", "--resume", str(run.pk), stdout=output)
    assert "4 facture(s) émise(s)" in output.getvalue()
    assert_complete_and_once()


@pytest.mark.django_db(transaction=True)
def test_two_runs_executed_together_bill_nothing_twice(direction, monkeypatch, settings):
    """PostgreSQL: two workers issue two runs over the same customers at the same moment."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks between two connections need PostgreSQL")
    make_customers(12)
    settings.BILLING_RUN_BATCH_SIZE = 5
    first, second = new_run(direction), new_run(direction)
    for run in (first, second):
        billing_run_issue(run=run, by=direction, enqueue=False)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def worker(run_id: int) -> None:
        try:
            barrier.wait()
            billing_run_execute(run_id=run_id)
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(run.pk,)) for run in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert Invoice.objects.count() == 24
    for run in (first, second):
        run.refresh_from_db()
        assert run.status == BillingRun.Status.ISSUED
    assert_complete_and_once()


@pytest.mark.django_db(transaction=True)
def test_the_task_worker_issues_the_run_then_sends_it(direction, monkeypatch):
    """db_worker runs the run's task, then its sending (billing.sending, imported by the
    task when it runs), and the PDFs' tasks."""
    import signal
    import sys
    import types

    make_customers(2)
    sent: list[int] = []
    sending = types.ModuleType("creneau.billing.sending")
    sending.invoice_send_auto = lambda *, invoice_id: sent.append(invoice_id)
    monkeypatch.setitem(sys.modules, "creneau.billing.sending", sending)
    run = new_run(direction)
    billing_run_issue(run=run, by=direction, send=True)
    saved = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        call_command("db_worker", batch=True, reload=False, startup_delay=False, verbosity=0)
    finally:
        for signum, handler in saved.items():
            signal.signal(signum, handler)
    run.refresh_from_db()
    assert run.status == BillingRun.Status.ISSUED
    assert sorted(sent) == sorted(Invoice.objects.values_list("pk", flat=True))
    assert len(sent) == 4


def test_only_issuers_may_run(rep, planner, direction):
    from django.core.exceptions import PermissionDenied

    make_customers(1)
    for user in (rep, planner, None):
        with pytest.raises(PermissionDenied):
            new_run(user)
    run = new_run(direction)
    with pytest.raises(PermissionDenied):
        billing_run_issue(run=run, by=rep)


def test_a_failed_task_is_recorded_then_resumed(direction, monkeypatch, client_for):
    from django.urls import reverse

    from creneau.billing.runs import billing_run_resume
    from creneau.billing.tasks import execute_billing_run

    make_customers(2)
    run = new_run(direction)
    billing_run_issue(run=run, by=direction, enqueue=False)

    def down(*args, **kwargs):
        raise RuntimeError("base de données indisponible")

    monkeypatch.setattr(runs_bulk, "execute_batch", down)
    monkeypatch.setattr(runs, "_execute_item_retrying", down)
    with pytest.raises(RuntimeError):
        execute_billing_run.call(run.pk)
    run.refresh_from_db()
    assert run.status == BillingRun.Status.FAILED
    assert "indisponible" in run.error
    page = client_for(direction).get(reverse("billing:run_detail", args=[run.pk]))
    assert "Reprendre l'émission" in page.content.decode()
    monkeypatch.undo()
    billing_run_resume(run=run, by=direction)
    execute_billing_run.call(run.pk)
    run.refresh_from_db()
    assert (run.status, run.error) == (BillingRun.Status.ISSUED, "")
    assert_complete_and_once()


def test_run_numbers_follow_the_manual_ones_without_gap(direction):
    from creneau.billing.services import invoice_issue

    customers = make_customers(2)
    draft = invoice_create(customer=customers[0], by=direction)
    invoice_line_add(
        invoice=draft, by=direction, line_type="free", description="Déplacement",
        unit_price=Decimal(30), vat_rate=vat_rate("20"),
    )  # fmt: skip
    invoice_issue(invoice=draft, by=direction)
    issued(direction, new_run(direction))
    later = invoice_create(customer=customers[1], by=direction)
    invoice_line_add(
        invoice=later, by=direction, line_type="free", description="Fournitures",
        unit_price=Decimal(10), vat_rate=vat_rate("20"),
    )  # fmt: skip
    invoice_issue(invoice=later, by=direction)
    numbers = sorted(Invoice.objects.values_list("number", flat=True))
    year = numbers[0][2:6]
    assert numbers == [f"F-{year}-{value:05d}" for value in range(1, 7)]
    assert journal_verify().ok


def _run_worker_until_empty() -> None:
    import signal

    saved = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        call_command("db_worker", batch=True, reload=False, startup_delay=False, verbosity=0)
    finally:
        for signum, handler in saved.items():
            signal.signal(signum, handler)


@pytest.mark.django_db(transaction=True)
def test_the_sending_is_one_task_per_batch_so_that_workers_share_it(direction, settings):
    """A run's e-mails leave through one send_invoices task per BILLING_RUN_BATCH_SIZE
    invoices (several workers take one each), every invoice once."""
    from django.core import mail
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from creneau.billing.tasks import send_billing_run_invoices, send_invoices
    from creneau.core.models import OutboxEmail

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.BILLING_RUN_BATCH_SIZE = 2
    make_customers(3)  # two billing groups each: 6 invoices
    run = new_run(direction)
    billing_run_issue(run=run, by=direction, send=True)
    _run_worker_until_empty()
    invoice_ids = sorted(Invoice.objects.values_list("pk", flat=True))
    assert len(invoice_ids) == 6
    batches = DBTaskResult.objects.filter(task_path=send_invoices.module_path)
    assert sorted(batch.args_kwargs["args"][0] for batch in batches) == [
        invoice_ids[0:2],
        invoice_ids[2:4],
        invoice_ids[4:6],
    ]
    assert {batch.status for batch in batches} == {TaskResultStatus.SUCCESSFUL}
    dispatcher = DBTaskResult.objects.get(task_path=send_billing_run_invoices.module_path)
    assert dispatcher.status == TaskResultStatus.SUCCESSFUL
    emails = OutboxEmail.objects.filter(related_type="invoice")
    assert sorted(int(pk) for pk in emails.values_list("related_id", flat=True)) == invoice_ids
    assert len(mail.outbox) == 6
    assert Invoice.objects.filter(sent_at__isnull=True).count() == 0
    # Queued again (a resumed run, a second worker): nothing left to send, nothing sent.
    assert send_billing_run_invoices.call(run.pk) == 0
    assert send_invoices.call(invoice_ids) == 0
    assert emails.count() == 6


@pytest.mark.django_db(transaction=True)
def test_two_workers_sending_the_same_batch_send_each_invoice_once(direction, settings):
    """PostgreSQL: the same batch in two workers at the same moment (a task claimed twice
    after a crash, a resumed run): the invoice's row lock lets one e-mail through."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks between two connections need PostgreSQL")
    from creneau.billing.tasks import send_invoices
    from creneau.core.models import OutboxEmail

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    make_customers(3)
    issued(direction, new_run(direction))
    invoice_ids = sorted(Invoice.objects.values_list("pk", flat=True))
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait()
            assert send_invoices.call(invoice_ids) == 0
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    related = list(OutboxEmail.objects.values_list("related_id", flat=True))
    assert sorted(int(pk) for pk in related) == invoice_ids
