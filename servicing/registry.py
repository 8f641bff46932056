"""Extension points later apps fill from their AppConfig.ready(): navigation, search, demo data.

The kernel never imports the apps above it; they register here instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class NavItem:
    section: str  # "main", "ops" or "admin"
    label: str
    url_name: str
    roles: tuple[str, ...]
    order: int = 100


@dataclass(frozen=True)
class SearchResult:
    kind: str
    label: str
    url: str
    detail: str = ""


NAV_ITEMS: list[NavItem] = []
SEARCH_PROVIDERS: list[Callable[[str, object], list[SearchResult]]] = []
DEMO_SEEDERS: list[tuple[int, str, Callable[..., None]]] = []


def register_nav(item: NavItem) -> None:
    if item not in NAV_ITEMS:
        NAV_ITEMS.append(item)
        NAV_ITEMS.sort(key=lambda i: (i.section, i.order, i.label))


def register_search(provider: Callable[[str, object], list[SearchResult]]) -> None:
    """``provider(query, user)`` returns results the user may open."""
    if provider not in SEARCH_PROVIDERS:
        SEARCH_PROVIDERS.append(provider)


def register_demo_seeder(order: int, name: str, seeder: Callable[..., None]) -> None:
    """``seeder(stdout)`` creates demo data idempotently; run by ``manage.py seed_demo``."""
    if all(existing != name for _, existing, _ in DEMO_SEEDERS):
        DEMO_SEEDERS.append((order, name, seeder))
        DEMO_SEEDERS.sort(key=lambda entry: entry[0])
