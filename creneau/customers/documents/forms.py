"""Forms of the Documents tab: what to attach files as, how to change one, how to filter."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from creneau.customers.documents.selectors import customer_document_sites
from creneau.customers.models import Customer, Document, Site

NOTE_MAX_LENGTH = Document._meta.get_field("note").max_length


def portal_visible_field(css: str = "form-check-input") -> forms.BooleanField:
    return forms.BooleanField(
        label=_("Visible sur le portail"),
        required=False,
        help_text=_("Le client peut le télécharger depuis son portail."),
        widget=forms.CheckboxInput(attrs={"class": css}),
    )


class _CustomerSitesMixin:
    """A `site` field limited to the customer's sites."""

    def _limit_sites(self, customer: Customer) -> None:
        self.fields["site"].queryset = customer_document_sites(customer=customer)


class DocumentUploadForm(_CustomerSitesMixin, forms.Form):
    """The kind, site and note given to the files about to be dropped (or picked)."""

    kind = forms.ChoiceField(
        label=_("Type"),
        choices=Document.Kind.choices,
        initial=Document.Kind.OTHER,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    site = forms.ModelChoiceField(
        label=_("Site"),
        queryset=Site.objects.none(),
        required=False,
        empty_label=_("Aucun site"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=NOTE_MAX_LENGTH,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control", "placeholder": _("Facultative")}),
    )
    portal_visible = portal_visible_field()

    def __init__(self, *args, customer: Customer, **kwargs) -> None:
        kwargs.setdefault("auto_id", "document_upload_%s")  # unique ids beside the filters
        super().__init__(*args, **kwargs)
        self._limit_sites(customer)


class DocumentEditForm(_CustomerSitesMixin, forms.Form):
    """Rename a document, change its kind, its site, its note or its sharing on the portal."""

    name = forms.CharField(
        label=_("Nom"),
        max_length=Document._meta.get_field("name").max_length,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )
    kind = forms.ChoiceField(
        label=_("Type"),
        choices=Document.Kind.choices,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    site = forms.ModelChoiceField(
        label=_("Site"),
        queryset=Site.objects.none(),
        required=False,
        empty_label=_("Aucun site"),
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=NOTE_MAX_LENGTH,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )
    portal_visible = portal_visible_field()

    def __init__(self, *args, document: Document, **kwargs) -> None:
        kwargs.setdefault(
            "initial",
            {
                "name": document.name,
                "kind": document.kind,
                "site": document.site_id,
                "note": document.note,
                "portal_visible": document.portal_visible,
            },
        )
        kwargs.setdefault("auto_id", f"document{document.pk}_%s")  # several rows may be open
        super().__init__(*args, **kwargs)
        self._limit_sites(document.customer)


class DocumentFilterForm(forms.Form):
    """Filters above the list; they live in the query string."""

    kind = forms.ChoiceField(
        label=_("Type"),
        required=False,
        choices=[("", _("Tous les types")), *Document.Kind.choices],
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    site = forms.ChoiceField(
        label=_("Site"),
        required=False,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )

    def __init__(self, *args, customer: Customer, sites: list | None = None, **kwargs) -> None:
        kwargs.setdefault("auto_id", "documents_filter_%s")
        super().__init__(*args, **kwargs)
        if sites is None:
            sites = list(customer_document_sites(customer=customer))
        self.fields["site"].choices = [
            ("", _("Tous les sites")),
            ("none", _("Sans site")),
            *[(str(site.pk), site.name) for site in sites],
        ]
