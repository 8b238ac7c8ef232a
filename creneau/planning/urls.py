"""The planning's pages, under /planning/. Views live in views/, one module per screen."""

from django.urls import path

from creneau.planning.views import ical

app_name = "planning"

urlpatterns: list = [
    # An employee's calendar feed, for their phone: no login, the token is the key.
    path("ical/<str:token>.ics", ical.ical_feed, name="ical_feed"),
]
