from django.urls import path

from creneau.quotes import views

app_name = "quotes"

urlpatterns = [
    path("", views.quote_list, name="list"),
    path("export.csv", views.quote_export, name="export"),
    path("new/", views.quote_new, name="new"),
    path("new/customers/", views.customer_search, name="customer_search"),
    path("customer/<int:pk>/", views.tab_customer, name="tab_customer"),
    path("<int:pk>/", views.quote_detail, name="detail"),
    path("<int:pk>/header/", views.quote_header, name="header"),
    path("<int:pk>/lines/", views.line_add, name="line_add"),
    path("<int:pk>/lines/reorder/", views.lines_reorder, name="lines_reorder"),
    path("<int:pk>/services/", views.service_search, name="service_search"),
    path("<int:pk>/finalize/", views.quote_finalize, name="finalize"),
    path("<int:pk>/send/", views.quote_send, name="send"),
    path("<int:pk>/accept/", views.quote_accept, name="accept"),
    path("<int:pk>/refuse/", views.quote_refuse, name="refuse"),
    path("<int:pk>/duplicate/", views.quote_duplicate, name="duplicate"),
    path("<int:pk>/plan/", views.quote_plan, name="plan"),
    path("<int:pk>/delete/", views.quote_delete, name="delete"),
    path("<int:pk>/pdf/", views.quote_pdf_view, name="pdf"),
    path("lines/<int:pk>/", views.line_update, name="line_update"),
    path("lines/<int:pk>/delete/", views.line_delete, name="line_delete"),
    path("lines/<int:pk>/move/", views.line_move, name="line_move"),
]
