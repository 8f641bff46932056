from django.apps import AppConfig


class EscrowConfig(AppConfig):
    name = "escrow"
    verbose_name = "Escrow"

    def ready(self) -> None:
        from escrow import pages
        from escrow.demo import seed_escrow_loans
        from escrow.selectors import account_counts
        from escrow.services.assessments import assess_due, select_loans_to_assess
        from escrow.services.boarding import board_escrows
        from escrow.services.replenishment import sync_replenishments
        from escrow.statements import RENDERER, render_statement
        from loans.registry import (
            LoanAction,
            register_boarding_block,
            register_document_renderer,
            register_escrow_listener,
            register_loan_action,
        )
        from servicing.cob import register_cob_step
        from servicing.registry import NavItem, register_demo_seeder, register_nav
        from servicing.roles import ADMIN, OPS, SUPERVISOR

        # Payments' escrow parts replenish the accounts (after each loan ledger change).
        register_escrow_listener(sync_replenishments)
        # spec/accrual.md step 5, after the lines of credit: the escrow of the installments
        # due on the day opened is assessed (then owed, paid by the hierarchy).
        register_cob_step(
            "escrow_assessment",
            order=20,
            select=select_loans_to_assess,
            run_chunk=assess_due,
            label="Escrow: assess the monthly escrow of installments due",
        )
        # spec/api.md: the onboarding payload's ``escrows`` block, inside its transaction.
        register_boarding_block("escrows", board_escrows)
        # The loan page's Escrow tab and its "Escrow" row of actions.
        pages.register()
        # spec/escrow.md "Batch and individual analysis": Ops > Escrow analysis, and the
        # loan page's action for one loan (loans with an auto-analysis account).
        register_nav(NavItem("ops", "Escrow analysis", "escrow-batches", (OPS, SUPERVISOR, ADMIN)))
        register_loan_action(
            LoanAction(
                "Escrow analysis",
                "escrow-loan-analysis",
                (OPS, SUPERVISOR, ADMIN),
                applies=lambda loan: account_counts(loan)["auto_analysis"] > 0,
                group="Escrow",
            )
        )
        register_demo_seeder(40, "escrow loans", seed_escrow_loans)
        # A batch's statements are stored to render on their first download.
        register_document_renderer(RENDERER, render_statement)
