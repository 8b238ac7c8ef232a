"""Lists that filter as you type: their filter form asks htmx for the results only."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers


def render_list(
    request: HttpRequest, *, page: str, results: str, results_id: str, context: dict
) -> HttpResponse:
    """The whole page, or only its results when htmx asks for the element `results_id`
    (a filter typed or picked, a sort link, a page). A reload, or htmx restoring its
    history, gets the whole page; Vary keeps a browser cache from mixing the two."""
    partial = (
        getattr(request, "htmx", False)
        and request.htmx.target == results_id
        and not request.htmx.history_restore_request
    )
    response = render(request, results if partial else page, context)
    patch_vary_headers(response, ["HX-Request"])
    return response
