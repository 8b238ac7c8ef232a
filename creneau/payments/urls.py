from django.urls import path

from creneau.payments import views, views_levels

app_name = "payments"

urlpatterns = [
    path("customer/<int:pk>/", views.tab_customer, name="tab_customer"),
    path("customer/<int:pk>/new/", views.payment_new, name="new"),
    path("<int:pk>/reverse/", views.payment_reverse_view, name="reverse"),
    # Paramètres > Relances.
    path("levels/", views_levels.level_list, name="levels"),
    path("levels/new/", views_levels.level_new, name="level_new"),
    path("levels/preview/", views_levels.level_preview, name="level_preview"),
    path("levels/<int:pk>/", views_levels.level_edit, name="level_edit"),
    path("levels/<int:pk>/active/", views_levels.level_toggle, name="level_toggle"),
    path("levels/<int:pk>/delete/", views_levels.level_delete, name="level_delete"),
]
