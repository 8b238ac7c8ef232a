"""The customer's answer to a quote on the portal: accept (with its typed name) or
refuse (with an optional reason). The quote's own services record the answer and its
history; this adds the portal's checks and tells the office by e-mail, in the same
transaction (a rolled-back answer sends nothing)."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from creneau.core.models import Company
from creneau.core.services import email_queue
from creneau.core.templatetags.creneau import money
from creneau.portal.models import PortalUser
from creneau.quotes import services as quote_services
from creneau.quotes.models import Quote

ANSWER_NAME_MIN, ANSWER_NAME_MAX = 2, 150
REFUSAL_REASON_MAX = 500


def portal_quote_answerable(quote: Quote) -> bool:
    """Sent and still valid: the portal offers "Accepter" and "Refuser"."""
    return quote.status == Quote.Status.SENT and quote.effective_status == Quote.Status.SENT


def answer_ip_of(remote_addr: str | None) -> str | None:
    """REMOTE_ADDR if it is an IP address (the field stores nothing else), else None."""
    try:
        return str(ipaddress.ip_address((remote_addr or "").strip()))
    except ValueError:
        return None


def _check_answerable(quote: Quote) -> None:
    """A clear word for a quote answered meanwhile (another tab, a double click) or
    past its validity date."""
    quote.refresh_from_db(fields=["status", "validity_date", "accepted_at", "refused_at"])
    if quote.status == Quote.Status.ACCEPTED:
        raise ValidationError(_("Ce devis a déjà été accepté : rien de plus à faire."))
    if quote.status == Quote.Status.REFUSED:
        raise ValidationError(_("Ce devis a déjà été refusé."))
    if quote.effective_status == Quote.Status.EXPIRED:
        raise ValidationError(
            _("Ce devis a expiré le %(date)s : contactez-nous pour une nouvelle proposition.")
            % {"date": date_format(quote.validity_date, "SHORT_DATE_FORMAT")}
        )
    if quote.status != Quote.Status.SENT:
        raise ValidationError(_("Ce devis n'attend pas de réponse."))


def _office_notify(*, quote: Quote, user: PortalUser, subject: str, lines: list[str]) -> None:
    """E-mail the company's address and the quote's author (when they have one)."""
    recipients: list[str] = []
    company_email = Company.load().email
    author = quote.created_by
    for address in (company_email, author.email if author else ""):
        if address and address.lower() not in {known.lower() for known in recipients}:
            recipients.append(address)
    if not recipients:
        return
    link = settings.PUBLIC_BASE_URL + reverse("quotes:detail", args=[quote.pk])
    body = "\n".join(
        [
            *lines,
            "",
            _("Client : %(customer)s") % {"customer": quote.customer.name},
            _("Accès à l'espace client : %(email)s") % {"email": user.email},
            _("Voir le devis : %(link)s") % {"link": link},
        ]
    )
    email_queue(
        to=recipients,
        subject=subject,
        body=body,
        customer_id=quote.customer_id,
        related=quote,
        reply_to=[user.email],
    )


def portal_quote_accept(*, user: PortalUser, quote: Quote, name: str, ip: str | None) -> Quote:
    """The customer accepts the quote under its typed full name."""
    name = " ".join((name or "").split())
    if not ANSWER_NAME_MIN <= len(name) <= ANSWER_NAME_MAX:
        raise ValidationError(
            {
                "name": _("Indiquez votre nom complet (%(min)d à %(max)d caractères).")
                % {"min": ANSWER_NAME_MIN, "max": ANSWER_NAME_MAX}
            }
        )
    with transaction.atomic():
        _check_answerable(quote)
        quote_services.quote_accept(
            quote=quote, by=None, answer_name=name, answer_ip=answer_ip_of(ip)
        )
        moment = date_format(timezone.localtime(quote.accepted_at), "SHORT_DATETIME_FORMAT")
        _office_notify(
            quote=quote,
            user=user,
            subject=_("Devis %(number)s accepté sur l'espace client") % {"number": quote.number},
            lines=[
                _("Le devis %(number)s (%(total)s TTC) a été accepté le %(moment)s par %(name)s.")
                % {
                    "number": quote.number,
                    "total": money(quote.total_gross),
                    "moment": moment,
                    "name": name,
                },
            ],
        )
    return quote


def portal_quote_refuse(*, user: PortalUser, quote: Quote, reason: str, ip: str | None) -> Quote:
    """The customer refuses the quote, with an optional reason."""
    reason = (reason or "").strip()
    if len(reason) > REFUSAL_REASON_MAX:
        raise ValidationError(
            {
                "reason": _("Le motif tient en %(max)d caractères au plus.")
                % {"max": REFUSAL_REASON_MAX}
            }
        )
    with transaction.atomic():
        _check_answerable(quote)
        quote_services.quote_refuse(
            quote=quote,
            by=None,
            refusal_reason=reason,
            answer_name=(user.name or user.email)[:ANSWER_NAME_MAX],
            answer_ip=answer_ip_of(ip),
        )
        moment = date_format(timezone.localtime(quote.refused_at), "SHORT_DATETIME_FORMAT")
        lines = [
            _("Le devis %(number)s a été refusé le %(moment)s.")
            % {"number": quote.number, "moment": moment}
        ]
        lines.append(
            _("Motif : %(reason)s") % {"reason": reason} if reason else _("Aucun motif indiqué.")
        )
        _office_notify(
            quote=quote,
            user=user,
            subject=_("Devis %(number)s refusé sur l'espace client") % {"number": quote.number},
            lines=lines,
        )
    return quote
