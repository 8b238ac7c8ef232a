"""The office's pages of the portal, on the customer record (mounted at /customers/,
beside the customers app): never under /portail/, which is the customers' own door."""

from django.urls import path

from creneau.portal import views_staff

app_name = "portal_staff"

urlpatterns = [
    path("<int:pk>/portail/", views_staff.tab_portal, name="tab"),
    path("<int:pk>/portail/acces/", views_staff.access_create, name="access_create"),
    path(
        "<int:pk>/portail/acces/<int:access_pk>/invitation/",
        views_staff.access_invite,
        name="access_invite",
    ),
    path(
        "<int:pk>/portail/acces/<int:access_pk>/desactiver/",
        views_staff.access_disable,
        name="access_disable",
    ),
    path(
        "<int:pk>/portail/acces/<int:access_pk>/debloquer/",
        views_staff.access_unlock,
        name="access_unlock",
    ),
    path(
        "<int:pk>/portail/acces/<int:access_pk>/supprimer/",
        views_staff.access_delete,
        name="access_delete",
    ),
]
