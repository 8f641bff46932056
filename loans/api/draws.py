"""Lines of credit and their draws over the API (spec/api.md "Lines of credit",
spec/loc.md): list, initiate, approve, reject, fund and delete draws; read, suspend,
activate and cancel the line. Each write is one service call; the services raise the
409s (``not_a_line``, ``loc_not_active``, ``draw_not_in_verification``...).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response

from loans.api.actions import loan_or_404
from loans.api.fields import MoneyField
from loans.models import CreditLine, Draw
from loans.services.catch_up import catch_up
from loans.services.draws import approve_draw, delete_draw, fund_draw, initiate_draw, reject_draw
from loans.services.lines import activate_line, cancel_line, line_of, line_summary, suspend_line
from servicing.api.idempotency import IDEMPOTENCY_PARAMETER, idempotent
from servicing.api.schema import ErrorOutput
from servicing.api.views import ScopedApi
from servicing.errors import NotFound

MONEY = {"max_digits": 14, "decimal_places": 2}
CENT = Decimal("0.01")
# Named in SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]: other "status" fields have other choices.
DRAW_STATUSES = Draw.Status.choices


class DrawEventOutput(serializers.Serializer):
    status = serializers.ChoiceField(choices=Draw.Status.choices)
    business_date = serializers.DateField()
    at = serializers.DateTimeField()
    actor = serializers.CharField(source="actor_label")
    note = serializers.CharField()


class DrawOutput(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Draw.Status.choices)
    requested_date = serializers.DateField()
    requested_amount = serializers.DecimalField(**MONEY)
    approved_amount = serializers.DecimalField(**MONEY, allow_null=True)
    fee = serializers.DecimalField(**MONEY)
    funded_amount = serializers.DecimalField(**MONEY, allow_null=True)
    funded_date = serializers.DateField(allow_null=True)
    auto_funded = serializers.BooleanField()
    disbursement_date = serializers.SerializerMethodField(
        help_text="Auto-funded draws once approved: the day the disbursement funds them."
    )
    initiated_via = serializers.ChoiceField(choices=Draw.Via.choices)
    reject_reason = serializers.CharField()
    external_id = serializers.CharField()
    history = DrawEventOutput(source="events", many=True, help_text="Oldest first.")

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_disbursement_date(self, draw: Draw) -> dt.date | None:
        disbursement = getattr(draw, "disbursement", None)  # a reverse one-to-one
        return disbursement.disbursement_date if disbursement else None


class LineOutput(serializers.Serializer):
    loan_number = serializers.CharField()
    loc_status = serializers.ChoiceField(choices=CreditLine.Status.choices)
    credit_limit = serializers.DecimalField(**MONEY)
    available_amount = serializers.DecimalField(**MONEY)
    used = serializers.DecimalField(**MONEY, help_text="credit_limit - available_amount")
    principal_outstanding = serializers.DecimalField(**MONEY)
    revolving = serializers.BooleanField()
    term_type = serializers.ChoiceField(choices=CreditLine.TermType.values)
    valid_till_date = serializers.DateField(allow_null=True)
    draw_term_payments = serializers.IntegerField(allow_null=True)
    maturity_date = serializers.DateField()
    status_changed_on = serializers.DateField(allow_null=True)
    status_reason = serializers.CharField()


def _draw_output(draw_id: int) -> dict:
    draw = Draw.objects.select_related("disbursement").prefetch_related("events").get(pk=draw_id)
    return DrawOutput(draw).data


def _line_output(line: CreditLine) -> dict:
    loan = line.loan
    return LineOutput(
        {
            "loan_number": loan.loan_number,
            **line_summary(line, loan),
            "status_changed_on": line.status_changed_on,
            "status_reason": line.status_reason,
        }
    ).data


class _ReadOrDraws:
    """One path, two scopes: reading needs ``read``, changing needs ``draws``."""

    @property
    def required_scope(self) -> str:
        return "read" if self.request.method in SAFE_METHODS else "draws"


# --- Draws ------------------------------------------------------------------------------

DRAW_EXAMPLE = OpenApiExample(
    "A draw just initiated",
    response_only=True,
    status_codes=["201"],
    value={
        "id": 41,
        "status": "verification",
        "requested_date": "2026-01-15",
        "requested_amount": "4000.00",
        "approved_amount": None,
        "fee": "50.00",
        "funded_amount": None,
        "funded_date": None,
        "auto_funded": False,
        "disbursement_date": None,
        "initiated_via": "api",
        "reject_reason": "",
        "external_id": "LOS-DRAW-881",
        "history": [
            {
                "status": "verification",
                "business_date": "2026-01-15",
                "at": "2026-01-15T14:02:11.512Z",
                "actor": "api:los-main",
                "note": "",
            }
        ],
    },
)


class DrawInitiateInput(serializers.Serializer):
    requested_date = serializers.DateField()
    requested_amount = MoneyField(min_value=CENT)
    fee = MoneyField(default=Decimal("0.00"), help_text="Taken off the approved amount.")
    auto_funded = serializers.BooleanField(default=False)
    external_id = serializers.CharField(
        max_length=64, required=False, allow_blank=True, default="", help_text="Unique per line."
    )


class LoanDrawsApi(_ReadOrDraws, ScopedApi):
    """List the line's draws (``read`` scope) or initiate one (``draws`` scope)."""

    @extend_schema(
        responses={200: DrawOutput(many=True), 409: ErrorOutput},  # 409 not_a_line
        summary="The line's draws with their history, newest first",
    )
    def get(self, request, loan_number: str):
        line = line_of(loan_or_404(loan_number))
        draws = line.draws.select_related("disbursement").prefetch_related("events")
        return Response(DrawOutput(draws.order_by("-id"), many=True).data)

    @extend_schema(
        request=DrawInitiateInput,
        responses={201: DrawOutput},
        parameters=[IDEMPOTENCY_PARAMETER],
        examples=[
            OpenApiExample(
                "Draw request from the LOS",
                request_only=True,
                value={
                    "requested_date": "2026-01-15",
                    "requested_amount": "4000.00",
                    "fee": "50.00",
                    "auto_funded": False,
                    "external_id": "LOS-DRAW-881",
                },
            ),
            DRAW_EXAMPLE,
        ],
        summary="Initiate a draw (409: not_a_line, loc_not_active, draw_exceeds_available, "
        "duplicate_external_id, loan_not_open)",
    )
    @idempotent
    def post(self, request, loan_number: str):
        loan = loan_or_404(loan_number)
        data = DrawInitiateInput(data=request.data)
        data.is_valid(raise_exception=True)
        draw = initiate_draw(loan, via=Draw.Via.API, actor=request.user, **data.validated_data)
        return Response(_draw_output(draw.pk), status=status.HTTP_201_CREATED)


class DrawDetailApi(_ReadOrDraws, ScopedApi):
    """Read a draw (``read`` scope) or delete it (``draws`` scope)."""

    @extend_schema(responses={200: DrawOutput, 409: ErrorOutput}, summary="A draw with its history")
    def get(self, request, loan_number: str, draw_id: int):
        line = line_of(loan_or_404(loan_number))
        if not line.draws.filter(pk=draw_id).exists():  # the code the draw actions give
            raise NotFound("draw_not_found", f"No draw {draw_id} on this line.")
        return Response(_draw_output(draw_id))

    @extend_schema(
        request=None,
        responses={200: DrawOutput},
        summary="Delete a draw in verification initiated on the loan page (409: "
        "draw_not_in_verification, draw_not_deletable for LOS-initiated draws)",
    )
    def delete(self, request, loan_number: str, draw_id: int):
        draw = delete_draw(loan_or_404(loan_number), draw_id, actor=request.user)
        return Response(_draw_output(draw.pk))


class DrawApproveInput(serializers.Serializer):
    approved_amount = MoneyField(min_value=CENT, help_text="More than the draw's fee.")


class DrawApproveApi(ScopedApi):
    required_scope = "draws"

    @extend_schema(
        request=DrawApproveInput,
        responses={200: DrawOutput},
        parameters=[IDEMPOTENCY_PARAMETER],
        examples=[
            OpenApiExample("Approve", request_only=True, value={"approved_amount": "4000.00"})
        ],
        summary="Approve a draw in verification (409: draw_not_in_verification, "
        "loc_not_active, draw_exceeds_available)",
    )
    @idempotent
    def post(self, request, loan_number: str, draw_id: int):
        loan = loan_or_404(loan_number)
        data = DrawApproveInput(data=request.data)
        data.is_valid(raise_exception=True)
        draw = approve_draw(loan, draw_id, actor=request.user, **data.validated_data)
        return Response(_draw_output(draw.pk))


class DrawRejectInput(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


class DrawRejectApi(ScopedApi):
    required_scope = "draws"

    @extend_schema(
        request=DrawRejectInput,
        responses={200: DrawOutput},
        parameters=[IDEMPOTENCY_PARAMETER],
        examples=[
            OpenApiExample(
                "Reject", request_only=True, value={"reason": "Collateral report missing"}
            )
        ],
        summary="Reject a draw in verification (409: draw_not_in_verification)",
    )
    @idempotent
    def post(self, request, loan_number: str, draw_id: int):
        loan = loan_or_404(loan_number)
        data = DrawRejectInput(data=request.data)
        data.is_valid(raise_exception=True)
        draw = reject_draw(loan, draw_id, actor=request.user, **data.validated_data)
        return Response(_draw_output(draw.pk))


class DrawFundInput(serializers.Serializer):
    funded_date = serializers.DateField(help_text="Up to the business date; earlier replays.")


class DrawFundApi(ScopedApi):
    required_scope = "draws"

    @extend_schema(
        request=DrawFundInput,
        responses={200: DrawOutput},
        parameters=[IDEMPOTENCY_PARAMETER],
        examples=[OpenApiExample("Funded", request_only=True, value={"funded_date": "2026-01-15"})],
        summary="Funding request for an approved draw that is not auto-funded (409: "
        "draw_not_approved, draw_auto_funded)",
    )
    @idempotent
    def post(self, request, loan_number: str, draw_id: int):
        loan = loan_or_404(loan_number)
        data = DrawFundInput(data=request.data)
        data.is_valid(raise_exception=True)
        draw = fund_draw(loan, draw_id, actor=request.user, **data.validated_data)
        return Response(_draw_output(draw.pk))


# --- The line ---------------------------------------------------------------------------


class LineApi(ScopedApi):
    required_scope = "read"

    @extend_schema(
        responses={200: LineOutput, 409: ErrorOutput},  # 409 not_a_line
        summary="The line of credit: status, limit, available amount",
    )
    def get(self, request, loan_number: str):
        loan = catch_up(loan_or_404(loan_number))  # as the loan detail: no stale balance
        return Response(_line_output(line_of(loan)))


class LineStatusInput(serializers.Serializer):
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


def _line_status_schema(summary: str, reason: str):
    return extend_schema(
        request=LineStatusInput,
        responses={200: LineOutput},
        parameters=[IDEMPOTENCY_PARAMETER],
        examples=[OpenApiExample("With a reason", request_only=True, value={"reason": reason})],
        summary=summary,
    )


def _change_line(request, loan_number: str, service) -> Response:
    loan = loan_or_404(loan_number)
    data = LineStatusInput(data=request.data)
    data.is_valid(raise_exception=True)
    line = service(loan, actor=request.user, **data.validated_data)
    return Response(_line_output(line))


class LineSuspendApi(ScopedApi):
    required_scope = "draws"

    @_line_status_schema(
        "Suspend an active line (409: loc_not_active, draw_in_verification)",
        "Covenant breach under review",
    )
    @idempotent
    def post(self, request, loan_number: str):
        return _change_line(request, loan_number, suspend_line)


class LineActivateApi(ScopedApi):
    required_scope = "draws"

    @_line_status_schema(
        "Activate a suspended line (409: loc_not_suspended; canceled and closed are final)",
        "Review cleared",
    )
    @idempotent
    def post(self, request, loan_number: str):
        return _change_line(request, loan_number, activate_line)


class LineCancelApi(ScopedApi):
    required_scope = "draws"

    @_line_status_schema(
        "Cancel an active or suspended line, for good (409: loc_final, draw_in_verification)",
        "Borrower request",
    )
    @idempotent
    def post(self, request, loan_number: str):
        return _change_line(request, loan_number, cancel_line)
