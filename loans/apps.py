from django.apps import AppConfig


class LoansConfig(AppConfig):
    name = "loans"
    verbose_name = "Loans"

    def ready(self) -> None:
        from loans.cob import close_loans, select_loans_to_close
        from loans.demo import seed_configuration, seed_indexes, seed_loans
        from loans.search import search_provider
        from loans.selectors import last_closed_date
        from loans.services.reprice import reprice_loans, select_loans_to_reprice
        from servicing.business_date import register_floor
        from servicing.cob import register_cob_step
        from servicing.registry import NavItem, register_demo_seeder, register_nav, register_search
        from servicing.roles import ALL_ROLES

        register_nav(NavItem("main", "Loans", "loan-search", ALL_ROLES, order=10))
        register_nav(NavItem("main", "Borrowers", "borrower-search", ALL_ROLES, order=20))
        register_nav(NavItem("main", "Calculator", "calculator", ALL_ROLES, order=30))
        register_nav(NavItem("ops", "Indexes", "index-list", ALL_ROLES, order=30))
        register_search(search_provider)
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
        register_demo_seeder(10, "investors and products", seed_configuration)
        register_demo_seeder(15, "index sources", seed_indexes)
        register_demo_seeder(20, "demo loans", seed_loans)
