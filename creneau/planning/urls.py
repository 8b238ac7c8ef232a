"""The planning's pages, under /planning/. Views live in views/, one module per screen."""

from django.urls import path

from creneau.planning.views import schedules

app_name = "planning"

urlpatterns: list = []

# Schedules (programmations), site closures, the customer record's Planning tab.
urlpatterns += [
    path("customer/<int:pk>/", schedules.tab_customer, name="tab_customer"),
    path("sites/<int:site_pk>/schedules/", schedules.site_schedules, name="site_schedules"),
    path("sites/<int:site_pk>/schedules/new/", schedules.schedule_create, name="schedule_create"),
    path("sites/<int:site_pk>/closures/", schedules.site_closure_add, name="site_closure_add"),
    path("closures/<int:pk>/delete/", schedules.site_closure_delete, name="site_closure_delete"),
    path("schedules/new/", schedules.schedule_new, name="schedule_new"),
    path("schedules/new/sites/", schedules.schedule_site_search, name="schedule_site_search"),
    path("schedules/describe/", schedules.schedule_describe, name="schedule_describe"),
    path("schedules/<int:pk>/", schedules.schedule_edit, name="schedule_edit"),
    path("schedules/<int:pk>/end/", schedules.schedule_end, name="schedule_end"),
]
