from django.urls import path

from creneau.payments import views, views_credit, views_deposits, views_list

app_name = "payments"

urlpatterns = [
    path("", views_list.payment_list, name="list"),
    path("export.csv", views_list.payment_export, name="export"),
    path("customer/<int:pk>/", views.tab_customer, name="tab_customer"),
    path("customer/<int:pk>/new/", views.payment_new, name="new"),
    path("<int:pk>/reverse/", views.payment_reverse_view, name="reverse"),
    path("<int:pk>/refund/", views_credit.payment_refund_view, name="refund"),
    path("<int:pk>/allocate/", views_credit.payment_allocate_view, name="allocate"),
    # Cheque deposits (remises de chèques).
    path("deposits/", views_deposits.deposit_list, name="deposit_list"),
    path("deposits/new/", views_deposits.deposit_new, name="deposit_new"),
    path("deposits/customers/", views_deposits.customer_suggestions, name="deposit_customers"),
    path("deposits/<int:pk>/", views_deposits.deposit_detail, name="deposit_detail"),
    path("deposits/<int:pk>/slip.pdf", views_deposits.deposit_slip_pdf, name="deposit_pdf"),
    path("deposits/<int:pk>/slip.csv", views_deposits.deposit_slip_csv, name="deposit_csv"),
]
