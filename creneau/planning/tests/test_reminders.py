"""Visit reminders: the day before a visit, one e-mail to a customer who opted in, through
the outbox, never twice (planning.reminders, the command and the daily task)."""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from creneau.catalog.tests.factories import ServiceFactory
from creneau.core.models import AuditEvent, Company, OutboxEmail
from creneau.core.tasks import next_daily_run
from creneau.customers.models import Customer, Site
from creneau.customers.tests.factories import CustomerFactory, SiteFactory
from creneau.planning import tasks
from creneau.planning.models import Intervention
from creneau.planning.reminders import visit_reminders_send, visits_to_remind
from creneau.planning.tasks import (
    send_visit_reminders_daily,
    visit_reminders_at,
    visit_reminders_daily_ensure,
)
from creneau.planning.tests.factories import EmployeeFactory, InterventionFactory

PARIS = ZoneInfo("Europe/Paris")
DAY = date(2027, 3, 30)  # a Tuesday, two days after the clock change to summer time
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
DATABASE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS)


def company() -> Company:
    company = Company.load()
    company.legal_name = "Clair & Net Services"
    company.phone = "+33240000001"
    company.email = "contact@clairnet.example.com"
    company.save()
    return company


def opted_in_site(**customer_fields) -> Site:
    fields = {"visit_reminders": True, "email": "martine@example.fr", **customer_fields}
    customer = CustomerFactory(name="Martine Durand", **fields)
    return SiteFactory(
        customer=customer,
        name="Domicile",
        street="12 rue Oberkampf",
        postcode="75011",
        city="Paris",
    )


def visit(site: Site, start: datetime, **fields) -> Intervention:
    service = fields.pop("service", None) or ServiceFactory(label="Ménage et repassage")
    return InterventionFactory(
        site=site, start=start, end=start + timedelta(hours=2), service=service, **fields
    )


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = IMMEDIATE


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = DATABASE


# Which visits get a reminder ------------------------------------------------------------


@pytest.mark.django_db
def test_a_planned_visit_of_an_opted_in_customer_gets_one_reminder():
    company()
    site = opted_in_site()
    reminded = visit(site, at(DAY, 8, 30), employee=EmployeeFactory())

    assert visit_reminders_send(day=DAY) == 1

    email = OutboxEmail.objects.get()
    assert email.to == ["martine@example.fr"]
    assert email.customer_id == site.customer_id
    assert (email.related_type, email.related_id) == ("intervention", str(reminded.pk))
    assert email.subject == (
        "Rappel : passage le mardi 30 mars 2027 entre 08:30 et 10:30 "
        "\N{EN DASH} Clair & Net Services"
    )
    for text in (
        "Nous vous rappelons notre passage prévu le mardi 30 mars 2027, entre 08:30 et 10:30.",
        "Adresse : Domicile, 12 rue Oberkampf, 75011 Paris",
        "Prestation : Ménage et repassage",
        "appelez-nous au 02 40 00 00 01",
        "Clair & Net Services\n02 40 00 00 01",
    ):
        assert text in email.body
    for html in (
        "<strong>mardi 30 mars 2027</strong>",
        "<strong>08:30 - 10:30</strong>",
        "Domicile<br>12 rue Oberkampf<br>75011 Paris",
        "Ménage et repassage",
        "Clair &amp; Net Services",
        'appelez-nous au <span style="white-space:nowrap">02 40 00 00 01</span>',
    ):
        assert html in email.html_body
    reminded.refresh_from_db()
    assert reminded.reminder_sent_at is not None
    assert reminded.sequence == 0  # not a change of the visit: calendars need not update
    event = AuditEvent.objects.get(object_type="intervention", object_id=str(reminded.pk))
    assert event.customer_id == site.customer_id
    assert event.message == "Rappel de passage mis en file d'envoi pour martine@example.fr"

    # A second run, a day later or at once, sends nothing more.
    assert visit_reminders_send(day=DAY) == 0
    assert OutboxEmail.objects.count() == 1


@pytest.mark.django_db
def test_only_planned_visits_of_active_opted_in_customers_with_an_email_are_reminded():
    company()
    site = opted_in_site()
    wanted = [visit(site, at(DAY, 0, 0)), visit(site, at(DAY, 23, 30))]
    visit(site, at(DAY, 10), status=Intervention.Status.CANCELLED)
    visit(site, at(DAY, 11), status=Intervention.Status.DONE)
    visit(site, at(DAY, 12), status=Intervention.Status.MISSED)
    visit(site, at(DAY, 13), reminder_sent_at=timezone.now())
    visit(site, at(DAY - timedelta(days=1), 23, 59))  # the day before, local time
    visit(site, at(DAY + timedelta(days=1), 0, 0))  # the day after
    visit(opted_in_site(visit_reminders=False), at(DAY, 9))
    visit(opted_in_site(email=""), at(DAY, 9))
    visit(opted_in_site(is_active=False), at(DAY, 9))
    closed = opted_in_site()
    Site.objects.filter(pk=closed.pk).update(is_active=False)
    visit(closed, at(DAY, 9))

    assert list(visits_to_remind(DAY)) == wanted
    assert visit_reminders_send(day=DAY) == 2
    assert OutboxEmail.objects.count() == 2


@pytest.mark.django_db
def test_a_site_without_address_takes_the_customers_and_no_service_says_nothing():
    company()
    customer = CustomerFactory(
        visit_reminders=True, email="a@example.fr", street="3 place Royale", postcode="44000",
        city="Nantes",
    )  # fmt: skip
    site = SiteFactory(customer=customer, name="Bureaux", street="", postcode="", city="")
    InterventionFactory(site=site, start=at(DAY, 9), end=at(DAY, 10))
    visit_reminders_send(day=DAY)
    body = OutboxEmail.objects.get().body
    assert "Adresse : Bureaux, 3 place Royale, 44000 Nantes" in body
    assert "Prestation" not in body


@pytest.mark.django_db
def test_a_bad_address_skips_that_visit_only_and_leaves_it_unclaimed():
    company()
    bad = opted_in_site()
    Customer.objects.filter(pk=bad.customer_id).update(email="pas-une-adresse")
    skipped = visit(bad, at(DAY, 8))
    visit(opted_in_site(email="ok@example.fr"), at(DAY, 9))

    assert visit_reminders_send(day=DAY) == 1
    assert OutboxEmail.objects.get().to == ["ok@example.fr"]
    skipped.refresh_from_db()
    assert skipped.reminder_sent_at is None  # the claim rolled back with the e-mail


# The command --------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_command_sends_a_given_day_and_refuses_a_bad_date(capsys):
    company()
    visit(opted_in_site(), at(DAY, 9))
    call_command("send_visit_reminders", "--date", DAY.isoformat())
    assert (
        "1 rappel(s) de passage mis en file d'envoi pour le 30/03/2027." in capsys.readouterr().out
    )
    call_command("send_visit_reminders", "--date", DAY.isoformat())
    assert "0 rappel(s)" in capsys.readouterr().out
    with pytest.raises(CommandError, match="Date invalide : 30/03/2027"):
        call_command("send_visit_reminders", "--date", "30/03/2027")


@pytest.mark.django_db
def test_the_command_sends_tomorrows_by_default(capsys):
    company()
    tomorrow = timezone.localdate() + timedelta(days=1)
    visit(opted_in_site(), at(tomorrow, 9))
    call_command("send_visit_reminders")
    assert OutboxEmail.objects.count() == 1


# End to end, through a real SMTP server -----------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_reminder_reaches_the_mail_server_in_text_and_html(smtp_server, immediate_tasks):
    company()
    visit(opted_in_site(), at(DAY, 8, 30))
    assert visit_reminders_send(day=DAY) == 1

    [message] = smtp_server.messages
    assert message["To"] == "martine@example.fr"
    # Python's parser keeps the space of the folded, encoded header: mail clients do not.
    assert message["Subject"].strip().startswith("Rappel : passage le mardi 30 mars 2027")
    assert message["Reply-To"] == "contact@clairnet.example.com"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "entre 08:30 et 10:30" in text and "Ménage et repassage" in text
    assert "<strong>08:30 - 10:30</strong>" in html
    assert OutboxEmail.objects.get().status == OutboxEmail.Status.SENT


# Two runs at once ---------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_never_send_a_reminder_twice():
    """Two workers run the reminders of the same day together (PostgreSQL row locks: the
    second conditional UPDATE waits for the first's commit, then finds the visit taken)."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent transactions and row locks need PostgreSQL")
    company()
    visits = [visit(opted_in_site(email=f"client{n}@example.fr"), at(DAY, 8)) for n in range(12)]
    barrier = threading.Barrier(2)
    counts: list[int] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            counts.append(visit_reminders_send(day=DAY))
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sum(counts) == len(visits)
    assert OutboxEmail.objects.count() == len(visits)
    assert sorted(email.to[0] for email in OutboxEmail.objects.all()) == sorted(
        f"client{n}@example.fr" for n in range(12)
    )
    assert not Intervention.objects.filter(reminder_sent_at__isnull=True).exists()


# The daily task -----------------------------------------------------------------------


@contextmanager
def signals_kept():
    """db_worker installs its own SIGINT/SIGTERM handlers: give pytest its own back."""
    saved = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for signum, handler in saved.items():
            signal.signal(signum, handler)


def run_worker() -> None:
    with signals_kept():
        call_command("db_worker", batch=True, reload=False, startup_delay=False, verbosity=0)


def test_the_next_daily_run_is_the_next_reminder_hour(settings):
    settings.VISIT_REMINDERS_HOUR = 16
    hour = visit_reminders_at()
    assert next_daily_run(hour, at(DAY, 9)) == at(DAY, 16)
    assert next_daily_run(hour, at(DAY, 16)) == at(DAY + timedelta(days=1), 16)
    assert next_daily_run(hour, at(DAY, 23, 59)) == at(DAY + timedelta(days=1), 16)
    # Across the clock change, still 16:00 local.
    assert next_daily_run(hour, at(date(2027, 3, 27), 17)) == at(date(2027, 3, 28), 16)


@pytest.mark.django_db
def test_starting_the_daily_run_twice_queues_it_once(database_tasks, settings):
    settings.VISIT_REMINDERS_HOUR = 16
    DBTaskResult.objects.all().delete()  # the runs that migrating the test database queued
    assert visit_reminders_daily_ensure(now=at(DAY, 9)) is True
    assert visit_reminders_daily_ensure(now=at(DAY, 10)) is False
    [waiting] = DBTaskResult.objects.filter(task_path__contains="reminders")
    assert waiting.run_after == at(DAY, 16)
    assert waiting.task_path == "creneau.planning.tasks.send_visit_reminders_daily"


@pytest.mark.django_db
def test_started_past_the_hour_the_daily_run_is_at_once(database_tasks, settings):
    settings.VISIT_REMINDERS_HOUR = 16
    DBTaskResult.objects.all().delete()  # the runs that migrating the test database queued
    assert visit_reminders_daily_ensure(now=at(DAY, 17, 5)) is True
    [waiting] = DBTaskResult.objects.filter(task_path__contains="reminders")
    assert waiting.run_after == at(DAY, 17, 5)


@pytest.mark.django_db
def test_a_failed_daily_run_still_queues_the_next_one(database_tasks, settings, monkeypatch):
    settings.VISIT_REMINDERS_HOUR = 16
    DBTaskResult.objects.all().delete()  # the runs that migrating the test database queued
    monkeypatch.setattr(timezone, "now", lambda: at(DAY, 16))

    def broken(**_kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(tasks, "visit_reminders_send", broken)
    with pytest.raises(RuntimeError):
        send_visit_reminders_daily.call()
    [waiting] = DBTaskResult.objects.filter(task_path__contains="reminders")
    assert waiting.run_after == at(DAY + timedelta(days=1), 16)


@pytest.mark.django_db
def test_the_daily_run_never_loops_on_a_backend_that_cannot_defer(immediate_tasks):
    assert visit_reminders_daily_ensure() is False


@pytest.mark.django_db(transaction=True)
def test_the_daily_run_sends_tomorrows_reminders_and_waits_for_the_next_day(
    smtp_server, database_tasks, capsys
):
    company()
    tomorrow = timezone.localdate() + timedelta(days=1)
    visit(opted_in_site(), at(tomorrow, 9))
    DBTaskResult.objects.all().delete()  # the runs that migrating the test database queued
    call_command("send_visit_reminders", "--daily")  # past the hour: runs at once
    assert "programmé" in capsys.readouterr().out
    reminders = DBTaskResult.objects.filter(task_path__contains="reminders")
    DBTaskResult.objects.exclude(pk__in=reminders).delete()  # the planning's own chain
    reminders.update(run_after=timezone.now() - timedelta(seconds=1))

    run_worker()  # the daily run queues the e-mail, whose own task sends it

    assert len(smtp_server.messages) == 1
    [waiting] = DBTaskResult.objects.filter(status="READY")
    assert timezone.localtime(waiting.run_after).hour == 16 and waiting.run_after > timezone.now()
    assert DBTaskResult.objects.filter(status="SUCCESSFUL").count() == 2  # the run, the e-mail
    call_command("send_visit_reminders", "--daily")
    assert "déjà programmé" in capsys.readouterr().out
