from django.urls import path

from creneau.billing import views_journal

app_name = "billing"

urlpatterns = [
    path("journal/", views_journal.journal_list, name="journal"),
    path("journal/verify/", views_journal.journal_verify_now, name="journal_verify"),
]
