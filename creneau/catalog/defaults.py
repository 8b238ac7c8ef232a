"""The French VAT rates every installation starts with (created by a data migration, and
by the demo and the tests after a flush). Direction manages them afterwards."""

from decimal import Decimal

EXEMPTION_293B = "TVA non applicable, art. 293 B du CGI"

# (label, rate in percent, exemption wording)
DEFAULT_VAT_RATES = [
    ("Taux normal 20 %", Decimal("20.00"), ""),
    ("Taux intermédiaire 10 %", Decimal("10.00"), ""),
    ("Taux réduit 5,5 %", Decimal("5.50"), ""),
    ("Taux particulier 2,1 %", Decimal("2.10"), ""),
    ("Exonéré 0 %", Decimal("0.00"), EXEMPTION_293B),
]


def default_vat_rates_ensure(vat_rate_model) -> None:
    """Create the default rates that are missing (a model class, so migrations can use it)."""
    for position, (label, rate, wording) in enumerate(DEFAULT_VAT_RATES):
        vat_rate_model.objects.get_or_create(
            rate=rate,
            exemption_wording=wording,
            defaults={"label": label, "position": position, "is_active": True},
        )
