from django.urls import path

from matchmaking.core.db_router import replica_reads
from matchmaking.core.page_cache import shared_page
from matchmaking.listings import exports, views
from matchmaking.listings.models import Need, Offering

app_name = "listings"

urlpatterns = [
    # offerings
    path(
        "offerings/",
        shared_page(replica_reads(views.OfferingListView.as_view())),
        name="offering-list",
    ),
    path("offerings/new/", views.OfferingFormView.as_view(), name="offering-create"),
    path("offerings/export/", exports.offering_export_view, name="offering-export"),
    path("offerings/compare/", views.OfferingCompareView.as_view(), name="offering-compare"),
    path(
        "offerings/<int:pk>/",
        shared_page(replica_reads(views.OfferingDetailView.as_view())),
        name="offering-detail",
    ),
    path("offerings/<int:pk>/edit/", views.OfferingFormView.as_view(), name="offering-edit"),
    path(
        "offerings/<int:pk>/submit/",
        views.OfferingActionView.as_view(action="submit"),
        name="offering-submit",
    ),
    path(
        "offerings/<int:pk>/archive/",
        views.OfferingActionView.as_view(action="archive"),
        name="offering-archive",
    ),
    path(
        "offerings/<int:pk>/screenshots/",
        views.OfferingScreenshotsView.as_view(),
        name="offering-screenshots",
    ),
    path(
        "offerings/<int:pk>/screenshots/<int:screenshot_pk>/delete/",
        views.OfferingScreenshotDeleteView.as_view(),
        name="offering-screenshot-delete",
    ),
    path("my/offerings/", views.MyOfferingsView.as_view(), name="my-offerings"),
    # needs
    path("needs/", shared_page(replica_reads(views.NeedListView.as_view())), name="need-list"),
    path("needs/new/", views.NeedFormView.as_view(), name="need-create"),
    path(
        "needs/<int:pk>/",
        shared_page(replica_reads(views.NeedDetailView.as_view())),
        name="need-detail",
    ),
    path("needs/<int:pk>/edit/", views.NeedFormView.as_view(), name="need-edit"),
    path(
        "needs/<int:pk>/publish/",
        views.NeedActionView.as_view(action="publish"),
        name="need-publish",
    ),
    path("needs/<int:pk>/close/", views.NeedActionView.as_view(action="close"), name="need-close"),
    path("needs/<int:pk>/renew/", views.NeedActionView.as_view(action="renew"), name="need-renew"),
    path("my/needs/", views.MyNeedsView.as_view(), name="my-needs"),
    # revisions (proposed changes of live listings)
    path("revisions/<int:pk>/", views.RevisionDetailView.as_view(), name="revision-detail"),
    path(
        "revisions/<int:pk>/withdraw/",
        views.RevisionWithdrawView.as_view(),
        name="revision-withdraw",
    ),
    path(
        "moderation/revisions/<int:pk>/approve/",
        views.RevisionModerationView.as_view(action="approve"),
        name="revision-approve",
    ),
    path(
        "moderation/revisions/<int:pk>/reject/",
        views.RevisionModerationView.as_view(action="reject"),
        name="revision-reject",
    ),
    # moderation (platform admins)
    path("moderation/", views.ModerationQueueView.as_view(), name="moderation-queue"),
    path(
        "moderation/offerings/<int:pk>/approve/",
        views.ModerationActionView.as_view(model=Offering, action="approve"),
        name="offering-approve",
    ),
    path(
        "moderation/offerings/<int:pk>/hide/",
        views.ModerationActionView.as_view(model=Offering, action="hide"),
        name="offering-hide",
    ),
    path(
        "moderation/needs/<int:pk>/approve/",
        views.ModerationActionView.as_view(model=Need, action="approve"),
        name="need-approve",
    ),
    path(
        "moderation/needs/<int:pk>/hide/",
        views.ModerationActionView.as_view(model=Need, action="hide"),
        name="need-hide",
    ),
]
