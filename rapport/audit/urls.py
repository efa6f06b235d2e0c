from django.urls import path

from rapport.audit import views

app_name = "audit"

urlpatterns = [
    path("audit/", views.AuditEventListView.as_view(), name="event-list"),
    path("audit/export/", views.export_start, name="export"),
    path("history/<str:label>/<str:pk>/", views.object_history, name="history"),
]
