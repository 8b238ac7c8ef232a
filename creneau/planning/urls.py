"""The planning's pages, under /planning/. Views live in views/, one module per screen."""

from django.urls import path

from creneau.planning.views import (
    day_sheet,
    employees,
    ical,
    my_week,
    report,
    schedules,
    visits,
    week,
)
from creneau.planning.views import employee_sections as sections

app_name = "planning"

urlpatterns: list = [
    # Planning > Intervenants: the list, the identity form and the record's sections.
    path("employees/", employees.employee_list, name="employee_list"),
    path("employees/export.csv", employees.employee_export, name="employee_export"),
    path("employees/new/", employees.employee_create, name="employee_create"),
    path("employees/<int:pk>/", employees.employee_detail, name="employee_detail"),
    path("employees/<int:pk>/edit/", employees.employee_edit, name="employee_edit"),
    path(
        "employees/<int:pk>/availability/",
        sections.employee_availability,
        name="employee_availability",
    ),
    path(
        "employees/<int:pk>/absences/", sections.employee_absence_add, name="employee_absence_add"
    ),
    path(
        "employees/<int:pk>/absences/<int:absence_pk>/delete/",
        sections.employee_absence_delete,
        name="employee_absence_delete",
    ),
    path(
        "employees/<int:pk>/sites/search/",
        sections.employee_site_search,
        name="employee_site_search",
    ),
    path("employees/<int:pk>/sites/add/", sections.employee_site_add, name="employee_site_add"),
    path(
        "employees/<int:pk>/sites/<int:site_pk>/remove/",
        sections.employee_site_remove,
        name="employee_site_remove",
    ),
    path(
        "employees/<int:pk>/login/link/", sections.employee_login_link, name="employee_login_link"
    ),
    path(
        "employees/<int:pk>/login/create/",
        sections.employee_login_create,
        name="employee_login_create",
    ),
    path(
        "employees/<int:pk>/login/unlink/",
        sections.employee_login_unlink,
        name="employee_login_unlink",
    ),
    path(
        "employees/<int:pk>/ical/renew/", sections.employee_ical_renew, name="employee_ical_renew"
    ),
    # An employee's calendar feed, for their phone: no login, the token is the key.
    path("ical/<str:token>.ics", ical.ical_feed, name="ical_feed"),
    # The day sheet, the intervenant's week and the reporting of its visits.
    path("day/", day_sheet.day_sheet, name="day_sheet"),
    path("day/pdf/", day_sheet.day_sheet_pdf, name="day_sheet_pdf"),
    path("day/visits/<int:pk>/report/", day_sheet.visit_report, name="visit_report"),
    path("me/", my_week.my_week, name="my_week"),
    # Planned vs done.
    path("report/", report.report, name="report"),
    path("report/export.csv", report.report_export, name="report_export"),
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
