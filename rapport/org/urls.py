from django.urls import path

from rapport.org.views import job_descriptions as jd
from rapport.org.views import people as views

app_name = "org"

urlpatterns = [
    path("people/", views.UserListView.as_view(), name="user-list"),
    path("people/new/", views.UserCreateView.as_view(), name="user-create"),
    path("people/<int:pk>/", views.UserDetailView.as_view(), name="user-detail"),
    path("people/<int:pk>/edit/", views.UserUpdateView.as_view(), name="user-update"),
    path("people/<int:pk>/deactivate/", views.UserDeactivateView.as_view(), name="user-deactivate"),
    path("people/<int:pk>/activate/", views.UserActivateView.as_view(), name="user-activate"),
    path("teams/", views.TeamListView.as_view(), name="team-list"),
    path("teams/new/", views.TeamCreateView.as_view(), name="team-create"),
    path("teams/<int:pk>/", views.TeamDetailView.as_view(), name="team-detail"),
    path("teams/<int:pk>/edit/", views.TeamUpdateView.as_view(), name="team-update"),
    path("teams/<int:pk>/archive/", views.TeamArchiveView.as_view(), name="team-archive"),
    path("teams/<int:pk>/members/", views.membership_add, name="membership-add"),
    path(
        "memberships/<int:pk>/edit/",
        views.MembershipUpdateView.as_view(),
        name="membership-update",
    ),
    path("memberships/<int:pk>/end/", views.MembershipEndView.as_view(), name="membership-end"),
    path("profile/", views.profile, name="profile"),
    path("profile/tokens/", views.token_create, name="token-create"),
    path("profile/tokens/<int:pk>/revoke/", views.token_revoke, name="token-revoke"),
    path("language/", views.set_language, name="set-language"),
    path("job-descriptions/", jd.JobDescriptionListView.as_view(), name="jobdescription-list"),
    path(
        "job-descriptions/new/", jd.JobDescriptionCreateView.as_view(), name="jobdescription-create"
    ),
    path(
        "job-descriptions/<int:pk>/",
        jd.JobDescriptionDetailView.as_view(),
        name="jobdescription-detail",
    ),
    path(
        "job-descriptions/<int:pk>/edit/",
        jd.JobDescriptionUpdateView.as_view(),
        name="jobdescription-update",
    ),
    path(
        "job-descriptions/<int:pk>/archive/",
        jd.JobDescriptionArchiveView.as_view(),
        name="jobdescription-archive",
    ),
]
