"""The loan math engine: pure Python, Decimal only, no Django, no I/O, dates as arguments.

Conventions are those of spec/loans.md and spec/accrual.md; amounts are rounded half-up
to the cent only through ``servicing.money.round_cents`` at the points the spec names.
A float anywhere raises ``TypeError``; impossible terms raise ``errors.ScheduleError``.

Modules and their main functions:

- ``daycount``: conventions 30/360, ACT/360, ACT/365, ACT/ACT.
  ``day_count_fraction(start, end, convention)``,
  ``daily_interest(balance, rate_percent, day, convention)``,
  ``period_interest(balance, rate_percent, start, end, convention)``,
  ``periodic_rate(rate_percent, frequency)``.
- ``dates``: ``due_dates(first, count, frequency, *, calendar=None, adjustment="none")``
  (months stepped from the first date; daily = business days), ``period_before``.
- ``accrual``: ``Window``, ``window_interest(balance, rate, window, day_count, frequency)``:
  one row's interest, shared by the schedule and the replay.
- ``schedule``: ``Terms``, ``Tier``, ``Row``, ``Schedule``,
  ``level_payment(periodic_rate, n, principal)``, ``build_schedule(terms) -> Schedule``
  (equated, interest only, tiered; broken period merged or separate).
- ``tiers``: ``tier_rate(...)`` (fixed, or index + spread clamped to floor/cap).
- ``mca``: ``McaTerms``, ``CustomRow``, ``build_mca_schedule(terms) -> McaSchedule``
  (straight, reducing_balance, custom), ``payment_rate(n, payment, loan_amount)``.
- ``allocation``: ``allocate(amount, *, bills, fees, additional_interest, escrow,
  hierarchy, order, prepay_to_principal, principal_outstanding) -> Allocation``.
- ``dues``: ``amount_due``, ``days_past_due``, ``dpd_bucket``, ``next_due``.
- ``replay``: ``replay(terms, events, through, *, since=None) -> LoanState`` (billing,
  daily accrual, payments, fees, reversals), ``replay_terms(terms, schedule)``.
"""
