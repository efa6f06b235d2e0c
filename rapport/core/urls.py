from django.urls import path

from rapport.core import pages, saved_views

app_name = "core"

urlpatterns = [
    path("jobs/", pages.job_list, name="job-list"),
    path("jobs/<int:pk>/", pages.job_detail, name="job-detail"),
    path("jobs/<int:pk>/download/", pages.job_download, name="job-download"),
    path("saved-views/", saved_views.saved_view_save, name="savedview-save"),
    path("saved-views/<int:pk>/delete/", saved_views.saved_view_remove, name="savedview-delete"),
]
