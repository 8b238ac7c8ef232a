"""The record's "Documents" tab and the views that serve documents' bytes.

Every view starts from the visibility rule (customer_get / document_get): another rep's
customer or document answers 404, and the login middleware sends anonymous users to the
login page. The tab is an HTMX partial of the record; asked for without HTMX it renders
as a page of its own (a direct link to a customer's documents).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from creneau.core.file_sizes import file_size
from creneau.customers.documents.files import (
    FileTooLarge,
    SizeLimitUploadHandler,
    accepted_extensions,
    accepted_labels,
    clean_name,
    limit_upload_size,
    max_upload_size,
    request_too_large,
    too_large_error,
)
from creneau.customers.documents.forms import (
    DocumentEditForm,
    DocumentFilterForm,
    DocumentUploadForm,
)
from creneau.customers.documents.responses import (
    document_file_response,
    document_thumbnail_response,
)
from creneau.customers.documents.selectors import (
    customer_document_sites,
    customer_documents,
    document_get,
)
from creneau.customers.documents.services import (
    document_delete,
    document_update,
    document_upload,
)
from creneau.customers.models import Customer
from creneau.customers.selectors import customer_get
from creneau.customers.views.common import add_tab_messages

# A form posted without JavaScript may carry several files: its body is refused before
# reading only past this many times the per-file limit (each file is checked as it streams).
MAX_FILES_PER_REQUEST = 20
CHANGED_EVENT = "documents-changed"


def _tab_url(customer_pk: int) -> str:
    return reverse("customers:tab_documents", kwargs={"pk": customer_pk})


def _see_other(url: str) -> HttpResponseRedirect:
    """After a POST, back to a page with GET (303), whatever the browser."""
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


def _list_context(request: HttpRequest, customer: Customer) -> dict:
    sites = list(customer_document_sites(customer=customer))
    filter_form = DocumentFilterForm(request.GET or None, customer=customer, sites=sites)
    filters = filter_form.cleaned_data if filter_form.is_valid() else {}
    return {
        "customer": customer,
        "documents": list(customer_documents(customer=customer, filters=filters)),
        "filter_form": filter_form,
        "filtered": any(filters.values()),
        "has_sites": bool(sites),
    }


@require_GET
def tab_documents(request: HttpRequest, pk: int) -> HttpResponse:
    """The Documents tab: drop zone, filters and list (a whole page without HTMX)."""
    customer = customer_get(user=request.user, pk=pk)
    context = {
        **_list_context(request, customer),
        "upload_form": DocumentUploadForm(customer=customer),
        "max_size": max_upload_size(),
        "max_size_label": file_size(max_upload_size()),
        "accepted_labels": accepted_labels(),
        "accept": accepted_extensions(),
    }
    if not request.htmx:
        return render(request, "customers/documents/page.html", context)
    return add_tab_messages(request, render(request, "customers/documents/tab.html", context))


@require_GET
def documents_list(request: HttpRequest, pk: int) -> HttpResponse:
    """The list alone, as the filters and the uploads refresh it."""
    customer = customer_get(user=request.user, pk=pk)
    return render(request, "customers/documents/list.html", _list_context(request, customer))


# A refused file: (HTTP status, file name or "", French message).
UploadError = tuple[int, str, str]


def _upload_answer(
    request: HttpRequest, customer: Customer, created: list, errors: list[UploadError]
) -> HttpResponse:
    """JSON for the drop zone's script (one file per request, shown beside its name),
    else messages and back to the documents page (the form posted without JavaScript)."""
    if not created and not errors:
        errors = [(422, "", _("Choisissez au moins un fichier."))]
    if "application/json" in request.headers.get("Accept", ""):
        if created:
            document = created[0]
            message = _("« %(name)s » ajouté.") % {"name": document.name}
            body = {"id": document.pk, "name": document.name, "message": message}
            return JsonResponse(body, status=201)
        status, _name, message = errors[0]
        return JsonResponse({"message": message}, status=status)
    for document in created:
        messages.success(request, _("« %(name)s » ajouté.") % {"name": document.name})
    for _status, name, message in errors:
        messages.error(request, f"{name} : {message}" if name else message)
    return _see_other(_tab_url(customer.pk))


def _receive(
    request: HttpRequest, customer: Customer, limiter: SizeLimitUploadHandler
) -> HttpResponse:
    form = DocumentUploadForm(request.POST, customer=customer)
    too_large = str(too_large_error().messages[0])
    errors: list[UploadError] = [(413, name, too_large) for name in limiter.skipped]
    if not form.is_valid():
        messages_ = [str(m) for field_errors in form.errors.values() for m in field_errors]
        return _upload_answer(request, customer, [], [(422, "", " ".join(messages_))])
    created = []
    for upload in request.FILES.getlist("file"):
        try:
            created.append(
                document_upload(
                    customer=customer,
                    by=request.user,
                    file=upload,
                    kind=form.cleaned_data["kind"],
                    site=form.cleaned_data["site"],
                    note=form.cleaned_data["note"],
                    portal_visible=form.cleaned_data["portal_visible"],
                )
            )
        except ValidationError as error:
            status = 413 if isinstance(error, FileTooLarge) else 422
            errors.append((status, clean_name(upload.name), " ".join(error.messages)))
    return _upload_answer(request, customer, created, errors)


@csrf_exempt  # checked below, once the size limit is in place (it must precede any read)
@require_POST
def document_upload_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Receive one file (from the drop zone's script) or several (the plain form)."""
    customer = customer_get(user=request.user, pk=pk)  # 404 before reading any byte
    one_file = "application/json" in request.headers.get("Accept", "")
    if request_too_large(request, files=1 if one_file else MAX_FILES_PER_REQUEST):
        too_large = str(too_large_error().messages[0])
        return _upload_answer(request, customer, [], [(413, "", too_large)])
    limiter = limit_upload_size(request)
    return csrf_protect(_receive)(request, customer, limiter)


def _messages_response(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Append the pending messages to an HTMX response, swapped out of band."""
    oob = render(request, "customers/documents/messages_oob.html")
    response.content += oob.content
    return response


@require_GET
def document_row(request: HttpRequest, pk: int) -> HttpResponse:
    document = document_get(user=request.user, pk=pk)
    return render(request, "customers/documents/row.html", {"document": document})


@require_http_methods(["GET", "POST"])
def document_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Rename a document, change its kind, site or note: in place in the list (HTMX), or
    as a small page without JavaScript."""
    document = document_get(user=request.user, pk=pk)
    form = DocumentEditForm(request.POST or None, document=document)
    if request.method == "POST" and form.is_valid():
        try:
            document_update(document=document, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Enregistré."))
            if not request.htmx:
                return _see_other(_tab_url(document.customer_id))
            row = render(request, "customers/documents/row.html", {"document": document})
            return _messages_response(request, row)
    template = "edit_row.html" if request.htmx else "edit_page.html"
    context = {"document": document, "customer": document.customer, "form": form}
    return render(request, f"customers/documents/{template}", context)


@require_POST
def document_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    document = document_get(user=request.user, pk=pk)
    customer_pk, name = document.customer_id, document.name
    document_delete(document=document, by=request.user)
    messages.success(request, _("« %(name)s » supprimé.") % {"name": name})
    if not request.htmx:
        return _see_other(_tab_url(customer_pk))
    response = _messages_response(request, HttpResponse())
    response["HX-Trigger"] = CHANGED_EVENT
    return response


@require_GET
def document_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Open in the browser (PDF and images); other types download."""
    return document_file_response(document_get(user=request.user, pk=pk), inline=True)


@require_GET
def document_download(request: HttpRequest, pk: int) -> HttpResponse:
    return document_file_response(document_get(user=request.user, pk=pk), inline=False)


@require_GET
def document_thumbnail(request: HttpRequest, pk: int) -> HttpResponse:
    response = document_thumbnail_response(document_get(user=request.user, pk=pk))
    if response is None:
        raise Http404
    return response
