"""Fixed personas, as in Healthchecks' hc/test.py: the secretariat, two focal points, a visitor."""

import pytest


@pytest.fixture
def secretariat(django_user_model):
    return django_user_model.objects.create_user(
        email="sara@d8-sec.example", password="x-long-password-1", is_staff=True
    )


@pytest.fixture
def member_user(django_user_model):
    """A signed-in member (e.g. a focal point) allowed to read members-only data."""
    user = django_user_model.objects.create_user(
        email="tarik@kosgeb.example", password="x-long-password-2"
    )
    from django.contrib.auth.models import Permission

    user.user_permissions.add(Permission.objects.get(codename="view_members_only_data"))
    return user


@pytest.fixture
def outsider(django_user_model):
    """Signed in, but with no role: must see only what the public sees."""
    return django_user_model.objects.create_user(
        email="olga@example.com", password="x-long-password-3"
    )


def sign_in_verified(client, user):
    """Sign the client in as `user` with both steps passed, as after a code of their
    authenticator app. Secretariat staff, who must have one, get one if they have none."""
    from d8coop.accounts import totp
    from d8coop.accounts.models import TwoFactorDevice
    from d8coop.accounts.permissions import is_secretariat
    from d8coop.accounts.verification import mark_verified

    device = TwoFactorDevice.objects.filter(user=user).first()
    if device is None and is_secretariat(user):
        device = TwoFactorDevice.objects.create(user=user, secret=totp.new_secret())
    client.force_login(user)
    if device is not None:
        session = client.session
        mark_verified(session, device)
        session.save()
    return client


@pytest.fixture
def signed_in(client):
    """`signed_in(user)` returns the test client signed in as the platform signs people in,
    every check passed (the second step too). Use it for every sign-in in tests."""

    def sign_in(user):
        return sign_in_verified(client, user)

    return sign_in


@pytest.fixture
def reference_data(db):
    """The D-8 record the platform ships with, loaded as `make run` loads it."""
    from d8coop.reference_data.loader import load_reference_data

    return load_reference_data()


@pytest.fixture(autouse=True)
def _fresh_cache(settings):
    """Each test starts with an empty cache and the page cache off, on SQLite as with Redis;
    the tests of the page cache turn it on."""
    from django.core.cache import cache

    settings.PAGE_CACHE_SECONDS = 0
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 60
