from django.apps import AppConfig


class LoansConfig(AppConfig):
    name = "loans"
    verbose_name = "Loans"

    def ready(self) -> None:
        from loans.cob import close_loans, select_loans_to_close
        from loans.demo import seed_configuration, seed_indexes, seed_loans
        from loans.demo_loc import seed_lines
        from loans.disbursements import (
            fund_disbursements,
            select_disbursements_due,
            write_disbursement_files,
        )
        from loans.registry import LoanTab, register_loan_tab
        from loans.search import search_provider
        from loans.selectors import last_closed_date
        from loans.services.lines import close_expired_lines, select_expired_lines
        from loans.services.reprice import reprice_loans, select_loans_to_reprice
        from loans.views_documents import documents_tab_context
        from servicing.business_date import register_floor
        from servicing.cob import register_cob_step
        from servicing.registry import NavItem, register_demo_seeder, register_nav, register_search
        from servicing.roles import ALL_ROLES

        register_nav(NavItem("main", "Loans", "loan-search", ALL_ROLES, order=10))
        register_nav(NavItem("main", "Borrowers", "borrower-search", ALL_ROLES, order=20))
        register_nav(NavItem("main", "Calculator", "calculator", ALL_ROLES, order=30))
        register_nav(NavItem("ops", "Indexes", "index-list", ALL_ROLES, order=30))
        register_search(search_provider)
        # Escrow statements and letters other apps store with the loan.
        register_loan_tab(
            LoanTab(
                "documents",
                "Documents",
                "loans/_documents_tab.html",
                documents_tab_context,
                after="activity",
            )
        )
        # The business date never moves behind a date a loan was closed for.
        register_floor(last_closed_date)
        # spec/accrual.md COB steps 1-4 for loans: accrual of the date, then the next date's
        # billing and DPD (one pass per loan; default interest and repricing join it).
        register_cob_step(
            "loans",
            order=1,
            select=select_loans_to_close,
            run_chunk=close_loans,
            label="Loans: accrual, default interest, billing, DPD",
        )
        # Step 3 for the loans closed set-based (the engine path reprices inline): the
        # variable-rate loans whose reprice event is the day just opened.
        register_cob_step(
            "reprice",
            order=2,
            select=select_loans_to_reprice,
            run_chunk=reprice_loans,
            label="Reprice variable-rate loans",
        )
        # Step 5, lines of credit (spec/loc.md): lines past their valid-till date close, then
        # the auto-funded draws of the day just opened are paid out and written to its file.
        register_cob_step(
            "loc_closure",
            order=10,
            select=select_expired_lines,
            run_chunk=close_expired_lines,
            label="Lines of credit: close lines past their valid-till date",
        )
        register_cob_step(
            "draw_disbursements",
            order=11,
            select=select_disbursements_due,
            run_chunk=fund_disbursements,
            label="Lines of credit: fund auto-funded draws due",
        )
        register_cob_step(
            "disbursement_file",
            order=12,
            run_once=write_disbursement_files,
            label="Lines of credit: write the disbursement file",
        )
        register_demo_seeder(10, "investors and products", seed_configuration)
        register_demo_seeder(15, "index sources", seed_indexes)
        register_demo_seeder(20, "demo loans", seed_loans)
        register_demo_seeder(30, "lines of credit", seed_lines)
