"""Aggregate escrow analysis (spec/escrow.md "Escrow analysis"; 12 CFR 1024.17(c)-(f),
(i)(2)) against Appendix E to Part 1024, Example I, and its handling rules."""

from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escrow.engine.analysis import AnalysisInput, AnalysisOptions, analyze
from escrow.engine.projection import Disbursement

EFFECTIVE = date(2026, 5, 15)  # Appendix E: settlement May 15
FIRST_DUE = date(2026, 7, 1)  # first payment July 1
# Appendix E: school taxes $360 on September 20; county taxes $500 on July 25, $700 on
# December 10.
EXAMPLE = (
    Disbursement(date(2026, 7, 25), D("500"), "county tax"),
    Disbursement(date(2026, 9, 20), D("360"), "school tax"),
    Disbursement(date(2026, 12, 10), D("700"), "county tax"),
)
OPTIONS = set(AnalysisOptions.__dataclass_fields__)


def run(starting="1040", disbursements=EXAMPLE, **kw):
    options = AnalysisOptions(**{k: kw.pop(k) for k in list(kw) if k in OPTIONS})
    return analyze(
        AnalysisInput(EFFECTIVE, FIRST_DUE, disbursements, D(starting), options=options, **kw)
    )


def codes(analysis):
    return [(a.code, a.amount, a.rule, a.within_days) for a in analysis.actions]


# Appendix E, Example I (aggregate): month, pmt, disb, Step 1, Step 2, Step 3 balances.
APPENDIX_E = [
    ("2026-06", 0, 0, 0, 780, 1040),
    ("2026-07", 130, 500, -370, 410, 670),
    ("2026-08", 130, 0, -240, 540, 800),
    ("2026-09", 130, 360, -470, 310, 570),
    ("2026-10", 130, 0, -340, 440, 700),
    ("2026-11", 130, 0, -210, 570, 830),
    ("2026-12", 130, 700, -780, 0, 260),
    ("2027-01", 130, 0, -650, 130, 390),
    ("2027-02", 130, 0, -520, 260, 520),
    ("2027-03", 130, 0, -390, 390, 650),
    ("2027-04", 130, 0, -260, 520, 780),
    ("2027-05", 130, 0, -130, 650, 910),
    ("2027-06", 130, 0, 0, 780, 1040),
]


def test_appendix_e_example_i_figures():
    a = run()
    assert a.total_disbursements == D("1560.00")
    assert a.base_payment == D("130.00")
    assert a.cushion == D("260.00")  # one-sixth of 1,560 = two months of 130
    assert a.adjustment == D("780.00")
    assert a.required_balance == D("1040.00")
    assert a.low_point_month == "2026-12"
    assert a.first_month == "2026-07"
    assert (a.surplus, a.shortage, a.deficiency, a.actions) == (0, 0, 0, ())
    assert a.new_payment == a.deficiency_payment == D("130.00")
    assert a.deficiency_months == 0


def test_appendix_e_example_i_table_row_by_row():
    rows = run().rows
    assert [(r.month, r.deposit, r.disbursement, r.step1, r.step2, r.step3) for r in rows] == [
        tuple([m] + [D(v) for v in values]) for m, *values in APPENDIX_E
    ]
    assert [r.number for r in rows] == list(range(13))
    # B = the required 1,040: the projection is Step 3.
    assert [r.projected for r in rows] == [r.step3 for r in rows]


def test_every_amount_has_two_places():
    a = run("-200.5")
    amounts = [a.total_disbursements, a.base_payment, a.cushion, a.adjustment, a.shortage]
    amounts += [a.deficiency, a.new_payment, a.starting_balance]
    amounts += [v for r in a.rows for v in (r.deposit, r.step1, r.step2, r.step3, r.projected)]
    amounts += [p.total for p in a.payments]
    assert {v.as_tuple().exponent for v in amounts} == {-2}


# Surplus: 1024.17(f)(2).


def test_surplus_of_50_or_more_is_refunded_within_30_days_when_current():
    a = run("1090")
    assert a.surplus == D("50.00")
    assert codes(a) == [("refund_surplus", D("50.00"), "1024.17(f)(2)(i)", 30)]
    assert a.new_payment == D("130.00")
    assert a.rows[6].projected == D("310.00")  # the low point holds C + the surplus


def test_small_surplus_refunded_by_default():
    a = run("1065.01")
    assert codes(a) == [("refund_surplus", D("25.01"), "1024.17(f)(2)(i)", 30)]
    assert [p.total for p in a.payments] == [D("130.00")] * 12


def test_small_surplus_credited_against_the_year_s_payments():
    a = run("1065.01", small_surplus="credit")
    (action,) = a.actions
    assert (action.code, action.amount, action.within_days) == ("credit_surplus", D("25.01"), 0)
    assert action.installments == (D("2.08"),) * 11 + (D("2.13"),)
    assert a.new_payment == D("127.92")
    assert [p.total for p in a.payments] == [D("127.92")] * 11 + [D("127.87")]
    assert sum(p.total for p in a.payments) == D("1560.00") - D("25.01")


def test_surplus_of_a_borrower_not_current_is_retained():
    a = run("1200", days_past_due=31)
    assert codes(a) == [("retain_surplus", D("160.00"), "1024.17(f)(2)(ii)", 0)]
    assert not a.current
    assert a.new_payment == D("130.00")


def test_borrower_30_days_late_is_still_current():
    a = run("1200", days_past_due=30)
    assert a.current and codes(a)[0][0] == "refund_surplus"


# Shortage: 1024.17(f)(3); one month's payment = the new P (130).


def test_shortage_below_one_month_spread_over_12_months_by_default():
    a = run("1000")
    assert a.shortage == D("40.00")
    (action,) = a.actions
    assert (action.code, action.rule) == ("spread_shortage", "1024.17(f)(3)(i)(C)")
    assert action.installments == (D("3.33"),) * 11 + (D("3.37"),)
    assert a.new_payment == D("133.33")
    assert [p.total for p in a.payments] == [D("133.33")] * 11 + [D("133.37")]
    assert min(r.projected for r in a.rows) == D("220.00")  # C - the shortage


def test_shortage_below_one_month_demanded_within_30_days_when_the_product_says_so():
    a = run("1000", small_shortage="demand")
    assert codes(a) == [("demand_shortage", D("40.00"), "1024.17(f)(3)(i)(B)", 30)]
    assert a.new_payment == D("130.00")


@pytest.mark.parametrize("option", ["spread", "demand"])
def test_shortage_of_exactly_one_month_is_spread_over_12_months(option):
    a = run("910", small_shortage=option)
    assert a.shortage == a.base_payment == D("130.00")
    (action,) = a.actions
    assert (action.code, action.rule) == ("spread_shortage", "1024.17(f)(3)(ii)(B)")
    assert action.installments == (D("10.83"),) * 11 + (D("10.87"),)
    assert a.new_payment == D("140.83")


def test_shortage_spread_over_more_months_when_the_product_says_so():
    a = run("400", shortage_months=24)
    (action,) = a.actions
    assert len(action.installments) == 24 and sum(action.installments) == D("640.00")
    assert a.new_payment == D("156.67")  # 130 + 640 / 24
    assert sum(p.shortage for p in a.payments) == D("320.04")  # 12 of the 24 shares


# Deficiency: 1024.17(f)(4); deficiency first, then the shortage from 0.


def test_deficiency_with_the_remaining_shortage_measured_from_zero():
    a = run("-200")
    assert (a.deficiency, a.shortage, a.surplus) == (D("200.00"), D("1040.00"), 0)
    assert [x[:3] for x in codes(a)] == [
        ("spread_deficiency", D("200.00"), "1024.17(f)(4)(ii)"),
        ("spread_shortage", D("1040.00"), "1024.17(f)(3)(ii)(B)"),
    ]
    assert a.new_payment == D("216.67")  # 130 + 1,040 / 12
    assert a.deficiency_payment == D("316.67")  # + 200 / 2 for its first 2 months
    assert a.deficiency_months == 2
    totals = [p.total for p in a.payments]
    assert totals == [D("316.67")] * 2 + [D("216.67")] * 9 + [D("216.63")]
    assert sum(totals) == D("1560") + D("1040") + D("200")
    assert a.rows[0].projected == D("-200.00")


def test_small_deficiency_demanded_or_spread_per_product():
    demanded = run("-100", small_deficiency="demand")
    assert codes(demanded)[0] == ("demand_deficiency", D("100.00"), "1024.17(f)(4)(i)(B)", 30)
    assert demanded.deficiency_payment == demanded.new_payment == D("216.67")
    spread = run("-100", deficiency_months=3)
    action = spread.actions[0]
    assert (action.code, action.rule) == ("spread_deficiency", "1024.17(f)(4)(i)(C)")
    assert action.installments == (D("33.33"), D("33.33"), D("33.34"))
    assert spread.deficiency_months == 3
    assert [p.deficiency for p in spread.payments[:4]] == [*action.installments, D("0.00")]


def test_deficiency_without_a_shortage_when_nothing_is_required():
    a = run("-50", disbursements=(), cushion_months=0)
    assert (a.required_balance, a.shortage, a.deficiency) == (0, 0, D("50.00"))
    assert [x[0] for x in codes(a)] == ["spread_deficiency"]


# Cushion: 1024.17(c)(1)(ii), (d)(1)(i)(C).


def test_zero_cushion():
    a = run("1040", cushion_months=0)
    assert (a.cushion, a.required_balance) == (0, D("780.00"))
    assert [r.step3 for r in a.rows] == [r.step2 for r in a.rows]
    assert min(r.step3 for r in a.rows) == 0
    assert codes(a) == [("refund_surplus", D("260.00"), "1024.17(f)(2)(i)", 30)]


def test_one_month_cushion():
    a = run("910", cushion_months=1)
    assert (a.cushion, a.required_balance, a.actions) == (D("130.00"), D("910.00"), ())
    assert a.rows[6].step3 == D("130.00")


def test_cushion_never_above_one_sixth_rounded_down():
    a = run("0", disbursements=(Disbursement(date(2026, 10, 1), D("100.06")),))
    assert a.base_payment == D("8.34")  # 8.338 half-up
    assert a.cushion == D("16.67")  # 100.06 / 6 = 16.676..., not 2 x 8.34 = 16.68
    deposits = [r.deposit for r in a.rows[1:]]
    assert deposits == [D("8.34")] * 11 + [D("8.32")]  # the twelfth absorbs the rounding
    assert sum(deposits) == D("100.06")


# Low point: 1024.17(d)(1)(i)(B).


def test_low_point_is_the_earliest_month_on_ties():
    two_bills = (
        Disbursement(date(2026, 7, 10), D("600")),
        Disbursement(date(2027, 1, 10), D("600")),
    )
    a = run("0", disbursements=two_bills)
    assert a.rows[1].step1 == a.rows[7].step1 == D("-500.00")
    assert (a.low_point_month, a.adjustment) == ("2026-07", D("500.00"))


def test_no_negative_balance_needs_no_adjustment():
    a = run("0", disbursements=(Disbursement(date(2027, 6, 30), D("1200")),))
    assert a.adjustment == 0 and a.low_point_month == "2027-06"
    assert a.required_balance == a.cushion == D("200.00")


# Exemption from the annual statement: 1024.17(i)(2).


@pytest.mark.parametrize(
    ("kw", "exempt"),
    [
        ({"days_past_due": 30}, False),
        ({"days_past_due": 31}, True),
        ({"in_foreclosure": True}, True),
        ({"in_bankruptcy": True}, True),
        ({}, False),
    ],
)
def test_exempt_when_more_than_30_days_past_due_in_foreclosure_or_bankruptcy(kw, exempt):
    a = run("1000", **kw)
    assert a.exempt is exempt
    assert a.shortage == D("40.00")  # analyzed all the same


def test_current_payment_is_carried():
    assert run(current_payment=D("120")).current_payment == D("120.00")


# Inputs refused.


def test_first_due_date_must_follow_the_effective_date():
    with pytest.raises(ValueError, match="after the effective date"):
        AnalysisInput(FIRST_DUE, FIRST_DUE, EXAMPLE, D("0"))


def test_disbursement_outside_the_computation_year_is_refused():
    late = (Disbursement(date(2027, 7, 1), D("10")),)
    with pytest.raises(ValueError, match="outside the year"):
        AnalysisInput(EFFECTIVE, FIRST_DUE, late, D("0"))


def test_float_balance_is_refused():
    with pytest.raises(TypeError):
        AnalysisInput(EFFECTIVE, FIRST_DUE, EXAMPLE, 1040.0)


@pytest.mark.parametrize(
    "kw",
    [
        {"cushion_months": -1},
        {"shortage_months": 11},
        {"deficiency_months": 1},
        {"small_surplus": "keep"},
        {"small_shortage": "ignore"},
        {"small_deficiency": "ignore"},
    ],
)
def test_options_outside_the_regulation_are_refused(kw):
    with pytest.raises(ValueError):
        AnalysisOptions(**kw)


# Properties.

cents = st.integers(0, 2_000_000).map(lambda c: D(c).scaleb(-2))
disbursement = st.builds(
    lambda month, day, amount: Disbursement(
        date(2026 + (6 + month) // 12, (6 + month) % 12 + 1, day), amount
    ),
    st.integers(0, 11),
    st.integers(1, 28),
    cents,
)
options = st.builds(
    AnalysisOptions,
    cushion_months=st.integers(0, 3),
    small_surplus=st.sampled_from(["refund", "credit"]),
    small_shortage=st.sampled_from(["spread", "demand"]),
    small_deficiency=st.sampled_from(["spread", "demand"]),
    deficiency_months=st.integers(2, 6),
)
inputs = st.builds(
    AnalysisInput,
    effective_date=st.dates(date(2026, 1, 1), date(2026, 6, 30)),
    first_due_date=st.just(FIRST_DUE),
    disbursements=st.lists(disbursement, max_size=8).map(tuple),
    starting_balance=st.integers(-500_000, 5_000_000).map(lambda c: D(c).scaleb(-2)),
    days_past_due=st.integers(0, 60),
    in_foreclosure=st.booleans(),
    in_bankruptcy=st.booleans(),
    options=options,
)


@settings(max_examples=200, deadline=None)
@given(inputs)
def test_the_twelve_deposits_add_up_to_d(inputs):
    a = analyze(inputs)
    deposits = [r.deposit for r in a.rows[1:]]
    assert sum(deposits) == a.total_disbursements == sum(d.amount for d in inputs.disbursements)
    assert deposits[:11] == [a.base_payment] * 11
    assert abs(deposits[11] - a.base_payment) <= D("0.06")  # 11 x half a cent at most
    assert a.rows[12].step1 == 0  # the year ends where it started


@settings(max_examples=200, deadline=None)
@given(inputs)
def test_targets_never_go_below_the_cushion_and_reach_it_at_the_low_point(inputs):
    a = analyze(inputs)
    assert all(r.step3 >= a.cushion for r in a.rows)
    assert min(r.step3 for r in a.rows) == a.cushion
    low = next(r for r in a.rows[1:] if r.month == a.low_point_month)
    assert low.step3 == a.cushion and low.step2 == 0
    assert a.required_balance == a.adjustment + a.cushion == a.rows[0].step3
    assert a.cushion <= a.total_disbursements / 6
    assert a.cushion <= inputs.options.cushion_months * a.base_payment


@settings(max_examples=200, deadline=None)
@given(inputs)
def test_surplus_shortage_and_deficiency_account_for_b(inputs):
    a = analyze(inputs)
    assert a.starting_balance + a.shortage + a.deficiency - a.surplus == a.required_balance
    assert min(a.surplus, a.shortage) == 0 and min(a.surplus, a.deficiency) == 0
    assert all(v >= 0 for v in (a.surplus, a.shortage, a.deficiency))
    # The projection sits B - required above (or below) the targets all year.
    assert {r.projected - r.step3 for r in a.rows} == {a.starting_balance - a.required_balance}
    assert a.exempt == (inputs.days_past_due > 30 or inputs.in_foreclosure or inputs.in_bankruptcy)


@settings(max_examples=200, deadline=None)
@given(inputs)
def test_new_payment_components_add_up(inputs):
    a = analyze(inputs)
    for action in a.actions:
        if action.installments:
            assert sum(action.installments) == action.amount
    for p in a.payments:
        assert p.total == p.base + p.shortage + p.deficiency - p.credit
    spread = sum((x.amount for x in a.actions if x.code == "spread_shortage"), D(0))
    spread_def = sum((x.amount for x in a.actions if x.code == "spread_deficiency"), D(0))
    credit = sum((x.amount for x in a.actions if x.code == "credit_surplus"), D(0))
    # 12 shortage months and at most 6 deficiency months: every share falls in the year.
    assert sum(p.total for p in a.payments) == a.total_disbursements + spread + spread_def - credit
    assert a.new_payment == a.payments[0].total - a.payments[0].deficiency


@settings(max_examples=200, deadline=None)
@given(
    amounts=st.lists(st.integers(0, 100_000), min_size=1, max_size=6),
    starting=st.integers(0, 3_000_000),
)
def test_twelve_new_payments_are_12p_plus_the_shortage(amounts, starting):
    """D a multiple of 12 cents (P x 12 = D), default options, no deficiency."""
    year = tuple(
        Disbursement(date(2026 + (6 + k) // 12, (6 + k) % 12 + 1, 5), D(12 * c).scaleb(-2))
        for k, c in enumerate(amounts)
    )
    a = analyze(AnalysisInput(EFFECTIVE, FIRST_DUE, year, D(starting).scaleb(-2)))
    assert a.deficiency == 0
    assert a.base_payment * 12 + a.shortage == sum(p.total for p in a.payments)


@settings(deadline=None)
@given(st.integers(0, 60))
def test_exempt_only_past_30_days(days):
    a = analyze(
        AnalysisInput(FIRST_DUE - timedelta(days=1), FIRST_DUE, EXAMPLE, D("0"), days_past_due=days)
    )
    assert a.exempt is (days > 30)
