"""Page URLs of the sales app."""

from django.urls import path

from rapport.sales.views import board, opportunities, pipelines

app_name = "sales"

o = opportunities
urlpatterns = [
    path("opportunities/", o.OpportunityListView.as_view(), name="opportunity-list"),
    path("opportunities/new/", o.OpportunityCreateView.as_view(), name="opportunity-create"),
    path("opportunities/board/", board.board, name="board"),
    path("opportunities/forecast/", board.forecast, name="forecast"),
    path("opportunities/customers/", o.customer_options, name="customer-options"),
    path("opportunities/<int:pk>/", o.OpportunityDetailView.as_view(), name="opportunity-detail"),
    path(
        "opportunities/<int:pk>/edit/",
        o.OpportunityUpdateView.as_view(),
        name="opportunity-update",
    ),
    path("opportunities/<int:pk>/move/", o.OpportunityMoveView.as_view(), name="opportunity-move"),
    path("pipelines/", pipelines.PipelineListView.as_view(), name="pipeline-list"),
    path("pipelines/new/", pipelines.PipelineCreateView.as_view(), name="pipeline-create"),
    path("pipelines/<int:pk>/", pipelines.PipelineDetailView.as_view(), name="pipeline-detail"),
    path(
        "pipelines/<int:pk>/edit/", pipelines.PipelineUpdateView.as_view(), name="pipeline-update"
    ),
    path("pipelines/<int:pk>/stages/", pipelines.stage_add, name="stage-add"),
    path(
        "pipelines/<int:pk>/stages/<int:stage_pk>/shift/",
        pipelines.stage_shift,
        name="stage-shift",
    ),
    path("stages/<int:pk>/edit/", pipelines.StageUpdateView.as_view(), name="stage-update"),
]
