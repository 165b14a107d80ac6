"""The Atom feed of newly published investment opportunities."""

from datetime import datetime

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse_lazy
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from d8coop.opportunities.models import Opportunity


class OpportunitiesFeed(Feed):
    feed_type = Atom1Feed
    title = _("D-8 investment opportunities")
    subtitle = _("Investment opportunities newly published by the D-8 member states.")
    link = reverse_lazy("opportunities:list")
    author_name = _("D-8 Organization for Economic Cooperation")
    item_guid_is_permalink = False

    def items(self):
        return (
            Opportunity.objects.published()
            .select_related("host_state")
            .order_by("-published_at", "-pk")[:50]
        )

    def item_guid(self, item: Opportunity) -> str:
        return f"tag:{settings.STABLE_ID_DOMAIN},2026:opportunities/{item.slug}"

    def item_title(self, item: Opportunity) -> str:
        return item.title

    def item_description(self, item: Opportunity) -> str:
        facts = gettext("%(state)s · %(sector)s · %(instrument)s · valid until %(date)s") % {
            "state": item.host_state.name,
            "sector": item.get_isic_section_display(),
            "instrument": item.get_instrument_display(),
            "date": item.valid_until.isoformat(),
        }
        return f"{facts}\n\n{item.description}"

    def item_pubdate(self, item: Opportunity) -> datetime:
        return item.published_at

    def item_updateddate(self, item: Opportunity) -> datetime:
        return item.updated_at

    def item_categories(self, item: Opportunity) -> list[str]:
        return [item.host_state.code, f"ISIC {item.isic_section}", item.instrument]
