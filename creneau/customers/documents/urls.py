"""URLs of the Documents tab, included by creneau/customers/urls.py (namespace customers)."""

from django.urls import path

from creneau.customers.documents import views

urlpatterns = [
    path("<int:pk>/documents/", views.tab_documents, name="tab_documents"),
    path("<int:pk>/documents/list/", views.documents_list, name="documents_list"),
    path("<int:pk>/documents/upload/", views.document_upload_view, name="document_upload"),
    path("documents/<int:pk>/", views.document_row, name="document_row"),
    path("documents/<int:pk>/edit/", views.document_edit, name="document_edit"),
    path("documents/<int:pk>/delete/", views.document_delete_view, name="document_delete"),
    path("documents/<int:pk>/open/", views.document_open, name="document_open"),
    path("documents/<int:pk>/download/", views.document_download, name="document_download"),
    path("documents/<int:pk>/thumbnail/", views.document_thumbnail, name="document_thumbnail"),
]
