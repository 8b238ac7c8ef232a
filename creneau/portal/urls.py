"""The client portal's addresses (French, kept stable: links in e-mails point here)."""

from django.urls import path

from creneau.portal import views_account, views_auth, views_calendar

app_name = "portal"

urlpatterns: list = [
    # The doors and the account (views_auth, views_account, views_calendar).
    path("", views_auth.home, name="home"),
    path("deconnexion/", views_auth.logout, name="logout"),
    path("mot-de-passe-oublie/", views_auth.forgot, name="forgot"),
    path("invitation/<str:token>/", views_auth.invitation, name="invitation"),
    path("mot-de-passe/<str:token>/", views_auth.reset, name="reset"),
    path("compte/", views_account.account, name="account"),
    path("calendrier/<str:token>.ics", views_calendar.ical_feed, name="ical"),
]
