"""Borrower search and detail for the LOS (spec/api.md "Borrowers")."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response

from loans import selectors
from loans.models import Borrower
from servicing.api.views import ScopedApi


class BorrowerLoanOutput(serializers.Serializer):
    loan_number = serializers.CharField()
    status = serializers.CharField()
    product_code = serializers.CharField(source="product.code")
    outstanding = serializers.DecimalField(max_digits=14, decimal_places=2)
    amount_due = serializers.DecimalField(max_digits=14, decimal_places=2)
    dpd = serializers.IntegerField()


class BorrowerOutput(serializers.Serializer):
    borrower_id = serializers.CharField()
    kind = serializers.CharField()
    name = serializers.CharField(source="display_name")
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    business_name = serializers.CharField()
    email = serializers.CharField()
    phone = serializers.CharField()
    address = serializers.SerializerMethodField()
    loans = serializers.SerializerMethodField()

    def get_address(self, b: Borrower) -> dict:
        return {
            "line1": b.address_line1,
            "line2": b.address_line2,
            "city": b.city,
            "state": b.state,
            "postal_code": b.postal_code,
            "country": b.country,
        }

    @extend_schema_field(BorrowerLoanOutput(many=True))
    def get_loans(self, b: Borrower) -> list:
        loans = sorted(b.loans.all(), key=lambda loan: loan.loan_number)
        return BorrowerLoanOutput(loans, many=True).data


class BorrowerSearchApi(ScopedApi):
    required_scope = "read"

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "search", str, required=True, description="Name, borrower id or e-mail"
            )
        ],
        responses=BorrowerOutput(many=True),
        summary="Find borrowers with their loans",
    )
    def get(self, request):
        query = request.query_params.get("search", "").strip()
        if not query:
            return Response(
                {"code": "invalid", "errors": {"search": ["Give a name, borrower id or e-mail."]}},
                status=400,
            )
        borrowers = selectors.search_borrowers(query).prefetch_related("loans__product")
        return Response(BorrowerOutput(borrowers, many=True).data)


class BorrowerDetailApi(ScopedApi):
    required_scope = "read"

    @extend_schema(responses=BorrowerOutput, summary="A borrower with each loan's economics")
    def get(self, request, borrower_id: str):
        borrower = (
            Borrower.objects.prefetch_related("loans__product")
            .filter(borrower_id=borrower_id)
            .first()
        )
        if borrower is None:
            raise Http404(f"No borrower {borrower_id}.")
        return Response(BorrowerOutput(borrower).data)
