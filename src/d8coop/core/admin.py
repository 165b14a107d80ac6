from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from d8coop.core.models import Source


@admin.register(Source)
class SourceAdmin(SimpleHistoryAdmin):
    list_display = ["title", "publisher", "published_text"]
    search_fields = ["title", "publisher", "key"]
