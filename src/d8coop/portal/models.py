"""What the portal publishes besides the registry itself: news and key facts."""

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from d8coop.core.models import Sourced


class NewsItemQuerySet(models.QuerySet["NewsItem"]):
    def published(self) -> "NewsItemQuerySet":
        return self.filter(is_published=True)


class NewsItem(Sourced):
    slug = models.SlugField(_("slug"), max_length=150, unique=True)
    title = models.CharField(_("title"), max_length=300)
    summary = models.CharField(_("summary"), max_length=500)
    text = models.TextField(_("text"))
    published_on = models.DateField(_("dated"), db_index=True)
    date_note = models.CharField(
        _("note on the date"),
        max_length=200,
        blank=True,
        help_text=_("E.g. 'the date of the event; the source gives no publication date'."),
    )
    is_published = models.BooleanField(_("published"), default=True)
    bodies = models.ManyToManyField(
        "cooperation.Body", verbose_name=_("bodies"), blank=True, related_name="news_items"
    )
    meetings = models.ManyToManyField(
        "cooperation.Meeting", verbose_name=_("meetings"), blank=True, related_name="news_items"
    )
    member_states = models.ManyToManyField(
        "members.MemberState", verbose_name=_("member states"), blank=True, related_name="news"
    )
    history = HistoricalRecords()

    objects = NewsItemQuerySet.as_manager()

    class Meta:
        ordering = ["-published_on", "title"]
        verbose_name = _("news item")
        verbose_name_plural = _("news items")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("portal:news-item", args=[self.slug])


class KeyFact(Sourced):
    """A stated fact or figure about the cooperation, shown with its source and date."""

    key = models.SlugField(_("key"), max_length=80, unique=True)
    text = models.TextField(_("statement"))
    figure = models.CharField(_("figure"), max_length=60, blank=True)
    period_text = models.CharField(_("period"), max_length=100, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "key"]
        verbose_name = _("key fact")
        verbose_name_plural = _("key facts")

    def __str__(self) -> str:
        return self.text[:80]
