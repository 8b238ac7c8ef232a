from django.contrib.auth import views as auth_views
from django.urls import path

from creneau.core import account_views, views

urlpatterns = [
    path("login/", views.StaffLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/", account_views.account, name="account"),
    path("account/tokens/new/", account_views.api_token_new, name="api_token_new"),
    path(
        "account/tokens/<int:pk>/revoke/",
        account_views.api_token_revoke_view,
        name="api_token_revoke",
    ),
    path("settings/company/", views.company, name="company"),
    path("settings/company/logo/", views.company_logo, name="company_logo"),
    path("settings/staff/", views.staff_list, name="staff_list"),
    path("settings/staff/new/", views.staff_create, name="staff_create"),
    path("settings/staff/<int:pk>/", views.staff_edit, name="staff_edit"),
    path("settings/staff/<int:pk>/password/", views.staff_password, name="staff_password"),
    path("settings/staff/<int:pk>/active/", views.staff_active, name="staff_active"),
    path("settings/api-tokens/", account_views.api_token_list, name="api_token_list"),
    path("settings/emails/", views.email_list, name="email_list"),
    path("settings/emails/<int:pk>/", views.email_detail, name="email_detail"),
    path("settings/emails/<int:pk>/retry/", views.email_retry_view, name="email_retry"),
    path(
        "settings/emails/<int:pk>/attachments/<int:attachment_pk>/",
        views.email_attachment,
        name="email_attachment",
    ),
]
