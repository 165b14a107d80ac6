"""What operators rely on: production settings pass `check --deploy`, the d8coop commands."""

import os
import subprocess
import sys
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.authtoken.models import Token

PRODUCTION_ENV = {
    "D8COOP_ENV": "production",
    "SECRET_KEY": "a-production-secret-key-that-is-long-and-random-0123456789abcdefXYZ",
    "ALLOWED_HOSTS": "d8.example.org",
}


def _d8coop(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "d8coop.cli", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deployment_checklist(tmp_path):
    result = _d8coop(
        "check", "--deploy", "--fail-level", "WARNING",
        env={**PRODUCTION_ENV, "D8COOP_DATA_DIR": str(tmp_path)},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = {**PRODUCTION_ENV, "SECRET_KEY": "", "D8COOP_DATA_DIR": str(tmp_path)}
    result = _d8coop("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set in production" in result.stderr


def test_a_malformed_boolean_setting_fails_loudly(tmp_path):
    result = _d8coop("check", env={"DEBUG": "maybe", "D8COOP_DATA_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "DEBUG='maybe' is not a boolean" in result.stderr


def test_d8coop_without_arguments_prints_its_commands():
    result = _d8coop(env={})
    assert result.returncode == 0
    assert "load-reference-data" in result.stdout and "serve" in result.stdout


@pytest.mark.django_db
def test_ensure_admin_creates_one_administrator_once(monkeypatch):
    monkeypatch.setenv("D8COOP_ADMIN_EMAIL", "Chief@D8.example")
    monkeypatch.delenv("D8COOP_ADMIN_PASSWORD", raising=False)
    out = StringIO()
    call_command("ensure_admin", stdout=out)
    assert "Generated password (shown once" in out.getvalue()
    admin = get_user_model().objects.get()
    assert admin.email == "chief@d8.example" and admin.is_superuser

    again = StringIO()
    call_command("ensure_admin", stdout=again)
    assert again.getvalue() == ""
    assert get_user_model().objects.count() == 1


@pytest.mark.django_db
def test_create_user_gives_an_observer_members_only_reading_rights():
    call_command("create_user", email="obs@d8.example", role="observer", stdout=StringIO())
    user = get_user_model().objects.get(email="obs@d8.example")
    assert user.has_perm("members.view_members_only_data")
    assert not user.is_staff


@pytest.mark.django_db
def test_create_user_refuses_a_duplicate_and_a_bad_address():
    call_command("create_user", email="a@d8.example", role="secretariat", stdout=StringIO())
    with pytest.raises(CommandError, match="already exists"):
        call_command("create_user", email="A@d8.example", role="observer")
    with pytest.raises(CommandError, match="not a valid e-mail"):
        call_command("create_user", email="not-an-address", role="observer")
    assert get_user_model().objects.count() == 1


@pytest.mark.django_db
def test_create_token_prints_the_same_token_each_time(member_user):
    first, second = StringIO(), StringIO()
    call_command("create_token", member_user.email, stdout=first)
    call_command("create_token", member_user.email, stdout=second)
    assert first.getvalue().strip() == Token.objects.get(user=member_user).key
    assert first.getvalue() == second.getvalue()
    with pytest.raises(CommandError, match="No active user"):
        call_command("create_token", "nobody@d8.example")
