"""Actors and cases for the case-library tests, built through the services."""

from __future__ import annotations

import pytest

from matchmaking.cases import services
from matchmaking.cases.choices import CaseStatus
from matchmaking.taxonomy.models import ApplicationType, Layer, Sector
from tests import factories

SCORES = {"innovation": 4, "demonstration": 5, "benefit": 3, "replicability": 4}


def case_fields(**overrides) -> dict:
    fields = {
        "title": "智能客服升级",
        "client": "某股份制银行",
        "sector": Sector.objects.get(code="finance"),
        "app_type": ApplicationType.objects.get(code="qa"),
        "layer": Layer.objects.get(code="application"),
        "challenge": "高峰时段来电排队时间长。",
        "solution": "部署客服机器人承接高频问题。",
        "outcome": "排队时间明显下降。",
    }
    fields.update(overrides)
    return fields


def make_case(
    *, vendor, author=None, status: str = CaseStatus.DRAFT, admin=None, scores=None, **overrides
):
    """A case in `status`, taken there through the same services the site uses."""
    author = author or vendor.memberships.first().user
    metrics = overrides.pop("metrics", [{"name": "文档处理时间", "value": "-40%"}])
    case = services.case_create(
        actor=author, vendor=vendor, metrics=metrics, **case_fields(**overrides)
    )
    if status == CaseStatus.DRAFT:
        return case
    services.case_submit(actor=author, case=case)
    if status == CaseStatus.SUBMITTED:
        return case
    admin = admin or factories.make_user(is_staff=True)
    if status == CaseStatus.RETURNED:
        return services.case_return(actor=admin, case=case, reason="请补充量化指标。")
    services.case_score(actor=admin, case=case, **(scores or SCORES))
    return services.case_publish(actor=admin, case=case)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """These tests create several users each; hashing their passwords slowly proves nothing here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def vendor(db):
    return factories.make_organization(kind="vendor")


@pytest.fixture
def vendor_member(vendor):
    """A plain member (not the owner) of the vendor: members may submit cases too."""
    return factories.make_member(vendor)


@pytest.fixture
def other_vendor_member(db):
    return factories.make_organization(kind="vendor").memberships.get().user


@pytest.fixture
def enterprise_member(db):
    return factories.make_organization(kind="enterprise").memberships.get().user


@pytest.fixture
def curator(db):
    return factories.make_user(is_staff=True)
