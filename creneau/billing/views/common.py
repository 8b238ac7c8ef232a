"""What the invoice pages share: who may read and write, and service errors at the fields."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

from creneau.billing.rules import user_may_issue_invoices, user_sees_invoices


def require_reader(request: HttpRequest) -> None:
    """Planning and intervenants read no invoice: the pages do not exist for them."""
    if not user_sees_invoices(request.user):
        raise Http404


def require_writer(request: HttpRequest) -> None:
    """Drafts, issuing and credit notes: direction and accounting (fetch the invoice first:
    another rep's invoice answers 404 before this 403)."""
    if not user_may_issue_invoices(request.user):
        raise PermissionDenied(_("Votre rôle ne permet pas de faire des factures ni des avoirs."))


def flash_errors(request: HttpRequest, error: ValidationError) -> None:
    messages.error(request, " ".join(error.messages))


def errors_to_form(form, error: ValidationError) -> None:
    """A service's ValidationError at the form's fields it names, the rest above the form."""
    if hasattr(error, "error_dict"):
        for name, messages_ in error.message_dict.items():
            form.add_error(name if name in form.fields else None, messages_)
    else:
        form.add_error(None, error.messages)
