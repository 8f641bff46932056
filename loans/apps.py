from django.apps import AppConfig


class LoansConfig(AppConfig):
    name = "loans"
    verbose_name = "Loans"

    def ready(self) -> None:
        from loans.demo import seed_configuration, seed_loans
        from loans.search import search_provider
        from loans.selectors import last_closed_date
        from servicing.business_date import register_floor
        from servicing.registry import NavItem, register_demo_seeder, register_nav, register_search
        from servicing.roles import ALL_ROLES

        register_nav(NavItem("main", "Loans", "loan-search", ALL_ROLES, order=10))
        register_nav(NavItem("main", "Borrowers", "borrower-search", ALL_ROLES, order=20))
        register_nav(NavItem("main", "Calculator", "calculator", ALL_ROLES, order=30))
        register_search(search_provider)
        # The business date never moves behind a date a loan was closed for.
        register_floor(last_closed_date)
        register_demo_seeder(10, "investors and products", seed_configuration)
        register_demo_seeder(20, "demo loans", seed_loans)
