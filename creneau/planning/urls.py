"""The planning's pages, under /planning/. Views live in views/, one module per screen."""

from django.urls import path

from creneau.planning.views import visits, week

app_name = "planning"

urlpatterns: list = [
    # The planner's views and the visits (views/week.py, views/visits.py).
    path("", week.week, name="week"),
    path("sites/", week.week_sites, name="week_sites"),
    path("month/", week.month, name="month"),
    path("visits/new/", visits.visit_new, name="visit_new"),
    path("visits/<int:pk>/", visits.visit_edit, name="visit_edit"),
    path("visits/<int:pk>/move/", visits.visit_move, name="visit_move"),
    path("visits/<int:pk>/status/", visits.visit_status, name="visit_status"),
    path("search/customers/", visits.customer_search, name="customer_search"),
    path("search/sites/", visits.site_search, name="site_search"),
]
