from django.urls import path

from creneau.imports import views

app_name = "imports"

urlpatterns = [
    path("", views.import_list, name="list"),
    path("<int:pk>/", views.import_detail, name="detail"),
    path("<int:pk>/template/", views.import_template, name="template"),
    path("<int:pk>/remap/", views.import_remap, name="remap"),
    path("<int:pk>/progress/", views.import_progress, name="progress"),
    path("<int:pk>/decide/", views.import_decide, name="decide"),
    path("<int:pk>/confirm/", views.import_confirm, name="confirm"),
    path("<int:pk>/undo/", views.import_undo, name="undo"),
]
