"""Page URLs of goals and KPIs."""

from django.urls import path

from rapport.goals.views import dashboards, digests, goals, leaderboard, settings

app_name = "goals"

urlpatterns = [
    path("goals/", goals.goal_list, name="goal-list"),
    path("goals/new/", goals.goal_create, name="goal-create"),
    path("goals/<int:pk>/", goals.goal_detail, name="goal-detail"),
    path("goals/<int:pk>/edit/", goals.goal_update, name="goal-update"),
    path("goals/<int:pk>/key-results/", goals.key_result_add, name="key-result-add"),
    path(
        "goals/<int:pk>/<slug:action>/",
        goals.goal_action,
        name="goal-action",
    ),
    path("key-results/<int:pk>/split/", goals.key_result_split, name="key-result-split"),
    path("key-results/<int:pk>/check-in/", goals.check_in, name="check-in"),
    path("dashboards/me/", dashboards.my_dashboard, name="my-dashboard"),
    path("dashboards/team/", dashboards.team_dashboard_default, name="team-dashboard-default"),
    path("dashboards/team/<int:pk>/", dashboards.team_dashboard_view, name="team-dashboard"),
    path("dashboards/company/", dashboards.company_dashboard_view, name="company-dashboard"),
    path("leaderboard/", leaderboard.leaderboard, name="leaderboard"),
    path("goals/settings/", settings.goal_settings, name="settings"),
    path("digests/", digests.digest_list, name="digest-list"),
    path("digests/settings/", digests.digest_settings, name="digest-settings"),
    path("digests/send/", digests.digest_send_now, name="digest-send"),
    path("digests/<int:pk>/", digests.digest_detail, name="digest-detail"),
    path("digests/<int:pk>/html/", digests.digest_html, name="digest-html"),
]
