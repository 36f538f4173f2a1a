from django.urls import path

from matchmaking.insights import views

app_name = "insights"

urlpatterns = [
    path("", views.InsightsView.as_view(), name="index"),
    path("export/<slug:slug>.csv", views.ExportView.as_view(fmt="csv"), name="export-csv"),
    path("export/<slug:slug>.xlsx", views.ExportView.as_view(fmt="xlsx"), name="export-xlsx"),
]
