"""Bad input on the loan API: 400 ``invalid`` naming the field, never a 500, nothing written.

Table-driven over every field of POST /api/v1/loans/onboard (nested borrower, address,
tiers, fees, default_interest and mca included) and over payments, reversals, fees and
the payoff ``?date=``; then the state conflicts that answer 409 with a code.
"""

from __future__ import annotations

import copy
import datetime as dt

import pytest

from loans.models import Borrower, LedgerEntry, Loan
from servicing.business_date import set_business_date
from tests.loans.factories import InvestorFactory, ProductFactory
from tests.loans.payloads import term_payload

ONBOARD = "/api/v1/loans/onboard"
BOARDING_DATE = dt.date(2026, 1, 15)
DROP = object()  # as a value: remove the key from the payload


def rows() -> tuple[int, int, int]:
    return Loan.objects.count(), LedgerEntry.objects.count(), Borrower.objects.count()


def edit(payload: dict, path: tuple, value) -> dict:
    """A copy of ``payload`` with ``value`` at ``path`` (``DROP`` removes the key)."""
    payload = copy.deepcopy(payload)
    target = payload
    for key in path[:-1]:
        target = target[key]
    if value is DROP:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return payload


def error_at(body: dict, path: tuple):
    """The messages at ``path`` inside ``errors``: nested objects, and for a list input
    (tiers, fees) an object keyed by the failing item's index."""
    assert body.get("code") == "invalid", body
    node = body["errors"]
    for key in path:
        key = str(key) if isinstance(key, int) else key
        assert isinstance(node, dict) and key in node, (path, body)
        node = node[key]
    if isinstance(node, dict):  # the object itself is wrong (e.g. a string for a block)
        node = node.get("non_field_errors")
    assert node, (path, body)
    assert isinstance(node, list) and all(isinstance(m, str) for m in node), (path, body)
    return node


def assert_invalid(response, path: tuple) -> None:
    assert response.status_code == 400, (response.status_code, response.content[:500])
    error_at(response.json(), path)


TIER = {
    "payment_start_date": "2026-02-01",
    "number_of_payments": 2,
    "schedule_type": "fixed_payment",
    "payment_amount": "100.00",
    "interest_rate_type": "fixed",
    "interest_rate": "10.000000",
}
FEE = {"name": "Origination", "amount": "25.00", "amortized": False}
MCA_ROW = {
    "due_date": "2026-02-01",
    "amount": "100.00",
    "principal": "80.00",
    "finance_charge": "20.00",
}


def tiered(**tier) -> dict:
    return {"schedule_type": "tiered", "tiers": [TIER, {**TIER, **tier}]}


def mca(**block) -> dict:
    return {"schedule_type": "mca", "mca": {"factor_rate": "1.2500", **block}}


# (case id, payload edits {path: value} or a whole-payload override, error path)
ONBOARDING_CASES = [
    # application_number
    ("application_number missing", {("application_number",): DROP}, ("application_number",)),
    ("application_number blank", {("application_number",): ""}, ("application_number",)),
    ("application_number null", {("application_number",): None}, ("application_number",)),
    ("application_number too long", {("application_number",): "A" * 65}, ("application_number",)),
    ("application_number a list", {("application_number",): ["A-1"]}, ("application_number",)),
    ("loan_type unknown", {("loan_type",): "refinance"}, ("loan_type",)),
    # product / investor
    ("product_code missing", {("product_code",): DROP}, ("product_code",)),
    ("product_code unknown", {("product_code",): "NOPE"}, ("product_code",)),
    ("product_code an object", {("product_code",): {"code": "TERM"}}, ("product_code",)),
    ("investor_code unknown", {("investor_code",): "NOPE"}, ("investor_code",)),
    # borrower
    ("borrower missing", {("borrower",): DROP}, ("borrower",)),
    ("borrower a string", {("borrower",): "B-1001"}, ("borrower", "non_field_errors")),
    ("borrower null", {("borrower",): None}, ("borrower",)),
    ("borrower_id missing", {("borrower", "borrower_id"): DROP}, ("borrower", "borrower_id")),
    ("borrower_id blank", {("borrower", "borrower_id"): ""}, ("borrower", "borrower_id")),
    ("borrower_id too long", {("borrower", "borrower_id"): "B" * 65}, ("borrower", "borrower_id")),
    ("borrower kind unknown", {("borrower", "kind"): "alien"}, ("borrower", "kind")),
    (
        "business without business_name",
        {("borrower", "kind"): "business"},
        ("borrower", "business_name"),
    ),
    (
        "individual without a name",
        {("borrower", "first_name"): "", ("borrower", "last_name"): ""},
        ("borrower", "last_name"),
    ),
    ("first_name too long", {("borrower", "first_name"): "J" * 101}, ("borrower", "first_name")),
    ("tax_id too long", {("borrower", "tax_id"): "1" * 21}, ("borrower", "tax_id")),
    ("email invalid", {("borrower", "email"): "not-an-email"}, ("borrower", "email")),
    ("phone a number list", {("borrower", "phone"): [5550100]}, ("borrower", "phone")),
    (
        "date_of_birth impossible",
        {("borrower", "date_of_birth"): "1990-02-30"},
        ("borrower", "date_of_birth"),
    ),
    (
        "date_of_birth not ISO",
        {("borrower", "date_of_birth"): "02/03/1990"},
        ("borrower", "date_of_birth"),
    ),
    ("address a string", {("borrower", "address"): "1 Main St"}, ("borrower", "address")),
    (
        "address country too long",
        {("borrower", "address", "country"): "USA"},
        ("borrower", "address", "country"),
    ),
    (
        "address line1 too long",
        {("borrower", "address", "line1"): "x" * 201},
        ("borrower", "address", "line1"),
    ),
    (
        "address postal_code too long",
        {("borrower", "address", "postal_code"): "9" * 21},
        ("borrower", "address", "postal_code"),
    ),
    # funded_amount: decimal strings only, positive, at most 12 digits and 2 places
    ("funded_amount missing", {("funded_amount",): DROP}, ("funded_amount",)),
    ("funded_amount JSON float", {("funded_amount",): 1200.0}, ("funded_amount",)),
    ("funded_amount JSON 1e15", {("funded_amount",): 1e15}, ("funded_amount",)),
    ("funded_amount string 1e15", {("funded_amount",): "1e15"}, ("funded_amount",)),
    ("funded_amount absurd", {("funded_amount",): "1000000000000000.00"}, ("funded_amount",)),
    ("funded_amount negative", {("funded_amount",): "-1200.00"}, ("funded_amount",)),
    ("funded_amount zero", {("funded_amount",): "0.00"}, ("funded_amount",)),
    ("funded_amount 3 places", {("funded_amount",): "1200.001"}, ("funded_amount",)),
    ("funded_amount not a number", {("funded_amount",): "abc"}, ("funded_amount",)),
    ("funded_amount NaN", {("funded_amount",): "NaN"}, ("funded_amount",)),
    ("funded_amount Infinity", {("funded_amount",): "Infinity"}, ("funded_amount",)),
    ("funded_amount boolean", {("funded_amount",): True}, ("funded_amount",)),
    ("funded_amount null", {("funded_amount",): None}, ("funded_amount",)),
    ("funded_amount over the cap", {("funded_amount",): "10000000000.00"}, ("funded_amount",)),
    # funded_date
    ("funded_date missing", {("funded_date",): DROP}, ("funded_date",)),
    ("funded_date impossible", {("funded_date",): "2026-02-30"}, ("funded_date",)),
    ("funded_date month 13", {("funded_date",): "2026-13-01"}, ("funded_date",)),
    ("funded_date not ISO", {("funded_date",): "01/01/2026"}, ("funded_date",)),
    ("funded_date a number", {("funded_date",): 20260101}, ("funded_date",)),
    (
        "funded_date after business date",
        {("funded_date",): "2026-01-20", ("first_payment_date",): "2026-02-20"},
        ("funded_date",),
    ),
    (
        "funded_date centuries ago",
        {("funded_date",): "0001-01-01", ("first_payment_date",): "0001-02-01"},
        ("funded_date",),
    ),
    # rates
    ("interest_rate JSON float", {("interest_rate",): 12.0}, ("interest_rate",)),
    ("interest_rate negative", {("interest_rate",): "-1.000000"}, ("interest_rate",)),
    ("interest_rate over 100", {("interest_rate",): "100.000001"}, ("interest_rate",)),
    ("interest_rate 7 places", {("interest_rate",): "7.1234567"}, ("interest_rate",)),
    ("interest_rate not a number", {("interest_rate",): "seven"}, ("interest_rate",)),
    ("interest_rate missing (fixed)", {("interest_rate",): DROP}, ("interest_rate",)),
    ("rate_type unknown", {("rate_type",): "floating"}, ("rate_type",)),
    ("variable without index_value", {("rate_type",): "variable"}, ("index_value",)),
    ("index_value below -10", {("index_value",): "-10.5"}, ("index_value",)),
    ("spread JSON float", {("spread",): 1.5}, ("spread",)),
    ("rate_floor above rate_cap", {("rate_floor",): "9", ("rate_cap",): "5"}, ("rate_floor",)),
    ("rate_cap over 100", {("rate_cap",): "1000"}, ("rate_cap",)),
    # enums
    ("day_count unknown", {("day_count",): "30/365"}, ("day_count",)),
    ("payment_frequency unknown", {("payment_frequency",): "fortnightly"}, ("payment_frequency",)),
    ("schedule_type unknown", {("schedule_type",): "balloon"}, ("schedule_type",)),
    ("broken_period unknown", {("broken_period",): "split"}, ("broken_period",)),
    ("payment_hierarchy unknown", {("payment_hierarchy",): "random"}, ("payment_hierarchy",)),
    # schedule shape
    (
        "first_payment_date impossible",
        {("first_payment_date",): "2026-02-30"},
        ("first_payment_date",),
    ),
    (
        "first_payment_date before funding",
        {("first_payment_date",): "2025-12-01"},
        ("first_payment_date",),
    ),
    ("first_payment_date missing", {("first_payment_date",): DROP}, ("first_payment_date",)),
    (
        "first_payment_date year 9999",
        {("first_payment_date",): "9999-12-01", ("number_of_payments",): 1200},
        ("first_payment_date",),
    ),
    ("number_of_payments zero", {("number_of_payments",): 0}, ("number_of_payments",)),
    ("number_of_payments negative", {("number_of_payments",): -3}, ("number_of_payments",)),
    ("number_of_payments absurd", {("number_of_payments",): 10**9}, ("number_of_payments",)),
    ("number_of_payments fraction", {("number_of_payments",): 2.5}, ("number_of_payments",)),
    ("number_of_payments a word", {("number_of_payments",): "three"}, ("number_of_payments",)),
    ("number_of_payments missing", {("number_of_payments",): DROP}, ("number_of_payments",)),
    # tiers
    ("tiered without tiers", {("schedule_type",): "tiered"}, ("tiers",)),
    ("tiers not a list", {("schedule_type",): "tiered", ("tiers",): "x"}, ("tiers",)),
    (
        "tier empty object",
        {**{(k,): v for k, v in tiered().items()}, ("tiers", 1): {}},
        ("tiers", 1, "payment_start_date"),
    ),
    (
        "tier payment_start_date impossible",
        tiered(payment_start_date="2026-04-31"),
        ("tiers", 1, "payment_start_date"),
    ),
    (
        "tier number_of_payments zero",
        tiered(number_of_payments=0),
        ("tiers", 1, "number_of_payments"),
    ),
    ("tier schedule_type unknown", tiered(schedule_type="balloon"), ("tiers", 1, "schedule_type")),
    ("tier payment_amount float", tiered(payment_amount=100.0), ("tiers", 1, "payment_amount")),
    (
        "tier payment_amount negative",
        tiered(payment_amount="-1.00"),
        ("tiers", 1, "payment_amount"),
    ),
    ("tier payment_amount absurd", tiered(payment_amount="1e15"), ("tiers", 1, "payment_amount")),
    (
        "tier interest_rate_type unknown",
        tiered(interest_rate_type="mixed"),
        ("tiers", 1, "interest_rate_type"),
    ),
    ("tier fixed without rate", tiered(interest_rate=None), ("tiers", 1, "interest_rate")),
    (
        "tier variable without spread",
        tiered(interest_rate_type="variable", index_value="5"),
        ("tiers", 1, "index_value"),
    ),
    ("tier reprice_at unknown", tiered(reprice_at="never"), ("tiers", 1, "reprice_at")),
    # fees
    ("fees not a list", {("fees",): {"name": "x"}}, ("fees",)),
    ("fee name missing", {("fees",): [{"amount": "25.00"}]}, ("fees", 0, "name")),
    ("fee amount float", {("fees",): [FEE, {**FEE, "amount": 25.5}]}, ("fees", 1, "amount")),
    ("fee amount zero", {("fees",): [{**FEE, "amount": "0"}]}, ("fees", 0, "amount")),
    ("fee amount negative", {("fees",): [{**FEE, "amount": "-25"}]}, ("fees", 0, "amount")),
    ("fee amount absurd", {("fees",): [{**FEE, "amount": "1e15"}]}, ("fees", 0, "amount")),
    ("fees more than 20", {("fees",): [FEE] * 21}, ("fees",)),
    (
        "fee amount over the cap",
        {("fees",): [{**FEE, "amount": "10000000000.00"}]},
        ("fees", 0, "amount"),
    ),
    (
        "fee amortized not a bool",
        {("fees",): [{**FEE, "amortized": "maybe"}]},
        ("fees", 0, "amortized"),
    ),
    # default interest
    ("default_interest not an object", {("default_interest",): "yes"}, ("default_interest",)),
    (
        # The product and investor of the payload set no rate either.
        "default_interest neither spread nor rate",
        {("default_interest",): {"enabled": True}},
        ("default_interest",),
    ),
    (
        "default_interest spread and default_rate",
        {("default_interest",): {"spread": "2", "default_rate": "18"}},
        ("default_interest", "spread"),
    ),
    (
        "default_interest method unknown",
        {("default_interest",): {"method": "weird", "spread": "2"}},
        ("default_interest", "method"),
    ),
    (
        "default_interest base unknown",
        {("default_interest",): {"base": "all", "spread": "2"}},
        ("default_interest", "base"),
    ),
    (
        "default_interest grace_days negative",
        {("default_interest",): {"grace_days": -1, "spread": "2"}},
        ("default_interest", "grace_days"),
    ),
    (
        "default_interest spread float",
        {("default_interest",): {"spread": 2.0}},
        ("default_interest", "spread"),
    ),
    # mca
    ("mca schedule without block", {("schedule_type",): "mca"}, ("mca",)),
    ("mca factor_rate below 1", mca(factor_rate="0.5000"), ("mca", "factor_rate")),
    ("mca factor_rate absurd", mca(factor_rate="1e15"), ("mca", "factor_rate")),
    ("mca factor_rate float", mca(factor_rate=1.25), ("mca", "factor_rate")),
    ("mca allocation unknown", mca(allocation="random"), ("mca", "allocation")),
    ("mca custom without rows", mca(allocation="custom"), ("mca", "custom_schedule")),
    (
        "mca row amount float",
        mca(allocation="custom", custom_schedule=[{**MCA_ROW, "amount": 100.0}]),
        ("mca", "custom_schedule", 0, "amount"),
    ),
    (
        "mca row due_date impossible",
        mca(allocation="custom", custom_schedule=[{**MCA_ROW, "due_date": "2026-02-30"}]),
        ("mca", "custom_schedule", 0, "due_date"),
    ),
    (
        "mca row principal missing",
        mca(
            allocation="custom",
            custom_schedule=[{k: v for k, v in MCA_ROW.items() if k != "principal"}],
        ),
        ("mca", "custom_schedule", 0, "principal"),
    ),
    # custom_fields
    ("custom_fields a list", {("custom_fields",): ["a"]}, ("custom_fields",)),
    ("custom_fields with a NUL", {("custom_fields",): {"note": "a\x00b"}}, ("custom_fields",)),
    ("custom_fields key with a NUL", {("custom_fields",): {"a\x00": 1}}, ("custom_fields",)),
    (
        "application_number with a NUL",
        {("application_number",): "APP\x00"},
        ("application_number",),
    ),
    ("borrower_id with a NUL", {("borrower", "borrower_id"): "B\x00"}, ("borrower", "borrower_id")),
]


def _payload(edits: dict) -> dict:
    payload = term_payload()
    for key, value in edits.items():
        payload = edit(payload, key if isinstance(key, tuple) else (key,), value)
    return payload


@pytest.fixture
def onboarding_client(token_client):
    InvestorFactory()
    ProductFactory()
    set_business_date(BOARDING_DATE)
    return token_client("onboarding", "read")


@pytest.mark.parametrize(
    ("edits", "path"),
    [pytest.param(edits, path, id=name) for name, edits, path in ONBOARDING_CASES],
)
def test_bad_onboarding_is_400_naming_the_field_and_writes_nothing(onboarding_client, edits, path):
    before = rows()
    response = onboarding_client.post(ONBOARD, _payload(edits), format="json")
    assert_invalid(response, path)
    assert rows() == before


T_IO = {
    "payment_start_date": "2026-02-01",
    "number_of_payments": 3,
    "schedule_type": "interest_only",
    "interest_rate_type": "fixed",
    "interest_rate": "5",
}
# Extreme values inside the documented ranges: boarded (201) or refused (400), never a 500.
EXTREME_CASES = {
    "largest amount at 100% interest only for 100 years": {
        "funded_amount": "9999999999.99",
        "interest_rate": "100",
        "number_of_payments": 1200,
        "schedule_type": "interest_only",
    },
    "largest amount, daily, 1200 payments": {
        "funded_amount": "9999999999.99",
        "interest_rate": "100",
        "number_of_payments": 1200,
        "payment_frequency": "daily",
        "first_payment_date": "2026-01-02",
    },
    "1200 annual payments from the last allowed year": {
        "first_payment_date": "2199-12-01",
        "number_of_payments": 1200,
        "payment_frequency": "annually",
    },
    "one cent over 1200 payments": {"funded_amount": "0.01", "number_of_payments": 1200},
    "twenty largest fees": {"fees": [{**FEE, "amount": "9999999999.99"}] * 20},
    "largest amortized fee": {"fees": [{**FEE, "amount": "9999999999.99", "amortized": True}]},
    "zero rate": {"interest_rate": "0"},
    "default interest with a default_rate": {
        "default_interest": {"enabled": True, "default_rate": "24.5", "grace_days": 365}
    },
    "default interest with a spread": {"default_interest": {"spread": "2.000000"}},
    "tiers out of order": {
        "schedule_type": "tiered",
        "tiers": [{**T_IO, "payment_start_date": "2026-05-01"}, T_IO],
    },
    "tier starting before funding": {
        "schedule_type": "tiered",
        "tiers": [{**T_IO, "payment_start_date": "2025-02-01"}],
    },
    "custom schedule without rows": {"schedule_type": "custom"},
    "rate floor and cap at zero": {"rate_floor": "0", "rate_cap": "0"},
    "custom_fields of any JSON": {"custom_fields": {"SettlementIntAmount": "abc", "x": [None]}},
    "semimonthly from the 31st": {
        "payment_frequency": "semimonthly",
        "first_payment_date": "2026-01-31",
    },
}


@pytest.mark.parametrize("edits", [pytest.param(e, id=n) for n, e in EXTREME_CASES.items()])
def test_extreme_onboarding_is_boarded_or_refused_never_a_500(onboarding_client, edits):
    for url in ("/api/v1/schedules/preview", ONBOARD):
        before = rows()
        response = onboarding_client.post(url, term_payload(**edits), format="json")
        assert response.status_code in (200, 201, 400), (url, response.content[:300])
        if response.status_code == 400:
            assert response.json()["code"] == "invalid" and response.json()["errors"]
            assert rows() == before


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        pytest.param(b"{not json", "application/json", id="malformed JSON"),
        pytest.param(b"[]", "application/json", id="a list"),
        pytest.param(b"null", "application/json", id="null"),
        pytest.param(b'"text"', "application/json", id="a string"),
        pytest.param(b"", "application/json", id="empty body"),
    ],
)
def test_onboarding_body_that_is_not_an_object_is_400(onboarding_client, body, content_type):
    before = rows()
    response = onboarding_client.generic("POST", ONBOARD, body, content_type=content_type)
    assert response.status_code == 400, response.content[:300]
    assert response.json()["code"] == "invalid"
    assert response.json()["errors"]
    assert rows() == before


def test_schedule_preview_refuses_the_same_input(onboarding_client):
    response = onboarding_client.post(
        "/api/v1/schedules/preview", _payload({("funded_amount",): 1200.0}), format="json"
    )
    assert_invalid(response, ("funded_amount",))
    response = onboarding_client.post(
        "/api/v1/schedules/preview", _payload({("product_code",): "NOPE"}), format="json"
    )
    assert_invalid(response, ("product_code",))


def test_onboarding_twice_is_409_already_onboarded_with_the_loan_number(onboarding_client):
    first = onboarding_client.post(ONBOARD, term_payload(), format="json")
    assert first.status_code == 201, first.json()
    before = rows()
    again = onboarding_client.post(ONBOARD, term_payload(funded_amount="999.00"), format="json")
    assert again.status_code == 409, again.json()
    body = again.json()
    assert body["code"] == "already_onboarded"
    assert body["loan_number"] == first.json()["loan_number"]
    assert body["detail"]
    assert rows() == before


# --- payments, reversals, fees, payoff --------------------------------------------------

LOAN_DATE = dt.date(2026, 2, 1)  # business date of the action tests; funded 2026-01-01


@pytest.fixture
def loan(board):
    return board(business_date=LOAN_DATE)


@pytest.fixture
def los(token_client):
    return token_client("payments", "read")


def url(loan, suffix=""):
    return f"/api/v1/loans/{loan.loan_number}{suffix}"


PAYMENT = {"amount": "100.00", "effective_date": "2026-02-01"}
PAYMENT_CASES = [
    ("amount missing", {"amount": DROP}, "amount"),
    ("amount JSON float", {"amount": 100.0}, "amount"),
    ("amount JSON 1e15", {"amount": 1e15}, "amount"),
    ("amount string 1e15", {"amount": "1e15"}, "amount"),
    ("amount absurd", {"amount": "1000000000000000.00"}, "amount"),
    ("amount negative", {"amount": "-100.00"}, "amount"),
    ("amount zero", {"amount": "0.00"}, "amount"),
    ("amount 3 places", {"amount": "100.001"}, "amount"),
    ("amount a word", {"amount": "hundred"}, "amount"),
    ("amount NaN", {"amount": "NaN"}, "amount"),
    ("amount null", {"amount": None}, "amount"),
    ("effective_date missing", {"effective_date": DROP}, "effective_date"),
    ("effective_date impossible", {"effective_date": "2026-02-30"}, "effective_date"),
    ("effective_date not ISO", {"effective_date": "02/01/2026"}, "effective_date"),
    ("effective_date after business date", {"effective_date": "2026-02-02"}, "effective_date"),
    ("effective_date before funding", {"effective_date": "2025-12-31"}, "effective_date"),
    ("effective_date year 1", {"effective_date": "0001-01-01"}, "effective_date"),
    ("payment_date impossible", {"payment_date": "2026-02-30"}, "payment_date"),
    ("instrument unknown", {"instrument": "bitcoin"}, "instrument"),
    ("hierarchy unknown", {"hierarchy": "random"}, "hierarchy"),
    ("external_reference too long", {"external_reference": "R" * 101}, "external_reference"),
]


def _body(base: dict, edits: dict) -> dict:
    body = dict(base)
    for key, value in edits.items():
        body = edit(body, (key,), value)
    return body


@pytest.mark.parametrize(
    ("edits", "field"), [pytest.param(e, f, id=name) for name, e, f in PAYMENT_CASES]
)
def test_bad_payment_is_400_and_writes_nothing(loan, los, edits, field):
    before = rows()
    response = los.post(url(loan, "/payments"), _body(PAYMENT, edits), format="json")
    assert_invalid(response, (field,))
    assert rows() == before


REVERSAL_CASES = [
    ("reason missing", {}, "reason"),
    ("reason blank", {"reason": "   "}, "reason"),
    ("reason null", {"reason": None}, "reason"),
    ("reason too long", {"reason": "x" * 401}, "reason"),
    ("reason an object", {"reason": {"text": "NSF"}}, "reason"),
]


@pytest.fixture
def payment(loan, los):
    response = los.post(url(loan, "/payments"), PAYMENT, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


@pytest.mark.parametrize(
    ("body", "field"), [pytest.param(b, f, id=name) for name, b, f in REVERSAL_CASES]
)
def test_bad_reversal_is_400_and_writes_nothing(loan, los, payment, body, field):
    before = rows()
    response = los.post(url(loan, f"/payments/{payment['id']}/reverse"), body, format="json")
    assert_invalid(response, (field,))
    assert rows() == before


FEE_BODY = {"name": "Late fee", "amount": "25.00", "effective_date": "2026-02-01"}
FEE_CASES = [
    ("name missing", {"name": DROP}, "name"),
    ("name blank", {"name": "  "}, "name"),
    ("name too long", {"name": "n" * 101}, "name"),
    ("amount missing", {"amount": DROP}, "amount"),
    ("amount JSON float", {"amount": 25.0}, "amount"),
    ("amount string 1e15", {"amount": "1e15"}, "amount"),
    ("amount JSON 1e15", {"amount": 1e15}, "amount"),
    ("amount negative", {"amount": "-25.00"}, "amount"),
    ("amount zero", {"amount": "0"}, "amount"),
    ("amount a word", {"amount": "twenty"}, "amount"),
    ("effective_date impossible", {"effective_date": "2026-02-30"}, "effective_date"),
    ("effective_date after business date", {"effective_date": "2026-03-01"}, "effective_date"),
    ("effective_date before funding", {"effective_date": "2025-12-01"}, "effective_date"),
]


@pytest.mark.parametrize(
    ("edits", "field"), [pytest.param(e, f, id=name) for name, e, f in FEE_CASES]
)
def test_bad_fee_is_400_and_writes_nothing(loan, los, edits, field):
    before = rows()
    response = los.post(url(loan, "/fees"), _body(FEE_BODY, edits), format="json")
    assert_invalid(response, (field,))
    assert rows() == before


@pytest.mark.parametrize(
    "date",
    [
        "2026-02-30",
        "2026-13-01",
        "garbage",
        "02/01/2026",
        "2026-01-31",  # in the past
        "0001-01-01",
        "2027-03-01",  # more than a year ahead
        "9999-12-31",
        "2026-02-01T00:00:00",
    ],
)
def test_bad_payoff_date_is_400(loan, los, date):
    before = rows()
    response = los.get(url(loan, "/payoff"), {"date": date})
    assert_invalid(response, ("date",))
    assert rows() == before


@pytest.mark.parametrize(
    ("suffix", "body"),
    [
        ("/payments", {"amount": "9999999999.99", "effective_date": "2026-02-01"}),
        ("/payments", {"amount": "0.01", "effective_date": "2026-01-01"}),
        ("/payments", {**PAYMENT, "hierarchy": "schedule", "instrument": "wire"}),
        ("/fees", {"name": "Big", "amount": "9999999999.99"}),
        ("/fees", {"name": "Tiny", "amount": "0.01", "effective_date": "2026-01-01"}),
    ],
)
def test_extreme_amounts_are_posted_or_refused_never_a_500(loan, los, suffix, body):
    for _ in range(2):
        response = los.post(url(loan, suffix), body, format="json")
        assert response.status_code in (201, 400, 409), response.content[:300]
    assert los.get(url(loan)).status_code == 200
    assert los.get(url(loan, "/payoff")).status_code == 200


@pytest.mark.parametrize("version", ["abc", "²", "-1", "1.0", "", " 1"])
def test_bad_schedule_version_is_400(loan, los, version):
    response = los.get(url(loan, "/schedule"), {"version": version})
    assert_invalid(response, ("version",))


@pytest.mark.parametrize("version", ["999", "99999999999999999999999"])
def test_unknown_schedule_version_is_404(loan, los, version):
    response = los.get(url(loan, "/schedule"), {"version": version})
    assert response.status_code == 404, response.content[:300]
    assert response.json()["code"] == "not_found"


# --- wrong states: 409 with a code -------------------------------------------------------


def test_reversing_a_reversed_payment_is_409(loan, los, payment):
    reverse = url(loan, f"/payments/{payment['id']}/reverse")
    assert los.post(reverse, {"reason": "NSF"}, format="json").status_code == 201
    before = rows()
    again = los.post(reverse, {"reason": "NSF"}, format="json")
    assert again.status_code == 409, again.json()
    assert again.json()["code"] == "already_reversed" and again.json()["detail"]
    assert rows() == before


def test_a_reversal_or_disbursement_is_not_a_reversible_payment(loan, los, payment):
    reversal = los.post(
        url(loan, f"/payments/{payment['id']}/reverse"), {"reason": "NSF"}, format="json"
    ).json()
    disbursement = LedgerEntry.objects.get(loan=loan, kind="disbursement")
    for entry_id in (reversal["id"], disbursement.pk, 999_999_999, 10**20):
        response = los.post(
            url(loan, f"/payments/{entry_id}/reverse"), {"reason": "x"}, format="json"
        )
        assert response.status_code == 404, response.json()
        assert response.json()["code"] == "not_found"


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("post", "/payments", PAYMENT),
        ("post", "/fees", FEE_BODY),
        ("get", "/payoff", None),
    ],
)
def test_actions_on_a_closed_loan_are_409_loan_not_open(loan, los, method, suffix, body):
    Loan.objects.filter(pk=loan.pk).update(
        status=Loan.Status.CLOSED, closure_reason=Loan.ClosureReason.PAID_OFF
    )
    before = rows()
    if method == "post":
        response = los.post(url(loan, suffix), body, format="json")
    else:
        response = los.get(url(loan, suffix))
    assert response.status_code == 409, response.json()
    assert response.json()["code"] == "loan_not_open" and response.json()["detail"]
    assert rows() == before


def test_reversing_a_payment_of_a_closed_loan_is_409(loan, los, payment):
    Loan.objects.filter(pk=loan.pk).update(status=Loan.Status.CLOSED)
    before = rows()
    response = los.post(
        url(loan, f"/payments/{payment['id']}/reverse"), {"reason": "NSF"}, format="json"
    )
    assert response.status_code == 409, response.json()
    assert response.json()["code"] == "loan_not_open"
    assert rows() == before


def test_nul_characters_in_urls_and_queries_are_not_a_500(loan, los, token_client):
    assert los.get("/api/v1/loans/L%00X").status_code == 404
    assert los.get(url(loan, "/payoff"), {"date": "2026-02-01\x00"}).status_code == 400
    assert los.get(url(loan, "/schedule"), {"version": "1\x00"}).status_code == 400
    reader = token_client("read", name="reader")
    assert reader.get("/api/v1/borrowers/B%00").status_code == 404
    response = reader.get("/api/v1/borrowers", {"search": "Jane\x00"})
    assert response.status_code in (200, 400), response.content[:300]


def test_unknown_loan_and_unknown_api_urls_are_json_404(los):
    for path in (
        "/api/v1/loans/NOPE",
        "/api/v1/loans/NOPE/payoff",
        "/api/v1/jobs/abc",
        "/api/v1/loans/NOPE/payments/abc/reverse",
        "/api/v1/no-such-thing",
    ):
        response = los.get(path)
        assert response.status_code == 404, path
        assert response.json()["code"] == "not_found", path
