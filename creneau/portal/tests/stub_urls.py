"""The project's URLs, with the portal's agreed link routes stubbed in when the portal's
own pages are not there yet (the office's side is built beside them). Tests that need
the e-mails' links use the `portal_link_routes` fixture of this package's conftest."""

from django.http import HttpResponse
from django.urls import include, path

from config.urls import urlpatterns as project_urlpatterns
from creneau.portal.auth import portal_public


@portal_public
def stub(request, token: str = ""):
    return HttpResponse("portail")


portal_stub = (
    [
        path("", stub, name="home"),
        path("invitation/<str:token>/", stub, name="invitation"),
        path("mot-de-passe/<str:token>/", stub, name="reset"),
    ],
    "portal",
)

urlpatterns = [path("portail/", include(portal_stub))] + [
    pattern for pattern in project_urlpatterns if str(pattern.pattern) != "portail/"
]
