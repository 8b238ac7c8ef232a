"""The portal's writes: accesses, their one-time links, passwords, the calendar feed's
secret, and the messages customers write. Each runs in one transaction; its e-mails go
through the outbox and leave after commit."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from creneau.core.models import AuditEvent, Company, OutboxEmail
from creneau.core.selectors import emails_for
from creneau.core.services import audit_record, email_queue
from creneau.customers.models import Customer, Site
from creneau.portal.models import PortalMessage, PortalToken, PortalUser

TOKEN_BYTES = 32
# "Mot de passe oublié" sends at most this many e-mails to one access per hour, whoever
# asks: counted in the outbox (the e-mails related to the access), so that the form cannot
# be used to flood someone's mailbox, and shared by every server process.
RESET_EMAILS_PER_HOUR = 3


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def portal_url(path: str) -> str:
    """An absolute link for an e-mail, on settings.PUBLIC_BASE_URL (never the Host
    header of the request, which a stranger chooses)."""
    return settings.PUBLIC_BASE_URL + path


def _audit(user: PortalUser, by: User | None, message: str) -> None:
    audit_record(
        by=by,
        action=AuditEvent.Action.OTHER,
        instance=user,
        customer=user.customer,
        message=message,
    )


# Accesses ----------------------------------------------------------------------------


def portal_access_create(
    *,
    customer: Customer,
    email: str,
    site: Site | None = None,
    name: str = "",
    by: User | None,
    send_invitation: bool = True,
) -> PortalUser:
    """Give `email` an access to the customer's whole account, or to `site` only. The
    access has no password until its invitation link is used."""
    if site is not None and site.customer_id != customer.pk:
        raise ValidationError({"site_id": _("Ce site appartient à un autre client.")})
    user = PortalUser(customer=customer, site=site, email=(email or "").strip(), name=name)
    user.email = PortalUser.objects.normalize_email(user.email).lower()
    user.set_unusable_password()
    user.created_by = by if by is not None and by.is_authenticated else None
    user.full_clean()
    try:
        with transaction.atomic():
            user.save()
            _audit(user, by, _("Accès au portail créé : %(email)s") % {"email": user.email})
            if send_invitation:
                portal_invitation_send(user=user, by=by)
    except IntegrityError as error:
        # Two offices giving the same e-mail at once: the unique index decides.
        raise ValidationError(
            {"email": _("Cette adresse e-mail a déjà un accès au portail.")}
        ) from error
    return user


def portal_access_disable(*, user: PortalUser, by: User | None) -> PortalUser:
    """Close an access: its sessions end at their next page, its links and its calendar
    feed stop working. It stays listed, and can be invited again."""
    with transaction.atomic():
        user = PortalUser.objects.select_for_update().get(pk=user.pk)
        user.is_active = False
        user.ical_token = ""
        user.save(update_fields=["is_active", "ical_token"])
        _spend_tokens(user)
        _audit(user, by, _("Accès au portail désactivé : %(email)s") % {"email": user.email})
    return user


def portal_access_delete(*, user: PortalUser, by: User | None) -> None:
    with transaction.atomic():
        _audit(user, by, _("Accès au portail supprimé : %(email)s") % {"email": user.email})
        user.delete()


# One-time links ----------------------------------------------------------------------


def _spend_tokens(user: PortalUser) -> None:
    PortalToken.objects.filter(user=user, used_at__isnull=True).update(used_at=timezone.now())


def _token_make(user: PortalUser, purpose: str, lifetime: timedelta) -> str:
    """A new link's secret; the earlier links of the user are spent."""
    _spend_tokens(user)
    raw = secrets.token_urlsafe(TOKEN_BYTES)
    now = timezone.now()
    PortalToken.objects.create(
        user=user,
        purpose=purpose,
        token_hash=_hash(raw),
        created_at=now,
        expires_at=now + lifetime,
    )
    return raw


def portal_token_user(raw: str, purpose: str) -> PortalUser | None:
    """The active user of an unspent, unexpired link, or None."""
    if not raw or len(raw) > 100:
        return None
    token = (
        PortalToken.objects.select_related("user__customer")
        .filter(
            token_hash=_hash(raw),
            purpose=purpose,
            used_at__isnull=True,
            expires_at__gt=timezone.now(),
            user__is_active=True,
            # A closed customer's accesses cannot log in: their links open nothing either.
            user__customer__is_active=True,
        )
        .first()
    )
    return token.user if token is not None else None


def portal_invitation_send(*, user: PortalUser, by: User | None) -> OutboxEmail:
    """E-mail the access a link to choose its password, valid PORTAL_INVITATION_DAYS.
    Sending again spends the earlier link; an access that was disabled is active again."""
    company = Company.load()
    with transaction.atomic():
        user = PortalUser.objects.select_for_update().select_related("customer").get(pk=user.pk)
        raw = _token_make(
            user,
            PortalToken.Purpose.INVITATION,
            timedelta(days=settings.PORTAL_INVITATION_DAYS),
        )
        user.is_active = True
        user.invited_at = timezone.now()
        user.save(update_fields=["is_active", "invited_at"])
        link = portal_url(reverse("portal:invitation", args=[raw]))
        body = _(
            "Bonjour,\n\n"
            "%(company)s vous ouvre un accès à son espace client : vous y suivrez les "
            "passages prévus et réalisés, vos factures et vos devis.\n\n"
            "Pour choisir votre mot de passe, ouvrez ce lien (valable %(days)s jours, "
            "une seule fois) :\n%(link)s\n\n"
            "Votre identifiant sera votre adresse e-mail : %(email)s\n\n"
            "Si vous n'attendiez pas ce message, ignorez-le.\n\n%(company)s"
        ) % {
            "company": company.legal_name or "Créneau",
            "days": settings.PORTAL_INVITATION_DAYS,
            "link": link,
            "email": user.email,
        }
        email = email_queue(
            to=[user.email],
            subject=_("Votre accès à l'espace client %(company)s")
            % {"company": company.legal_name or "Créneau"},
            body=body,
            by=by,
            customer_id=user.customer_id,
            related=user,
        )
        _audit(user, by, _("Invitation au portail envoyée à %(email)s") % {"email": user.email})
    return email


def portal_reset_request(*, email: str) -> None:
    """ "Mot de passe oublié": e-mail a reset link to an active access that has this
    address. Says nothing either way, so that nobody learns which e-mails have an
    access; an access still waiting for its invitation gets a new invitation."""
    email = (email or "").strip()
    if not email or len(email) > 254:
        return
    user = PortalUser.objects.filter(
        email__iexact=email, is_active=True, customer__is_active=True
    ).first()
    if user is None:
        return
    recent = emails_for(user).filter(created_at__gte=timezone.now() - timedelta(hours=1))
    if recent.count() >= RESET_EMAILS_PER_HOUR:
        return
    if not user.has_usable_password():
        portal_invitation_send(user=user, by=None)
        return
    company = Company.load()
    with transaction.atomic():
        raw = _token_make(
            user, PortalToken.Purpose.RESET, timedelta(hours=settings.PORTAL_RESET_HOURS)
        )
        link = portal_url(reverse("portal:reset", args=[raw]))
        body = _(
            "Bonjour,\n\n"
            "Pour choisir un nouveau mot de passe pour votre espace client, ouvrez ce lien "
            "(valable %(hours)s heures, une seule fois) :\n%(link)s\n\n"
            "Si vous n'avez rien demandé, ignorez ce message : votre mot de passe ne "
            "change pas.\n\n%(company)s"
        ) % {
            "hours": settings.PORTAL_RESET_HOURS,
            "link": link,
            "company": company.legal_name or "Créneau",
        }
        email_queue(
            to=[user.email],
            subject=_("Nouveau mot de passe pour votre espace client"),
            body=body,
            customer_id=user.customer_id,
            related=user,
        )


def portal_password_set(*, raw_token: str, purpose: str, password: str) -> PortalUser:
    """Set the password of the link's user, with Django's validators, and spend the link
    (and every other link of the user)."""
    with transaction.atomic():
        user = portal_token_user(raw_token, purpose)
        if user is None:
            raise ValidationError(_("Ce lien n'est plus valable. Demandez-en un nouveau."))
        user = PortalUser.objects.select_for_update().get(pk=user.pk)
        validate_password(password, user=user)
        user.set_password(password)
        user.save(update_fields=["password"])
        _spend_tokens(user)
    return user


def portal_password_change(*, user: PortalUser, old: str, new: str) -> PortalUser:
    if not user.check_password(old):
        raise ValidationError({"old_password": _("Le mot de passe actuel est incorrect.")})
    validate_password(new, user=user)
    with transaction.atomic():
        user.set_password(new)
        user.save(update_fields=["password"])
        _spend_tokens(user)
    return user


# Calendar feed -----------------------------------------------------------------------


def portal_ical_renew(*, user: PortalUser) -> PortalUser:
    """A new secret address for the feed; the old one answers 404 from now on."""
    user.ical_token = secrets.token_urlsafe(32)
    user.save(update_fields=["ical_token"])
    return user


def portal_ical_revoke(*, user: PortalUser) -> PortalUser:
    user.ical_token = ""
    user.save(update_fields=["ical_token"])
    return user


# Messages ----------------------------------------------------------------------------


def portal_message_create(
    *, user: PortalUser, subject: str, body: str, site: Site | None = None
) -> PortalMessage:
    """ "Nous écrire": an observation on the customer's record, e-mailed to the office
    (the company's address), with replies going to the customer."""
    if site is not None and not (
        site.customer_id == user.customer_id and user.site_id in (None, site.pk)
    ):
        raise ValidationError({"site": _("Choisissez un de vos sites.")})
    message = PortalMessage(
        customer=user.customer,
        user=user,
        author_email=user.email,
        site=site if site is not None else user.site,
        subject=" ".join((subject or "").split()),
        body=(body or "").strip(),
    )
    message.full_clean()
    company = Company.load()
    with transaction.atomic():
        message.save()
        audit_record(
            by=None,
            action=AuditEvent.Action.OTHER,
            instance=message,
            customer=user.customer,
            message=_("Message reçu du portail : %(subject)s") % {"subject": message.subject},
        )
        if company.email:
            customer = user.customer
            where = f" \u2013 {message.site.name}" if message.site_id else ""
            email_queue(
                to=[company.email],
                subject=_("Portail : %(customer)s \u2013 %(subject)s")
                % {"customer": customer.name, "subject": message.subject},
                body=_(
                    "Message de %(email)s (client %(customer)s, %(code)s%(where)s), "
                    "reçu sur le portail :\n\n%(body)s\n\n"
                    "Il est rangé dans les observations de la fiche du client."
                )
                % {
                    "email": user.email,
                    "customer": customer.name,
                    "code": customer.code,
                    "where": where,
                    "body": message.body,
                },
                customer_id=customer.pk,
                related=message,
                reply_to=[user.email],
            )
    return message
