"""The login page and Paramètres: the company identity and the staff accounts (direction),
and the e-mail outbox (direction and accounting)."""

from __future__ import annotations

import mimetypes
from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.utils.decorators import method_decorator
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from creneau.core import selectors
from creneau.core import staff as staff_services
from creneau.core.forms import CompanyForm, StaffCreateForm, StaffForm, StaffPasswordForm
from creneau.core.lists import render_list
from creneau.core.models import Company, OutboxAttachment, OutboxEmail
from creneau.core.roles import (
    role_given,
    user_is_direction,
    user_is_intervenant,
    user_sees_outbox,
)
from creneau.core.selectors import emails_filter, emails_overdue_count, emails_status_counts
from creneau.core.services import company_update, email_retry

EMAILS_PAGE_SIZE = 50


@method_decorator(login_not_required, name="dispatch")
class StaffLoginView(auth_views.LoginView):
    """The back office's login page (throttled by django-axes)."""

    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        # An intervenant sees nothing of the back office: it starts on its day sheet.
        if user_is_intervenant(self.request.user):
            return resolve_url(INTERVENANT_HOME)
        return super().get_default_redirect_url()


# An intervenant's first page (planning.views): its day sheet, today.
INTERVENANT_HOME = "planning:day_sheet"


def home(request: HttpRequest) -> HttpResponse:
    """/: the customers for the office, its day sheet for an intervenant."""
    return redirect(INTERVENANT_HOME if user_is_intervenant(request.user) else "customers:list")


def direction_required(view: Callable) -> Callable:
    """Settings are not customer data: a logged-in user without the direction role gets
    403 (the login middleware has already sent anonymous visitors to the login page)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not user_is_direction(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


@direction_required
def company(request: HttpRequest) -> HttpResponse:
    company = Company.load()
    if request.method == "POST":
        form = CompanyForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                company_update(company=company, by=request.user, **form.service_fields())
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(request, _("Enregistré."))
                return redirect("company")
    else:
        form = CompanyForm(initial=CompanyForm.initial_from(company))
    return render(request, "core/company_form.html", {"form": form, "company": company})


def company_logo(request: HttpRequest) -> FileResponse:
    """The logo, from the private storage, for any logged-in staff user (documents print it)."""
    logo = Company.load().logo
    if not logo:
        raise Http404
    try:
        file = logo.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    content_type = mimetypes.guess_type(logo.name)[0] or "application/octet-stream"
    response = FileResponse(file, content_type=content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response


@direction_required
def staff_list(request: HttpRequest) -> HttpResponse:
    accounts = [(user, role_given(user)) for user in selectors.staff_list()]
    return render(request, "core/staff_list.html", {"accounts": accounts})


@direction_required
def staff_create(request: HttpRequest) -> HttpResponse:
    form = StaffCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = staff_services.staff_create(
                by=request.user,
                username=data["username"],
                password=data["password1"],
                role=data["role"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Utilisateur « %s » créé.") % user.username)
            return redirect("staff_list")
    return render(request, "core/staff_form.html", {"form": form, "account": None})


@direction_required
def staff_edit(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(User, pk=pk)
    if request.method == "POST":
        form = StaffForm(request.POST)
        if form.is_valid():
            try:
                staff_services.staff_update(user=account, by=request.user, **form.cleaned_data)
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(request, _("Enregistré."))
                return redirect("staff_list")
    else:
        form = StaffForm(initial=StaffForm.initial_from(account))
    context = {"form": form, "account": account, "is_self": account.pk == request.user.pk}
    return render(request, "core/staff_form.html", context)


@direction_required
def staff_password(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(User, pk=pk)
    form = StaffPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            staff_services.staff_set_password(
                user=account, by=request.user, password=form.cleaned_data["password1"]
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            if account.pk == request.user.pk:
                # Changing one's own password would otherwise end the current session.
                update_session_auth_hash(request, account)
            messages.success(request, _("Mot de passe de « %s » modifié.") % account.username)
            return redirect("staff_edit", pk=account.pk)
    return render(request, "core/staff_password.html", {"form": form, "account": account})


@direction_required
@require_POST
def staff_active(request: HttpRequest, pk: int) -> HttpResponse:
    """Deactivate (active=0) or reactivate (active=1) a staff account."""
    account = get_object_or_404(User, pk=pk)
    active = request.POST.get("active") == "1"
    try:
        staff_services.staff_set_active(user=account, by=request.user, active=active)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        message = _("Compte « %s » réactivé.") if active else _("Compte « %s » désactivé.")
        messages.success(request, message % account.username)
    return redirect("staff_edit", pk=account.pk)


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
    return render_list(
        request,
        page="core/email_list.html",
        results="core/email_results.html",
        results_id="email-results",
        context=context,
    )


def email_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _outbox_allowed(request)
    email = get_object_or_404(
        OutboxEmail.objects.select_related("created_by").prefetch_related("attachments"), pk=pk
    )
    return render(request, "core/email_detail.html", {"email": email})


def email_attachment(request: HttpRequest, pk: int, attachment_pk: int) -> FileResponse:
    """A file as it was attached to an e-mail (the quote's PDF as the customer received
    it). A PDF opens in the browser; anything else is downloaded."""
    _outbox_allowed(request)
    attachment = get_object_or_404(OutboxAttachment, pk=attachment_pk, email_id=pk)
    try:
        file = attachment.file.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    inline = attachment.mimetype == "application/pdf"
    response = FileResponse(file, content_type=attachment.mimetype)
    response["Content-Disposition"] = content_disposition_header(not inline, attachment.filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


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
