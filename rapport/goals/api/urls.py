"""API routes of goals and KPIs."""

from rest_framework.routers import SimpleRouter

from rapport.goals.api import views

router = SimpleRouter()
router.register("metrics", views.MetricViewSet, basename="metric")
router.register("metric-values", views.MetricValueViewSet, basename="metricvalue")
router.register("goals", views.GoalViewSet, basename="goal")
router.register("key-results", views.KeyResultViewSet, basename="keyresult")
router.register("check-ins", views.CheckInViewSet, basename="checkin")
router.register("leaderboards", views.LeaderboardViewSet, basename="leaderboard")
router.register("dashboards", views.DashboardViewSet, basename="dashboard")

urlpatterns = [*router.urls]
