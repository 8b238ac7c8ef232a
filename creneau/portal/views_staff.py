"""The back office's side of the portal: the customer record's "Portail" tab and its
actions (give an access, resend its invitation, disable, unlock, delete).

Every view starts from the visibility rule (customer_get: another rep's customer answers
404), then the write rule (403), then finds the access among this customer's (404).
The tab is an HTMX partial of the record and a whole record page without HTMX, as every
record tab (customers.views.common).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from creneau.customers.models import Customer
from creneau.customers.selectors import customer_get
from creneau.customers.views.common import respond_saved, respond_tab
from creneau.portal import services
from creneau.portal.auth import portal_unlock
from creneau.portal.forms_staff import PortalAccessForm
from creneau.portal.models import PortalUser
from creneau.portal.rules import user_may_manage_portal_accesses, user_sees_portal_accesses
from creneau.portal.selectors_staff import (
    portal_access_get,
    portal_access_rows,
    portal_messages_count,
    portal_messages_of,
)

TAB = "portal"
TEMPLATE = "portal_staff/tab.html"


def _customer(request: HttpRequest, pk: int) -> Customer:
    customer = customer_get(user=request.user, pk=pk)
    if not user_sees_portal_accesses(request.user):
        raise Http404
    return customer


def _manager_customer(request: HttpRequest, pk: int) -> Customer:
    customer = _customer(request, pk)
    if not user_may_manage_portal_accesses(request.user):
        raise PermissionDenied(_("Votre rôle ne permet pas de gérer les accès au portail."))
    return customer


def _access(customer: Customer, access_pk: int) -> PortalUser:
    access = portal_access_get(customer=customer, pk=access_pk)
    if access is None:
        raise Http404
    return access


def _context(request: HttpRequest, customer: Customer, form: PortalAccessForm | None = None):
    can_manage = user_may_manage_portal_accesses(request.user)
    if form is None and can_manage:
        form = PortalAccessForm(customer=customer)
    return {
        "rows": portal_access_rows(customer=customer),
        "form": form,
        "can_manage": can_manage,
        "portal_messages": portal_messages_of(customer=customer),
        "portal_messages_count": portal_messages_count(customer=customer),
    }


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
def tab_portal(request: HttpRequest, pk: int) -> HttpResponse:
    """The record's "Portail" tab: the accesses, the form to give one, the messages."""
    customer = _customer(request, pk)
    return respond_tab(
        request, customer, tab=TAB, template=TEMPLATE, context=_context(request, customer)
    )


@require_POST
def access_create(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _manager_customer(request, pk)
    form = PortalAccessForm(request.POST, customer=customer)
    if form.is_valid():
        data = form.cleaned_data
        try:
            access = services.portal_access_create(
                customer=customer,
                email=data["email"],
                name=data["name"],
                site=data["scope"],
                by=request.user,
                send_invitation=data["send_invitation"],
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            if data["send_invitation"]:
                message = _("Accès donné à %(email)s ; invitation envoyée.")
            else:
                message = _("Accès donné à %(email)s (sans invitation pour l'instant).")
            return _saved(request, customer, message % {"email": access.email})
    return respond_tab(
        request, customer, tab=TAB, template=TEMPLATE, context=_context(request, customer, form)
    )


def _form_errors(form: PortalAccessForm, error: ValidationError) -> None:
    names = {"site": "scope", "site_id": "scope"}
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        field = names.get(field, field)
        form.add_error(field if field in form.fields else None, errors)


@require_POST
def access_invite(request: HttpRequest, pk: int, access_pk: int) -> HttpResponse:
    """Send the invitation again: a new link, the earlier one spent."""
    customer = _manager_customer(request, pk)
    access = _access(customer, access_pk)
    services.portal_invitation_send(user=access, by=request.user)
    return _saved(request, customer, _("Invitation envoyée à %(email)s.") % {"email": access.email})


@require_POST
def access_disable(request: HttpRequest, pk: int, access_pk: int) -> HttpResponse:
    customer = _manager_customer(request, pk)
    access = _access(customer, access_pk)
    services.portal_access_disable(user=access, by=request.user)
    return _saved(request, customer, _("Accès de %(email)s désactivé.") % {"email": access.email})


@require_POST
def access_unlock(request: HttpRequest, pk: int, access_pk: int) -> HttpResponse:
    """Forget the failed logins of the access's e-mail (axes)."""
    customer = _manager_customer(request, pk)
    access = _access(customer, access_pk)
    portal_unlock(access)
    return _saved(request, customer, _("Accès de %(email)s débloqué.") % {"email": access.email})


@require_POST
def access_delete(request: HttpRequest, pk: int, access_pk: int) -> HttpResponse:
    customer = _manager_customer(request, pk)
    access = _access(customer, access_pk)
    email = access.email
    services.portal_access_delete(user=access, by=request.user)
    return _saved(request, customer, _("Accès de %(email)s supprimé.") % {"email": email})
