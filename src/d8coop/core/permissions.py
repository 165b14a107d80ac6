"""Who may see what. Deny by default: members-only data needs an explicit permission."""

from typing import Any


def can_see_members_data(user: Any) -> bool:
    """Secretariat staff and holders of the members-only permission; never the public."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return bool(user.is_staff or user.has_perm("members.view_members_only_data"))
