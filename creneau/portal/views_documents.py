"""Documents: the files the office marked "visible sur le portail", and their download.
A document's internal note is never shown."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from creneau.customers.documents.responses import document_file_response
from creneau.portal.pages import PAGE_SIZE, scoped_or_404
from creneau.portal.selectors import portal_documents

DOCUMENT_FIELDS = ("kind", "name", "size", "content_type", "uploaded_at", "site__name")


@require_GET
def document_list(request: HttpRequest) -> HttpResponse:
    documents = (
        portal_documents(request.portal_user)
        .select_related("site")
        .only(*DOCUMENT_FIELDS)
        .order_by("-uploaded_at", "-pk")
    )
    page = Paginator(documents, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "portal/documents.html", {"page": page})


@require_GET
def document_download(request: HttpRequest, pk: int) -> FileResponse:
    document = scoped_or_404(portal_documents(request.portal_user), pk)
    try:
        return document_file_response(document, inline=False)
    except FileNotFoundError as missing:
        # The row outlived its file (storage restored without it): nothing to send.
        raise Http404 from missing
