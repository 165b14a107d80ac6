"""Roles as Django groups. Rights come from a role's group, never one user at a time."""

from django.contrib.auth.models import Group, Permission

SECRETARIAT = "Secretariat"
# The registry the secretariat keeps; users, tokens and tasks stay with administrators.
SECRETARIAT_APPS = (
    "core",
    "members",
    "cooperation",
    "portal",
    "statistics",
    "opportunities",
    "investors",
    "directory",
    "participation",
)


def secretariat_group() -> Group:
    """The Secretariat group with every right on the registry (kept in step on each call)."""
    group, _ = Group.objects.get_or_create(name=SECRETARIAT)
    group.permissions.set(Permission.objects.filter(content_type__app_label__in=SECRETARIAT_APPS))
    return group
