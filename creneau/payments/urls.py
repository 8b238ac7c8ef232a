from django.urls import path

from creneau.payments import views, views_statement

app_name = "payments"

urlpatterns = [
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
]
