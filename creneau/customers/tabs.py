"""The tabs of the customer record. Each module that hangs something off the record adds
one entry here; a tab of a module not built yet simply is not listed.

Each tab is a partial view, loaded (and saved) on its own with HTMX, that takes the
customer's pk as `pk` and applies the visibility rule itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class RecordTab:
    key: str
    label: str
    url_name: str  # reversed with kwargs={"pk": customer.pk}
    permission: str = ""  # a Django permission the user needs to see the tab, if any
    rule: str = ""  # or the dotted path of a rule (user -> bool) of the tab's app


RECORD_TABS: list[RecordTab] = [
    RecordTab("general", _("Général"), "customers:tab_general"),
    RecordTab("sites", _("Sites"), "customers:tab_sites"),
    RecordTab("planning", _("Planning"), "planning:tab_customer"),
    RecordTab("contacts", _("Interlocuteurs"), "customers:tab_contacts"),
    RecordTab("notes", _("Observations"), "customers:tab_notes"),
    RecordTab("quotes", _("Devis"), "quotes:tab_customer"),
    RecordTab(
        "invoices",
        _("Factures et règlements"),
        "payments:tab_customer",
        rule="creneau.payments.rules.user_sees_payments",
    ),
    RecordTab(
        "sepa",
        _("Prélèvement SEPA"),
        "payments:tab_mandates",
        rule="creneau.payments.rules.user_sees_mandates",
    ),
    RecordTab("documents", _("Documents"), "customers:tab_documents"),
    RecordTab(
        "portal",
        _("Portail"),
        "portal_staff:tab",
        rule="creneau.portal.rules.user_sees_portal_accesses",
    ),
    RecordTab("history", _("Historique"), "customers:tab_history"),
]
