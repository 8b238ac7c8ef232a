"""Mon compte (who I am, my API tokens) and Paramètres > Jetons d'API (direction: every
user's tokens). Kept apart from views.py, which holds the company and staff screens."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from creneau.core.forms import ApiTokenForm
from creneau.core.models import ApiToken
from creneau.core.roles import role_given
from creneau.core.selectors import api_tokens_filter, api_tokens_visible_to
from creneau.core.services import api_token_create, api_token_latest_expiry, api_token_revoke
from creneau.core.views import direction_required

TOKENS_PAGE_SIZE = 50
STATE_FILTERS = [
    (ApiToken.State.ACTIVE, gettext_lazy("Actifs")),
    (ApiToken.State.EXPIRED, gettext_lazy("Expirés")),
    (ApiToken.State.REVOKED, gettext_lazy("Révoqués")),
]


def _token_form(data: dict | None = None) -> ApiTokenForm:
    today = timezone.localdate()
    return ApiTokenForm(data, today=today, latest=api_token_latest_expiry(today=today))


def _account_page(
    request: HttpRequest, form: ApiTokenForm, new_key: str = "", new_token: ApiToken | None = None
) -> HttpResponse:
    tokens = api_tokens_visible_to(request.user).filter(user=request.user)
    page = Paginator(tokens, TOKENS_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "new_key": new_key,
        "new_token": new_token,
        "role": role_given(request.user),
        # Where a revocation comes back to: not the creation's URL, which only takes a POST.
        "return_url": reverse("account"),
    }
    response = render(request, "core/account.html", context)
    # The page may hold a secret shown once: no copy in the browser's or a proxy's cache.
    add_never_cache_headers(response)
    return response


# The key of a token just created, kept in the (server-side) session from the creation's
# POST to the page that shows it, and dropped there: a reload of that page shows it no
# more, and creates no second token, as reloading the POST's own answer would.
NEW_KEY_SESSION = "api_token_new_key"


def account(request: HttpRequest) -> HttpResponse:
    """Mon compte: the user's name and role, and their API tokens; once after a creation,
    the new token's key."""
    created = request.session.pop(NEW_KEY_SESSION, None)
    if created:
        token = ApiToken.objects.filter(user=request.user, pk=created["token"]).first()
        if token is not None:
            return _account_page(request, _token_form(), new_key=created["key"], new_token=token)
    return _account_page(request, _token_form())


def api_token_new(request: HttpRequest) -> HttpResponse:
    """Create a token for oneself, then show its key once on Mon compte: it is not stored
    (only its hash), so no later page can show it again."""
    if request.method != "POST":
        return redirect("account")
    form = _token_form(request.POST)
    if form.is_valid():
        try:
            key = api_token_create(user=request.user, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            token = ApiToken.objects.get(key_hash=ApiToken.hash(key))
            request.session[NEW_KEY_SESSION] = {"key": key, "token": token.pk}
            return redirect("account")
    return _account_page(request, form)


@require_POST
def api_token_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Revoke one's own token, or anyone's for direction; another user's token is 404."""
    token = get_object_or_404(api_tokens_visible_to(request.user), pk=pk)
    try:
        api_token_revoke(token=token, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Jeton « %s » révoqué.") % (token.name or token.pk))
    next_url = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        return redirect(next_url)
    return redirect("account")


@direction_required
def api_token_list(request: HttpRequest) -> HttpResponse:
    """Paramètres > Jetons d'API: every user's tokens, to see who reaches the API and to
    revoke a token without waiting for its owner."""
    state = request.GET.get("state", "")
    q = request.GET.get("q", "")
    tokens = api_tokens_filter(state=state, q=q)
    page = Paginator(tokens, TOKENS_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "state": state,
        "q": q,
        "states": STATE_FILTERS,
        "return_url": request.get_full_path(),
    }
    return render(request, "core/api_token_list.html", context)
