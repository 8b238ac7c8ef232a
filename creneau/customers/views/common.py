"""What the record's views share: the record page around a tab, permissions, htmx answers.

A tab is a partial view (see tabs.py). It answers:
- an htmx request with the partial alone (plus the flash messages, out of band);
- the record page's first paint (tab_html: an htmx GET made inside the server) with the
  partial alone, which the page places in its pane;
- any other request (no JavaScript, a bookmarked URL) with the whole record page, that tab
  open; so every tab URL, form included, also works as a plain page.
"""

from __future__ import annotations

import copy
from typing import Any

from django.contrib import messages
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import resolve, reverse
from django.utils.cache import patch_vary_headers
from django.utils.module_loading import import_string
from django_htmx.middleware import HtmxDetails

from creneau.core.roles import Role, user_is_direction, user_role
from creneau.customers.models import Customer
from creneau.customers.selectors import user_sees_invoices
from creneau.customers.tabs import RECORD_TABS, RecordTab

AnyUser = AbstractBaseUser | AnonymousUser

# Set on the request while the record page renders its open tab through the tab's view.
INLINE_TAB = "_creneau_inline_tab"


def require_permission(user: AnyUser, permission: str) -> None:
    """403 for a visible object that the user's role may not change (fetch it first: an
    invisible one answers 404 before this)."""
    if not user.has_perm(permission):
        raise PermissionDenied


def visible_tabs(user: AnyUser) -> list[RecordTab]:
    return [
        tab
        for tab in RECORD_TABS
        if (not tab.permission or user.has_perm(tab.permission))
        and (not tab.rule or import_string(tab.rule)(user))
    ]


def record_url(customer: Customer, tab: str = "") -> str:
    url = reverse("customers:detail", kwargs={"pk": customer.pk})
    return f"{url}?tab={tab}" if tab else url


def may_change_activity(user: AnyUser, customer: Customer) -> bool:
    """Direction, or the customer's own sales rep, deactivates and reactivates a customer."""
    if user_is_direction(user):
        return True
    return user_role(user) == Role.SALES and customer.sales_rep_id == user.pk


def header_context(request: HttpRequest, customer: Customer) -> dict[str, Any]:
    context = {
        "customer": customer,
        "may_change_activity": may_change_activity(request.user, customer),
    }
    if user_sees_invoices(request.user):
        # The balance at a glance; payments is below customers, so it is read at call time.
        context["account"] = import_string("creneau.payments.selectors.customer_balance")(customer)
    return context


def record_page(
    request: HttpRequest, customer: Customer, *, active: str, pane_html: str
) -> HttpResponse:
    """The whole record page: header, tabs, and the open tab's already rendered partial."""
    tabs = visible_tabs(request.user)
    context = {
        **header_context(request, customer),
        "tabs": [
            {
                "key": tab.key,
                "label": tab.label,
                "url": reverse(tab.url_name, kwargs={"pk": customer.pk}),
                "record_url": record_url(customer, tab.key),
                "active": tab.key == active,
            }
            for tab in tabs
        ],
        "pane_html": pane_html,
    }
    response = render(request, "customers/customer_detail.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def tab_html(request: HttpRequest, customer: Customer, tab: RecordTab) -> str:
    """Render a tab through its own view, for the record page's first paint.

    The view sees an htmx GET, as when the tab is clicked, so any tab view that answers
    htmx with its partial (the contract of tabs.py) can be painted inline.
    """
    url = reverse(tab.url_name, kwargs={"pk": customer.pk})
    match = resolve(url)
    inner = copy.copy(request)
    inner.method = "GET"
    inner.META = {**request.META, "HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "tab-pane"}
    inner.__dict__.pop("headers", None)  # a cached_property, rebuilt from META
    inner.htmx = HtmxDetails(inner)
    setattr(inner, INLINE_TAB, True)
    response = match.func(inner, *match.args, **match.kwargs)
    return response.content.decode()


def add_tab_messages(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Append the pending flash messages, out of band, to a tab's htmx answer.

    Every tab answer replaces the page's messages, so that a confirmation shows once and
    goes when the user opens another tab (an empty list clears the one on screen). Only
    into the record's pane (a page without it may have no #messages either), and not on
    the record's first paint: the page itself shows them there.
    """
    in_pane = request.htmx and request.htmx.target == "tab-pane"
    if in_pane and not getattr(request, INLINE_TAB, False):
        response.content += render_to_string(
            "components/htmx_messages.html", request=request
        ).encode()
        patch_vary_headers(response, ["HX-Request"])
    return response


def respond_tab(
    request: HttpRequest,
    customer: Customer,
    *,
    tab: str,
    template: str,
    context: dict[str, Any],
    refresh_header: bool = False,
) -> HttpResponse:
    """Answer a tab's view (see the module docstring). refresh_header re-renders the record's
    header too, after a change that it shows (name, phone, active...)."""
    html = render_to_string(template, {"customer": customer, **context}, request)
    if getattr(request, INLINE_TAB, False):
        return HttpResponse(html)
    if not request.htmx:
        return record_page(request, customer, active=tab, pane_html=html)
    html += render_to_string(
        "components/htmx_messages.html", request=request
    )  # see add_tab_messages
    if refresh_header:
        html += render_to_string(
            "customers/_record_header.html",
            {**header_context(request, customer), "oob": True},
            request,
        )
    response = HttpResponse(html)
    patch_vary_headers(response, ["HX-Request"])
    return response


def respond_saved(
    request: HttpRequest,
    customer: Customer,
    *,
    message: str,
    tab: str,
    template: str,
    context: dict[str, Any],
    refresh_header: bool = False,
) -> HttpResponse:
    """After a successful write: the tab again with a short confirmation (htmx), or a
    redirect to the record on that tab (a plain form post), so a reload does not post twice."""
    messages.success(request, message)
    if not request.htmx:
        return redirect(record_url(customer, tab))
    return respond_tab(
        request,
        customer,
        tab=tab,
        template=template,
        context=context,
        refresh_header=refresh_header,
    )
