"""The planning's pages, under /planning/. Views live in views/, one module per screen."""

from django.urls import path

from creneau.planning.views import day_sheet, my_week, report

app_name = "planning"

urlpatterns: list = [
    # The day sheet, the intervenant's week and the reporting of its visits.
    path("day/", day_sheet.day_sheet, name="day_sheet"),
    path("day/pdf/", day_sheet.day_sheet_pdf, name="day_sheet_pdf"),
    path("day/visits/<int:pk>/report/", day_sheet.visit_report, name="visit_report"),
    path("me/", my_week.my_week, name="my_week"),
    # Planned vs done.
    path("report/", report.report, name="report"),
    path("report/export.csv", report.report_export, name="report_export"),
]
