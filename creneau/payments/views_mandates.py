"""The record's "Prélèvement SEPA" tab: the customer's mandates (status, RUM, account,
signature, last collection), created pre-filled from the record's bank details, corrected
until their first collection, revoked, and printed as the form the debtor signs.

Direction and accounting write; a sales rep reads its own customers' mandates (the IBAN
masked) and prints their forms; other roles see no tab (404)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from creneau.billing.views.common import errors_to_form
from creneau.core.models import Company
from creneau.core.pdf import pdf_response
from creneau.customers.display import iban_groups
from creneau.customers.forms import user_sees_bank_details
from creneau.customers.models import Customer
from creneau.customers.selectors import customer_get
from creneau.customers.views.common import respond_saved, respond_tab
from creneau.payments.forms_mandates import MandateForm, MandateRevokeForm
from creneau.payments.mandates import (
    default_scheme,
    expiry_date,
    mandate_create,
    mandate_revoke,
    mandate_update,
    mandates_of,
    rum_generate,
)
from creneau.payments.models import Mandate, MandateStatus
from creneau.payments.print.mandate import mandate_filename, mandate_pdf
from creneau.payments.rules import user_may_manage_mandates, user_sees_mandates
from creneau.payments.selectors_sepa import sepa_rejections_context

TAB = "sepa"
TEMPLATE = "payments/tab_mandates.html"


def _require_reader(request: HttpRequest) -> None:
    if not user_sees_mandates(request.user):
        raise Http404


def _require_manager(request: HttpRequest) -> None:
    """Fetch the customer first: another rep's answers 404 before this 403."""
    if not user_may_manage_mandates(request.user):
        raise PermissionDenied(_("Votre rôle ne permet pas de gérer les mandats de prélèvement."))


def _customer(request: HttpRequest, pk: int) -> Customer:
    customer = customer_get(user=request.user, pk=pk)
    _require_reader(request)
    return customer


def _mandate(customer: Customer, mandate_pk: int) -> Mandate:
    return get_object_or_404(
        Mandate.objects.select_related("customer"), pk=mandate_pk, customer=customer
    )


def _context(request: HttpRequest, customer: Customer, **extra) -> dict:
    mandates = list(mandates_of(customer).select_related("created_by"))
    for mandate in mandates:
        mandate.expires_on = (
            expiry_date(mandate) if mandate.status == MandateStatus.ACTIVE else None
        )
    return {
        "mandates": mandates,
        "has_active": any(m.status == MandateStatus.ACTIVE for m in mandates),
        "can_manage": user_may_manage_mandates(request.user),
        "reveal_bank": user_sees_bank_details(request.user),
        # Without the company's creditor identifier (ICS), no form can be printed right.
        "creditor_id_missing": not Company.load().sepa_creditor_id,
        "form": None,
        "editing": 0,
        "revoking": 0,
        **sepa_rejections_context(customer),
        **extra,
    }


def _respond(request: HttpRequest, customer: Customer, **extra) -> HttpResponse:
    return respond_tab(
        request, customer, tab=TAB, template=TEMPLATE, context=_context(request, customer, **extra)
    )


def _saved(request: HttpRequest, customer: Customer, message: str) -> HttpResponse:
    return respond_saved(
        request,
        customer,
        message=message,
        tab=TAB,
        template=TEMPLATE,
        context=_context(request, customer),
    )


@require_GET
def tab_mandates(request: HttpRequest, pk: int) -> HttpResponse:
    """The "Prélèvement SEPA" tab."""
    return _respond(request, _customer(request, pk))


def mandate_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A new mandate, pre-filled: a generated RUM, the record's IBAN and BIC, the scheme of
    the customer's kind, recurrent."""
    customer = _customer(request, pk)
    _require_manager(request)
    if request.method == "POST":
        form = MandateForm(request.POST)
        if form.is_valid():
            try:
                mandate = mandate_create(customer=customer, by=request.user, **form.cleaned_data)
            except ValidationError as error:
                errors_to_form(form, error)
            else:
                message = _("Mandat %(rum)s créé : imprimez-le pour signature.") % {
                    "rum": mandate.rum
                }
                return _saved(request, customer, message)
    else:
        form = MandateForm(
            initial={
                "rum": rum_generate(customer),
                "debtor_name": customer.name,
                "iban": iban_groups(customer.iban),
                "bic": customer.bic,
                "scheme": default_scheme(customer),
                "type": Mandate.Type.RECURRENT,
            }
        )
    return _respond(request, customer, form=form)


def mandate_edit(request: HttpRequest, pk: int, mandate_pk: int) -> HttpResponse:
    """Correct a mandate: everything until its first collection, then the holder's name."""
    customer = _customer(request, pk)
    mandate = _mandate(customer, mandate_pk)
    _require_manager(request)
    form = MandateForm(request.POST or None, mandate=mandate)
    if request.method == "POST" and form.is_valid():
        try:
            mandate_update(mandate=mandate, by=request.user, **form.changed_values())
        except ValidationError as error:
            errors_to_form(form, error)
        else:
            return _saved(request, customer, _("Mandat enregistré."))
    return _respond(request, customer, form=form, editing=mandate.pk)


def mandate_revoke_view(request: HttpRequest, pk: int, mandate_pk: int) -> HttpResponse:
    """Revoke a mandate (the form asks for an optional reason and date, then confirms)."""
    customer = _customer(request, pk)
    mandate = _mandate(customer, mandate_pk)
    _require_manager(request)
    form = MandateRevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            mandate_revoke(
                mandate=mandate,
                by=request.user,
                reason=form.cleaned_data["reason"],
                on=form.cleaned_data["revoked_on"],
            )
        except ValidationError as error:
            errors_to_form(form, error)
        else:
            message = _("Mandat %(rum)s révoqué.") % {"rum": mandate.rum}
            return _saved(request, customer, message)
    return _respond(request, customer, revoke_form=form, revoking=mandate.pk)


@require_GET
def mandate_form_pdf(request: HttpRequest, pk: int, mandate_pk: int) -> HttpResponse:
    """The mandate form to sign, pre-filled (PDF). A sales rep's copy masks the IBAN."""
    customer = _customer(request, pk)
    mandate = _mandate(customer, mandate_pk)
    pdf = mandate_pdf(mandate=mandate, reveal_bank=user_sees_bank_details(request.user))
    return pdf_response(pdf, mandate_filename(mandate))
