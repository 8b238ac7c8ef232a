"""The client portal's addresses (French, kept stable: links in e-mails point here)."""

from django.urls import path

from creneau.portal import (
    views_account,
    views_auth,
    views_billing,
    views_calendar,
    views_documents,
    views_quotes,
    views_visits,
)

app_name = "portal"

urlpatterns: list = [
    # The doors and the account (views_auth, views_account, views_calendar).
    path("", views_auth.home, name="home"),
    path("deconnexion/", views_auth.logout, name="logout"),
    path("mot-de-passe-oublie/", views_auth.forgot, name="forgot"),
    path("invitation/<str:token>/", views_auth.invitation, name="invitation"),
    path("mot-de-passe/<str:token>/", views_auth.reset, name="reset"),
    path("compte/", views_account.account, name="account"),
    path("calendrier/<str:token>.ics", views_calendar.ical_feed, name="ical"),
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
    # The doors and the account (views_auth, views_account, views_calendar).
    path("", views_auth.home, name="home"),
    path("deconnexion/", views_auth.logout, name="logout"),
    path("mot-de-passe-oublie/", views_auth.forgot, name="forgot"),
    path("invitation/<str:token>/", views_auth.invitation, name="invitation"),
    path("mot-de-passe/<str:token>/", views_auth.reset, name="reset"),
    path("compte/", views_account.account, name="account"),
    path("calendrier/<str:token>.ics", views_calendar.ical_feed, name="ical"),
]
