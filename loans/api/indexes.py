"""Index sources and their values over the API (spec/api.md "Ops")."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response

from loans import indexes
from loans.api.fields import RateField
from loans.models import IndexSource
from loans.models.indexes import MAX_INDEX_VALUE, MIN_INDEX_VALUE
from loans.services.indexes import record_index_value
from servicing.api.idempotency import IDEMPOTENCY_PARAMETER, idempotent
from servicing.api.schema import ErrorOutput
from servicing.api.views import ScopedApi
from servicing.business_date import get_business_date

RATE = {"max_digits": 9, "decimal_places": 6}


def source_or_404(code: str) -> IndexSource:
    source = indexes.index_source(code)
    if source is None:
        raise Http404(f"No index {code}.")
    return source


class IndexValueInput(serializers.Serializer):
    value = RateField(min_value=MIN_INDEX_VALUE, max_value=MAX_INDEX_VALUE)
    effective_from = serializers.DateField()
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class IndexValueOutput(serializers.Serializer):
    code = serializers.CharField(source="source.code")
    value = serializers.DecimalField(**RATE)
    effective_from = serializers.DateField()
    entered_at = serializers.DateTimeField()
    entered_by = serializers.CharField(source="entered_by_label")
    business_date = serializers.DateField(help_text="Business date when it was entered.")
    note = serializers.CharField()


class IndexSourceOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    refresh_frequency = serializers.ChoiceField(choices=IndexSource.RefreshFrequency.choices)
    active = serializers.BooleanField(source="is_active")
    description = serializers.CharField()
    current_value = serializers.DecimalField(**RATE, allow_null=True)
    current_effective_from = serializers.DateField(allow_null=True)


class IndexHistoryRowOutput(serializers.Serializer):
    value = serializers.DecimalField(**RATE)
    effective_from = serializers.DateField()
    entered_at = serializers.DateTimeField()
    entered_by = serializers.CharField(source="entered_by_label")
    business_date = serializers.DateField()
    note = serializers.CharField()


class IndexSourceDetailOutput(IndexSourceOutput):
    values = serializers.SerializerMethodField(help_text="Newest effective date first.")

    @extend_schema_field(IndexHistoryRowOutput(many=True))
    def get_values(self, source: IndexSource) -> list:
        return IndexHistoryRowOutput(indexes.index_history(source), many=True).data


def _source_with_current_value(code: str) -> IndexSource:
    """The source annotated with its value on the business date, or a 404."""
    source = indexes.sources_with_current_values(get_business_date()).filter(code=code).first()
    if source is None:
        raise Http404(f"No index {code}.")
    return source


class IndexListApi(ScopedApi):
    required_scope = "read"

    @extend_schema(
        responses=IndexSourceOutput(many=True),
        summary="Index sources with their value on the business date",
    )
    def get(self, request):
        sources = indexes.sources_with_current_values(get_business_date())
        return Response(IndexSourceOutput(sources, many=True).data)


class IndexDetailApi(ScopedApi):
    required_scope = "read"

    @extend_schema(
        responses=IndexSourceDetailOutput, summary="An index source with its value history"
    )
    def get(self, request, code: str):
        return Response(IndexSourceDetailOutput(_source_with_current_value(code)).data)


class IndexValueCreateApi(ScopedApi):
    # Index updates are ops work (ARCHITECTURE.md): the ops scope, held by the ops and
    # admin roles' sessions and by tokens created with --scopes ops.
    required_scope = "ops"

    @extend_schema(
        request=IndexValueInput,
        responses={201: IndexValueOutput, 409: ErrorOutput},
        parameters=[IDEMPOTENCY_PARAMETER],
        examples=[
            OpenApiExample(
                "Prime rate change",
                request_only=True,
                value={"value": "8.250000", "effective_from": "2026-03-20", "note": "WSJ"},
            ),
            OpenApiExample(
                "Recorded",
                response_only=True,
                status_codes=["201"],
                value={
                    "code": "PRIME",
                    "value": "8.250000",
                    "effective_from": "2026-03-20",
                    "entered_at": "2026-03-20T14:02:11.512Z",
                    "entered_by": "api:market-data",
                    "business_date": "2026-03-20",
                    "note": "WSJ",
                },
            ),
            OpenApiExample(
                "Older than the backdating window",
                response_only=True,
                status_codes=["409"],
                value={
                    "code": "index_value_too_old",
                    "detail": "The effective date 2026-01-02 is more than 30 days before the "
                    "business date 2026-03-20: backdated index values are accepted from "
                    "2026-02-18 (tenant setting backdated_index_window_days).",
                },
            ),
        ],
        summary="Record an index value (409: index_value_exists, index_value_in_future, "
        "index_value_too_old, index_source_inactive)",
    )
    @idempotent
    def post(self, request, code: str):
        source = source_or_404(code)
        data = IndexValueInput(data=request.data)
        data.is_valid(raise_exception=True)
        row = record_index_value(source, actor=request.user, **data.validated_data)
        return Response(IndexValueOutput(row).data, status=status.HTTP_201_CREATED)
