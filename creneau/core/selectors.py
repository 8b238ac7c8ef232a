"""Reads of core data: the staff users, API tokens and the e-mail outbox."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import User
from django.db import models
from django.db.models import Q, QuerySet
from django.utils import timezone

from creneau.core.collation import french_collate
from creneau.core.models import ApiToken, OutboxEmail
from creneau.core.roles import Role, user_is_direction


def staff_list() -> QuerySet[User]:
    """Every staff account, active ones first, by name, with their role groups loaded."""
    return User.objects.prefetch_related("groups").order_by(
        "-is_active", french_collate("last_name"), french_collate("first_name"), "username"
    )


def direction_users() -> QuerySet[User]:
    """The active accounts with the direction role (superusers included)."""
    direction_members = User.groups.through.objects.filter(group__name=Role.DIRECTION)
    return User.objects.filter(is_active=True).filter(
        Q(is_superuser=True) | Q(pk__in=direction_members.values("user_id"))
    )


def api_tokens_visible_to(user: User) -> QuerySet[ApiToken]:
    """The tokens a user may see and revoke: their own; direction, everyone's. Any other
    token id answers 404, as for customers."""
    tokens = ApiToken.objects.select_related("user", "revoked_by")
    if user_is_direction(user):
        return tokens
    return tokens.filter(user=user)


def api_tokens_filter(*, state: str = "", q: str = "") -> QuerySet[ApiToken]:
    """Every user's tokens, for direction's screen: optionally one state, or a word of the
    token's name or of its user's login or names. Newest first."""
    tokens = ApiToken.objects.select_related("user", "revoked_by")
    if state == ApiToken.State.ACTIVE:
        tokens = tokens.active()
    elif state == ApiToken.State.EXPIRED:
        tokens = tokens.expired()
    elif state == ApiToken.State.REVOKED:
        tokens = tokens.revoked()
    if q := q.strip():
        tokens = tokens.filter(
            Q(name__icontains=q)
            | Q(user__username__icontains=q)
            | Q(user__first_name__icontains=q)
            | Q(user__last_name__icontains=q)
        )
    return tokens.order_by("-created_at", "-id")


def emails_for(related: models.Model) -> QuerySet[OutboxEmail]:
    """The e-mails about one object (a quote, an invoice...), newest first, with status.

    The caller has already checked that the user may see `related`.
    """
    return OutboxEmail.objects.filter(
        related_type=related._meta.model_name, related_id=str(related.pk)
    ).order_by("-created_at", "-id")


def emails_filter(*, status: str = "", q: str = "") -> QuerySet[OutboxEmail]:
    """The outbox for the E-mails screen: optionally one status, or a word of the subject
    or of a recipient."""
    emails = OutboxEmail.objects.select_related("created_by").order_by("-created_at", "-id")
    if status in OutboxEmail.Status.values:
        emails = emails.filter(status=status)
    if q := q.strip():
        emails = emails.filter(models.Q(subject__icontains=q) | models.Q(to__icontains=q))
    return emails


def emails_status_counts() -> dict[str, int]:
    """How many e-mails are in each status, for the filter's badges."""
    rows = (
        OutboxEmail.objects.order_by()
        .values_list("status")
        .annotate(count=models.Count("id"))
        .values_list("status", "count")
    )
    return dict(rows)


def emails_overdue_count(*, late_by: timedelta = timedelta(minutes=5)) -> int:
    """E-mails that should have left more than `late_by` ago: no worker is running?"""
    return OutboxEmail.objects.filter(
        status__in=[OutboxEmail.Status.PENDING, OutboxEmail.Status.RETRYING],
        next_attempt_at__lt=timezone.now() - late_by,
    ).count()
