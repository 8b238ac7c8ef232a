from django.urls import path

from creneau.accounting import views_certificates, views_exports, views_settings

app_name = "accounting"

urlpatterns = [
    # Paramètres > Comptabilité: accounts, fiscal years, closing; the exports.
    path("settings/", views_settings.accounting_settings, name="settings"),
    path("settings/fiscal-years/", views_settings.fiscal_year_create, name="fiscal_year_create"),
    path(
        "settings/fiscal-years/<int:pk>/close/",
        views_settings.fiscal_year_close,
        name="fiscal_year_close",
    ),
    path(
        "settings/fiscal-years/<int:pk>/delete/",
        views_settings.fiscal_year_delete,
        name="fiscal_year_delete",
    ),
    path("settings/close/", views_settings.books_close, name="books_close"),
    path("exports/", views_exports.exports, name="exports"),
    path("exports/fec/", views_exports.fec_download, name="fec"),
    path("exports/invoices.csv", views_exports.invoices_csv, name="invoices_csv"),
    path("exports/payments.csv", views_exports.payments_csv, name="payments_csv"),
    # Facturation > Attestations fiscales.
    path(
        "tax-certificates/",
        views_certificates.tax_certificate_list,
        name="tax_certificates",
    ),
    path(
        "tax-certificates/generate/",
        views_certificates.tax_certificates_generate_view,
        name="tax_certificates_generate",
    ),
    path(
        "tax-certificates/send/",
        views_certificates.tax_certificates_send_view,
        name="tax_certificates_send",
    ),
    path(
        "tax-certificates/print.pdf",
        views_certificates.tax_certificates_print_view,
        name="tax_certificates_print",
    ),
    path(
        "tax-certificates/exclusions/",
        views_certificates.tax_certificate_exclusions_view,
        name="tax_certificates_exclusions",
    ),
    path(
        "tax-certificates/<int:pk>.pdf",
        views_certificates.tax_certificate_pdf_view,
        name="tax_certificate_pdf",
    ),
    path(
        "tax-certificates/<int:pk>/send/",
        views_certificates.tax_certificate_send_view,
        name="tax_certificate_send",
    ),
    path(
        "tax-certificates/<int:pk>/regenerate/",
        views_certificates.tax_certificate_regenerate_view,
        name="tax_certificate_regenerate",
    ),
]
