"""JSON endpoints under /api/v1/. Thin like the HTML views: every read starts from a model's
``visible_to(user)`` scope (through the apps' selectors), every object lookup goes through
``core.permissions`` (404 not visible, 403 not editable), every write through a service."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from matchmaking.accounts import selectors as account_selectors
from matchmaking.accounts.choices import OrganizationKind
from matchmaking.accounts.filtersets import OrganizationFilterSet
from matchmaking.accounts.models import Organization
from matchmaking.api import serializers as s
from matchmaking.api.filters import ListingFilterBackend
from matchmaking.cases import selectors as case_selectors
from matchmaking.cases.filtersets import CaseFilterSet
from matchmaking.cases.models import Case, CaseMetric
from matchmaking.connections import selectors as connection_selectors
from matchmaking.connections import services as connection_services
from matchmaking.connections.choices import ConnectionKind, ConnectionState
from matchmaking.connections.models import Connection, Message
from matchmaking.core.permissions import get_editable_or_403, get_visible_or_404
from matchmaking.events import selectors as event_selectors
from matchmaking.events import services as event_services
from matchmaking.events.models import Event
from matchmaking.listings import selectors as listing_selectors
from matchmaking.listings import services as listing_services
from matchmaking.listings.browse.selectors import need_browse, offering_browse
from matchmaking.listings.filtersets import NeedFilterSet, OfferingFilterSet
from matchmaking.listings.models import Need, Offering
from matchmaking.matching import selectors as matching_selectors
from matchmaking.notifications import services as notification_services
from matchmaking.notifications.models import Notification
from matchmaking.taxonomy.models import TAXONOMY_MODELS


def _organization_of_kind(user, kind: str) -> Organization:
    """The acting user's organization when it is of ``kind`` (as the HTML forms require)."""
    organization = getattr(getattr(user, "membership", None), "organization", None)
    if organization is None or organization.kind != kind:
        raise PermissionDenied
    return organization


# --- taxonomy -----------------------------------------------------------------------------


class TaxonomyView(APIView):
    """The active terms of the white paper's taxonomy; codes are what the filters take."""

    permission_classes = []

    @extend_schema(responses=s.TaxonomySerializer, operation_id="taxonomy_retrieve")
    def get(self, request):
        data = {
            name: [
                {
                    "code": term.code,
                    "name": term.name,
                    "name_zh": term.name_zh,
                    "name_en": term.name_en,
                    "description": term.description,
                }
                for term in model.objects.active()
            ]
            for name, model in TAXONOMY_MODELS.items()
        }
        return Response(s.TaxonomySerializer(data).data)


# --- organizations ------------------------------------------------------------------------


class OrganizationViewSet(viewsets.ReadOnlyModelViewSet):
    """The organization directory (same filters as /accounts/organizations/). Contacts only
    where `Organization.objects.contacts_visible_to` allows."""

    serializer_class = s.OrganizationSerializer
    filter_backends = [ListingFilterBackend]
    filterset_class = OrganizationFilterSet

    def get_queryset(self):
        return account_selectors.organization_list(user=self.request.user)

    def get_object(self):
        return get_visible_or_404(
            Organization.objects.all(), self.request.user, pk=self.kwargs["pk"]
        )

    def get_serializer(self, *args, **kwargs):
        instances = args[0] if args else None
        if instances is not None:
            items = instances if isinstance(instances, list | tuple) else [instances]
            ids = [item.pk for item in items]
            kwargs.setdefault("context", self.get_serializer_context())
            kwargs["context"]["contact_ids"] = set(
                Organization.objects.contacts_visible_to(self.request.user)
                .filter(pk__in=ids)
                .values_list("pk", flat=True)
            )
        return super().get_serializer(*args, **kwargs)


# --- listings -----------------------------------------------------------------------------


class ListingViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    model = None
    write_serializer_class = None  # validates create/update input; reads use serializer_class
    filter_backends = [ListingFilterBackend]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_object(self):
        if self.action in ("partial_update", "update", "close", "publish", "submit", "archive"):
            return get_editable_or_403(
                self.model.objects.all(), self.request.user, pk=self.kwargs["pk"]
            )
        return get_visible_or_404(self.detail_queryset(), self.request.user, pk=self.kwargs["pk"])

    def _validated(self, request, *, partial):
        serializer = self.write_serializer_class(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    detail_serializer_class = None  # retrieve and writes: the live object + pending revision

    def get_serializer_class(self):
        if self.action != "list" and self.detail_serializer_class is not None:
            return self.detail_serializer_class
        return self.serializer_class

    def _respond(self, obj, code=status.HTTP_200_OK):
        obj = self.detail_queryset().get(pk=obj.pk)
        serializer = self.detail_serializer_class or self.serializer_class
        return Response(serializer(obj, context=self.get_serializer_context()).data, status=code)


@extend_schema_view(
    list=extend_schema(summary="Published offerings (the /offerings/ page's filters)"),
    retrieve=extend_schema(summary="One offering (published, or your organization's)"),
    create=extend_schema(
        request=s.OfferingWriteSerializer, responses={201: s.OfferingDetailSerializer}
    ),
    partial_update=extend_schema(
        request=s.OfferingWriteSerializer,
        responses=s.OfferingDetailSerializer,
        summary="Change an offering (members of its vendor); a published one keeps its live "
        "values and returns the changes waiting for review as pending_revision",
    ),
)
class OfferingViewSet(ListingViewSet):
    model = Offering
    serializer_class = s.OfferingSerializer
    detail_serializer_class = s.OfferingDetailSerializer
    write_serializer_class = s.OfferingWriteSerializer
    filterset_class = OfferingFilterSet  # the query parameters of the schema
    browse = staticmethod(offering_browse)

    def get_queryset(self):
        return listing_selectors.offering_list_queryset(self.request.user)

    def detail_queryset(self):
        return listing_selectors.offering_detail_queryset()

    def create(self, request, *args, **kwargs):
        organization = _organization_of_kind(request.user, OrganizationKind.VENDOR)
        data = self._validated(request, partial=False)
        submit = data.pop("submit", False)
        offering = listing_services.offering_create(
            organization=organization, created_by=request.user, submit=submit, **data
        )
        return self._respond(offering, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        offering = self.get_object()
        data = self._validated(request, partial=True)
        data.pop("submit", None)
        offering = listing_services.offering_update(
            offering=offering, proposed_by=request.user, **data
        )
        return self._respond(offering)

    @extend_schema(request=None, responses=s.OfferingDetailSerializer, summary="Send for review")
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._respond(listing_services.offering_submit(offering=self.get_object()))

    @extend_schema(
        request=None, responses=s.OfferingDetailSerializer, summary="Archive (close) an offering"
    )
    @action(detail=True, methods=["post"])
    def archive(self, request, pk=None):
        return self._respond(listing_services.offering_archive(offering=self.get_object()))

    @extend_schema(
        responses=s.NeedMatchSerializer(many=True),
        summary="Needs suggested for this offering (its vendor's members and admins)",
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def matches(self, request, pk=None):
        offering = self.get_object()
        rows = matching_selectors.offering_suggestions(offering, request.user)
        if rows is None:
            raise PermissionDenied
        return Response(
            s.NeedMatchSerializer(rows, many=True, context=self.get_serializer_context()).data
        )


@extend_schema_view(
    list=extend_schema(summary="Open needs you may see (the /needs/ page's filters)"),
    retrieve=extend_schema(summary="One need (anonymous posters stay unnamed)"),
    create=extend_schema(request=s.NeedWriteSerializer, responses={201: s.NeedDetailSerializer}),
    partial_update=extend_schema(
        request=s.NeedWriteSerializer,
        responses=s.NeedDetailSerializer,
        summary="Change a need (members of the posting enterprise); material changes of a "
        "reviewed need of an unverified organization are returned as pending_revision",
    ),
)
class NeedViewSet(ListingViewSet):
    model = Need
    serializer_class = s.NeedSerializer
    detail_serializer_class = s.NeedDetailSerializer
    write_serializer_class = s.NeedWriteSerializer
    filterset_class = NeedFilterSet  # the query parameters of the schema
    browse = staticmethod(need_browse)

    def get_queryset(self):
        return listing_selectors.need_list_queryset(self.request.user)

    def detail_queryset(self):
        return listing_selectors.need_detail_queryset()

    def create(self, request, *args, **kwargs):
        organization = _organization_of_kind(request.user, OrganizationKind.ENTERPRISE)
        data = self._validated(request, partial=False)
        publish = data.pop("publish", False)
        need = listing_services.need_create(
            organization=organization, created_by=request.user, publish=publish, **data
        )
        return self._respond(need, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        need = self.get_object()
        data = self._validated(request, partial=True)
        data.pop("publish", None)
        need = listing_services.need_update(need=need, proposed_by=request.user, **data)
        return self._respond(need)

    @extend_schema(request=None, responses=s.NeedDetailSerializer, summary="Open a draft need")
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        return self._respond(listing_services.need_publish(need=self.get_object()))

    @extend_schema(
        request=s.NeedCloseSerializer, responses=s.NeedDetailSerializer, summary="Close a need"
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        need = self.get_object()
        serializer = s.NeedCloseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        need = listing_services.need_close(
            need=need, fulfilled=serializer.validated_data["fulfilled"]
        )
        return self._respond(need)

    @extend_schema(
        responses=s.OfferingMatchSerializer(many=True),
        summary="Offerings suggested for this need, with scores and reasons (its members and admins)",
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def matches(self, request, pk=None):
        need = self.get_object()
        rows = matching_selectors.need_suggestions(need, request.user)
        if rows is None:
            raise PermissionDenied
        return Response(
            s.OfferingMatchSerializer(rows, many=True, context=self.get_serializer_context()).data
        )


# --- cases --------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Published cases, and your vendor's own in every status"),
)
class CaseViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.CaseSerializer
    filter_backends = [ListingFilterBackend]
    filterset_class = CaseFilterSet

    def get_queryset(self):
        return (
            Case.objects.visible_to(self.request.user)
            .with_related()
            .prefetch_related(
                Prefetch("metrics", queryset=CaseMetric.objects.order_by("order", "pk"))
            )
            .featured_first()
        )

    def get_object(self):
        return get_visible_or_404(
            case_selectors.case_detail_queryset(), self.request.user, pk=self.kwargs["pk"]
        )

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["visible_offering_ids"] = _LazyVisibleOfferings(self.request.user)
        return context


class _LazyVisibleOfferings:
    """``id in this`` asks the offerings scope, once per id."""

    def __init__(self, user):
        self.user, self.cache = user, {}

    def __contains__(self, pk):
        if pk not in self.cache:
            self.cache[pk] = Offering.objects.visible_to(self.user).filter(pk=pk).exists()
        return self.cache[pk]


# --- connections and messages -------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="Your organization's connections",
        parameters=[
            OpenApiParameter(
                "box", str, enum=["received", "sent"], description="Which side you are on"
            ),
            OpenApiParameter("state", str, enum=list(ConnectionState.values)),
            OpenApiParameter("kind", str, enum=list(ConnectionKind.values)),
        ],
    ),
)
class ConnectionViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.ConnectionSerializer
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        params = self.request.query_params
        box = params.get("box", "")
        boxes = [box] if box in ("received", "sent") else ["received", "sent"]
        queryset = None
        for name in boxes:
            rows = connection_selectors.connection_list(
                user=self.request.user,
                box=name,
                state=params.get("state", ""),
                kind=params.get("kind", ""),
            )
            queryset = rows if queryset is None else queryset | rows
        return queryset.order_by("-created_at", "-pk")

    def get_object(self):
        return get_visible_or_404(
            Connection.objects.select_related("offering", "need", "initiator_org", "receiver_org"),
            self.request.user,
            pk=self.kwargs["pk"],
        )

    @extend_schema(
        methods=["get"],
        responses=s.MessageSerializer(many=True),
        summary="The connection's messages",
    )
    @extend_schema(
        methods=["post"],
        request=s.MessageSerializer,
        responses={201: s.MessageSerializer},
        summary="Write in the thread (once the connection is accepted)",
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def messages(self, request, pk=None):
        connection = self.get_object()
        if request.method == "POST":
            serializer = s.MessageSerializer(
                data=request.data, context=self.get_serializer_context()
            )
            serializer.is_valid(raise_exception=True)
            message = connection_services.message_post(
                connection=connection, user=request.user, body=serializer.validated_data["body"]
            )
            return Response(
                s.MessageSerializer(message, context=self.get_serializer_context()).data,
                status=status.HTTP_201_CREATED,
            )
        rows = Message.objects.visible_to(request.user).filter(connection=connection)
        return Response(
            s.MessageSerializer(rows, many=True, context=self.get_serializer_context()).data
        )


# --- notifications ------------------------------------------------------------------------


class NotificationViewSet(viewsets.ReadOnlyModelViewSet):
    """Your own notifications, newest first."""

    serializer_class = s.NotificationSerializer
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        return Notification.objects.visible_to(self.request.user).order_by("-created_at", "-pk")

    def get_object(self):
        return get_visible_or_404(
            Notification.objects.all(), self.request.user, pk=self.kwargs["pk"]
        )

    @extend_schema(request=None, responses=s.NotificationSerializer, summary="Mark as read")
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = self.get_object()
        notification_services.notification_mark_read(notification=notification, user=request.user)
        notification.refresh_from_db()
        return Response(s.NotificationSerializer(notification).data)


# --- matchmaking events -------------------------------------------------------------------


class EventViewSet(viewsets.ReadOnlyModelViewSet):
    """Matchmaking events (对接会) anyone may see; a participant's own agenda."""

    serializer_class = s.EventSerializer

    def get_queryset(self):
        return (
            Event.objects.visible_to(self.request.user)
            .prefetch_related("sectors", "application_types")
            .order_by("-start_date", "-pk")
        )

    def get_object(self):
        return get_visible_or_404(Event.objects, self.request.user, pk=self.kwargs["pk"])

    @extend_schema(responses=s.AgendaItemSerializer(many=True), summary="My organization's agenda")
    @action(detail=True, permission_classes=[IsAuthenticated], pagination_class=None)
    def agenda(self, request, pk=None):
        event = self.get_object()
        registration = event_services.participant_registration(event, request.user)
        if registration is None:
            raise Http404
        items = event_selectors.agenda(registration)
        return Response(s.AgendaItemSerializer(items, many=True).data)
