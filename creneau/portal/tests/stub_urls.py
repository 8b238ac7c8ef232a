"""A URLconf for tests of the portal's doors while the other portal pages (visits,
invoices, quotes, documents: another branch) are not merged: the project's URLs, with a
placeholder view for each agreed portal route that is not defined yet. Once every route
exists, it is the project's URLconf unchanged. Tests set settings.ROOT_URLCONF = STUB_URLCONF."""

from django.http import HttpResponse
from django.urls import include, path

from config.urls import urlpatterns as project_urlpatterns
from creneau.portal import urls as portal_urls

STUB_URLCONF = "creneau.portal.tests.stub_urls"

AGREED_ROUTES = {
    "visits": "visites/",
    "visit": "visites/<int:pk>/",
    "invoices": "factures/",
    "invoice_pdf": "factures/<int:pk>/pdf/",
    "certificates": "attestations/",
    "certificate_pdf": "attestations/<int:pk>/pdf/",
    "quotes": "devis/",
    "quote": "devis/<int:pk>/",
    "quote_pdf": "devis/<int:pk>/pdf/",
    "documents": "documents/",
    "document": "documents/<int:pk>/",
}


def placeholder(request, **kwargs):
    return HttpResponse("placeholder")


defined = {pattern.name for pattern in portal_urls.urlpatterns}
portal_patterns = list(portal_urls.urlpatterns) + [
    path(route, placeholder, name=name)
    for name, route in AGREED_ROUTES.items()
    if name not in defined
]
urlpatterns = [
    path("portail/", include((portal_patterns, "portal")))
    if str(getattr(pattern, "pattern", "")) == "portail/"
    else pattern
    for pattern in project_urlpatterns
]
