"""From the file's rows to unsaved customers, sites, contacts and mandates, with every
problem at its row and column, in French.

The rules are the customers' and mandates' own: each object is checked by its model's
full_clean (its normalisers: phones, IBAN, BIC, SIRET, VAT number, postcode; its address
check; the billing group's validator), the RUM by the mandates' checks. What only an
import can get wrong (an unknown family, a kind in words, a date) is checked here.

The import reads the file again with the same Checker. When the file and the database
state the check read (families) are unchanged since the check (ImportBatch.checked_digest),
the Checker is `trusted`: the models' own checks, which depend only on the row, are not
run again, only their normalisers (the stored form of phones, IBAN, postcodes...); the
checks that read the database (families, RUMs taken meanwhile) run whatever the mode.

Rows of one customer follow one another: the rows that share a customer reference (or,
without one, the same name and postcode) make one customer with one site per row.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from creneau.core.models import Address, NormalisedFieldsMixin, country_choices
from creneau.core.text import strip_invisible
from creneau.core.validators import normalise_postcode
from creneau.customers.models import Contact, Customer, Family, Site
from creneau.customers.selectors import customer_name_key
from creneau.imports.fields import FIELDS_BY_NAME
from creneau.payments.mandates import default_scheme, rum_errors, rum_normalise
from creneau.payments.models import Mandate

KINDS = {
    "particulier": Customer.Kind.INDIVIDUAL,
    "individual": Customer.Kind.INDIVIDUAL,
    "part": Customer.Kind.INDIVIDUAL,
    "p": Customer.Kind.INDIVIDUAL,
    "prive": Customer.Kind.INDIVIDUAL,
    "private": Customer.Kind.INDIVIDUAL,
    "professionnel": Customer.Kind.BUSINESS,
    "business": Customer.Kind.BUSINESS,
    "pro": Customer.Kind.BUSINESS,
    "entreprise": Customer.Kind.BUSINESS,
    "societe": Customer.Kind.BUSINESS,
    "company": Customer.Kind.BUSINESS,
    "syndic": Customer.Kind.BUSINESS,
}
ROLES = {
    "direction": Contact.Role.DIRECTION,
    "directeur": Contact.Role.DIRECTION,
    "gerant": Contact.Role.DIRECTION,
    "manager": Contact.Role.DIRECTION,
    "comptabilite": Contact.Role.ACCOUNTING,
    "compta": Contact.Role.ACCOUNTING,
    "comptable": Contact.Role.ACCOUNTING,
    "accounting": Contact.Role.ACCOUNTING,
    "technique": Contact.Role.TECHNICAL,
    "technical": Contact.Role.TECHNICAL,
    "famille": Contact.Role.FAMILY,
    "family": Contact.Role.FAMILY,
}
CUSTOMER_TEXT = (
    "name",
    "street",
    "postcode",
    "city",
    "phone",
    "mobile",
    "email",
    "siret",
    "vat_number",
    "iban",
    "bic",
    "accounting_code",
    "notes",
)
SITE_TEXT = {
    "site_name": "name",
    "site_street": "street",
    "site_postcode": "postcode",
    "site_city": "city",
    "site_access_notes": "access_notes",
}
CONTACT_TEXT = {
    "contact_name": "name",
    "contact_phone": "phone",
    "contact_mobile": "mobile",
    "contact_email": "email",
}
# A cell longer than this is refused before any rule reads it.
CELL_MAX_LENGTH = 5000
EARLIEST_SIGNATURE = date(2000, 1, 1)


def _plain(value: str) -> str:
    from creneau.imports.fields import header_key

    return header_key(value)


@dataclass
class Issue:
    row: int
    column: str
    message: str


@dataclass
class Group:
    """One customer of the file: its first row, its objects, its problems."""

    key: str
    row: int
    customer: Customer
    sites: list[Site] = field(default_factory=list)
    # (contact, index of its site in `sites` or None)
    contacts: list[tuple[Contact, int | None]] = field(default_factory=list)
    mandate: Mandate | None = None
    issues: list[Issue] = field(default_factory=list)
    given: set[str] = field(default_factory=set)  # customer fields the file filled


def _text_fields(model: type) -> list[str]:
    return [
        f.attname
        for f in model._meta.concrete_fields
        if isinstance(f, models.CharField | models.TextField)
    ]


TEXT_FIELDS = {model: _text_fields(model) for model in (Customer, Site, Contact)}


def normalise_only(instance: Customer | Site | Contact, exclude: Iterable[str]) -> None:
    """What full_clean writes into the object, without its checks: invisible characters
    removed (CleanTextMixin), the normalisers (NormalisedFieldsMixin), the compact French
    postcode (check_address). For rows the check has already passed."""
    skipped = set(exclude)
    for name in TEXT_FIELDS[type(instance)]:
        value = getattr(instance, name)
        if name not in skipped and isinstance(value, str):
            setattr(instance, name, strip_invisible(value))
    errors: dict[str, list] = {}
    if isinstance(instance, NormalisedFieldsMixin):
        for name, normalise in instance.NORMALISERS.items():
            if name not in skipped:
                try:
                    setattr(instance, name, normalise(getattr(instance, name)))
                except ValidationError as error:
                    errors[name] = error.error_list
    if isinstance(instance, Address) and "postcode" not in skipped:
        instance.postcode = normalise_postcode(instance.postcode, instance.country)
    if errors:
        raise ValidationError(errors)


def parse_date(value: str) -> date | None:
    for pattern in ("%d/%m/%Y", "%Y-%m-%d", "%d/%m/%y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(value.strip(), pattern).date()  # noqa: DTZ007 (a date only)
        except ValueError:
            continue
    raise ValueError(value)


class Checker:
    """Reads rows into groups; `families` by lower-case name, `taken_rums` the RUMs that
    already exist."""

    def __init__(
        self,
        *,
        columns: dict[str, str],
        families: dict[str, Family],
        taken_rums: set[str],
        trusted: bool = False,
    ) -> None:
        self.trusted = trusted
        self.columns = {name: column for name, column in columns.items() if column}
        self.families = families
        self.taken_rums = taken_rums
        self.seen_keys: dict[str, int] = {}
        self.file_rums: set[str] = set()
        self.today = timezone.localdate()
        # The country field's choices are rebuilt on every full_clean (250 names): the
        # codes are read once, and the field checked here instead.
        self.countries = {code for code, _name in country_choices()}

    # Cells ---------------------------------------------------------------------------

    def _cell(self, row: dict[str, str], name: str) -> str:
        column = self.columns.get(name)
        return " ".join((row.get(column) or "").split()) if column else ""

    def _error(self, group: Group, row: int, name: str, message: str) -> None:
        group.issues.append(Issue(row, self.columns.get(name, ""), message))

    def _model_errors(
        self, group: Group, row: int, error: ValidationError, names: dict[str, str]
    ) -> None:
        """A model's errors, each at the column of its field (`names`: model field ->
        import field)."""
        for model_field, messages in error.message_dict.items():
            name = names.get(model_field, "")
            if name == "-":
                continue
            label = "" if name else f"{model_field} : "
            for message in messages:
                self._error(group, row, name, f"{label}{message}")

    def _validate(
        self,
        group: Group,
        row: int,
        instance: Customer | Site | Contact,
        exclude: list[str],
        names: dict[str, str],
    ) -> None:
        """The model's checks (full_clean), or, trusted, only its normalisers."""
        try:
            if self.trusted:
                normalise_only(instance, exclude)
            else:
                instance.full_clean(
                    exclude=exclude, validate_unique=False, validate_constraints=False
                )
        except ValidationError as error:
            self._model_errors(group, row, error, names)

    # Grouping ------------------------------------------------------------------------

    def _key(self, row: dict[str, str]) -> str:
        reference = self._cell(row, "reference")
        if reference:
            return f"ref:{reference.lower()}"
        return f"name:{customer_name_key(self._cell(row, 'name'))}|{self._cell(row, 'postcode')}"

    def groups(self, rows: Iterable[tuple[int, dict[str, str]]]) -> Iterator[Group]:
        """The file's customers, one at a time, each with its sites and contacts."""
        current: Group | None = None
        for number, row in rows:
            key = self._key(row)
            if current is not None and key == current.key:
                self._row_extras(current, number, row)
                continue
            if current is not None:
                yield current
            current = self._new_group(key, number, row)
        if current is not None:
            yield current

    def _new_group(self, key: str, number: int, row: dict[str, str]) -> Group:
        group = Group(key=key, row=number, customer=Customer())
        too_long = [
            name
            for name in self.columns
            if len(row.get(self.columns[name]) or "") > CELL_MAX_LENGTH
        ]
        for name in too_long:
            message = _("Texte trop long (%(max)s caractères au plus).")
            self._error(group, number, name, message % {"max": CELL_MAX_LENGTH})
        if too_long:
            return group
        if key in self.seen_keys:
            message = _(
                "Les lignes d'un même client doivent se suivre : ce client commence ligne %(row)s."
            )
            self._error(group, number, "reference", message % {"row": self.seen_keys[key]})
        self.seen_keys.setdefault(key, number)
        self._customer(group, number, row)
        self._mandate(group, number, row)
        self._row_extras(group, number, row)
        return group

    # Objects -------------------------------------------------------------------------

    def _customer(self, group: Group, number: int, row: dict[str, str]) -> None:
        customer = group.customer
        values = {name: self._cell(row, name) for name in CUSTOMER_TEXT}
        group.given = {name for name, value in values.items() if value}
        for name, value in values.items():
            setattr(customer, name, value)
        if not customer.name:
            self._error(group, number, "name", _("Nom du client manquant."))
        kind = self._cell(row, "kind")
        if kind:
            group.given.add("kind")
            customer.kind = KINDS.get(_plain(kind), "")
            if not customer.kind:
                message = _("Type inconnu « %(value)s » : particulier ou professionnel.")
                self._error(group, number, "kind", message % {"value": kind})
        else:
            customer.kind = Customer.Kind.BUSINESS if customer.siret else Customer.Kind.INDIVIDUAL
        self._customer_choices(group, number, row)
        if len(customer.postcode) == 4 and customer.postcode.isdigit():
            customer.postcode = "0" + customer.postcode  # a spreadsheet ate the leading 0
        names = {name: name for name in (*CUSTOMER_TEXT, "kind", "country", "payment_terms_days")}
        if customer.country not in self.countries:
            message = _("Pays inconnu « %(value)s » : un code ISO à 2 lettres (FR, BE...).")
            self._error(group, number, "country", message % {"value": customer.country})
            customer.country = "FR"
        exclude = ["code", "family", "sales_rep", "country"]
        self._validate(group, number, customer, exclude, names)

    def _customer_choices(self, group: Group, number: int, row: dict[str, str]) -> None:
        customer = group.customer
        family = self._cell(row, "family")
        if family:
            group.given.add("family")
            customer.family = self.families.get(family.lower())
            if customer.family is None:
                message = _("Famille inconnue « %(value)s » : créez-la dans Paramètres, Familles.")
                self._error(group, number, "family", message % {"value": family})
        country = self._cell(row, "country")
        if country:
            group.given.add("country")
            customer.country = "FR" if _plain(country) == "france" else country.upper()
        terms = self._cell(row, "payment_terms_days")
        if terms:
            group.given.add("payment_terms_days")
            if terms.isdigit() and int(terms) <= 365:
                customer.payment_terms_days = int(terms)
            else:
                message = _("Délai de paiement invalide : un nombre de jours entre 0 et 365.")
                self._error(group, number, "payment_terms_days", message)

    def _row_extras(self, group: Group, number: int, row: dict[str, str]) -> None:
        site_index = self._site(group, number, row)
        self._contact(group, number, row, site_index)

    def _site(self, group: Group, number: int, row: dict[str, str]) -> int | None:
        values = {model: self._cell(row, name) for name, model in SITE_TEXT.items()}
        group_letter = self._cell(row, "site_billing_group").upper()
        if not any(values.values()):
            if group_letter:
                self._error(group, number, "site_name", _("Nom du site manquant."))
            return None
        site = Site(billing_group=group_letter or "A", **values)
        if len(site.postcode) == 4 and site.postcode.isdigit():
            site.postcode = "0" + site.postcode
        names = {model: name for name, model in SITE_TEXT.items()}
        names["billing_group"] = "site_billing_group"
        if not (site.street or site.postcode or site.city):
            # The customer's address, whose errors are already said at its columns.
            for name in Site.ADDRESS_FIELDS:
                setattr(site, name, getattr(group.customer, name))
                names[name] = "-"
        else:
            site.country = group.customer.country
        site.name = site.name or site.city or group.customer.name
        self._validate(group, number, site, ["customer", "country"], names)
        group.sites.append(site)
        return len(group.sites) - 1

    def _contact(self, group: Group, number: int, row: dict[str, str], site: int | None) -> None:
        values = {model: self._cell(row, name) for name, model in CONTACT_TEXT.items()}
        if not any(values.values()):
            return
        if not values["name"]:
            self._error(group, number, "contact_name", _("Nom de l'interlocuteur manquant."))
            return
        role = ROLES.get(_plain(self._cell(row, "contact_role")), Contact.Role.OTHER)
        contact = Contact(role=role, **values)
        names = {m: n for n, m in CONTACT_TEXT.items()}
        self._validate(group, number, contact, ["customer", "site"], names)
        group.contacts.append((contact, site))

    def _mandate(self, group: Group, number: int, row: dict[str, str]) -> None:
        rum = rum_normalise(self._cell(row, "mandate_rum"))
        signed = self._cell(row, "mandate_signature_date")
        if not rum:
            if signed:
                self._error(group, number, "mandate_rum", _("RUM manquante pour ce mandat."))
            return
        for message in rum_errors(rum):
            self._error(group, number, "mandate_rum", message)
        if rum in self.taken_rums or rum in self.file_rums:
            self._error(
                group, number, "mandate_rum", _("Cette référence de mandat (RUM) existe déjà.")
            )
        self.file_rums.add(rum)
        mandate = Mandate(
            rum=rum, debtor_name=group.customer.name[:140], scheme=default_scheme(group.customer)
        )
        self._mandate_account(group, number, mandate)
        if signed:
            try:
                mandate.signature_date = parse_date(signed)
            except ValueError:
                message = _("Date de signature invalide : jj/mm/aaaa.")
                self._error(group, number, "mandate_signature_date", message)
            else:
                if not EARLIEST_SIGNATURE <= mandate.signature_date <= self.today:
                    message = _("La date de signature ne peut pas être dans le futur.")
                    self._error(group, number, "mandate_signature_date", message)
        group.mandate = mandate

    def _mandate_account(self, group: Group, number: int, mandate: Mandate) -> None:
        iban = re.sub(r"\s+", "", group.customer.iban or "").upper()
        if not iban:
            self._error(group, number, "iban", _("Indiquez l'IBAN du compte à débiter."))
            return
        try:
            parsed = IBAN(iban)
        except SchwiftyException:
            return  # the customer's check already says the IBAN is wrong
        if not parsed.in_sepa_zone:
            self._error(
                group,
                number,
                "iban",
                _("Ce compte n'est pas dans la zone SEPA : pas de prélèvement."),
            )
        mandate.iban = parsed.compact
        mandate.bic = group.customer.bic or (str(parsed.bic) if parsed.bic else "")


def field_label(name: str) -> str:
    return str(FIELDS_BY_NAME[name].label) if name in FIELDS_BY_NAME else name


DuplicateFinder = Callable[[Customer], int | None]
