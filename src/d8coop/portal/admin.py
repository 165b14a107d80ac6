from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from d8coop.portal.models import KeyFact, NewsItem


@admin.register(NewsItem)
class NewsItemAdmin(SimpleHistoryAdmin):
    list_display = ["title", "published_on", "is_published"]
    list_filter = ["is_published", "bodies"]
    search_fields = ["title", "summary", "text"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["bodies", "meetings", "member_states"]


@admin.register(KeyFact)
class KeyFactAdmin(SimpleHistoryAdmin):
    list_display = ["key", "figure", "period_text", "order"]
    search_fields = ["text"]
