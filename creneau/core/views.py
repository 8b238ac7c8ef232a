from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from creneau.core.models import OutboxEmail
from creneau.core.roles import user_sees_outbox
from creneau.core.selectors import emails_filter, emails_overdue_count, emails_status_counts
from creneau.core.services import email_retry

EMAILS_PAGE_SIZE = 50


@method_decorator(login_not_required, name="dispatch")
class StaffLoginView(auth_views.LoginView):
    """The back office's login page (throttled by django-axes)."""

    template_name = "registration/login.html"
    redirect_authenticated_user = True


def _outbox_allowed(request: HttpRequest) -> None:
    if not user_sees_outbox(request.user):
        raise PermissionDenied


def email_list(request: HttpRequest) -> HttpResponse:
    """Paramètres > E-mails: every e-mail the application sent or tries to send."""
    _outbox_allowed(request)
    status = request.GET.get("status", "")
    q = request.GET.get("q", "")
    emails = emails_filter(status=status, q=q).prefetch_related("attachments")
    page = Paginator(emails, EMAILS_PAGE_SIZE).get_page(request.GET.get("page"))
    counts = emails_status_counts()
    statuses = [
        (value, label, counts.get(value, 0))
        for value, label in OutboxEmail.Status.choices
        if value != OutboxEmail.Status.SENDING
    ]
    context = {
        "page": page,
        "status": status,
        "q": q,
        "statuses": statuses,
        "total": sum(counts.values()),
        "overdue": emails_overdue_count(),
    }
    return render(request, "core/email_list.html", context)


def email_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _outbox_allowed(request)
    email = get_object_or_404(
        OutboxEmail.objects.select_related("created_by").prefetch_related("attachments"), pk=pk
    )
    return render(request, "core/email_detail.html", {"email": email})


@require_POST
def email_retry_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The "Renvoyer" button: the e-mail goes back to the queue and is sent right away."""
    _outbox_allowed(request)
    email = get_object_or_404(OutboxEmail, pk=pk)
    try:
        email_retry(email=email, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("E-mail remis en file d'envoi."))
    next_url = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        return redirect(next_url)
    return redirect("email_list")
