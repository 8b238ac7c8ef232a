"""The office's form to give a customer's contact an access to the portal."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from creneau.core.text import NAME_MAX_LENGTH
from creneau.customers.models import Customer, Site
from creneau.portal.selectors_staff import portal_access_sites

WHOLE_ACCOUNT = ""


class PortalAccessForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail"),
        max_length=254,
        widget=forms.EmailInput(attrs={"class": "form-control", "autocomplete": "off"}),
    )
    name = forms.CharField(
        label=_("Nom"),
        max_length=NAME_MAX_LENGTH,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control", "placeholder": _("Facultatif")}),
    )
    scope = forms.ChoiceField(
        label=_("Accès à"),
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    send_invitation = forms.BooleanField(
        label=_("Envoyer l'invitation"),
        required=False,
        initial=True,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args, customer: Customer, **kwargs) -> None:
        kwargs.setdefault("auto_id", "portal_access_%s")
        super().__init__(*args, **kwargs)
        self.sites = {site.pk: site for site in portal_access_sites(customer=customer)}
        self.fields["scope"].choices = [
            (WHOLE_ACCOUNT, _("Tout le compte")),
            *[
                (str(site.pk), _("Le site %(name)s seulement") % {"name": site.name})
                for site in self.sites.values()
            ],
        ]

    def clean_scope(self) -> Site | None:
        value = self.cleaned_data.get("scope") or WHOLE_ACCOUNT
        if value == WHOLE_ACCOUNT:
            return None
        return self.sites[int(value)]  # ChoiceField already refused any other value
