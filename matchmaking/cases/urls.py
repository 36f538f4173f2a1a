from django.urls import path

from matchmaking.cases import views

app_name = "cases"

urlpatterns = [
    path("", views.CaseListView.as_view(), name="case-list"),
    path("new/", views.CaseCreateView.as_view(), name="case-create"),
    path("mine/", views.MyCasesView.as_view(), name="my-cases"),
    path("review/", views.ReviewQueueView.as_view(), name="review-queue"),
    path(
        "review/<int:pk>/<slug:action>/",
        views.ReviewActionView.as_view(),
        name="review-action",
    ),
    path("<int:pk>/", views.CaseDetailView.as_view(), name="case-detail"),
    path("<int:pk>/edit/", views.CaseEditView.as_view(), name="case-edit"),
    path("<int:pk>/submit/", views.CaseSubmitView.as_view(), name="case-submit"),
]
