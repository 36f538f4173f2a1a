from django.urls import path

from matchmaking.accounts import views

app_name = "accounts"

urlpatterns = [
    path("signup/", views.SignUpView.as_view(), name="signup"),
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", views.SignOutView.as_view(), name="logout"),
    path("password/reset/", views.PasswordResetView.as_view(), name="password-reset"),
    path("password/reset/sent/", views.PasswordResetDoneView.as_view(), name="password-reset-done"),
    path(
        "password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path(
        "password/reset/complete/",
        views.PasswordResetCompleteView.as_view(),
        name="password-reset-complete",
    ),
    path("password/change/", views.PasswordChangeView.as_view(), name="password-change"),
    path("profile/", views.profile, name="profile"),
    path("organizations/", views.OrganizationListView.as_view(), name="organization-list"),
    path("organizations/new/", views.organization_create, name="organization-create"),
    path(
        "organizations/<int:pk>/",
        views.OrganizationDetailView.as_view(),
        name="organization-detail",
    ),
    path("organizations/<int:pk>/edit/", views.organization_edit, name="organization-edit"),
    path(
        "organizations/<int:pk>/members/",
        views.organization_members,
        name="organization-members",
    ),
    path(
        "organizations/<int:pk>/invitations/<int:invitation_pk>/revoke/",
        views.invitation_revoke,
        name="invitation-revoke",
    ),
    path(
        "organizations/<int:pk>/verification/",
        views.verification_request,
        name="verification-request",
    ),
    path("verification-queue/", views.verification_queue, name="verification-queue"),
    path(
        "verification-queue/<int:request_pk>/",
        views.verification_review,
        name="verification-review",
    ),
    path(
        "verification-documents/<int:request_pk>/",
        views.verification_document,
        name="verification-document",
    ),
    path("organizations/<int:pk>/join/", views.join_request_create, name="join-request-create"),
    path(
        "organizations/<int:pk>/join-requests/<int:join_pk>/approve/",
        views.join_request_answer,
        {"answer": "approve"},
        name="join-request-approve",
    ),
    path(
        "organizations/<int:pk>/join-requests/<int:join_pk>/decline/",
        views.join_request_answer,
        {"answer": "decline"},
        name="join-request-decline",
    ),
    path(
        "join-requests/<int:join_pk>/withdraw/",
        views.join_request_withdraw,
        name="join-request-withdraw",
    ),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation-accept"),
]
