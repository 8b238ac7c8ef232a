from django.urls import path

from creneau.billing.views import drafts, invoice, lists
from creneau.billing.views import journal as views_journal
from creneau.billing.views import runs as views_runs
from creneau.billing.views import send as send_views

app_name = "billing"

urlpatterns = [
    path("", lists.invoice_list, name="list"),
    path("export.csv", lists.invoice_export, name="export"),
    path("new/", drafts.invoice_new, name="new"),
    path("new/customers/", drafts.customer_search, name="customer_search"),
    path("customer/<int:pk>/", lists.tab_customer, name="tab_customer"),
    path("from-quote/<int:quote_pk>/", invoice.invoice_from_quote, name="from_quote"),
    path("<int:pk>/", invoice.invoice_detail, name="detail"),
    path("<int:pk>/pdf/", invoice.invoice_pdf, name="pdf"),
    path("<int:pk>/issue/", invoice.invoice_issue, name="issue"),
    path("<int:pk>/delete/", invoice.invoice_delete, name="delete"),
    path("<int:pk>/credit-note/", invoice.credit_note_new, name="credit_note"),
    path("<int:pk>/header/", drafts.invoice_header, name="header"),
    path("<int:pk>/lines/", drafts.lines, name="lines"),
    path("<int:pk>/lines/add/", drafts.line_add, name="line_add"),
    path("lines/<int:pk>/", drafts.line_edit, name="line_edit"),
    path("lines/<int:pk>/delete/", drafts.line_delete, name="line_delete"),
    path("<int:pk>/send/", send_views.invoice_send_view, name="send"),
    path("journal/", views_journal.journal_list, name="journal"),
    path("journal/verify/", views_journal.journal_verify_now, name="journal_verify"),
    # The monthly billing run (views_runs).
    path("runs/new/", views_runs.run_new, name="run_new"),
    path("runs/<int:pk>/", views_runs.run_detail, name="run_detail"),
    path("runs/<int:pk>/items/<int:item_pk>/", views_runs.run_item_toggle, name="run_item"),
    path("runs/<int:pk>/issue/", views_runs.run_issue, name="run_issue"),
    path("runs/<int:pk>/resume/", views_runs.run_resume, name="run_resume"),
    path("runs/<int:pk>/progress/", views_runs.run_progress, name="run_progress"),
]
