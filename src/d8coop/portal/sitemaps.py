from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from d8coop.cooperation.models import Body, Document, Meeting
from d8coop.directory.models import SmeProfile
from d8coop.members.models import MemberState
from d8coop.opportunities.models import Opportunity
from d8coop.portal.models import NewsItem


class StaticPages(Sitemap):
    def items(self):
        return ["portal:home", "portal:member-states", "portal:bodies", "portal:meetings",
                "portal:documents", "portal:news", "portal:contacts", "portal:action-items",
                "portal:sources", "opportunities:list", "directory:list"]  # fmt: skip

    def location(self, item):
        return reverse(item)


class ModelPages(Sitemap):
    def __init__(self, queryset):
        self.queryset = queryset

    def items(self):
        return self.queryset


SITEMAPS = {
    "pages": StaticPages(),
    "member-states": ModelPages(MemberState.objects.order_by("code")),
    "bodies": ModelPages(Body.objects.order_by("slug")),
    "meetings": ModelPages(Meeting.objects.order_by("slug")),
    "documents": ModelPages(Document.objects.order_by("slug")),
    "news": ModelPages(NewsItem.objects.published().order_by("slug")),
    # Only what the public may read: published opportunities and public, validated profiles.
    "opportunities": ModelPages(Opportunity.objects.published().order_by("slug")),
    "sme-profiles": ModelPages(SmeProfile.objects.public().order_by("slug")),
}
