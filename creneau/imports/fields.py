"""The fields an import fills, and the column names that propose them.

Synonyms are compared without accents, capitals, spaces nor punctuation. They cover French
and English names, Dolibarr's third-party export (its field codes, `s.nom`, `s.zip`..., and
its French labels) and SoftyPlanning's client export. SoftyPlanning's documentation is not
public: its names here are the plausible French labels of its client file (Code client,
Raison sociale, CP, Ville, Tél., Portable...), which the same rules already cover.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class ImportField:
    name: str
    label: str
    group: str
    synonyms: tuple[str, ...]


def _f(name: str, label: str, group: str, *synonyms: str) -> ImportField:
    return ImportField(name, label, group, (name, *synonyms))


CUSTOMER, SITE, CONTACT, MANDATE = "customer", "site", "contact", "mandate"

FIELDS: tuple[ImportField, ...] = (
    _f("reference", _("Référence du client (ancien logiciel)"), CUSTOMER,
       "code client", "customer code", "code_client", "s.code_client", "ref client",
       "reference client", "customer ref", "customer id", "id client", "numero client",
       "n client", "no client", "client code", "ref"),
    _f("name", _("Nom du client"), CUSTOMER,
       "nom", "nom client", "client", "raison sociale", "customer", "customer name",
       "company", "company name", "name", "s.nom", "nom tiers", "tiers", "third party",
       "third party name", "denomination", "nom du client"),
    _f("kind", _("Type (particulier / professionnel)"), CUSTOMER,
       "type", "type client", "kind", "customer type", "categorie", "nature",
       "particulier professionnel", "forme juridique", "s.typent_id"),
    _f("street", _("Adresse"), CUSTOMER,
       "adresse", "address", "rue", "street", "adresse facturation", "billing address",
       "s.address", "adresse 1", "adresse1", "address 1", "address line 1"),
    _f("postcode", _("Code postal"), CUSTOMER,
       "cp", "code postal", "postcode", "zip", "zip code", "postal code", "s.zip",
       "cp facturation"),
    _f("city", _("Ville"), CUSTOMER,
       "ville", "city", "town", "commune", "localite", "s.town", "ville facturation"),
    _f("country", _("Pays (code ISO)"), CUSTOMER,
       "pays", "country", "country code", "code pays", "s.fk_pays"),
    _f("phone", _("Téléphone"), CUSTOMER,
       "telephone", "tel", "phone", "tel fixe", "telephone fixe", "s.phone",
       "phone number"),
    _f("mobile", _("Mobile"), CUSTOMER,
       "portable", "mobile", "tel portable", "telephone portable", "gsm", "cell",
       "cell phone", "mobile phone", "s.phone_mobile"),
    _f("email", _("E-mail"), CUSTOMER,
       "email", "e mail", "mail", "courriel", "adresse email", "s.email",
       "email address"),
    _f("family", _("Famille"), CUSTOMER,
       "famille", "family", "segment", "categorie client", "customer category",
       "famille client"),
    _f("siret", _("SIREN / SIRET"), CUSTOMER,
       "siret", "siren", "s.siret", "s.siren", "id prof 2", "idprof2",
       "id prof 2 siret", "prof id 2", "numero siret"),
    _f("vat_number", _("N° de TVA"), CUSTOMER,
       "tva", "tva intra", "tva intracommunautaire", "numero tva", "n tva",
       "vat", "vat number", "vat id", "s.tva_intra"),
    _f("accounting_code", _("Code comptable"), CUSTOMER,
       "code comptable", "compte", "compte client", "accounting code",
       "account", "s.code_compta", "compte comptable"),
    _f("payment_terms_days", _("Délai de paiement (jours)"), CUSTOMER,
       "delai de paiement", "delai paiement", "payment terms", "payment terms days",
       "echeance jours"),
    _f("notes", _("Observations"), CUSTOMER,
       "observations", "notes", "note", "remarques", "commentaire", "comments",
       "s.note_private"),
    _f("iban", _("IBAN"), MANDATE, "iban", "rib iban", "compte iban", "bank account"),
    _f("bic", _("BIC"), MANDATE, "bic", "swift", "bic swift", "code bic"),
    _f("mandate_rum", _("RUM (référence du mandat)"), MANDATE,
       "rum", "reference mandat", "reference unique du mandat", "mandate reference",
       "mandate id", "mandat", "ref mandat"),
    _f("mandate_signature_date", _("Date de signature du mandat"), MANDATE,
       "date signature", "date de signature", "date signature mandat", "signature date",
       "mandate signature date", "date mandat"),
    _f("site_name", _("Nom du site"), SITE,
       "site", "nom site", "nom du site", "site name", "lieu", "lieu d intervention",
       "site d intervention", "chantier"),
    _f("site_street", _("Adresse du site"), SITE,
       "adresse site", "adresse du site", "site address", "site street",
       "adresse intervention", "adresse chantier"),
    _f("site_postcode", _("Code postal du site"), SITE,
       "cp site", "code postal site", "code postal du site", "site postcode", "site zip",
       "cp intervention"),
    _f("site_city", _("Ville du site"), SITE,
       "ville site", "ville du site", "site city", "ville intervention"),
    _f("site_access_notes", _("Observations d'accès"), SITE,
       "observations acces", "acces", "digicode", "access notes", "consignes",
       "observations site"),
    _f("site_billing_group", _("Groupe de facturation"), SITE,
       "groupe", "groupe de facturation", "groupe facturation", "billing group"),
    _f("contact_name", _("Nom de l'interlocuteur"), CONTACT,
       "contact", "interlocuteur", "nom contact", "nom interlocuteur", "contact name"),
    _f("contact_role", _("Rôle de l'interlocuteur"), CONTACT,
       "role", "role contact", "fonction", "contact role", "poste"),
    _f("contact_phone", _("Téléphone de l'interlocuteur"), CONTACT,
       "tel contact", "telephone contact", "contact phone"),
    _f("contact_mobile", _("Mobile de l'interlocuteur"), CONTACT,
       "portable contact", "mobile contact", "contact mobile"),
    _f("contact_email", _("E-mail de l'interlocuteur"), CONTACT,
       "email contact", "mail contact", "contact email", "courriel contact"),
)  # fmt: skip

FIELDS_BY_NAME = {field.name: field for field in FIELDS}
REQUIRED = ("name",)


def header_key(header: str) -> str:
    """A header without accents, capitals, spaces nor punctuation ("Code postal" = "cp"
    is a synonym, "Code_Postal" = "code postal")."""
    text = unicodedata.normalize("NFKD", header or "")
    text = "".join(char for char in text if not unicodedata.combining(char)).lower()
    return re.sub(r"[^a-z0-9]+", "", text)


_SYNONYMS = {header_key(synonym): field.name for field in FIELDS for synonym in field.synonyms}


def mapping_propose(headers: list[str]) -> dict[str, str]:
    """{field: header} for the headers that name a known field, the first one winning."""
    columns: dict[str, str] = {}
    for header in headers:
        field = _SYNONYMS.get(header_key(header))
        if field and field not in columns:
            columns[field] = header
    return columns


def mapping_errors(columns: dict[str, str], headers: list[str]) -> list[str]:
    """What is wrong with a mapping, in French: unknown fields or columns, a column used
    twice, the customer's name not mapped."""
    errors = []
    unknown = sorted(set(columns) - set(FIELDS_BY_NAME))
    if unknown:
        errors.append(_("Champs inconnus : %(names)s.") % {"names": ", ".join(unknown)})
    missing = sorted({column for column in columns.values() if column} - set(headers))
    if missing:
        errors.append(
            _("Colonnes absentes du fichier : %(names)s.") % {"names": ", ".join(missing)}
        )
    used = [column for column in columns.values() if column]
    if len(used) != len(set(used)):
        errors.append(_("Une colonne ne peut alimenter qu'un seul champ."))
    for name in REQUIRED:
        if not columns.get(name):
            errors.append(
                _("Choisissez la colonne du champ « %(field)s ».")
                % {"field": FIELDS_BY_NAME[name].label}
            )
    return errors
