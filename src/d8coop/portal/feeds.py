"""The news feed (Atom 1.0)."""

from datetime import datetime, time

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _

from d8coop.portal.models import NewsItem


class NewsFeed(Feed):
    feed_type = Atom1Feed
    title = _("D-8 industrial cooperation: news")
    subtitle = _("News of the D-8 industrial cooperation and its task forces.")
    link = "/news/"
    author_name = _("D-8 Organization for Economic Cooperation")

    def item_guid(self, item: NewsItem) -> str:
        # A stable identifier, whatever host serves the feed (RFC 4287 atom:id).
        return f"tag:{settings.STABLE_ID_DOMAIN},2026:news/{item.slug}"

    item_guid_is_permalink = False

    def items(self):
        return NewsItem.objects.published().select_related("source")[:50]

    def item_title(self, item: NewsItem) -> str:
        return item.title

    def item_description(self, item: NewsItem) -> str:
        return item.summary

    def item_pubdate(self, item: NewsItem) -> datetime:
        return timezone.make_aware(datetime.combine(item.published_on, time(9)))

    def item_updateddate(self, item: NewsItem) -> datetime:
        return self.item_pubdate(item)
