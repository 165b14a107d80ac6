"""Matches through the API, under the same rights as the pages (`selectors`). Read only.
Anonymous callers get 401, signed-in users without the right 404.

/api/v1/matches/opportunities/{slug}/   ranked investors and SMEs (host focal points, secretariat)
/api/v1/matches/smes/{slug}/            opportunities, open events, partner SMEs (the state's
                                        focal points, the SME's maintainer, secretariat)
/api/v1/matches/investor/               published opportunities for the calling investor
"""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from d8coop.matchmaking import selectors


class PartSerializer(serializers.Serializer):
    criterion = serializers.CharField(
        help_text="sector, instrument, ticket, country, size, certifications, products, "
        "market or text."
    )
    points = serializers.FloatField(help_text="Points this criterion adds to the score.")
    explanation = serializers.CharField(help_text="Why, in the reader's language.")


class MatchSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The matched record's id.")
    name = serializers.CharField(help_text="Its name or title.")
    url = serializers.CharField(help_text="Its page on the platform; empty when it has none.")
    score = serializers.FloatField(help_text="0 to 1: the sum of the parts' points.")
    parts = PartSerializer(many=True, help_text="The criteria met, with their points.")


def _matches(rows: list[dict]) -> list[dict]:
    return [
        {
            "id": row["object"].pk,
            "name": row["name"],
            "url": row["url"],
            "score": row["score"],
            "parts": [
                {"criterion": p.criterion, "points": p.points, "explanation": p.explanation}
                for p in row["parts"]
            ],
        }
        for row in rows
    ]


_METHOD = serializers.CharField(
    help_text="The text similarity used: embedding (all-MiniLM-L6-v2) or lexical (TF-IDF)."
)


class OpportunityMatchesSerializer(serializers.Serializer):
    method = _METHOD
    investors = MatchSerializer(many=True)
    smes = MatchSerializer(many=True)


class SmeMatchesSerializer(serializers.Serializer):
    method = _METHOD
    opportunities = MatchSerializer(many=True)
    events = MatchSerializer(
        many=True, help_text="Exhibitions and workshops open for registration."
    )
    partners = MatchSerializer(many=True)


class InvestorMatchesSerializer(serializers.Serializer):
    method = _METHOD
    opportunities = MatchSerializer(many=True)


class OpportunityMatchesView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=["matchmaking"], responses=OpportunityMatchesSerializer,
                   summary="Investors and SMEs matching an opportunity")  # fmt: skip
    def get(self, request: Request, slug: str) -> Response:
        opportunity = selectors.opportunity_for(request.user, slug)
        results = selectors.matches_for_opportunity(request.user, opportunity)
        return Response(
            {
                "method": results["method"],
                "investors": _matches(results["investors"]),
                "smes": _matches(results["smes"]),
            }
        )


class SmeMatchesView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=["matchmaking"], responses=SmeMatchesSerializer,
                   summary="Opportunities, events and partner SMEs matching an SME")  # fmt: skip
    def get(self, request: Request, slug: str) -> Response:
        sme = selectors.sme_for(request.user, slug)
        results = selectors.matches_for_sme(request.user, sme)
        return Response(
            {
                "method": results["method"],
                "opportunities": _matches(results["opportunities"]),
                "events": _matches(results["events"]),
                "partners": _matches(results["partners"]),
            }
        )


class InvestorMatchesView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=["matchmaking"], responses=InvestorMatchesSerializer,
                   summary="Published opportunities matching the calling investor")  # fmt: skip
    def get(self, request: Request) -> Response:
        investor = selectors.investor_of(request.user)
        if investor is None:
            raise exceptions.NotFound()
        results = selectors.matches_for_investor(investor)
        return Response(
            {"method": results["method"], "opportunities": _matches(results["opportunities"])}
        )


urlpatterns = [
    path("matches/opportunities/<slug:slug>/", OpportunityMatchesView.as_view(),
         name="matches-opportunity"),
    path("matches/smes/<slug:slug>/", SmeMatchesView.as_view(), name="matches-sme"),
    path("matches/investor/", InvestorMatchesView.as_view(), name="matches-investor"),
]  # fmt: skip
