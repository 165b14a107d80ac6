from django.conf import settings
from django.utils import translation


def site(request):
    """Language switcher entries and the direction of the current language."""
    return {
        "available_languages": settings.LANGUAGES,
        "text_direction": "rtl" if translation.get_language_bidi() else "ltr",
    }
