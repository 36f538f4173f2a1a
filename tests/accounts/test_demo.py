"""The accounts part of the demo world (`manage.py seed_demo`)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from matchmaking.accounts.demo import DEMO_ORGANIZATIONS, DEMO_PASSWORD, seed_accounts
from matchmaking.accounts.models import Membership, Organization, User, VerificationRequest
from matchmaking.accounts.validators import validate_uscc
from matchmaking.core import seeding

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, ...]:
    return (
        Organization.objects.count(),
        User.objects.count(),
        Membership.objects.count(),
        VerificationRequest.objects.count(),
    )


@pytest.fixture
def only_the_accounts_seeder(monkeypatch):
    """Run `seed_demo` with just this app's seeder, independent of the higher apps' seeders."""
    monkeypatch.setattr(
        seeding,
        "_seeders",
        [entry for entry in seeding.seeders() if entry[2] is seed_accounts],
    )


class SeedAccountsTests:
    def test_seed_demo_twice_gives_the_same_world_and_prints_the_sign_ins(
        self, only_the_accounts_seeder
    ):
        out = io.StringIO()
        call_command("seed_demo", stdout=out)
        first = counts()
        call_command("seed_demo", stdout=io.StringIO())
        assert counts() == first
        printed = out.getvalue()
        for email in (
            "admin@example.com",
            "enterprise@example.com",
            "vendor@example.com",
            "member@example.com",
        ):
            assert email in printed
        assert DEMO_PASSWORD in printed

    def test_the_demo_world_has_the_shared_refs_and_roles(self):
        seed_accounts({}, io.StringIO())
        refs = set(Organization.objects.values_list("ref", flat=True))
        assert refs == {spec.ref for spec in DEMO_ORGANIZATIONS}
        assert Organization.objects.vendors().count() == 7
        assert Organization.objects.enterprises().count() == 7

        admin = User.objects.get(email="admin@example.com")
        assert admin.is_staff and admin.is_superuser and admin.check_password(DEMO_PASSWORD)
        bank = Organization.objects.get(ref="demo-e-bank")
        assert User.objects.get(email="enterprise@example.com").membership.organization == bank
        assert User.objects.get(email="enterprise@example.com").membership.is_owner
        member = User.objects.get(email="member@example.com").membership
        assert member.organization == bank and not member.is_owner
        zhiyun = Organization.objects.get(ref="demo-v-zhiyun")
        assert User.objects.get(email="vendor@example.com").membership.organization == zhiyun
        assert zhiyun.is_verified and zhiyun.filing_number
        assert Organization.objects.filter(verification_status="pending").exists()
        assert Organization.objects.filter(verification_status="unverified").exists()

    def test_demo_data_is_valid_and_fictional(self):
        seed_accounts({}, io.StringIO())
        for organization in Organization.objects.all():
            validate_uscc(organization.uscc)
            organization.full_clean()
            assert organization.contact_email.endswith("@example.com")
            assert organization.contact_phone.startswith("010-0000")
        assert all(
            email.endswith("@example.com") for email in User.objects.values_list("email", flat=True)
        )
