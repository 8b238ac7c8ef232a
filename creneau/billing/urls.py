from django.urls import path

from creneau.billing import send_views

app_name = "billing"

urlpatterns = [
    path("invoices/<int:pk>/send/", send_views.invoice_send_view, name="send"),
]
