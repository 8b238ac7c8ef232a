"""The e-mail outbox against a real SMTP server (aiosmtpd on localhost).

Sending runs through both task paths: the immediate backend (tasks run at commit) and
the database backend worked by `manage.py db_worker --batch`, as in production.
"""

from __future__ import annotations

import signal
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from creneau.core.models import AuditEvent, Company, OutboxEmail
from creneau.core.selectors import emails_for
from creneau.core.services import email_queue, email_retry, email_send
from creneau.core.tasks import send_outbox_email

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
DATABASE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = IMMEDIATE


@pytest.fixture
def database_tasks(settings, transactional_db):
    settings.TASKS = DATABASE
    # Only this file's tasks in the queue: the daily chains queued by migrate (and by each
    # flush) run at once when their hour of the day is past (the visit reminders' after
    # VISIT_REMINDERS_HOUR), and would take the place of an e-mail in `max_tasks`.
    DBTaskResult.objects.all().delete()


@contextmanager
def signals_kept():
    """db_worker installs its own SIGINT/SIGTERM handlers: give pytest its own back."""
    saved = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for signum, handler in saved.items():
            signal.signal(signum, handler)


def run_worker(**options) -> None:
    with signals_kept():
        call_command(
            "db_worker", batch=True, reload=False, startup_delay=False, verbosity=0, **options
        )


def queue(number: int = 1, **fields) -> OutboxEmail:
    defaults = {
        "to": [f"client{number}@example.fr"],
        "subject": f"Devis {number}",
        "body": "Bonjour",
    }
    return email_queue(**{**defaults, **fields})


def sending_tasks():
    # Only the outbox's: other apps keep tasks of their own in the queue (the planning's
    # daily run, queued by migrate).
    return DBTaskResult.objects.filter(task_path=send_outbox_email.module_path)


def make_due(emails) -> None:
    """Time passes: every waiting retry, and its deferred task, is due now."""
    past = timezone.now() - timedelta(hours=1)
    OutboxEmail.objects.filter(pk__in=[e.pk for e in emails]).update(next_attempt_at=past)
    sending_tasks().update(run_after=past)


@pytest.mark.django_db(transaction=True)
def test_queued_email_is_sent_after_commit_immediate_backend(smtp_server, immediate_tasks):
    with transaction.atomic():
        email = queue(1, cc=["copie@example.fr"])
        assert smtp_server.messages == []  # nothing leaves before the commit
    email.refresh_from_db()
    assert email.status == OutboxEmail.Status.SENT
    assert email.attempts == 1 and email.sent_at is not None
    [message] = smtp_server.messages
    assert message["Subject"] == "Devis 1"
    assert message["To"] == "client1@example.fr"
    assert message["Cc"] == "copie@example.fr"
    assert message["Message-ID"] == email.message_id_header


@pytest.mark.django_db(transaction=True)
def test_rolled_back_transaction_sends_nothing(smtp_server, immediate_tasks):
    with pytest.raises(RuntimeError), transaction.atomic():
        queue(1)
        raise RuntimeError("the quote could not be saved")
    assert OutboxEmail.objects.count() == 0
    assert smtp_server.messages == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("to", "message"),
    [
        ([], "Indiquez au moins un destinataire."),
        (["  "], "Indiquez au moins un destinataire."),
        (["pas-une-adresse"], "« pas-une-adresse » n'est pas une adresse e-mail valide."),
        (["ok@example.fr", "x@"], "« x@ » n'est pas une adresse e-mail valide."),
    ],
)
def test_bad_recipients_are_refused_in_french(to, message):
    with pytest.raises(ValidationError) as error:
        email_queue(to=to, subject="Devis", body="Bonjour")
    assert error.value.message_dict == {"to": [message]}
    assert OutboxEmail.objects.count() == 0


@pytest.mark.django_db
def test_bad_copy_address_and_empty_subject_are_refused():
    with pytest.raises(ValidationError) as error:
        email_queue(to=["a@example.fr"], cc=["b@example"], subject="Devis", body="")
    assert error.value.message_dict == {
        "cc": ["« b@example » n'est pas une adresse e-mail valide."]
    }
    with pytest.raises(ValidationError) as error:
        email_queue(to=["a@example.fr"], subject=" \n ", body="")
    assert error.value.message_dict == {"subject": ["Indiquez l'objet de l'e-mail."]}


@pytest.mark.django_db
def test_recipients_are_cleaned_and_replies_go_to_the_company(direction):
    company = Company.load()
    company.email = "contact@proprete.fr"
    company.save()
    email = email_queue(
        to=[" a@example.fr", "A@example.fr", "b@example.fr"],
        subject="Votre devis\r\nBcc: intrus@example.fr",
        body="Bonjour",
        by=direction,
        customer_id=42,
        related=company,
    )
    assert email.to == ["a@example.fr", "b@example.fr"]
    assert email.subject == "Votre devis Bcc: intrus@example.fr"  # no header injection
    assert email.reply_to == ["contact@proprete.fr"]
    assert email.created_by == direction and email.customer_id == 42
    assert (email.related_type, email.related_id) == ("company", str(company.pk))
    assert list(emails_for(company)) == [email]


@pytest.mark.django_db(transaction=True)
def test_attachments_arrive_intact(smtp_server, immediate_tasks):
    pdf = b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF"
    email = queue(
        1,
        attachments=[
            ("Devis D-2026-00001 Société Générale é.pdf", pdf, "application/pdf"),
            ("conditions.txt", "Conditions générales".encode(), ""),
        ],
    )
    assert [a.mimetype for a in email.attachments.all()] == ["application/pdf", "text/plain"]
    [message] = smtp_server.messages
    parts = list(message.iter_attachments())
    assert [part.get_filename() for part in parts] == [
        "Devis D-2026-00001 Société Générale é.pdf",
        "conditions.txt",
    ]
    assert parts[0].get_content_type() == "application/pdf"
    assert parts[0].get_payload(decode=True) == pdf
    assert parts[1].get_payload(decode=True) == "Conditions générales".encode()


@pytest.mark.django_db(transaction=True)
def test_smtp_outage_is_retried_and_every_email_arrives_exactly_once(smtp_server, database_tasks):
    """Ten e-mails queued; the server goes down after three; it comes back; the retries
    deliver the seven others, and nothing arrives twice."""
    emails = [queue(number) for number in range(10)]
    assert sending_tasks().count() == 10  # one sending task each, queued at commit

    run_worker(max_tasks=3)
    assert len(smtp_server.messages) == 3

    smtp_server.stop()
    run_worker()  # the seven others fail: connection refused
    statuses = OutboxEmail.objects.values_list("status", flat=True)
    assert sorted(statuses) == ["retrying"] * 7 + ["sent"] * 3
    waiting = OutboxEmail.objects.filter(status=OutboxEmail.Status.RETRYING)
    for email in waiting:
        assert email.attempts == 1
        assert "Connection refused" in email.last_error or "Errno" in email.last_error
        assert email.next_attempt_at > timezone.now() + timedelta(seconds=30)
    # Each failure queued its retry as a deferred task, not due yet: nothing runs now.
    run_worker()
    assert OutboxEmail.objects.filter(status=OutboxEmail.Status.SENT).count() == 3

    smtp_server.start()
    make_due(emails)
    run_worker()  # the deferred retries...
    call_command("send_outbox", grace=0, verbosity=0)  # ...and the sweep, which finds none
    call_command("send_outbox", grace=0, verbosity=0)

    assert set(OutboxEmail.objects.values_list("status", flat=True)) == {"sent"}
    counts = smtp_server.message_id_counts()
    assert sorted(counts) == sorted(email.message_id_header for email in emails)
    assert set(counts.values()) == {1}, "an e-mail arrived twice"
    retried = OutboxEmail.objects.filter(pk__in=[e.pk for e in waiting])
    assert {email.attempts for email in retried} == {2}


@pytest.mark.django_db(transaction=True)
def test_send_outbox_command_alone_delivers_retries(smtp_server, immediate_tasks, settings):
    """With a backend that cannot defer tasks (or a lost task), the sweep sends retries."""
    settings.OUTBOX_RETRY_MINUTES = [1, 5]
    smtp_server.stop()
    emails = [queue(number) for number in range(3)]
    assert set(OutboxEmail.objects.values_list("status", flat=True)) == {"retrying"}

    call_command("send_outbox", grace=0, verbosity=0)  # not due yet: nothing happens
    assert OutboxEmail.objects.filter(attempts=1).count() == 3

    smtp_server.start()
    make_due(emails)
    call_command("send_outbox", grace=0, verbosity=0)
    assert set(OutboxEmail.objects.values_list("status", flat=True)) == {"sent"}
    assert set(smtp_server.message_id_counts().values()) == {1}


@pytest.mark.django_db(transaction=True)
def test_back_off_then_final_failure(smtp_server, immediate_tasks, settings):
    settings.OUTBOX_RETRY_MINUTES = [1, 5]
    smtp_server.stop()
    before = timezone.now()
    email = queue(1)
    email.refresh_from_db()
    assert (email.status, email.attempts) == ("retrying", 1)
    assert before + timedelta(minutes=1) <= email.next_attempt_at
    assert email.next_attempt_at <= timezone.now() + timedelta(minutes=1)

    make_due([email])
    email_send(email_id=email.pk)
    email.refresh_from_db()
    assert (email.status, email.attempts) == ("retrying", 2)
    assert email.next_attempt_at > timezone.now() + timedelta(minutes=4)

    make_due([email])
    email_send(email_id=email.pk)
    email.refresh_from_db()
    assert (email.status, email.attempts) == ("failed", 3)
    assert email.last_error

    make_due([email])
    assert email_send(email_id=email.pk) is None  # a failed e-mail waits for a person


@pytest.mark.django_db(transaction=True)
def test_permanent_refusal_fails_at_once(smtp_server, immediate_tasks):
    smtp_server.handler.refuse_with = "550 5.1.1 Unknown user"
    email = queue(1)
    email.refresh_from_db()
    assert (email.status, email.attempts) == ("failed", 1)
    assert "Unknown user" in email.last_error


@pytest.mark.django_db(transaction=True)
def test_temporary_refusal_is_retried(smtp_server, immediate_tasks):
    smtp_server.handler.refuse_with = "451 4.3.0 Try again later"
    email = queue(1)
    email.refresh_from_db()
    assert (email.status, email.attempts) == ("retrying", 1)


@pytest.mark.django_db(transaction=True)
def test_retry_of_a_failed_email_sends_it_again(smtp_server, immediate_tasks, direction):
    smtp_server.handler.refuse_with = "550 5.1.1 Unknown user"
    email = queue(1)
    smtp_server.handler.refuse_with = None
    email.refresh_from_db()
    email_retry(email=email, by=direction)
    email.refresh_from_db()
    assert email.status == "sent"
    assert smtp_server.message_id_counts() == {email.message_id_header: 1}
    event = AuditEvent.objects.get(object_type="outboxemail")
    assert event.actor == direction and event.message == "E-mail remis en file d'envoi"
    with pytest.raises(ValidationError, match="déjà été envoyé"):
        email_retry(email=email, by=direction)


@pytest.mark.django_db(transaction=True)
def test_a_sent_email_is_not_sent_again_by_a_late_task(smtp_server, immediate_tasks):
    email = queue(1)
    OutboxEmail.objects.filter(pk=email.pk).update(next_attempt_at=timezone.now())
    assert email_send(email_id=email.pk) is None
    assert len(smtp_server.messages) == 1


@pytest.mark.django_db(transaction=True)
def test_missing_attachment_file_is_recorded_not_lost(smtp_server, database_tasks):
    email = queue(1, attachments=[("devis.pdf", b"%PDF", "application/pdf")])
    attachment = email.attachments.get()
    attachment.file.storage.delete(attachment.file.name)
    run_worker()
    email.refresh_from_db()
    assert email.status == "retrying"
    assert "FileNotFoundError" in email.last_error
    assert smtp_server.messages == []


@pytest.mark.django_db(transaction=True)
def test_concurrent_senders_never_send_the_same_email_twice(smtp_server, database_tasks):
    """Four workers race over the same twelve e-mails (PostgreSQL row locks, SKIP LOCKED)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("row locks (SELECT ... FOR UPDATE SKIP LOCKED) need PostgreSQL")
    import threading

    from django.db import connections

    emails = [queue(number) for number in range(12)]
    ids = [email.pk for email in emails]
    smtp_server.handler.delay = 0.05  # each SMTP conversation takes a while: they overlap
    barrier = threading.Barrier(4)
    results: list[str | None] = []
    errors: list[BaseException] = []

    def sender(order: list[int]) -> None:
        try:
            barrier.wait()
            for email_id in order:
                results.append(email_send(email_id=email_id))
        except BaseException as error:  # reported below, with the thread's own error
            errors.append(error)
        finally:
            connections.close_all()

    orders = [ids, ids[::-1], ids[6:] + ids[:6], ids[::2] + ids[1::2]]
    threads = [threading.Thread(target=sender, args=(order,)) for order in orders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert results.count("sent") == 12
    assert results.count(None) == 4 * 12 - 12  # skipped: locked by another, or already sent
    assert set(smtp_server.message_id_counts().values()) == {1}
    assert len(smtp_server.messages) == 12
    assert set(OutboxEmail.objects.values_list("attempts", flat=True)) == {1}


@pytest.mark.django_db(transaction=True)
def test_sweep_leaves_a_fresh_email_to_its_task(smtp_server, database_tasks):
    email = queue(1)
    call_command("send_outbox", verbosity=0)  # default grace: the task has a minute
    email.refresh_from_db()
    assert email.status == "pending" and smtp_server.messages == []
    run_worker()
    email.refresh_from_db()
    assert email.status == "sent"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "name", ["Clair & Net Services", 'Nettoyage Dupont, "Élite" & Fils', "Crème\nBrûlée SARL"]
)
def test_emails_come_from_the_company_at_the_configured_address(
    smtp_server, immediate_tasks, settings, name
):
    settings.DEFAULT_FROM_EMAIL = "Créneau <devis@clairnet.example.com>"
    company = Company.load()
    company.legal_name = name
    company.save()
    queue(1)
    [message] = smtp_server.messages
    [sender] = message["From"].addresses
    assert sender.display_name == " ".join(name.split())
    assert sender.addr_spec == "devis@clairnet.example.com"
    raw = message.as_bytes()
    assert raw.isascii()  # the accents travel encoded (RFC 2047)
    assert message["Message-ID"].endswith("@clairnet.example.com>")


@pytest.mark.django_db(transaction=True)
def test_a_successful_retry_clears_the_last_error(smtp_server, immediate_tasks):
    smtp_server.stop()
    email = queue(1)
    email.refresh_from_db()
    assert email.status == OutboxEmail.Status.RETRYING and email.last_error
    smtp_server.start()
    make_due([email])
    assert email_send(email_id=email.pk) == OutboxEmail.Status.SENT
    email.refresh_from_db()
    assert email.last_error == "" and email.sent_at is not None
