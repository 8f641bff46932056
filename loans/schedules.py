"""From onboarding input to the engine's terms and back: the one adapter between them.

Product defaults fill what the payload omits (spec/loans.md precedence: loan > product).
Amortized loans (term, CRE, construction, SCF) go through ``engine.schedule``; factor-rate
loans (``mca`` and ``custom`` schedule types) through ``engine.mca``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal

from loans.engine import mca as mca_engine
from loans.engine import schedule as engine
from loans.engine.dates import step
from loans.engine.errors import ScheduleError
from loans.engine.tiers import tier_rate
from loans.models import Product
from servicing.calendar import get_calendar
from servicing.errors import InvalidInput
from servicing.money import ZERO

FACTOR_RATE_TYPES = ("mca", "custom")


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
    mca: mca_engine.McaTerms | None = None  # factor-rate loans only

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
            if isinstance(value, Decimal):
                return str(value)
            if isinstance(value, date):
                return value.isoformat()
            if isinstance(value, list | tuple):
                return [plain(v) for v in value]
            if isinstance(value, dict):
                return {k: plain(v) for k, v in value.items()}
            return value

        return plain(asdict(self))


@dataclass(frozen=True)
class BuiltSchedule:
    """What boarding stores: the rows and what the replay needs besides them."""

    rows: tuple[engine.Row, ...]
    loan_amount: Decimal  # principal at boarding (MCA: funded + amortised fees)
    period_start: date | None  # start of the first regular period (broken period)
    fixed_interest: bool  # factor-rate rows: finance charge fixed by the schedule
    facts: dict = field(default_factory=dict)  # payback, payment rate... for the loan page


def _loan_rate(data: dict, product: Product) -> Decimal:
    if data["rate_type"] == "variable":
        return tier_rate(
            rate_type="variable",
            index_value=data.get("index_value"),
            spread=data.get("spread"),
            floor=_floor(data, product),
            cap=_cap(data, product),
        )
    return data.get("interest_rate") or Decimal(0)


def _floor(data: dict, product: Product) -> Decimal | None:
    return data.get("rate_floor") if data.get("rate_floor") is not None else product.rate_floor


def _cap(data: dict, product: Product) -> Decimal | None:
    return data.get("rate_cap") if data.get("rate_cap") is not None else product.rate_cap


def _tiers(data: dict, product: Product) -> tuple[engine.Tier, ...]:
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
                floor=_floor(data, product),
                cap=_cap(data, product),
            ),
            payment_amount=t.get("payment_amount"),
        )
        for t in data.get("tiers") or []
    )


def amortised_fees(data: dict) -> Decimal:
    return sum((f["amount"] for f in data.get("fees") or [] if f["amortized"]), ZERO)


def _first_payment(data: dict, frequency: str) -> date:
    """Omitted first payment date: the next business day (daily) or one period on."""
    if data.get("first_payment_date"):
        return data["first_payment_date"]
    funded = data["funded_date"]
    if frequency == "daily":
        return get_calendar().next_business_day(funded)
    return step(funded, 1, frequency)


def _mca_terms(data: dict, frequency: str) -> mca_engine.McaTerms:
    block = data["mca"]
    custom = tuple(
        mca_engine.CustomRow(r["due_date"], r["amount"], r["principal"], r["finance_charge"])
        for r in block.get("custom_schedule") or []
    )
    allocation = "custom" if data["schedule_type"] == "custom" else block["allocation"]
    number = len(custom) if allocation == "custom" else data["number_of_payments"]
    return mca_engine.McaTerms(
        funded_amount=data["funded_amount"],
        factor_rate=block["factor_rate"],
        number_of_payments=number,
        funded_date=data["funded_date"],
        first_payment_date=custom[0].due_date if custom else _first_payment(data, frequency),
        frequency=frequency,
        amortised_fees=amortised_fees(data),
        allocation=allocation,
        custom_rows=custom,
        extra_holidays=tuple(get_calendar().extra_holidays),
    )


def _scf_defaults(data: dict) -> dict:
    """An invoice loan is repaid in one payment on the invoice's due date unless told."""
    scf = data.get("scf")
    if not scf:
        return data
    return {
        **data,
        "first_payment_date": data.get("first_payment_date") or scf["invoice_due_date"],
        "number_of_payments": data.get("number_of_payments") or 1,
    }


def terms_from_input(data: dict, product: Product) -> ScheduleTerms:
    """Validated onboarding input + product defaults -> terms (400 on impossible terms)."""
    data = _scf_defaults(data)
    day_count = data.get("day_count") or product.day_count
    frequency = data.get("payment_frequency") or product.payment_frequency
    if data["schedule_type"] in FACTOR_RATE_TYPES:
        try:
            mca = _mca_terms(data, frequency)
        except ScheduleError as exc:
            raise InvalidInput(str(exc), field="mca") from exc
        return ScheduleTerms(
            principal=mca_engine.loan_amount(data["funded_amount"], mca.amortised_fees),
            funded_date=data["funded_date"],
            first_payment_date=mca.first_payment_date,
            number_of_payments=mca.number_of_payments,
            rate=ZERO,
            day_count=day_count,
            frequency=frequency,
            schedule_type=data["schedule_type"],
            broken_period=data["broken_period"],
            mca=mca,
        )
    try:
        tiers = _tiers(data, product)
        rate = tiers[0].rate if tiers else _loan_rate(data, product)
    except ScheduleError as exc:
        raise InvalidInput(
            str(exc), field="tiers" if data.get("tiers") else "interest_rate"
        ) from exc
    number = data.get("number_of_payments") or sum(t.number_of_payments for t in tiers)
    return ScheduleTerms(
        principal=data["funded_amount"] + amortised_fees(data),
        funded_date=data["funded_date"],
        first_payment_date=data.get("first_payment_date") or tiers[0].payment_start_date,
        number_of_payments=number,
        rate=rate,
        day_count=day_count,
        frequency=frequency,
        schedule_type=data["schedule_type"],
        broken_period=data["broken_period"],
        tiers=tiers,
    )


def build_schedule(terms: ScheduleTerms) -> BuiltSchedule:
    """The boarding projection for the terms (400 ``InvalidInput`` on impossible terms)."""
    if terms.mca is not None:
        try:
            built = mca_engine.build_mca_schedule(terms.mca)
        except ScheduleError as exc:
            raise InvalidInput(str(exc), field="mca") from exc
        facts = {
            "factor_rate": terms.mca.factor_rate,
            "allocation": terms.mca.allocation,
            "allocation_label": terms.mca.allocation.replace("_", " "),
            "payback": built.payback,
            "finance_charge": built.finance_charge,
            "payment": built.payment,
        }
        if built.payment_rate is not None:
            facts["payment_rate"] = built.payment_rate
        return BuiltSchedule(built.rows, built.loan_amount, None, True, facts)
    try:
        built = engine.build_schedule(terms.engine_terms())
    except ScheduleError as exc:
        raise InvalidInput(str(exc), field="schedule_type") from exc
    facts = {"payment": built.payment, "stub_interest": built.stub_interest}
    return BuiltSchedule(built.rows, terms.principal, built.regular_start, False, facts)


def build_rows(terms: ScheduleTerms) -> tuple[engine.Row, ...]:
    return build_schedule(terms).rows
