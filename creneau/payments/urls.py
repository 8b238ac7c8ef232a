from django.urls import path

from creneau.payments import views, views_aged

app_name = "payments"

urlpatterns = [
    path("customer/<int:pk>/", views.tab_customer, name="tab_customer"),
    path("customer/<int:pk>/new/", views.payment_new, name="new"),
    path("<int:pk>/reverse/", views.payment_reverse_view, name="reverse"),
    path("aged-balance/", views_aged.aged_balance_page, name="aged_balance"),
    path("aged-balance/export.csv", views_aged.aged_balance_export, name="aged_balance_export"),
]
