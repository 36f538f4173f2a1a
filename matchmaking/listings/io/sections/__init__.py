"""The organizations, offerings and needs sections of `llm-match/v1`, one module each
(registered from ``ListingsConfig.ready()`` through the same registry higher apps use).
Each validates its records, then writes them through the services' bulk saves
(``accounts.services.organizations_bulk_save``, ``listings.services.bulk``) and exports them."""

from __future__ import annotations

from django.db.models import Model

from matchmaking.accounts.models import Organization
from matchmaking.listings.io.registry import ImportSection, register_import_section
from matchmaking.listings.io.sections import needs, offerings, organizations
from matchmaking.listings.models import Need, Offering


def _refs(model: type[Model]):
    def lookup() -> set[str]:
        return set(model.objects.exclude(ref=None).values_list("ref", flat=True))

    return lookup


def _resolver(model: type[Model]):
    def resolve(ref: str):
        return model.objects.filter(ref=ref).first()

    return resolve


def register() -> None:
    register_import_section(
        ImportSection(
            name="organizations",
            order=10,
            validate=organizations.validate_organizations,
            apply=organizations.apply_organizations,
            export=organizations.export_organizations,
            db_refs=_refs(Organization),
            resolve=_resolver(Organization),
        )
    )
    register_import_section(
        ImportSection(
            name="offerings",
            order=20,
            validate=offerings.validate_offerings,
            apply=offerings.apply_offerings,
            export=offerings.export_offerings,
            db_refs=_refs(Offering),
            resolve=_resolver(Offering),
        )
    )
    register_import_section(
        ImportSection(
            name="needs",
            order=30,
            validate=needs.validate_needs,
            apply=needs.apply_needs,
            export=needs.export_needs,
            db_refs=_refs(Need),
            resolve=_resolver(Need),
        )
    )
