"""Default-interest settings of a loan (spec/accrual.md "Default (penal) interest").

spec/loans.md: a loan copies its product's defaults at boarding and can override any;
precedence loan > product > investor > system default. ``resolve`` does that once, at
boarding: the loan keeps the resolved settings and, for each, where it came from (the
loan page shows the overrides). A later change of a product or investor applies to loans
boarded after it, never to the history of a boarded loan.
"""

from __future__ import annotations

from decimal import Decimal

from loans.engine.default_interest import DefaultTerms, default_terms
from servicing.errors import InvalidInput

SYSTEM_DEFAULTS = {
    "enabled": False,
    "method": "per_payment",
    "base": "missed_principal_interest",
    "spread": None,
    "default_rate": None,
    "grace_days": 0,
}
SETTINGS = ("enabled", "method", "base", "grace_days")
METHOD_LABELS = {"per_payment": "Per payment", "lump_sum": "Lump sum"}
BASE_LABELS = {
    "unpaid_principal": "Unpaid principal",
    "missed_installment": "Missed installment",
    "missed_principal_interest": "Missed principal and interest",
    "missed_principal": "Missed principal",
}


def resolve(*levels: tuple[str, dict | None]) -> dict:
    """The settings from ``levels`` [(name, overrides)], lowest precedence first, with
    ``sources``: the level each setting came from ("system" when none set it). The rate
    is one setting: a level giving a spread or a default rate replaces both."""
    settings = {key: value for key, value in SYSTEM_DEFAULTS.items()}
    sources = {key: "system" for key in (*SETTINGS, "rate")}
    for name, values in levels:
        values = values or {}
        for key in SETTINGS:
            if values.get(key) is not None:
                settings[key] = values[key]
                sources[key] = name
        if values.get("spread") is not None or values.get("default_rate") is not None:
            settings["spread"] = _rate(values.get("spread"))
            settings["default_rate"] = _rate(values.get("default_rate"))
            if settings["spread"] is not None:
                settings["default_rate"] = None  # a spread wins if a level gave both
            sources["rate"] = name
    settings["grace_days"] = int(settings["grace_days"])
    if settings["enabled"] and settings["spread"] is None and settings["default_rate"] is None:
        raise InvalidInput(
            "Default interest is enabled but no spread or default rate is set on the loan, "
            "its product or its investor.",
            field="default_interest",
        )
    return {**settings, "sources": sources}


def _rate(value) -> str | None:
    return None if value is None else str(Decimal(str(value)))


def loan_default_terms(loan) -> DefaultTerms | None:
    """The engine's default-interest terms of a boarded loan (None: not charged)."""
    return default_terms(loan.default_interest)


def describe(settings: dict) -> list[tuple[str, str, str]]:
    """[(label, value, source)] for the loan page."""
    if not settings or "sources" not in settings:
        return []
    sources = settings["sources"]
    if settings.get("spread") is not None:
        rate = f"spread {Decimal(settings['spread']).normalize():f} % over the loan's rate"
    elif settings.get("default_rate") is not None:
        rate = f"default rate {Decimal(settings['default_rate']).normalize():f} %"
    else:
        rate = "—"
    return [
        ("Charged", "Yes" if settings.get("enabled") else "No", sources["enabled"]),
        ("Method", METHOD_LABELS.get(settings.get("method"), "—"), sources["method"]),
        ("Base", BASE_LABELS.get(settings.get("base"), "—"), sources["base"]),
        ("Rate", rate, sources["rate"]),
        ("Grace days", str(settings.get("grace_days", 0)), sources["grace_days"]),
    ]


def in_default(loan) -> bool:
    """The loan earns default interest now: charged and past due beyond the grace."""
    settings = loan.default_interest or {}
    return bool(settings.get("enabled")) and loan.dpd > int(settings.get("grace_days") or 0)


def current_default_rate(loan) -> str | None:
    """What default interest adds to the "Current rate" of a loan in default (seed 002):
    "+ 2 % default" for a spread, "default rate 18 % on the past-due base" for an absolute
    rate; None when the loan is not in default."""
    if not in_default(loan):
        return None
    settings = loan.default_interest
    if settings.get("spread") is not None:
        return f"+ {Decimal(settings['spread']).normalize():f} % default"
    return f"default rate {Decimal(settings['default_rate']).normalize():f} % on the past-due base"
