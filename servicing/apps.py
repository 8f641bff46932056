from django.apps import AppConfig


class ServicingConfig(AppConfig):
    name = "servicing"
    verbose_name = "Servicing kernel"

    def ready(self) -> None:
        # Load the Celery app here (not in __init__) so pure helpers import without it.
        from servicing import celery  # noqa: F401
        from servicing.api import schema  # noqa: F401  (OpenAPI extension registration)
        from servicing.demo import seed_kernel
        from servicing.registry import NavItem, register_demo_seeder, register_nav
        from servicing.roles import ADMIN, ALL_ROLES, OPS, SUPERVISOR

        register_nav(NavItem("ops", "Jobs", "job-list", (OPS, ADMIN, SUPERVISOR), order=10))
        cob_roles = (OPS, ADMIN, SUPERVISOR)
        register_nav(NavItem("ops", "Close of business", "close-of-business", cob_roles, order=20))
        register_nav(NavItem("ops", "Business date", "business-date", (OPS, ADMIN), order=90))
        register_nav(NavItem("admin", "Activity", "activity", ALL_ROLES, order=10))
        register_nav(NavItem("admin", "Admin site", "admin:index", (ADMIN, OPS), order=20))
        register_demo_seeder(0, "users", seed_kernel)
