"""Paramètres, Import: upload, mapping, the checked report (errors first, paginated),
the choices for duplicates, the import with its progress bar, the result and its undo.
Direction only."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from creneau.customers.models import Customer
from creneau.imports.forms import (
    DecisionAllForm,
    DecisionForm,
    MappingForm,
    TemplateChoiceForm,
    UploadForm,
)
from creneau.imports.models import ImportBatch
from creneau.imports.rules import user_may_import
from creneau.imports.selectors import batch_issues, batches_list, mappings_list
from creneau.imports.services import (
    batch_confirm,
    batch_set_columns,
    batch_start_check,
    batch_upload,
    issue_decide,
    issues_decide_all,
    mapping_apply,
    mapping_save,
)
from creneau.imports.writer import batch_undo

REPORT_PAGE_SIZE = 50


def _require(request: HttpRequest) -> None:
    if not user_may_import(request.user):
        raise PermissionDenied


def _batch(pk: int) -> ImportBatch:
    return get_object_or_404(ImportBatch, pk=pk)


def _refusal(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _attempt(request: HttpRequest, action: Callable[[], object], success: str = "") -> None:
    """Run a step of the import; its refusal becomes the page's error messages."""
    try:
        action()
    except ValidationError as error:
        _refusal(request, error)
    else:
        if success:
            messages.success(request, success)


# The steps the task worker runs, shown with the progress bar.
RUNNING = (
    ImportBatch.Status.CONVERTING,
    ImportBatch.Status.CHECKING,
    ImportBatch.Status.IMPORTING,
)


def import_list(request: HttpRequest) -> HttpResponse:
    """The imports made, and the form that uploads a file."""
    _require(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = batch_upload(by=request.user, upload=upload, name=upload.name, size=upload.size)
        except ValidationError as error:
            form.add_error("file", error)
        else:
            return redirect("imports:detail", batch.pk)
    page = Paginator(batches_list(), 20).get_page(request.GET.get("page"))
    return render(request, "imports/import_list.html", {"form": form, "page": page})


def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The step the import is at: mapping, progress, report, or result."""
    _require(request)
    batch = _batch(pk)
    if batch.status in RUNNING:
        return render(request, "imports/import_progress.html", {"batch": batch})
    if batch.status == ImportBatch.Status.CHECKED:
        return _report(request, batch)
    if batch.status in (ImportBatch.Status.IMPORTED, ImportBatch.Status.UNDONE):
        return render(request, "imports/import_result.html", {"batch": batch})
    return _mapping(request, batch)


def _mapping(request: HttpRequest, batch: ImportBatch) -> HttpResponse:
    form = MappingForm(request.POST or None, headers=batch.headers, initial_columns=batch.columns)
    if request.method == "POST" and form.is_valid():
        try:
            batch_set_columns(batch=batch, columns=form.columns())
            if form.cleaned_data["save_as"]:
                mapping_save(
                    by=request.user, name=form.cleaned_data["save_as"], columns=batch.columns
                )
            batch_start_check(batch=batch)
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            return redirect("imports:detail", batch.pk)
    context = {
        "batch": batch,
        "form": form,
        "template_form": TemplateChoiceForm(),
        "has_templates": mappings_list().exists(),
    }
    return render(request, "imports/import_mapping.html", context)


@require_POST
def import_template(request: HttpRequest, pk: int) -> HttpResponse:
    """Apply a saved template to the mapping."""
    _require(request)
    batch = _batch(pk)
    form = TemplateChoiceForm(request.POST)
    if form.is_valid():
        mapping = form.cleaned_data["mapping"]
        applied = _("Modèle appliqué.")
        _attempt(request, lambda: mapping_apply(batch=batch, mapping=mapping), applied)
    return redirect("imports:detail", batch.pk)


@require_POST
def import_remap(request: HttpRequest, pk: int) -> HttpResponse:
    """Back from the report to the mapping."""
    _require(request)
    batch = _batch(pk)
    _attempt(request, lambda: batch_set_columns(batch=batch, columns=batch.columns))
    return redirect("imports:detail", batch.pk)


def _report(request: HttpRequest, batch: ImportBatch) -> HttpResponse:
    page = Paginator(batch_issues(batch=batch), REPORT_PAGE_SIZE).get_page(request.GET.get("page"))
    # The existing customers' names of the page, in one query.
    ids = {issue.existing_customer_id for issue in page.object_list if issue.existing_customer_id}
    names = dict(Customer.objects.filter(pk__in=ids).values_list("pk", "name"))
    for issue in page.object_list:
        issue.existing_name = names.get(issue.existing_customer_id, "")
    decisions = DecisionAllForm.base_fields["decision"].choices
    context = {"batch": batch, "page": page, "decisions": decisions}
    return render(request, "imports/import_report.html", context)


def import_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress bar, polled by HTMX; once done, the page reloads into the next step."""
    _require(request)
    batch = _batch(pk)
    if batch.status not in RUNNING:
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return render(request, "imports/partials/progress.html", {"batch": batch})


@require_POST
def import_decide(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request)
    batch = _batch(pk)
    form = DecisionForm(request.POST)
    all_form = DecisionAllForm(request.POST)

    def decide() -> None:
        if form.is_valid():
            issue_decide(
                batch=batch, row=form.cleaned_data["row"], decision=form.cleaned_data["decision"]
            )
        elif "all" in request.POST and all_form.is_valid():
            issues_decide_all(batch=batch, decision=all_form.cleaned_data["decision"])
        else:
            raise ValidationError(_("Choix inconnu."))

    _attempt(request, decide, _("Choix enregistré."))
    page = request.POST.get("page", "")
    suffix = f"?page={page}" if page.isdigit() and len(page) < 7 else ""
    return redirect(reverse("imports:detail", args=[batch.pk]) + suffix)


@require_POST
def import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request)
    batch = _batch(pk)
    _attempt(request, lambda: batch_confirm(batch=batch, by=request.user))
    return redirect("imports:detail", batch.pk)


@require_POST
def import_undo(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request)
    batch = _batch(pk)
    undone = _("Import annulé : ses clients ont été retirés.")
    _attempt(request, lambda: batch_undo(batch=batch, by=request.user), undone)
    return redirect("imports:detail", batch.pk)
