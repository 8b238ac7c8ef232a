"""`manage.py check --deploy`: the portal's e-mails carry links on PUBLIC_BASE_URL, which
production must set to its own https:// address."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def public_base_url_check(app_configs, **kwargs) -> list[Warning]:
    url = settings.PUBLIC_BASE_URL
    if url.startswith("https://") and "127.0.0.1" not in url and "localhost" not in url:
        return []
    return [
        Warning(
            "PUBLIC_BASE_URL is not this site's https:// address: the links of the "
            "portal's invitations and password resets would not reach it.",
            hint="Set PUBLIC_BASE_URL, e.g. https://creneau.example.fr (docs/portal.md).",
            id="portal.W001",
        )
    ]
