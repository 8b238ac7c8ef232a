from django.urls import include, path

from creneau.customers import views

app_name = "customers"

urlpatterns = [
    path("", views.customer_list, name="list"),
    path("", include("creneau.customers.documents.urls")),
]
