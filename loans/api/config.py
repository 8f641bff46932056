"""Configuration the LOS reads before boarding (spec/api.md "Configuration")."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from loans.models import Investor, Product
from servicing.api.views import ScopedApi


class FeeDefinitionOutput(serializers.Serializer):
    name = serializers.CharField()
    amount = serializers.CharField(help_text="Decimal string")
    amortized = serializers.BooleanField(default=False)


class ProductOutput(serializers.ModelSerializer):
    fee_definitions = FeeDefinitionOutput(many=True)
    default_interest = serializers.DictField()

    class Meta:
        model = Product
        fields = [
            "code",
            "name",
            "kind",
            "day_count",
            "payment_frequency",
            "payment_hierarchy",
            "grace_days",
            "rate_floor",
            "rate_cap",
            "prepay_to_principal",
            "fee_definitions",
            "default_interest",
            "credit_reporting",
        ]


class InvestorOutput(serializers.ModelSerializer):
    default_interest = serializers.DictField()

    class Meta:
        model = Investor
        fields = ["code", "name", "is_default", "payoff_interest_through", "default_interest"]


class ProductListApi(ScopedApi):
    required_scope = "read"

    @extend_schema(responses=ProductOutput(many=True), summary="Active products and defaults")
    def get(self, request):
        products = Product.objects.filter(is_active=True).order_by("code")
        return Response(ProductOutput(products, many=True).data)


class InvestorListApi(ScopedApi):
    required_scope = "read"

    @extend_schema(responses=InvestorOutput(many=True), summary="Investors and their defaults")
    def get(self, request):
        return Response(InvestorOutput(Investor.objects.order_by("code"), many=True).data)
