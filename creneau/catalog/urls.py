from django.urls import path

from creneau.catalog import views

app_name = "catalog"

urlpatterns = [
    path("catalog/", views.service_list, name="list"),
    path("catalog/export.csv", views.service_export, name="export"),
    path("catalog/new/", views.service_new, name="new"),
    path("catalog/<int:pk>/", views.service_detail, name="detail"),
    path("catalog/<int:pk>/images/", views.service_image_upload, name="image_upload"),
    path("catalog/images/<int:pk>/", views.service_image, name="image"),
    path("catalog/images/<int:pk>/delete/", views.service_image_remove, name="image_delete"),
    path("catalog/images/<int:pk>/move/", views.service_image_reorder, name="image_move"),
    path("vat-rates/", views.vat_rate_list, name="vat_rates"),
    path("vat-rates/<int:pk>/", views.vat_rate_edit, name="vat_rate_edit"),
    # A site's own prices: customer data, reached through the site (visibility applies).
    path("customers/sites/<int:pk>/prices/", views.site_prices, name="site_prices"),
    path(
        "customers/sites/<int:pk>/prices/<int:price_pk>/delete/",
        views.site_price_remove,
        name="site_price_delete",
    ),
]
