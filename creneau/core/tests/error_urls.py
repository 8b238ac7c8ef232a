"""The project's URLs and a view that fails, for test_error_pages. A module of its own, read
only when a test resolves a URL: importing config.urls while the tests are collected would
read settings.DEBUG before pytest-django turns it off (and add the static files' route)."""

from django.urls import path

from config import urls as project_urls


def broken_view(request):
    raise RuntimeError("a bug")


urlpatterns = [path("test-broken/", broken_view), *project_urls.urlpatterns]
# This urlconf answers 400s as the project's does.
handler400 = project_urls.handler400
