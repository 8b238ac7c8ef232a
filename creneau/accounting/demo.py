"""Demo tax certificates: last year's, for the demo data (after the payments' demo).

`demo_tax_certificates` is a demo loader (creneau.core.demo.DEMO_LOADERS, wired by the
lead after the payments' loader): it generates the certificates of last year (or of the
year given) with their PDFs, when the company has its SAP declaration number; it does
nothing when the year's certificates are already there, nor when nothing was paid for
home services in that year.
"""

from __future__ import annotations

from creneau.accounting.models import TaxCertificate
from creneau.accounting.tax_certificate_services import (
    default_year,
    tax_certificate_pdfs_render,
    tax_certificates_generate,
)
from creneau.accounting.tax_certificates import year_paid_amounts
from creneau.core.demo import DemoContext
from creneau.core.models import Company


def demo_tax_certificates(*, context: DemoContext | None = None, year: int | None = None) -> str:
    """Generate the year's certificates (last year by default) and their PDFs."""
    year = year or default_year()
    if TaxCertificate.objects.filter(year=year).exists():
        return f"Attestations fiscales {year} : déjà présentes."
    if not (Company.load().sap_number or "").strip():
        return f"Attestations fiscales {year} : pas de numéro SAP, aucune générée."
    if not year_paid_amounts(year, None):
        # Nothing to certify: no generation (it would write its audit event at each run).
        return f"Attestations fiscales {year} : aucun règlement de services à la personne."
    users = context.users if context else {}
    by = users.get("compta") or users.get("direction")
    summary = tax_certificates_generate(year=year, by=by)
    made = tax_certificate_pdfs_render(year=year)
    return (
        f"Attestations fiscales {year} : générées {summary.created} ({made} PDF), "
        f"clients sans attestation : {len(summary.excluded)}."
    )
