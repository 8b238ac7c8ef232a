from django.urls import path

from creneau.accounting import views_exports, views_settings

app_name = "accounting"

urlpatterns: list = []

# Accounts, fiscal years, closing and exports (fec helper) -----------------------------
urlpatterns += [
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
]
