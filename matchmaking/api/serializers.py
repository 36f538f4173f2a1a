"""Request and response shapes. Reads serialise objects the scoped querysets returned;
names and contacts go through the owning apps' selectors (never read directly here)."""

from __future__ import annotations

import re

from django.utils.encoding import smart_str
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from matchmaking.accounts.choices import OrganizationKind, OrganizationSize, VerificationStatus
from matchmaking.accounts.models import Organization
from matchmaking.cases.choices import CaseStatus
from matchmaking.cases.models import Case, CaseMetric
from matchmaking.connections import selectors as connection_selectors
from matchmaking.connections.choices import ConnectionKind, ConnectionState
from matchmaking.connections.models import Connection, Message
from matchmaking.events.models import Event
from matchmaking.listings import selectors as listing_selectors
from matchmaking.listings.choices import (
    DataAvailability,
    NeedStatus,
    NeedVisibility,
    OfferingStatus,
    PriceUnit,
    RevisionStatus,
)
from matchmaking.listings.models import ListingRevision, Need, Offering
from matchmaking.notifications.choices import NotificationKind
from matchmaking.notifications.models import Notification
from matchmaking.taxonomy.models import (
    ApplicationType,
    DeploymentMode,
    Layer,
    OfferingKind,
    Sector,
)

MAX_BIGINT = 9_223_372_036_854_775_807


def _absolute(request, path: str | None) -> str | None:
    if not path:
        return None
    return request.build_absolute_uri(path) if request is not None else path


# --- taxonomy ---------------------------------------------------------------------------


class TermSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    name_zh = serializers.CharField()
    name_en = serializers.CharField()
    description = serializers.CharField(allow_blank=True)


class TaxonomySerializer(serializers.Serializer):
    sectors = TermSerializer(many=True)
    app_types = TermSerializer(many=True)
    layers = TermSerializer(many=True)
    offering_kinds = TermSerializer(many=True)
    deployment_modes = TermSerializer(many=True)


def _codes(related) -> list[str]:
    return [term.code for term in related.all()]


CodeList = serializers.ListField(child=serializers.CharField(), read_only=True)


# --- organizations ----------------------------------------------------------------------


class ContactsSerializer(serializers.Serializer):
    person = serializers.CharField(allow_blank=True)
    phone = serializers.CharField(allow_blank=True)
    email = serializers.CharField(allow_blank=True)


def contacts_of(organization: Organization) -> dict:
    return {
        "person": organization.contact_person,
        "phone": organization.contact_phone,
        "email": organization.contact_email,
    }


class OrganizationRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="display_name")
    verified = serializers.BooleanField(source="is_verified")


class OrganizationSerializer(serializers.ModelSerializer):
    """Public profile; ``contacts`` only when ``Organization.objects.contacts_visible_to``
    lets the viewer read them (the view passes those ids as ``contact_ids``)."""

    kind = serializers.ChoiceField(choices=OrganizationKind.choices)
    size = serializers.ChoiceField(choices=OrganizationSize.choices, allow_blank=True)
    verification_status = serializers.ChoiceField(choices=VerificationStatus.choices)
    display_name = serializers.CharField()
    verified = serializers.BooleanField(source="is_verified")
    website = serializers.CharField(help_text=_("May be empty."))
    logo_url = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    contacts = serializers.SerializerMethodField()

    class Meta:
        model = Organization
        fields = [
            "id",
            "kind",
            "name",
            "name_en",
            "display_name",
            "region",
            "size",
            "website",
            "description",
            "uscc",
            "filing_number",
            "verified",
            "verification_status",
            "logo_url",
            "url",
            "contacts",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_logo_url(self, obj) -> str | None:
        return _absolute(self.context.get("request"), obj.logo.url if obj.logo else None)

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, obj) -> str:
        return _absolute(self.context.get("request"), obj.get_absolute_url())

    @extend_schema_field(ContactsSerializer(allow_null=True))
    def get_contacts(self, obj):
        if obj.pk in self.context.get("contact_ids", ()):
            return contacts_of(obj)
        return None


# --- offerings --------------------------------------------------------------------------


class ScreenshotSerializer(serializers.Serializer):
    image_url = serializers.CharField()
    thumbnail_url = serializers.CharField()
    caption = serializers.CharField(allow_blank=True)


class OfferingSerializer(serializers.ModelSerializer):
    kind = serializers.SlugRelatedField(slug_field="code", read_only=True)
    layer = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    sectors = serializers.SerializerMethodField()
    app_types = serializers.SerializerMethodField()
    deployment_modes = serializers.SerializerMethodField()
    price_unit = serializers.ChoiceField(choices=PriceUnit.choices)
    status = serializers.ChoiceField(choices=OfferingStatus.choices)
    regions = serializers.ListField(child=serializers.CharField())
    tags = serializers.ListField(child=serializers.CharField())
    domestic_platforms = serializers.ListField(child=serializers.CharField())
    demo_url = serializers.CharField(help_text=_("May be empty."))
    organization = OrganizationRefSerializer()
    screenshots = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = Offering
        fields = [
            "id",
            "title",
            "summary",
            "description",
            "kind",
            "layer",
            "sectors",
            "app_types",
            "deployment_modes",
            "price_min",
            "price_max",
            "price_unit",
            "regions",
            "tags",
            "domestic_platforms",
            "on_premises_data",
            "demo_url",
            "status",
            "published_at",
            "created_at",
            "updated_at",
            "organization",
            "screenshots",
            "url",
        ]
        read_only_fields = fields

    def get_sectors(self, obj) -> list[str]:
        return _codes(obj.sectors)

    def get_app_types(self, obj) -> list[str]:
        return _codes(obj.app_types)

    def get_deployment_modes(self, obj) -> list[str]:
        return _codes(obj.deployment_modes)

    @extend_schema_field(ScreenshotSerializer(many=True))
    def get_screenshots(self, obj):
        request = self.context.get("request")
        return [
            {
                "image_url": _absolute(request, shot.image.url),
                "thumbnail_url": _absolute(request, shot.thumbnail.url),
                "caption": shot.caption,
            }
            for shot in obj.screenshots.all()
        ]

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, obj) -> str:
        return _absolute(self.context.get("request"), obj.get_absolute_url())


class RevisionSerializer(serializers.Serializer):
    """Proposed changes of a live listing (only for its organization's members and admins)."""

    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=RevisionStatus.choices)
    changed_fields = serializers.SerializerMethodField(
        help_text=_("The fields that would change.")
    )
    proposed = serializers.SerializerMethodField(
        help_text=_("The proposed values (taxonomy terms as codes).")
    )
    reason = serializers.CharField(help_text=_("Why a moderator declined the changes."))
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    url = serializers.SerializerMethodField()

    def get_changed_fields(self, obj) -> list[str]:
        return sorted(obj.changes)

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_proposed(self, obj) -> dict:
        models = {
            "sectors": Sector,
            "app_types": ApplicationType,
            "deployment_modes": DeploymentMode,
            "kind": OfferingKind,
            "layer": Layer,
        }
        proposed = {}
        for name, value in obj.changes.items():
            if name in models and value is not None:
                pks = value if isinstance(value, list) else [value]
                codes = sorted(
                    models[name].objects.filter(pk__in=pks).values_list("code", flat=True)
                )
                value = codes if isinstance(value, list) else (codes[0] if codes else None)
            proposed[name] = value
        return proposed

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, obj) -> str:
        return _absolute(self.context.get("request"), obj.get_absolute_url())


class _WithRevision(serializers.Serializer):
    """Adds ``pending_revision``: the listing's changes waiting for review, or null (also
    null for anyone but the listing's members and admins)."""

    pending_revision = serializers.SerializerMethodField()

    @extend_schema_field(RevisionSerializer(allow_null=True))
    def get_pending_revision(self, obj):
        request = self.context.get("request")
        user = request.user if request is not None else None
        field = "offering" if isinstance(obj, Offering) else "need"
        revision = (
            ListingRevision.objects.visible_to(user).pending().filter(**{field: obj.pk}).first()
        )
        if revision is None:
            return None
        return RevisionSerializer(revision, context=self.context).data


class OfferingDetailSerializer(_WithRevision, OfferingSerializer):
    """One offering as its page shows it: the live values, plus its pending revision."""

    class Meta(OfferingSerializer.Meta):
        fields = [*OfferingSerializer.Meta.fields, "pending_revision"]
        read_only_fields = fields


class TermCodeField(serializers.SlugRelatedField):
    """A taxonomy term by its code. Anything that cannot be a code (not a slug: spaces,
    control characters such as NUL, which PostgreSQL refuses in a query) is reported as an
    unknown code before the database is asked."""

    def to_internal_value(self, data):
        if not isinstance(data, str) or not _CODE_PATTERN.fullmatch(data):
            self.fail("does_not_exist", slug_name=self.slug_field, value=smart_str(data))
        return super().to_internal_value(data)


_CODE_PATTERN = re.compile(r"[-a-zA-Z0-9_]{1,40}")


def _term_field(model, *, many=False, required=False, allow_null=False):
    return TermCodeField(
        slug_field="code",
        queryset=model.objects.active(),
        many=many,
        required=required,
        allow_null=allow_null,
    )


class StringListField(serializers.ListField):
    def __init__(self, **kwargs):
        super().__init__(
            child=serializers.CharField(max_length=60),
            max_length=30,
            required=False,
            **kwargs,
        )


class OfferingWriteSerializer(serializers.Serializer):
    """Fields of an offering; on create, ``submit`` sends it to review at once."""

    title = serializers.CharField(max_length=120)
    summary = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=20_000)
    kind = _term_field(OfferingKind, required=True)
    layer = _term_field(Layer, allow_null=True)
    sectors = _term_field(Sector, many=True)
    app_types = _term_field(ApplicationType, many=True)
    deployment_modes = _term_field(DeploymentMode, many=True)
    price_min = serializers.IntegerField(
        min_value=0, max_value=MAX_BIGINT, allow_null=True, required=False
    )
    price_max = serializers.IntegerField(
        min_value=0, max_value=MAX_BIGINT, allow_null=True, required=False
    )
    price_unit = serializers.ChoiceField(choices=PriceUnit.choices, required=False)
    regions = StringListField()
    tags = StringListField()
    domestic_platforms = StringListField()
    on_premises_data = serializers.BooleanField(required=False)
    demo_url = serializers.URLField(max_length=200, required=False, allow_blank=True)
    submit = serializers.BooleanField(
        required=False, default=False, write_only=True, help_text=_("Send it for review now.")
    )


# --- needs ------------------------------------------------------------------------------


class NeedSerializer(serializers.ModelSerializer):
    """A need; ``organization`` is null and ``organization_name`` generic when the need is
    anonymous and the viewer may not learn who posted it (listings' `need_poster_name`)."""

    sectors = serializers.SerializerMethodField()
    app_types = serializers.SerializerMethodField()
    deployment_modes = serializers.SerializerMethodField()
    data_availability = serializers.ChoiceField(choices=DataAvailability.choices)
    visibility = serializers.ChoiceField(choices=NeedVisibility.choices)
    status = serializers.ChoiceField(choices=NeedStatus.choices)
    organization = serializers.SerializerMethodField()
    organization_name = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = Need
        fields = [
            "id",
            "title",
            "description",
            "sectors",
            "app_types",
            "deployment_modes",
            "data_availability",
            "data_labelled",
            "data_note",
            "success_metric",
            "budget_min",
            "budget_max",
            "requires_domestic_hw",
            "requires_on_premises",
            "requires_filing",
            "compliance_note",
            "region",
            "deadline",
            "visibility",
            "status",
            "published_at",
            "expires_on",
            "created_at",
            "updated_at",
            "organization",
            "organization_name",
            "url",
        ]
        read_only_fields = fields

    def _user(self):
        request = self.context.get("request")
        return request.user if request is not None else None

    def get_sectors(self, obj) -> list[str]:
        return _codes(obj.sectors)

    def get_app_types(self, obj) -> list[str]:
        return _codes(obj.app_types)

    def get_deployment_modes(self, obj) -> list[str]:
        return _codes(obj.deployment_modes)

    @extend_schema_field(OrganizationRefSerializer(allow_null=True))
    def get_organization(self, obj):
        if not listing_selectors.may_see_poster(obj, self._user()):
            return None
        return OrganizationRefSerializer(obj.organization).data

    def get_organization_name(self, obj) -> str:
        return listing_selectors.need_poster_name(obj, self._user())

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, obj) -> str:
        return _absolute(self.context.get("request"), obj.get_absolute_url())


class NeedDetailSerializer(_WithRevision, NeedSerializer):
    """One need: the live values, plus its pending revision."""

    class Meta(NeedSerializer.Meta):
        fields = [*NeedSerializer.Meta.fields, "pending_revision"]
        read_only_fields = fields


class NeedWriteSerializer(serializers.Serializer):
    """Fields of a need; on create, ``publish`` opens it at once (otherwise a draft)."""

    title = serializers.CharField(max_length=120)
    description = serializers.CharField(max_length=20_000)
    sectors = _term_field(Sector, many=True)
    app_types = _term_field(ApplicationType, many=True)
    deployment_modes = _term_field(DeploymentMode, many=True)
    data_availability = serializers.ChoiceField(choices=DataAvailability.choices, required=False)
    data_labelled = serializers.BooleanField(required=False)
    data_note = serializers.CharField(max_length=300, required=False, allow_blank=True)
    success_metric = serializers.CharField(max_length=200, required=False, allow_blank=True)
    budget_min = serializers.IntegerField(
        min_value=0, max_value=MAX_BIGINT, allow_null=True, required=False
    )
    budget_max = serializers.IntegerField(
        min_value=0, max_value=MAX_BIGINT, allow_null=True, required=False
    )
    requires_domestic_hw = serializers.BooleanField(required=False)
    requires_on_premises = serializers.BooleanField(required=False)
    requires_filing = serializers.BooleanField(required=False)
    compliance_note = serializers.CharField(max_length=300, required=False, allow_blank=True)
    region = serializers.CharField(max_length=60, required=False, allow_blank=True)
    deadline = serializers.DateField(required=False, allow_null=True)
    visibility = serializers.ChoiceField(choices=NeedVisibility.choices, required=False)
    publish = serializers.BooleanField(
        required=False, default=False, write_only=True, help_text=_("Open the need now.")
    )


class NeedCloseSerializer(serializers.Serializer):
    fulfilled = serializers.BooleanField(required=False, default=False)


# --- cases ------------------------------------------------------------------------------


class CaseMetricSerializer(serializers.ModelSerializer):
    class Meta:
        model = CaseMetric
        fields = ["name", "value", "unit"]


class CaseSerializer(serializers.ModelSerializer):
    vendor = OrganizationRefSerializer()
    offering = serializers.SerializerMethodField()
    sector = serializers.SlugRelatedField(slug_field="code", read_only=True)
    app_type = serializers.SlugRelatedField(slug_field="code", read_only=True)
    layer = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    status = serializers.ChoiceField(choices=CaseStatus.choices)
    overall_score = serializers.DecimalField(
        max_digits=3, decimal_places=2, coerce_to_string=False, allow_null=True
    )
    metrics = CaseMetricSerializer(many=True)
    source_url = serializers.CharField(help_text=_("May be empty."))
    url = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "id",
            "title",
            "client",
            "vendor",
            "offering",
            "sector",
            "app_type",
            "layer",
            "challenge",
            "solution",
            "outcome",
            "source_url",
            "from_white_paper",
            "score_innovation",
            "score_demonstration",
            "score_benefit",
            "score_replicability",
            "overall_score",
            "curator_comment",
            "status",
            "published_at",
            "is_featured",
            "metrics",
            "url",
        ]
        read_only_fields = fields

    def get_offering(self, obj) -> int | None:
        """The offering's id, when the viewer may see that offering."""
        if obj.offering_id is None or obj.offering_id not in self.context.get(
            "visible_offering_ids", ()
        ):
            return None
        return obj.offering_id

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, obj) -> str:
        return _absolute(self.context.get("request"), obj.get_absolute_url())


# --- connections and messages -----------------------------------------------------------


class ListingRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()


class ConnectionSerializer(serializers.ModelSerializer):
    """A connection as one of its two sides sees it: the counterpart's name per the
    anonymity rule, its contacts once accepted (connections' selectors decide both)."""

    kind = serializers.ChoiceField(choices=ConnectionKind.choices)
    state = serializers.ChoiceField(choices=ConnectionState.choices)
    offering = serializers.SerializerMethodField()
    need = serializers.SerializerMethodField()
    side = serializers.SerializerMethodField()
    counterpart_name = serializers.SerializerMethodField()
    counterpart_contacts = serializers.SerializerMethodField()

    class Meta:
        model = Connection
        fields = [
            "id",
            "kind",
            "state",
            "offering",
            "need",
            "side",
            "counterpart_name",
            "counterpart_contacts",
            "message",
            "pilot_requested",
            "approach",
            "indicative_price",
            "timeline",
            "decline_reason",
            "created_at",
            "accepted_at",
            "closed_at",
            "expires_at",
        ]
        read_only_fields = fields

    def _user(self):
        return self.context["request"].user

    @extend_schema_field(ListingRefSerializer(allow_null=True))
    def get_offering(self, obj):
        return {"id": obj.offering_id, "title": obj.offering.title} if obj.offering_id else None

    @extend_schema_field(ListingRefSerializer(allow_null=True))
    def get_need(self, obj):
        return {"id": obj.need_id, "title": obj.need.title} if obj.need_id else None

    @extend_schema_field(
        serializers.ChoiceField(choices=["initiator", "receiver"], allow_null=True)
    )
    def get_side(self, obj):
        return connection_selectors.viewer_side(obj, self._user())

    def get_counterpart_name(self, obj) -> str:
        return connection_selectors.connection_counterpart_name(obj, self._user())

    @extend_schema_field(ContactsSerializer(allow_null=True))
    def get_counterpart_contacts(self, obj):
        organization = connection_selectors.counterpart_contacts(obj, self._user())
        return contacts_of(organization) if organization is not None else None


class MessageSerializer(serializers.ModelSerializer):
    mine = serializers.SerializerMethodField()
    attachment_name = serializers.CharField(read_only=True)

    class Meta:
        model = Message
        fields = ["id", "body", "mine", "attachment_name", "created_at"]
        read_only_fields = ["id", "mine", "attachment_name", "created_at"]
        extra_kwargs = {"body": {"max_length": 5000, "allow_blank": False, "required": True}}

    def get_mine(self, obj) -> bool:
        from matchmaking.core.permissions import user_organization_id

        return obj.author_org_id is not None and obj.author_org_id == user_organization_id(
            self.context["request"].user
        )


# --- notifications ----------------------------------------------------------------------


class NotificationSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=NotificationKind.choices)
    read = serializers.BooleanField(source="is_read")

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "url", "created_at", "read_at", "read"]
        read_only_fields = fields


# --- matches ----------------------------------------------------------------------------


class ReasonSerializer(serializers.Serializer):
    code = serializers.CharField()
    met = serializers.BooleanField()
    text = serializers.CharField()


def _reasons(row) -> list[dict]:
    from matchmaking.matching.reason_texts import reason_text

    return [
        {"code": str(r.get("code", "")), "met": bool(r.get("met")), "text": reason_text(r)}
        for r in row.suggestion.reasons
    ]


class OfferingMatchSerializer(serializers.Serializer):
    """An offering suggested for a need: its score, why it matches and what is missing."""

    score = serializers.FloatField(source="suggestion.score")
    rank = serializers.IntegerField(source="suggestion.rank")
    met = serializers.ListField(child=serializers.CharField())
    missing = serializers.ListField(child=serializers.CharField())
    reasons = serializers.SerializerMethodField()
    offering = OfferingSerializer()

    @extend_schema_field(ReasonSerializer(many=True))
    def get_reasons(self, row):
        return _reasons(row)


class NeedMatchSerializer(serializers.Serializer):
    """A need suggested for an offering (商机); its poster named per the anonymity rule."""

    score = serializers.FloatField(source="suggestion.score")
    rank = serializers.IntegerField(source="suggestion.rank")
    met = serializers.ListField(child=serializers.CharField())
    missing = serializers.ListField(child=serializers.CharField())
    reasons = serializers.SerializerMethodField()
    need = NeedSerializer()

    @extend_schema_field(ReasonSerializer(many=True))
    def get_reasons(self, row):
        return _reasons(row)


# --- matchmaking events -------------------------------------------------------------------


class EventSlotSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    is_break = serializers.BooleanField()


class EventSerializer(serializers.ModelSerializer):
    sectors = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    application_types = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    slots = serializers.SerializerMethodField()
    tables = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = Event
        fields = [
            "id",
            "title",
            "title_en",
            "description",
            "description_en",
            "status",
            "start_date",
            "end_date",
            "venue",
            "online_url",
            "sectors",
            "application_types",
            "registration_opens",
            "registration_closes",
            "meeting_minutes",
            "capacity",
            "approval_required",
            "slots",
            "tables",
            "url",
        ]

    @extend_schema_field(EventSlotSerializer(many=True))
    def get_slots(self, obj) -> list:
        return EventSlotSerializer(obj.slots(), many=True).data

    def get_tables(self, obj) -> list[str]:
        return obj.table_labels

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, obj) -> str:
        return _absolute(self.context.get("request"), obj.get_absolute_url())


class AgendaItemSerializer(serializers.Serializer):
    """One meeting of the participant's own agenda."""

    meeting = serializers.IntegerField(source="meeting.pk")
    slot = serializers.IntegerField(source="slot.index")
    start = serializers.DateTimeField(source="slot.start")
    end = serializers.DateTimeField(source="slot.end")
    table = serializers.CharField()
    confirmed = serializers.BooleanField(source="meeting.confirmed")
    with_organization = serializers.CharField(source="other.organization.display_name")
    need = serializers.CharField(source="request.need.title", default=None)
    offering = serializers.CharField(source="request.offering.title", default=None)
    connection = serializers.IntegerField(source="request.connection_id", default=None)
