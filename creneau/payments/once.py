"""One form, one record. A payment or refund form carries a token; the session keeps the
tokens already used, so the same form sent again (the browser's back button after the
save, then the button again) records nothing twice: a second money entry would be
a real debt or credit error, and nothing on the screen says the form was already sent."""

import secrets

from django.http import HttpRequest

FIELD = "once"
SESSION_KEY = "payments_once_used"
# The latest tokens are enough: a form is sent again minutes after, not after fifty others.
KEPT = 50
TOKEN_MAX_LENGTH = 64


def once_token(request: HttpRequest) -> str:
    """The form's token: the one it was sent with (a form shown again with its errors),
    else a new one."""
    sent = request.POST.get(FIELD, "") if request.method == "POST" else ""
    if sent and len(sent) <= TOKEN_MAX_LENGTH:
        return sent
    return secrets.token_urlsafe(16)


def once_used(request: HttpRequest) -> bool:
    """True when this POST's token was already used by a saved form."""
    sent = request.POST.get(FIELD, "")
    return bool(sent) and sent in request.session.get(SESSION_KEY, [])


def once_remember(request: HttpRequest) -> None:
    """Marks this POST's token as used (after the record is saved)."""
    sent = request.POST.get(FIELD, "")
    if not sent or len(sent) > TOKEN_MAX_LENGTH:
        return
    used = request.session.get(SESSION_KEY, [])
    request.session[SESSION_KEY] = [*used, sent][-KEPT:]
