from django.urls import path

app_name = "accounting"

urlpatterns: list = []

# --- Tax certificates (attestations fiscales) ---
from creneau.accounting import views_certificates  # noqa: E402

urlpatterns += [
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
# --- end of tax certificates ---
