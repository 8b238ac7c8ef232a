from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "creneau.payments"
    label = "payments"
    verbose_name = _("Règlements")

    def ready(self) -> None:
        from creneau.billing.settlement import payments_hooks_register
        from creneau.payments.mandates import direct_debit_account_of, direct_debit_mandates_of
        from creneau.payments.selectors import invoice_paid_amount, invoice_payments
        from creneau.payments.services import invoice_allocations_release

        # Billing sits above payments: it learns what was paid through these callables. A
        # credit note on a paid invoice gives back to the customer's credit what its
        # payments settled beyond what the invoice still asks.
        payments_hooks_register(
            paid_amount=invoice_paid_amount,
            payments_of=invoice_payments,
            allocations_release=invoice_allocations_release,
            # A customer with an active, signed SEPA mandate pays by direct debit: its RUM is
            # copied onto the invoices issued, which print the debit.
            debit_mandates_of=direct_debit_mandates_of,
            debit_account_of=direct_debit_account_of,
        )

        from django.db.models.signals import post_migrate

        from creneau.payments.tasks import dunning_daily_on_migrate

        # The daily dunning run is a chain of tasks (payments.tasks), started again by
        # every migrate if it is not waiting.
        post_migrate.connect(
            dunning_daily_on_migrate, sender=self, dispatch_uid="creneau_payments_dunning_daily"
        )
