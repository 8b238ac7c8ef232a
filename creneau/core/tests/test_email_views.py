"""Paramètres > E-mails: who sees it, the filter, the "Renvoyer" button."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from conftest import ARTIFACTS, browser_login
from creneau.core.models import OutboxEmail

LIST_URL = "/settings/emails/"


def make_email(status: str, number: int = 1, **fields) -> OutboxEmail:
    now = timezone.now()
    defaults = {
        "to": [f"client{number}@example.fr"],
        "from_email": "Créneau <no-reply@example.fr>",
        "subject": f"Votre devis D-2026-{number:05d}",
        "body": "Bonjour,\n\nVeuillez trouver ci-joint notre devis.\n\nCordialement,",
        "status": status,
        "related_type": "quote",
        "related_id": str(number),
        "related_repr": f"Devis D-2026-{number:05d}",
    }
    if status == OutboxEmail.Status.SENT:
        defaults |= {"attempts": 1, "sent_at": now}
    elif status == OutboxEmail.Status.RETRYING:
        defaults |= {
            "attempts": 2,
            "next_attempt_at": now + timedelta(minutes=5),
            "last_error": "ConnectionRefusedError: [Errno 111] Connection refused",
        }
    elif status == OutboxEmail.Status.FAILED:
        defaults |= {
            "attempts": 1,
            "last_error": (
                "SMTPRecipientsRefused: {'inconnu@example.fr': (550, b'5.1.1 Unknown user')}"
            ),
        }
    return OutboxEmail.objects.create(**(defaults | fields))


@pytest.fixture
def outbox(db):
    return {
        "sent": make_email("sent", 1),
        "pending": make_email("pending", 2),
        "retrying": make_email("retrying", 3),
        "failed": make_email("failed", 4, to=["inconnu@example.fr"]),
    }


@pytest.mark.django_db
def test_direction_and_accounting_see_the_screen(outbox, direction, accountant, client_for):
    assert reverse("email_list") == LIST_URL
    for user in (direction, accountant):
        response = client_for(user).get(LIST_URL)
        assert response.status_code == 200
        page = response.content.decode()
        assert "Votre devis D-2026-00004" in page
        assert "5.1.1 Unknown user" in page
        assert "Échec définitif" in page and "Nouvel essai prévu" in page
        assert f'href="{LIST_URL}"' in page  # the Paramètres menu shows it


@pytest.mark.django_db
def test_other_roles_are_refused_and_see_no_menu_entry(outbox, rep, planner, client_for):
    for user in (rep, planner):
        client = client_for(user)
        assert client.get(LIST_URL).status_code == 403
        assert client.get(reverse("email_detail", args=[outbox["sent"].pk])).status_code == 403
        response = client.post(reverse("email_retry", args=[outbox["failed"].pk]))
        assert response.status_code == 403
        assert f'href="{LIST_URL}"' not in client.get("/customers/").content.decode()


@pytest.mark.django_db
def test_overdue_emails_are_pointed_out(outbox, direction, client_for):
    client = client_for(direction)
    assert "auraient dû partir" not in client.get(LIST_URL).content.decode()
    late = timezone.now() - timedelta(minutes=30)
    OutboxEmail.objects.filter(status="pending").update(next_attempt_at=late)
    OutboxEmail.objects.filter(status="retrying").update(next_attempt_at=late)
    assert "2 e-mails auraient dû partir" in client.get(LIST_URL).content.decode()


@pytest.mark.django_db
def test_filter_by_status_and_search(outbox, direction, client_for):
    client = client_for(direction)
    page = client.get(LIST_URL, {"status": "failed"}).content.decode()
    assert "D-2026-00004" in page and "D-2026-00001" not in page
    page = client.get(LIST_URL, {"q": "client3@"}).content.decode()
    assert "D-2026-00003" in page and "D-2026-00004" not in page


@pytest.mark.django_db
def test_list_does_not_grow_queries_with_rows(direction, client_for, django_assert_max_num_queries):
    for number in range(30):
        make_email("sent", number)
    client = client_for(direction)
    with django_assert_max_num_queries(12):
        assert client.get(LIST_URL).status_code == 200


@pytest.mark.django_db
def test_detail_shows_body_and_error(outbox, direction, client_for):
    page = client_for(direction).get(reverse("email_detail", args=[outbox["failed"].pk]))
    content = page.content.decode()
    assert "Veuillez trouver ci-joint notre devis." in content
    assert "Unknown user" in content and "Renvoyer" in content


def queued_with_attachments():
    from creneau.core.services import email_queue

    return email_queue(
        to=["client@example.fr"],
        subject="Votre devis D-2026-00007",
        body="Ci-joint.",
        attachments=[
            ("devis D-2026-00007 été.pdf", b"%PDF-1.7 devis", "application/pdf"),
            ("tarifs.csv", b"a;b\n", "text/csv"),
        ],
    )


@pytest.mark.django_db
def test_attachments_open_from_the_detail_as_they_were_sent(direction, client_for):
    email = queued_with_attachments()
    pdf, csv = email.attachments.all()
    client = client_for(direction)
    page = client.get(reverse("email_detail", args=[email.pk])).content.decode()
    pdf_url = reverse("email_attachment", args=[email.pk, pdf.pk])
    assert f'href="{pdf_url}"' in page
    response = client.get(pdf_url)
    assert b"".join(response.streaming_content) == b"%PDF-1.7 devis"
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline; filename*=utf-8''devis")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    response = client.get(reverse("email_attachment", args=[email.pk, csv.pk]))
    assert response["Content-Disposition"] == 'attachment; filename="tarifs.csv"'


@pytest.mark.django_db
def test_attachments_are_refused_to_other_roles_and_under_another_email(
    rep, direction, client_for, outbox
):
    email = queued_with_attachments()
    pdf = email.attachments.first()
    assert (
        client_for(rep).get(reverse("email_attachment", args=[email.pk, pdf.pk])).status_code == 403
    )
    other = outbox["sent"].pk
    url = reverse("email_attachment", args=[other, pdf.pk])
    assert client_for(direction).get(url).status_code == 404
    pdf.file.storage.delete(pdf.file.name)  # a file the storage lost
    url = reverse("email_attachment", args=[email.pk, pdf.pk])
    assert client_for(direction).get(url).status_code == 404


@pytest.mark.django_db
def test_retry_button_requeues_a_failed_email(outbox, direction, client_for, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    client = client_for(direction)
    failed = outbox["failed"]
    response = client.post(reverse("email_retry", args=[failed.pk]), {"next": LIST_URL})
    assert response.status_code == 302 and response["Location"] == LIST_URL
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == ("pending", 0)
    # A sent e-mail is not sent again by the button.
    response = client.post(reverse("email_retry", args=[outbox["sent"].pk]), follow=True)
    assert "Cet e-mail a déjà été envoyé." in response.content.decode()
    # An outside address in `next` is ignored.
    response = client.post(
        reverse("email_retry", args=[failed.pk]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == LIST_URL


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_email_screen_in_a_browser(browser_page, direction, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    make_email("sent", 1, cc=["comptabilite@tilleuls.fr"])
    make_email("sent", 2)
    make_email("pending", 5)
    make_email("retrying", 3)
    failed = make_email("failed", 4, to=["inconnu@example.fr"])
    page = browser_page
    browser_login(page, "direction")
    page.goto(f"{page.base_url}{LIST_URL}")
    assert page.locator("h1").inner_text() == "E-mails"
    page.screenshot(path=f"{ARTIFACTS}/email-list.png", full_page=True)

    page.click("label:has-text('Échec définitif')")  # filters at once, no page load
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page).to_have_url(f"{page.base_url}{LIST_URL}?status=failed")
    page.click(f"a[href='/settings/emails/{failed.pk}/']")
    page.screenshot(path=f"{ARTIFACTS}/email-detail.png", full_page=True)
    page.click("button:has-text('Renvoyer')")
    page.wait_for_selector(".alert-success")
    failed.refresh_from_db()
    assert failed.status == "sent"
    page.screenshot(path=f"{ARTIFACTS}/email-retried.png", full_page=True)


@pytest.mark.django_db
def test_attachment_sizes_read_as_on_the_documents_tab(direction, client_for):
    from creneau.core.services import email_queue

    email = email_queue(
        to=["client@example.fr"],
        subject="Votre devis",
        body="Ci-joint.",
        attachments=[("devis.pdf", b"%" * 34_000, "application/pdf")],
    )
    page = client_for(direction).get(reverse("email_detail", args=[email.pk])).content.decode()
    assert "(33,2\u00a0Ko)" in page  # not Django's "33,2 Kio"
