"""The loan page's Escrow tab and action-menu row (``loans.registry``), registered from
``EscrowConfig.ready()``."""

from __future__ import annotations

from loans.registry import LoanAction, LoanTab, register_loan_action, register_loan_tab
from loans.views_actions import SERVICERS


def register() -> None:
    from escrow import views

    register_loan_tab(
        LoanTab(
            name=views.TAB,
            label="Escrow",
            template="escrow/_escrow_tab.html",
            context=views.tab_context,
            applies=views.shows_tab,
        )
    )
    for label, url_name, applies in (
        ("Add Escrow", "escrow-account-add", lambda loan: True),
        ("Assess Escrow", "escrow-assess", views.has_accounts),
        ("Replenish Escrow", "escrow-replenish", views.has_accounts),
        ("Make Payment from Escrow", "escrow-withdraw", views.has_accounts),
    ):
        register_loan_action(LoanAction(label, url_name, SERVICERS, applies, group="Escrow"))
