from django.urls import path

from matchmaking.events import views

app_name = "events"

urlpatterns = [
    path("", views.EventListView.as_view(), name="list"),
    path("new/", views.EventEditView.as_view(), name="create"),
    path("<int:pk>/", views.EventDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.EventEditView.as_view(), name="edit"),
    path("<int:pk>/manage/", views.EventManageView.as_view(), name="manage"),
    path("<int:pk>/schedule/", views.ScheduleView.as_view(), name="schedule"),
    path("<int:pk>/table-plan/", views.TablePlanView.as_view(), name="table-plan"),
    path("<int:pk>/check-in/", views.CheckInView.as_view(), name="check-in"),
    path("<int:pk>/register/", views.RegisterView.as_view(), name="register"),
    path("<int:pk>/withdraw/", views.WithdrawView.as_view(), name="withdraw"),
    path("<int:pk>/participants/", views.ProposalsView.as_view(), name="proposals"),
    path(
        "<int:pk>/participants/<int:registration_pk>/request/",
        views.MeetingRequestCreateView.as_view(),
        name="request-create",
    ),
    path("<int:pk>/requests/", views.RequestsView.as_view(), name="requests"),
    path("<int:pk>/agenda/", views.AgendaView.as_view(), name="agenda"),
    path("<int:pk>/agenda.ics", views.AgendaCalendarView.as_view(), name="agenda-ics"),
    path(
        "registrations/<int:pk>/<str:action>/",
        views.RegistrationAnswerView.as_view(),
        name="registration-answer",
    ),
    path(
        "requests/<int:pk>/<str:action>/",
        views.MeetingRequestAnswerView.as_view(),
        name="request-answer",
    ),
    path("meetings/<int:pk>/move/", views.MeetingMoveView.as_view(), name="meeting-move"),
    path("meetings/<int:pk>/confirm/", views.MeetingConfirmView.as_view(), name="meeting-confirm"),
    path("meetings/<int:pk>/outcome/", views.OutcomeView.as_view(), name="meeting-outcome"),
]
