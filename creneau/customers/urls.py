from django.urls import include, path

from creneau.customers.views import contacts, create, families, listing, recipients, record, sites

app_name = "customers"

urlpatterns = [
    path("", listing.customer_list, name="list"),
    path("export.csv", listing.customer_export_csv, name="export_csv"),
    path("quick-search/", listing.customer_quick_search, name="quick_search"),
    path("new/", create.customer_create_view, name="create"),
    # The record and its header actions.
    path("<int:pk>/", record.customer_detail, name="detail"),
    path("<int:pk>/active/", record.customer_toggle_active, name="toggle_active"),
    path("<int:pk>/delete/", record.customer_delete_view, name="delete"),
    # The record's tabs (tabs.py) and their in-place forms.
    path("<int:pk>/general/", record.tab_general, name="tab_general"),
    path("<int:pk>/general/edit/", record.customer_edit, name="edit"),
    path("<int:pk>/notes/", record.tab_notes, name="tab_notes"),
    path("<int:pk>/notes/edit/", record.notes_edit, name="notes_edit"),
    path("<int:pk>/history/", record.tab_history, name="tab_history"),
    path("<int:pk>/sites/", sites.tab_sites, name="tab_sites"),
    path("<int:pk>/sites/new/", sites.site_create_view, name="site_create"),
    path("<int:pk>/sites/<int:site_pk>/edit/", sites.site_edit, name="site_edit"),
    path("<int:pk>/sites/<int:site_pk>/active/", sites.site_toggle_active, name="site_toggle"),
    path("<int:pk>/sites/<int:site_pk>/delete/", sites.site_delete_view, name="site_delete"),
    path("<int:pk>/recipients/new/", recipients.recipient_create_view, name="recipient_create"),
    path(
        "<int:pk>/recipients/<int:recipient_pk>/delete/",
        recipients.recipient_delete_view,
        name="recipient_delete",
    ),
    path("<int:pk>/contacts/", contacts.tab_contacts, name="tab_contacts"),
    path("<int:pk>/contacts/new/", contacts.contact_create_view, name="contact_create"),
    path("<int:pk>/contacts/<int:contact_pk>/edit/", contacts.contact_edit, name="contact_edit"),
    path(
        "<int:pk>/contacts/<int:contact_pk>/delete/",
        contacts.contact_delete_view,
        name="contact_delete",
    ),
    # Families (direction).
    path("families/", families.family_list, name="family_list"),
    path("families/<int:pk>/rename/", families.family_rename, name="family_rename"),
    path("families/<int:pk>/delete/", families.family_delete_view, name="family_delete"),
    # Documents (their own module).
    path("", include("creneau.customers.documents.urls")),
]
