from django.urls import path

from matchmaking.connections import views

app_name = "connections"

urlpatterns = [
    path("", views.InboxView.as_view(), name="inbox"),
    path("dashboard/", views.DashboardView.as_view(), name="dashboard"),
    path("request/<int:offering_pk>/", views.RequestCreateView.as_view(), name="request"),
    path("propose/<int:need_pk>/", views.ProposalCreateView.as_view(), name="propose"),
    path("<int:pk>/", views.ConnectionDetailView.as_view(), name="detail"),
    path("<int:pk>/accept/", views.AcceptView.as_view(), name="accept"),
    path("<int:pk>/decline/", views.DeclineView.as_view(), name="decline"),
    path("<int:pk>/withdraw/", views.WithdrawView.as_view(), name="withdraw"),
    path("<int:pk>/status/", views.MarkView.as_view(), name="mark"),
    path("<int:pk>/messages/", views.MessagePostView.as_view(), name="message-post"),
    path("attachments/<int:pk>/", views.AttachmentView.as_view(), name="attachment"),
]
