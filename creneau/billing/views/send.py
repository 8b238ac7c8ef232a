"""Sending an invoice again by hand: the recipients (prefilled), the subject and the
message, then the outbox (billing:send)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from creneau.billing.models import Invoice
from creneau.billing.rules import user_may_issue_invoices
from creneau.billing.selectors import invoice_get
from creneau.billing.sending import (
    MAX_RECIPIENTS,
    invoice_email_defaults,
    invoice_recipients_for,
    invoice_send,
)
from creneau.core.text import EMAIL_BODY_MAX_LENGTH
from creneau.core.widgets import Textarea
from creneau.customers.models import Contact

OTHER_ADDRESSES_MAX_LENGTH = MAX_RECIPIENTS * 255


class InvoiceSendForm(forms.Form):
    """Who receives the invoice, and the e-mail's subject and message (prefilled)."""

    recipients = forms.MultipleChoiceField(
        label=gettext_lazy("Destinataires"),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    other = forms.CharField(
        label=gettext_lazy("Autres adresses"),
        max_length=OTHER_ADDRESSES_MAX_LENGTH,
        required=False,
        help_text=gettext_lazy("Séparées par des virgules."),
        widget=forms.TextInput(
            attrs={"class": "form-control", "placeholder": "prenom.nom@exemple.fr"}
        ),
    )
    subject = forms.CharField(
        label=gettext_lazy("Objet"),
        max_length=255,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    message = forms.CharField(
        label=gettext_lazy("Message"),
        max_length=EMAIL_BODY_MAX_LENGTH,
        widget=Textarea(attrs={"class": "form-control", "rows": 10}),
    )

    def __init__(self, *args, recipient_choices: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recipients"].choices = recipient_choices

    def addresses(self) -> list[str]:
        typed = (self.cleaned_data.get("other") or "").replace(";", ",").split(",")
        picked = self.cleaned_data.get("recipients", [])
        return [*picked, *(address.strip() for address in typed if address.strip())]


def recipient_choices(invoice: Invoice) -> list[tuple[str, str]]:
    """The group's recipients (or the customer's e-mail) first, then the other contacts."""
    choices: list[tuple[str, str]] = []
    seen: set[str] = set()

    def add(email: str, label: str) -> None:
        if email and email.lower() not in seen:
            seen.add(email.lower())
            choices.append((email, label))

    for address in invoice_recipients_for(invoice):
        add(address, address)
    add(invoice.customer.email, f"{invoice.customer.name} <{invoice.customer.email}>")
    for contact in (
        Contact.objects.filter(customer=invoice.customer).exclude(email="").order_by("name", "id")
    ):
        add(contact.email, f"{contact.name} ({contact.get_role_display()}) <{contact.email}>")
    return choices


def invoice_page_url(invoice: Invoice) -> str:
    return reverse("billing:detail", args=[invoice.pk])


def _errors_to_form(form: InvoiceSendForm, error: ValidationError) -> None:
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, field_messages in error.message_dict.items():
        target = "other" if field in ("to", "cc") else field
        for message in field_messages:
            form.add_error(target if target in form.fields else None, message)


def invoice_send_view(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = invoice_get(user=request.user, pk=pk)
    if not user_may_issue_invoices(request.user):
        raise PermissionDenied
    if invoice.is_draft:
        messages.error(request, _("Une facture en brouillon ne s'envoie pas : émettez-la d'abord."))
        return redirect(invoice_page_url(invoice))
    choices = recipient_choices(invoice)
    if request.method == "POST":
        form = InvoiceSendForm(request.POST, recipient_choices=choices)
        if form.is_valid():
            try:
                invoice_send(
                    invoice=invoice,
                    by=request.user,
                    to=form.addresses(),
                    subject=form.cleaned_data["subject"],
                    body=form.cleaned_data["message"],
                )
            except ValidationError as error:
                _errors_to_form(form, error)
            else:
                messages.success(
                    request,
                    _(
                        "L'e-mail de la facture part dans un instant : la date d'envoi est "
                        "notée dès que le serveur d'envoi l'a accepté."
                    ),
                )
                return redirect(invoice_page_url(invoice))
    else:
        subject, body = invoice_email_defaults(invoice=invoice, by=request.user)
        initial = {
            "recipients": invoice_recipients_for(invoice),
            "subject": subject,
            "message": body,
        }
        form = InvoiceSendForm(initial=initial, recipient_choices=choices)
    context = {"invoice": invoice, "form": form, "back_url": invoice_page_url(invoice)}
    return render(request, "billing/invoice_send.html", context)
