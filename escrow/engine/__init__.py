"""Pure escrow math (RESPA, 12 CFR 1024.17): no Django, no I/O, dates as arguments.

Dataclasses in, dataclasses out, ``Decimal`` only (a float raises ``TypeError``); amounts
are rounded half-up to the cent through ``servicing.money`` at the points spec/escrow.md
names.

Modules and their main functions:

- ``projection``: the computation year's inputs. ``Disbursement``, ``ScheduleItem``,
  ``expand_schedule(item, first_due_date)`` (a schedule item's due dates in the year),
  ``occurrences(item, start, end)``, ``project_withdrawals(withdrawals, *, as_of,
  first_due_date)`` (an account without a schedule: the last 12 months' withdrawals one
  year on), ``projected_starting_balance(balance, *, deposits_due, disbursements_due)``
  (B).
- ``analysis``: the aggregate analysis (1024.17(c)-(f), (i)(2), Appendix E).
  ``AnalysisOptions``, ``AnalysisInput``, ``analyze(inputs) -> Analysis`` (D, P, C, A,
  low point, required and starting balance, surplus/shortage/deficiency, the 13 ``Row``
  of Steps 1-3 and the projection, ``Action`` list, month-by-month ``NewPayment``,
  exemption); helpers ``base_deposits``, ``cushion``, ``trial_balance``, ``low_point``,
  ``split_balance``.
"""
