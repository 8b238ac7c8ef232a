"""The client portal's addresses (French, kept stable: links in e-mails point here)."""

from django.urls import path

from creneau.portal import views_billing, views_documents, views_quotes, views_visits

app_name = "portal"

urlpatterns: list = [
    # The customer's pages (visits, invoices, certificates, quotes, documents).
    path("visites/", views_visits.visit_list, name="visits"),
    path("visites/<int:pk>/", views_visits.visit_detail, name="visit"),
    path("factures/", views_billing.invoice_list, name="invoices"),
    path("factures/<int:pk>/pdf/", views_billing.invoice_pdf, name="invoice_pdf"),
    path("attestations/", views_billing.certificate_list, name="certificates"),
    path("attestations/<int:pk>/pdf/", views_billing.certificate_pdf, name="certificate_pdf"),
    path("devis/", views_quotes.quote_list, name="quotes"),
    path("devis/<int:pk>/", views_quotes.quote_detail, name="quote"),
    path("devis/<int:pk>/pdf/", views_quotes.quote_pdf, name="quote_pdf"),
    path("documents/", views_documents.document_list, name="documents"),
    path("documents/<int:pk>/", views_documents.document_download, name="document"),
]

# PLACEHOLDER, portal-pages branch only: the base template and the menu reverse these
# three names, which the login helper's branch brings with their real views. Delete this
# block when the branches are merged.
from django.views.generic import RedirectView  # noqa: E402

urlpatterns += [
    path("", RedirectView.as_view(pattern_name="portal:visits"), name="home"),
    path("deconnexion/", RedirectView.as_view(pattern_name="portal:visits"), name="logout"),
    path("compte/", RedirectView.as_view(pattern_name="portal:visits"), name="account"),
]
