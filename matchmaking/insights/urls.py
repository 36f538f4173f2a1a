from django.urls import path

from matchmaking.core.db_router import replica_reads
from matchmaking.core.page_cache import shared_page
from matchmaking.insights import views

app_name = "insights"

urlpatterns = [
    path("", shared_page(replica_reads(views.InsightsView.as_view())), name="index"),
    path(
        "export/<slug:slug>.csv",
        replica_reads(views.ExportView.as_view(fmt="csv")),
        name="export-csv",
    ),
    path(
        "export/<slug:slug>.xlsx",
        replica_reads(views.ExportView.as_view(fmt="xlsx")),
        name="export-xlsx",
    ),
]
