from django.conf import settings
from django.utils import translation

from d8coop.accounts.permissions import can_see_members_data


def site(request):
    """Language switcher entries and the direction of the current language."""
    return {
        "available_languages": settings.LANGUAGES,
        "text_direction": "rtl" if translation.get_language_bidi() else "ltr",
        # The registry's records are written in English whatever the interface language;
        # marking them lets screen readers pronounce them right (WCAG 3.1.2).
        "content_language": settings.CONTENT_LANGUAGE,
        # No query for anonymous visitors (cached public pages stay the same for everyone).
        "sees_members_data": can_see_members_data(getattr(request, "user", None)),
    }
