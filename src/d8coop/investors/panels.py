"""The expression-of-interest panel shown on a published opportunity's page.

The opportunities app calls `interest_panel(request, opportunity)` and places the result in its
detail page; it is empty for an opportunity that is not published.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from d8coop.investors import selectors, services
from d8coop.investors.forms import InterestForm
from d8coop.investors.models import Interest
from d8coop.opportunities.models import Opportunity


def interest_panel(request: HttpRequest, opportunity: Opportunity) -> SafeString:
    if opportunity.status != Opportunity.Status.PUBLISHED:
        return mark_safe("")
    user = request.user
    context: dict = {"opportunity": opportunity, "open": services.open_to_interest(opportunity)}
    if not user.is_authenticated:
        context["state"] = "visitor"
        context["sign_in_url"] = (
            reverse("accounts:sign-in") + "?" + urlencode({"next": request.get_full_path()})
        )
    else:
        investor = selectors.investor_of(user)
        if investor is None:
            context["state"] = "host" if services.can_act_for_state_of(user, opportunity) else ""
            if not context["state"]:
                return mark_safe("")
        elif investor.email_verified_at is None:
            context["state"] = "unverified"
        else:
            interest = Interest.objects.filter(opportunity=opportunity, investor=investor).first()
            context["state"] = "expressed" if interest else "form"
            context["interest"] = interest
            context["form"] = InterestForm()
    return mark_safe(render_to_string("investors/_interest_panel.html", context, request=request))
