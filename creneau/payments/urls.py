from django.urls import path

from creneau.payments import (
    views,
    views_aged,
    views_credit,
    views_deposits,
    views_dunning,
    views_holds,
    views_levels,
    views_list,
    views_mandates,
    views_sepa,
    views_statement,
)

app_name = "payments"

urlpatterns = [
    path("", views_list.payment_list, name="list"),
    path("export.csv", views_list.payment_export, name="export"),
    path("customer/<int:pk>/", views.tab_customer, name="tab_customer"),
    path("customer/<int:pk>/new/", views.payment_new, name="new"),
    path("<int:pk>/reverse/", views.payment_reverse_view, name="reverse"),
    path("customer/<int:pk>/statement/", views_statement.statement_page, name="statement"),
    path(
        "customer/<int:pk>/statement.pdf",
        views_statement.statement_pdf_view,
        name="statement_pdf",
    ),
    path(
        "customer/<int:pk>/statement/send/",
        views_statement.statement_send_view,
        name="statement_send",
    ),
    # Paramètres > Relances.
    path("levels/", views_levels.level_list, name="levels"),
    path("levels/new/", views_levels.level_new, name="level_new"),
    path("levels/preview/", views_levels.level_preview, name="level_preview"),
    path("levels/<int:pk>/", views_levels.level_edit, name="level_edit"),
    path("levels/<int:pk>/active/", views_levels.level_toggle, name="level_toggle"),
    path("levels/<int:pk>/delete/", views_levels.level_delete, name="level_delete"),
    # Holds and the reminders sent, on the invoice page and the customer record.
    path("invoice/<int:pk>/dunning/", views_holds.invoice_dunning, name="invoice_dunning"),
    path("invoice/<int:pk>/hold/", views_holds.invoice_hold, name="invoice_hold"),
    path("invoice/<int:pk>/release/", views_holds.invoice_release, name="invoice_release"),
    path("customer/<int:pk>/hold/", views_holds.customer_hold, name="customer_hold"),
    path("customer/<int:pk>/release/", views_holds.customer_release, name="customer_release"),
    path("reminders/<int:pk>/", views_holds.reminder_detail, name="reminder_detail"),
    path("<int:pk>/refund/", views_credit.payment_refund_view, name="refund"),
    path("<int:pk>/allocate/", views_credit.payment_allocate_view, name="allocate"),
    # Cheque deposits (remises de chèques).
    path("deposits/", views_deposits.deposit_list, name="deposit_list"),
    path("deposits/new/", views_deposits.deposit_new, name="deposit_new"),
    path("deposits/customers/", views_deposits.customer_suggestions, name="deposit_customers"),
    path("deposits/<int:pk>/", views_deposits.deposit_detail, name="deposit_detail"),
    path("deposits/<int:pk>/slip.pdf", views_deposits.deposit_slip_pdf, name="deposit_pdf"),
    path("deposits/<int:pk>/slip.csv", views_deposits.deposit_slip_csv, name="deposit_csv"),
    # The dunning runs (views_dunning).
    path("dunning/", views_dunning.run_list, name="dunning_list"),
    path("dunning/<int:pk>/", views_dunning.run_detail, name="dunning_run"),
    path(
        "dunning/<int:pk>/reminders/<int:reminder_pk>/",
        views_dunning.reminder_toggle,
        name="dunning_reminder",
    ),
    path(
        "dunning/<int:pk>/reminders/<int:reminder_pk>/letter.pdf",
        views_dunning.reminder_letter,
        name="dunning_reminder_letter",
    ),
    path("dunning/<int:pk>/send/", views_dunning.run_send, name="dunning_send"),
    path("dunning/<int:pk>/resume/", views_dunning.run_resume, name="dunning_resume"),
    path("dunning/<int:pk>/letters.pdf", views_dunning.run_letters, name="dunning_letters"),
    # SEPA mandates, on the customer record (views_mandates).
    path("customer/<int:pk>/mandates/", views_mandates.tab_mandates, name="tab_mandates"),
    path(
        "customer/<int:pk>/mandates/new/",
        views_mandates.mandate_create_view,
        name="mandate_create",
    ),
    path(
        "customer/<int:pk>/mandates/<int:mandate_pk>/edit/",
        views_mandates.mandate_edit,
        name="mandate_edit",
    ),
    path(
        "customer/<int:pk>/mandates/<int:mandate_pk>/revoke/",
        views_mandates.mandate_revoke_view,
        name="mandate_revoke",
    ),
    path(
        "customer/<int:pk>/mandates/<int:mandate_pk>/form.pdf",
        views_mandates.mandate_form_pdf,
        name="mandate_pdf",
    ),
    # SEPA collection batches (views_sepa).
    path("sepa/", views_sepa.sepa_batch_list, name="sepa_batch_list"),
    path("sepa/new/", views_sepa.sepa_batch_new, name="sepa_batch_new"),
    path("sepa/<int:pk>/", views_sepa.sepa_batch_detail, name="sepa_batch"),
    path("sepa/<int:pk>/file.xml", views_sepa.sepa_batch_download, name="sepa_batch_xml"),
    path(
        "sepa/<int:pk>/transmitted/",
        views_sepa.sepa_batch_transmitted,
        name="sepa_batch_transmitted",
    ),
    path(
        "sepa/<int:pk>/items/<int:item_pk>/reject/",
        views_sepa.sepa_item_reject_view,
        name="sepa_item_reject",
    ),
    path("aged-balance/", views_aged.aged_balance_page, name="aged_balance"),
    path("aged-balance/export.csv", views_aged.aged_balance_export, name="aged_balance_export"),
]
