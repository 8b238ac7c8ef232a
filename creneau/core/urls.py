from django.contrib.auth import views as auth_views
from django.urls import path

from creneau.core import views

urlpatterns = [
    path("login/", views.StaffLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("settings/emails/", views.email_list, name="email_list"),
    path("settings/emails/<int:pk>/", views.email_detail, name="email_detail"),
    path("settings/emails/<int:pk>/retry/", views.email_retry_view, name="email_retry"),
]
