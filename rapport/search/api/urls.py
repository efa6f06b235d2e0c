"""API route of the search box."""

from django.urls import path

from rapport.search.api.views import SearchView

urlpatterns = [path("search/", SearchView.as_view(), name="search")]
