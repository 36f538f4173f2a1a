"""The load test beside the site (`python -m tools.loadtest`, run by scripts/loadtest.sh)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from django.conf import settings

from matchmaking.accounts.models import Organization, User
from matchmaking.listings.models import Need
from tools.loadtest.__main__ import run
from tools.loadtest.world import LOAD_EMAIL


def test_it_refuses_a_non_loopback_address(capsys):
    with pytest.raises(SystemExit) as exit_:
        run(["--url", "http://example.com:8000"])
    assert exit_.value.code == 1
    assert "Only loopback addresses" in capsys.readouterr().err


def test_it_refuses_an_unbounded_concurrency(capsys):
    with pytest.raises(SystemExit):
        run(["--url", "http://127.0.0.1:8100", "--concurrency", "0"])
    assert "--concurrency must be between 1 and 200" in capsys.readouterr().err


@pytest.mark.django_db
def test_prepare_only_creates_the_load_users_through_the_services_once(capsys):
    run(["--prepare-only", "--users", "2"])
    assert "2 load users ready." in capsys.readouterr().out
    emails = [LOAD_EMAIL.format(n=n) for n in (1, 2)]
    users = User.objects.filter(email__in=emails)
    assert users.count() == 2
    for user in users:
        organization = user.membership.organization
        assert organization.kind == "enterprise"
        assert Need.objects.filter(organization=organization).count() == 1
    before = (User.objects.count(), Organization.objects.count(), Need.objects.count())
    run(["--prepare-only", "--users", "2"])
    assert (User.objects.count(), Organization.objects.count(), Need.objects.count()) == before


def test_it_runs_as_a_module_from_the_checkout():
    result = subprocess.run(
        [sys.executable, "-m", "tools.loadtest", "--help"],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "usage: python -m tools.loadtest [-h]" in result.stdout
    assert "--prepare-only" in result.stdout
