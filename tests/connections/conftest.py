"""A small world for connection tests: an enterprise and a vendor (owner + member each),
a third vendor that must never see anything, an offering and a need."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests import factories


@pytest.fixture(autouse=True)
def _attachments_in_tmp(settings, tmp_path):
    settings.CONNECTION_ATTACHMENT_ROOT = tmp_path / "private"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # Fast password hashing: these tests make many users and never test passwords.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class World:
    enterprise: object
    enterprise_owner: object
    enterprise_member: object
    vendor: object
    vendor_owner: object
    vendor_member: object
    third: object
    third_member: object
    offering: object
    need: object


@pytest.fixture
def world(db) -> World:
    enterprise = factories.make_organization(
        kind="enterprise",
        name="京华测试银行",
        name_en="Jinghua Test Bank",
        contact_person="王企联",
        contact_phone="010-11112222",
        contact_email="ent-contact@bank.example.com",
    )
    vendor = factories.make_organization(
        kind="vendor",
        name="智云测试科技",
        name_en="Zhiyun Test Tech",
        contact_person="李商务",
        contact_phone="010-33334444",
        contact_email="sales@vendor.example.com",
    )
    third = factories.make_organization(
        kind="vendor",
        name="第三方厂商",
        name_en="Third Party Vendor",
        contact_person="赵旁观",
        contact_phone="010-55556666",
        contact_email="third@other.example.com",
    )
    return World(
        enterprise=enterprise,
        enterprise_owner=enterprise.memberships.get().user,
        enterprise_member=factories.make_member(enterprise),
        vendor=vendor,
        vendor_owner=vendor.memberships.get().user,
        vendor_member=factories.make_member(vendor),
        third=third,
        third_member=factories.make_member(third),
        offering=factories.make_offering(organization=vendor),
        need=factories.make_need(organization=enterprise),
    )


def contact_values(organization) -> list[str]:
    return [organization.contact_person, organization.contact_phone, organization.contact_email]
