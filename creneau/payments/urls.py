from django.urls import path

from creneau.payments import views, views_dunning

app_name = "payments"

urlpatterns = [
    path("customer/<int:pk>/", views.tab_customer, name="tab_customer"),
    path("customer/<int:pk>/new/", views.payment_new, name="new"),
    path("<int:pk>/reverse/", views.payment_reverse_view, name="reverse"),
    # The dunning runs (views_dunning).
    path("dunning/", views_dunning.run_list, name="dunning_list"),
    path("dunning/<int:pk>/", views_dunning.run_detail, name="dunning_run"),
    path(
        "dunning/<int:pk>/reminders/<int:reminder_pk>/",
        views_dunning.reminder_toggle,
        name="dunning_reminder",
    ),
    path(
        "dunning/<int:pk>/reminders/<int:reminder_pk>/letter.pdf",
        views_dunning.reminder_letter,
        name="dunning_reminder_letter",
    ),
    path("dunning/<int:pk>/send/", views_dunning.run_send, name="dunning_send"),
    path("dunning/<int:pk>/resume/", views_dunning.run_resume, name="dunning_resume"),
    path("dunning/<int:pk>/letters.pdf", views_dunning.run_letters, name="dunning_letters"),
]
