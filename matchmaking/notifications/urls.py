from django.urls import path

from matchmaking.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.NotificationCentreView.as_view(), name="centre"),
    path("<int:pk>/open/", views.NotificationOpenView.as_view(), name="open"),
    path("<int:pk>/read/", views.NotificationMarkReadView.as_view(), name="mark-read"),
    path("read-all/", views.NotificationMarkAllReadView.as_view(), name="mark-all-read"),
    path("preferences/", views.PreferencesView.as_view(), name="preferences"),
    path("saved-searches/", views.SavedSearchListView.as_view(), name="saved-search-list"),
    path("saved-searches/new/", views.SavedSearchCreateView.as_view(), name="saved-search-create"),
    path(
        "saved-searches/<int:pk>/delete/",
        views.SavedSearchDeleteView.as_view(),
        name="saved-search-delete",
    ),
    path("needs/<int:pk>/tell-vendors/", views.NeedBroadcastView.as_view(), name="need-broadcast"),
    path("needs/<int:pk>/alert/", views.NeedAlertView.as_view(), name="need-alert"),
]
