"""The three default dunning levels (Paramètres › Relances changes them)."""

from decimal import Decimal

from django.db import migrations

SIGNATURE = "\n\nCordialement,\n{societe}"
DEFAULT_LEVELS = [
    {
        "rank": 1,
        "name": "Relance amiable",
        "days_after_due": 7,
        "channel": "email",
        "subject": "Rappel : facture(s) {factures} en attente de règlement",
        "body": (
            "Bonjour,\n\nSauf erreur de notre part, nous n'avons pas reçu le règlement des "
            "factures suivantes :\n{factures_detail}\n\nMontant restant dû : {montant_du}.\n\n"
            "Si votre règlement est en cours, merci de ne pas tenir compte de ce message. "
            "Vous pouvez régler par virement sur le compte {iban}." + SIGNATURE
        ),
        "fee": Decimal("0.00"),
        "add_recovery_indemnity": False,
    },
    {
        "rank": 2,
        "name": "Seconde relance",
        "days_after_due": 21,
        "channel": "email",
        "subject": "Seconde relance : facture(s) {factures} impayée(s)",
        "body": (
            "Bonjour,\n\nMalgré notre précédent rappel, les factures suivantes restent "
            "impayées :\n{factures_detail}\n\nMontant restant dû : {montant_du}, à régler "
            "sous huit jours par virement sur le compte {iban}." + SIGNATURE
        ),
        "fee": Decimal("0.00"),
        "add_recovery_indemnity": False,
    },
    {
        "rank": 3,
        "name": "Mise en demeure",
        "days_after_due": 45,
        "channel": "both",
        "subject": "Mise en demeure de payer : facture(s) {factures}",
        "body": (
            "Madame, Monsieur,\n\nMalgré nos relances, les factures suivantes restent "
            "impayées :\n{factures_detail}\n\nNous vous mettons en demeure de nous régler la "
            "somme de {montant_du} au plus tard le {date_limite}, par virement sur le compte "
            "{iban}.\n\nÀ défaut de paiement à cette date, nous engagerons sans autre avis "
            "une procédure de recouvrement judiciaire, dont les frais resteront à votre "
            "charge." + SIGNATURE
        ),
        "fee": Decimal("0.00"),
        "add_recovery_indemnity": True,
    },
]


def create_levels(apps, schema_editor):
    ReminderLevel = apps.get_model("payments", "ReminderLevel")
    if not ReminderLevel.objects.exists():
        ReminderLevel.objects.bulk_create(ReminderLevel(**level) for level in DEFAULT_LEVELS)


class Migration(migrations.Migration):
    dependencies = [("payments", "0002_deposits_refunds_dunning")]

    operations = [migrations.RunPython(create_levels, migrations.RunPython.noop)]
