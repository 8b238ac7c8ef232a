"""Visit reminders: the day before a visit, an e-mail to the customer who asked for one
(Customer.visit_reminders), through the outbox (docs/email.md), at most once per visit.

`visit_reminders_send(day=...)` is the service; `manage.py send_visit_reminders` and the
daily task (planning.tasks) call it for tomorrow.
"""

from __future__ import annotations

import logging
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.translation import gettext as _

from creneau.core.models import AuditEvent, Company
from creneau.core.services import audit_record, email_queue
from creneau.core.validators import format_phone
from creneau.planning.models import Intervention
from creneau.planning.selectors import local_day_bounds

logger = logging.getLogger(__name__)


def visits_to_remind(day: date) -> QuerySet[Intervention]:
    """The planned visits of a (local) day not reminded yet, on an active site of an active
    customer who opted in and has an e-mail address."""
    start, end = local_day_bounds(day, day)
    return (
        Intervention.objects.filter(
            start__gte=start,
            start__lt=end,
            status=Intervention.Status.PLANNED,
            reminder_sent_at__isnull=True,
            site__is_active=True,
            site__customer__is_active=True,
            site__customer__visit_reminders=True,
        )
        .exclude(site__customer__email="")
        .select_related("site__customer", "service")
        .order_by("start", "id")
    )


def visit_reminders_send(*, day: date) -> int:
    """Queue a reminder e-mail for each visit of `day` that should get one; returns how
    many were queued.

    Each visit is claimed by a conditional UPDATE (reminder_sent_at IS NULL) in the
    transaction that queues its e-mail: running it twice, or in two workers at once, never
    sends a visit's reminder twice, and a rolled-back claim sends nothing. A visit whose
    e-mail is refused (a bad address) is skipped and logged; the others still leave."""
    company = Company.load()
    queued = 0
    for visit in list(visits_to_remind(day)):
        try:
            queued += _remind(visit, company)
        except ValidationError as error:
            logger.warning("Visit reminder %s not queued: %s", visit.pk, error.messages)
    return queued


def _remind(visit: Intervention, company: Company) -> bool:
    customer = visit.site.customer
    with transaction.atomic():
        claimed = Intervention.objects.filter(
            pk=visit.pk,
            reminder_sent_at__isnull=True,
            status=Intervention.Status.PLANNED,
        ).update(reminder_sent_at=timezone.now())
        if not claimed:  # another run took it, or it changed meanwhile
            return False
        subject, text, html = visit_reminder_email(visit, company)
        email_queue(
            to=[customer.email],
            subject=subject,
            body=text,
            html_body=html,
            customer_id=customer.pk,
            related=visit,
        )
        audit_record(
            by=None,
            action=AuditEvent.Action.OTHER,
            instance=visit,
            customer=customer,
            message=_("Rappel de passage mis en file d'envoi pour %(to)s") % {"to": customer.email},
        )
    return True


def visit_reminder_email(visit: Intervention, company: Company) -> tuple[str, str, str]:
    """The reminder's subject, plain text and HTML, in French (the customers' language)."""
    site = visit.site
    context = {
        "start": timezone.localtime(visit.start),
        "end": timezone.localtime(visit.end),
        "service": visit.service.label if visit.service_id else "",
        "site": site,
        # A site without an address of its own is at the customer's billing address.
        "address_lines": site.address_lines or site.customer.address_lines,
        "customer": site.customer,
        "company": company,
        # A phone number must not break over two lines.
        "phone_html": format_html(
            '<span style="white-space:nowrap">{}</span>', format_phone(company.phone)
        ),
    }
    with translation.override("fr"):
        subject = render_to_string("planning/email/visit_reminder_subject.txt", context)
        text = render_to_string("planning/email/visit_reminder.txt", context)
        html = render_to_string("planning/email/visit_reminder.html", context)
    return " ".join(subject.split()), text.strip() + "\n", html
