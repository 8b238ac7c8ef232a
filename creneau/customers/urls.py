from django.urls import path

from creneau.customers import views

app_name = "customers"

urlpatterns = [
    path("", views.customer_list, name="list"),
]
