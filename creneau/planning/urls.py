"""The planning's pages, under /planning/. Views live in views/, one module per screen."""

from django.urls import path  # noqa: F401 (each screen adds its routes below)

app_name = "planning"

urlpatterns: list = []
