from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from creneau.core.api import api
from creneau.dashboard import views as dashboard_views


class FaviconRedirect(RedirectView):
    """/favicon.ico to the icon's static address, looked up at request time: with the
    manifest storage (production) the name is only known once collectstatic has run, and
    manage.py commands load these URLs before (migrate, check)."""

    permanent = True

    def get_redirect_url(self, *args, **kwargs) -> str:
        return static("img/favicon.svg")


urlpatterns = [
    # The dashboard for direction, accounting and sales reps; the other roles' home else.
    path("", dashboard_views.home, name="home"),
    path("", include("creneau.core.urls")),
    path("customers/", include("creneau.customers.urls")),
    path("customers/", include("creneau.portal.staff_urls")),
    path("", include("creneau.catalog.urls")),
    path("planning/", include("creneau.planning.urls")),
    path("quotes/", include("creneau.quotes.urls")),
    path("invoices/", include("creneau.billing.urls")),
    path("payments/", include("creneau.payments.urls")),
    path("accounting/", include("creneau.accounting.urls")),
    path("portail/", include("creneau.portal.urls")),
    path("settings/import/", include("creneau.imports.urls")),
    # Browsers ask for /favicon.ico on pages that name no icon (a PDF, an error page).
    path("favicon.ico", login_not_required(FaviconRedirect.as_view())),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]

# Error pages in the application's layout (templates/400.html ... 500.html); the 400 view
# tells a request that is too large (413) from a malformed one.
handler400 = "creneau.core.errors.bad_request"

if settings.DEBUG:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
