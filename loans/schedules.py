"""From onboarding input to the engine's terms and back: the one adapter between them.

Product defaults fill what the payload omits (spec/loans.md precedence: loan > product).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal

from loans.engine import schedule as engine
from loans.engine.errors import ScheduleError
from loans.engine.tiers import tier_rate
from loans.models import Product
from servicing.errors import InvalidInput


@dataclass(frozen=True)
class ScheduleTerms:
    principal: Decimal
    funded_date: date
    first_payment_date: date
    number_of_payments: int
    rate: Decimal
    day_count: str
    frequency: str
    schedule_type: str
    broken_period: str
    tiers: tuple[engine.Tier, ...] = field(default=())

    @property
    def separate_stub(self) -> bool:
        return self.broken_period == "separate"

    def engine_terms(self) -> engine.Terms:
        return engine.Terms(
            principal=self.principal,
            funded_date=self.funded_date,
            first_payment_date=self.first_payment_date,
            number_of_payments=self.number_of_payments,
            rate=self.rate,
            day_count=self.day_count,
            frequency=self.frequency,
            schedule_type=self.schedule_type,
            broken_period=self.broken_period,
            tiers=self.tiers,
        )

    def to_json(self) -> dict:
        def plain(value):
            if isinstance(value, Decimal | date):
                return str(value) if isinstance(value, Decimal) else value.isoformat()
            if isinstance(value, list | tuple):
                return [plain(v) for v in value]
            if isinstance(value, dict):
                return {k: plain(v) for k, v in value.items()}
            return value

        return plain(asdict(self))


def _loan_rate(data: dict) -> Decimal:
    if data["rate_type"] == "variable":
        return tier_rate(
            rate_type="variable",
            index_value=data.get("index_value"),
            spread=data.get("spread"),
            floor=data.get("rate_floor"),
            cap=data.get("rate_cap"),
        )
    return data.get("interest_rate") or Decimal(0)


def _tiers(data: dict) -> tuple[engine.Tier, ...]:
    return tuple(
        engine.Tier(
            payment_start_date=t["payment_start_date"],
            number_of_payments=t["number_of_payments"],
            schedule_type=t["schedule_type"],
            rate=tier_rate(
                rate_type=t["interest_rate_type"],
                rate=t.get("interest_rate"),
                index_value=t.get("index_value"),
                spread=t.get("spread"),
                floor=data.get("rate_floor"),
                cap=data.get("rate_cap"),
            ),
            payment_amount=t.get("payment_amount"),
        )
        for t in data.get("tiers") or []
    )


def terms_from_input(data: dict, product: Product) -> ScheduleTerms:
    """Validated onboarding input + product defaults -> terms (400 on impossible terms)."""
    try:
        tiers = _tiers(data)
        rate = tiers[0].rate if tiers else _loan_rate(data)
    except ScheduleError as exc:
        raise InvalidInput(
            str(exc), field="tiers" if data.get("tiers") else "interest_rate"
        ) from exc
    number = data.get("number_of_payments") or sum(t.number_of_payments for t in tiers)
    return ScheduleTerms(
        principal=data["funded_amount"],
        funded_date=data["funded_date"],
        first_payment_date=data.get("first_payment_date") or tiers[0].payment_start_date,
        number_of_payments=number,
        rate=rate,
        day_count=data.get("day_count") or product.day_count,
        frequency=data.get("payment_frequency") or product.payment_frequency,
        schedule_type=data["schedule_type"],
        broken_period=data["broken_period"],
        tiers=tiers,
    )


def build_rows(terms: ScheduleTerms) -> tuple[engine.Row, ...]:
    try:
        return engine.build_schedule(terms.engine_terms()).rows
    except ScheduleError as exc:
        raise InvalidInput(str(exc), field="schedule_type") from exc
