from django.urls import path

from rapport.imports import views

app_name = "imports"

urlpatterns = [
    path("imports/", views.import_list, name="list"),
    path("imports/<int:pk>/", views.import_detail, name="detail"),
    path("imports/<int:pk>/map/", views.import_map, name="map"),
    path("imports/<int:pk>/run/", views.import_run, name="run"),
    path("imports/<int:pk>/errors/", views.import_errors, name="errors"),
    path("exports/", views.export, name="export"),
]
