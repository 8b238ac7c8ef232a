"""The client portal's own users (Pass Web), their one-time links and their messages.

A portal user is not a staff user: it is a model of its own, never AUTH_USER_MODEL, so
that no staff page, permission or API token can ever be reached with its login. It
borrows Django's AbstractBaseUser for the password (Argon2 through PASSWORD_HASHERS) and
last_login only; the session is kept by creneau.portal.auth.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from creneau.core.models import CleanTextMixin, LimitedTextField
from creneau.core.text import NAME_MAX_LENGTH, NOTES_MAX_LENGTH
from creneau.customers.models import Customer, Site

MESSAGE_SUBJECT_MAX_LENGTH = 150


class PortalUserManager(BaseUserManager):
    pass


class PortalUser(CleanTextMixin, AbstractBaseUser):
    """One access to the portal: a person who sees a customer's whole account, or only one
    of its sites (a building's caretaker) when `site` is set."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("client"), on_delete=models.CASCADE, related_name="portal_users"
    )
    site = models.ForeignKey(
        Site,
        verbose_name=_("site"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="portal_users",
        help_text=_("Vide : tout le compte du client. Un site : ce site seulement."),
    )
    email = models.EmailField(_("e-mail"), max_length=254)
    name = models.CharField(_("nom"), max_length=NAME_MAX_LENGTH, blank=True)
    is_active = models.BooleanField(_("actif"), default=True)
    # The secret of the calendar feed (/portail/calendrier/<token>.ics); empty: no feed.
    ical_token = models.CharField(max_length=64, blank=True, default="", editable=False)
    invited_at = models.DateTimeField(_("invité le"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("créé par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    objects = PortalUserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"

    class Meta:
        verbose_name = _("accès au portail")
        verbose_name_plural = _("accès au portail")
        ordering = ["customer", "site", "email", "id"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="portaluser_email_unique",
                violation_error_message=_("Cette adresse e-mail a déjà un accès au portail."),
            ),
            models.UniqueConstraint(
                fields=["ical_token"],
                condition=~models.Q(ical_token=""),
                name="portaluser_ical_token_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.email

    def clean(self) -> None:
        # Not AbstractBaseUser.clean(), which writes get_username() back into the e-mail:
        # here that is the axes name "portail:<e-mail>", and the e-mail would be lost.
        self.email = PortalUser.objects.normalize_email(self.email)

    def get_username(self) -> str:
        """The name django-axes counts this access's logins under (portal.auth): prefixed,
        so that a portal e-mail never shares a counter with a staff login."""
        return "portail:" + self.email.lower()

    @property
    def is_site_level(self) -> bool:
        return self.site_id is not None

    @property
    def has_password(self) -> bool:
        return self.has_usable_password()


class PortalToken(models.Model):
    """A one-time link to set a password: an invitation (valid 7 days) or a reset.

    Only the SHA-256 of the secret is stored, so a copy of the database opens nothing. A
    link is spent when used, and every earlier link of the same user is spent when a new
    one is made or the password is set. Written by hand rather than with Django's
    PasswordResetTokenGenerator: the portal's addresses carry one token, without the
    user's id, and an invitation lives 7 days while a reset lives one.
    """

    class Purpose(models.TextChoices):
        INVITATION = "invitation", _("Invitation")
        RESET = "reset", _("Mot de passe oublié")

    user = models.ForeignKey(PortalUser, on_delete=models.CASCADE, related_name="tokens")
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "purpose"], name="portaltoken_user_purpose")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(purpose__in=["invitation", "reset"]),
                name="portaltoken_purpose_valid",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} {self.user_id}"


class PortalMessage(CleanTextMixin, models.Model):
    """What a customer wrote from the portal ("Nous écrire"): an observation on the record,
    e-mailed to the office."""

    customer = models.ForeignKey(
        Customer,
        verbose_name=_("client"),
        on_delete=models.CASCADE,
        related_name="portal_messages",
    )
    user = models.ForeignKey(
        PortalUser,
        verbose_name=_("accès"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="messages",
    )
    author_email = models.EmailField(_("e-mail de l'auteur"))
    site = models.ForeignKey(
        Site, verbose_name=_("site"), null=True, blank=True, on_delete=models.SET_NULL
    )
    subject = models.CharField(_("objet"), max_length=MESSAGE_SUBJECT_MAX_LENGTH)
    body = LimitedTextField(_("message"), max_length=NOTES_MAX_LENGTH)
    created_at = models.DateTimeField(_("reçu le"), auto_now_add=True)

    class Meta:
        verbose_name = _("message du portail")
        verbose_name_plural = _("messages du portail")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-created_at"], name="portalmessage_customer"),
        ]

    def __str__(self) -> str:
        return self.subject
