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
    o, f, n = organizations, offerings, needs
    for name, order, model, validate, apply, export in (
        ("organizations", 10, Organization, o.validate_organizations, o.apply_organizations,
         o.export_organizations),
        ("offerings", 20, Offering, f.validate_offerings, f.apply_offerings, f.export_offerings),
        ("needs", 30, Need, n.validate_needs, n.apply_needs, n.export_needs),
    ):  # fmt: skip
        register_import_section(
            ImportSection(
                name=name,
                order=order,
                validate=validate,
                apply=apply,
                export=export,
                db_refs=_refs(model),
                resolve=_resolver(model),
            )
        )
