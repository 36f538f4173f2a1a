from django.urls import path

from matchmaking.matching import views

app_name = "matching"

urlpatterns = [
    path("opportunities/", views.OpportunitiesView.as_view(), name="opportunities"),
    path("dismiss/", views.DismissView.as_view(), name="dismiss"),
    path("suggest-categories/", views.SuggestCategoriesView.as_view(), name="suggest-categories"),
]
