"""Extension points of the loan page and boarding that apps above loans fill from their
``AppConfig.ready()`` (loans never imports them): extra loan-page tabs, extra actions in
the loan page's action menu, and handlers of onboarding payload blocks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class LoanTab:
    """A tab of the loan page: ``context(request, loan)`` gives what ``template`` (an include
    rendered inside the tab panel) needs; ``applies(loan)`` whether the loan shows it."""

    name: str
    label: str
    template: str
    context: Callable
    applies: Callable = field(default=lambda loan: True)
    after: str = "transactions"  # the tab it comes after


@dataclass(frozen=True)
class LoanAction:
    """A link in the loan page's action menu to ``url_name`` (called with the loan number),
    for users holding one of ``roles``, on loans ``applies(loan)`` accepts."""

    label: str
    url_name: str
    roles: tuple[str, ...]
    applies: Callable = field(default=lambda loan: True)
    group: str = ""  # a labelled row of the menu ("Escrow"); "" the main row


LOAN_TABS: list[LoanTab] = []
LOAN_ACTIONS: list[LoanAction] = []
# Onboarding: {payload key: handler(loan, block, actor)} run inside the boarding transaction.
BOARDING_BLOCKS: dict[str, Callable] = {}
# listener(loan, business_date=..., actor=...): a payment or its reversal moved escrow money
# (its split's escrow part); called inside the same transaction, the loan row locked.
ESCROW_LISTENERS: list[Callable] = []
# {renderer name: render(document) -> bytes}: documents stored to render on first download.
DOCUMENT_RENDERERS: dict[str, Callable] = {}


def register_loan_tab(tab: LoanTab) -> None:
    if all(existing.name != tab.name for existing in LOAN_TABS):
        LOAN_TABS.append(tab)


def register_loan_action(action: LoanAction) -> None:
    if action not in LOAN_ACTIONS:
        LOAN_ACTIONS.append(action)


def register_boarding_block(key: str, handler: Callable) -> None:
    BOARDING_BLOCKS[key] = handler


def register_escrow_listener(listener: Callable) -> None:
    if listener not in ESCROW_LISTENERS:
        ESCROW_LISTENERS.append(listener)


def register_document_renderer(name: str, render: Callable) -> None:
    DOCUMENT_RENDERERS[name] = render
