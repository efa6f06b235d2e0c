from django.urls import path

from rapport.core import pages

app_name = "core"

urlpatterns = [
    path("jobs/", pages.job_list, name="job-list"),
    path("jobs/<int:pk>/", pages.job_detail, name="job-detail"),
    path("jobs/<int:pk>/download/", pages.job_download, name="job-download"),
]
