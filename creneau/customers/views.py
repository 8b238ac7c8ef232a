from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from creneau.customers.selectors import customers_filter


def customer_list(request: HttpRequest) -> HttpResponse:
    customers = customers_filter(user=request.user, filters=request.GET.dict())
    page = Paginator(customers, 25).get_page(request.GET.get("page"))
    return render(request, "customers/customer_list.html", {"page": page})
