from django.urls import path

from creneau.billing import views_runs

app_name = "billing"

urlpatterns = [
    # The monthly billing run (views_runs).
    path("runs/new/", views_runs.run_new, name="run_new"),
    path("runs/<int:pk>/", views_runs.run_detail, name="run_detail"),
    path("runs/<int:pk>/items/<int:item_pk>/", views_runs.run_item_toggle, name="run_item"),
    path("runs/<int:pk>/issue/", views_runs.run_issue, name="run_issue"),
    path("runs/<int:pk>/resume/", views_runs.run_resume, name="run_resume"),
    path("runs/<int:pk>/progress/", views_runs.run_progress, name="run_progress"),
]
