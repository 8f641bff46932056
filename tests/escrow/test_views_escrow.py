"""The Escrow tab and its actions on the loan page: render, post, inline errors, the
minimum-balance confirmation, success messages back on the tab, roles (ops read-only)."""

import datetime as dt
from decimal import Decimal as D
from html import unescape

from django.db import connection
from django.test.utils import CaptureQueriesContext

from escrow.models import EscrowAccount, EscrowEntry
from escrow.services.transfers import replenish_escrow
from escrow.services.withdrawals import withdraw
from loans.models import Loan
from tests.escrow.conftest import BD, assert_consistent
from tests.loans.test_views_actions import errors_of as raw_errors


def errors_of(response) -> list[str]:
    return [unescape(e) for e in raw_errors(response)]


def url(loan, suffix=""):
    return f"/loans/{loan.loan_number}/escrow/{suffix}"


def text(response) -> str:
    return unescape(response.content.decode())


def test_the_tab_lists_accounts_items_and_transactions(agent_client, loan, tax, insurance):
    withdraw(
        tax, towards="refund", amount=D("10.00"), payment_date=BD, effective_date=BD, note="oops"
    )
    response = agent_client.get(url(loan))
    assert response.status_code == 200
    page = text(response)
    for expected in (
        "Property tax",
        "Insurance",
        "County tax",
        "990.00",
        "200.00",
        "Cook County Treasurer",
        "Semiannual",
        "Opening balance",
        "Excess refund",
        "oops",
        "Transactions (Additional A/C)",
        "Add Escrow",
        "Make Payment from Escrow",
        "Reverse",
        "View",
    ):
        assert expected in page, expected


def test_the_tab_is_on_every_open_loan_with_the_add_action(agent_client, loan):
    page = text(agent_client.get(f"/loans/{loan.loan_number}/"))
    assert f"/loans/{loan.loan_number}/escrow/" in page and "Add Escrow" in page
    assert "No escrow accounts" in text(agent_client.get(url(loan)))


def test_a_closed_loan_without_escrow_has_no_tab(agent_client, loan):
    Loan.objects.filter(pk=loan.pk).update(status=Loan.Status.CLOSED)
    assert agent_client.get(url(loan)).status_code == 404


def test_ops_reads_the_tab_but_acts_nowhere(ops_client, loan, tax):
    response = ops_client.get(url(loan))
    assert response.status_code == 200
    page = text(response)
    assert "Cook County Treasurer" in page and "Add Escrow" not in page
    assert "Reverse</a>" not in page
    row = tax.entries.get()
    item = tax.items.get()
    for path in (
        "add/",
        "replenish/",
        "pay/",
        f"accounts/{tax.pk}/edit/",
        f"accounts/{tax.pk}/subtypes/new/",
        f"accounts/{tax.pk}/items/new/",
        f"accounts/{tax.pk}/items/{item.pk}/edit/",
        f"accounts/{tax.pk}/items/{item.pk}/deactivate/",
        f"transactions/{row.pk}/reverse/",
    ):
        assert ops_client.get(url(loan, path)).status_code == 403, path
        assert ops_client.post(url(loan, path), {"amount": "1.00"}).status_code == 403, path
    assert EscrowEntry.objects.count() == 1


def test_add_escrow_with_a_first_item(agent_client, loan):
    response = agent_client.get(url(loan, "add/"))
    assert response.status_code == 200 and "Add escrow" in text(response)
    response = agent_client.post(
        url(loan, "add/"),
        {
            "category": "insurance",
            "sub_types": "Hazard, Flood",
            "opening_balance": "400.00",
            "minimum_balance": "50.00",
            "monthly_amount": "40.00",
            "auto_analysis": "on",
            "cushion_months": "2",
            "payee": "Acme Insurance",
            "amount": "480.00",
            "due_date": "2026-06-01",
            "frequency": "annual",
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == url(loan)
    assert "Insurance escrow account added (balance 400.00)." in text(response)
    account = EscrowAccount.objects.get()
    assert account.auto_analysis and not account.schedule_replenishment
    assert account.cushion_months == 2
    assert sorted(account.subtypes.values_list("name", flat=True)) == ["Flood", "Hazard"]
    assert account.items.get().payee == "Acme Insurance"
    assert_consistent(loan)


def test_add_escrow_errors_are_inline(agent_client, loan):
    response = agent_client.post(
        url(loan, "add/"),
        {
            "category": "insurance",
            "opening_balance": "-1",
            "minimum_balance": "0",
            "monthly_amount": "0",
            "payee": "Half an item",
        },
    )
    assert response.status_code == 200
    errors = errors_of(response)
    assert any("greater than or equal to 0" in e for e in errors), errors
    assert any("payee, amount, next due date and frequency" in e for e in errors), errors
    response = agent_client.post(
        url(loan, "add/"),
        {
            "category": "insurance",
            "sub_types": "A, A",
            "opening_balance": "0",
            "minimum_balance": "0",
            "monthly_amount": "0",
        },
    )
    assert errors_of(response) == ["Sub-types must differ."]
    assert not EscrowAccount.objects.exists()


def test_subtype_edit_and_items(agent_client, loan, tax):
    response = agent_client.post(url(loan, f"accounts/{tax.pk}/subtypes/new/"), {"name": "School"})
    assert response.status_code == 302
    response = agent_client.post(url(loan, f"accounts/{tax.pk}/subtypes/new/"), {"name": "school"})
    assert errors_of(response) == ["The account already has the sub-type school."]
    edit = url(loan, f"accounts/{tax.pk}/edit/")
    assert 'value="200.00"' in agent_client.get(edit).content.decode()
    response = agent_client.post(
        edit, {"minimum_balance": "150.00", "monthly_amount": "90.00", "cushion_months": ""}
    )
    assert response.status_code == 302
    tax.refresh_from_db()
    assert tax.minimum_balance == D("150.00") and not tax.schedule_replenishment
    assert tax.cushion_months is None
    item = tax.items.get()
    response = agent_client.post(
        url(loan, f"accounts/{tax.pk}/items/{item.pk}/edit/"),
        {
            "payee": "Cook County",
            "amount": "650.00",
            "due_date": "2026-03-01",
            "frequency": "annual",
        },
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.payee, item.amount, item.frequency) == ("Cook County", D("650.00"), "annual")
    response = agent_client.post(
        url(loan, f"accounts/{tax.pk}/items/new/"),
        {"payee": "School", "amount": "100.00", "due_date": "2025-03-01", "frequency": "annual"},
    )
    assert errors_of(response) == [
        "The next due date cannot be before the loan's funded date 2026-01-01."
    ]
    response = agent_client.post(url(loan, f"accounts/{tax.pk}/items/{item.pk}/deactivate/"))
    assert response.status_code == 302
    item.refresh_from_db()
    assert not item.is_active


def test_another_loans_account_is_404(agent_client, board, loan, tax):
    other = board(
        BD, application_number="APP-9", borrower={"borrower_id": "B-9", "last_name": "Roe"}
    )
    assert agent_client.get(url(other, f"accounts/{tax.pk}/edit/")).status_code == 404
    row = tax.entries.get()
    assert agent_client.get(url(other, f"transactions/{row.pk}/reverse/")).status_code == 404


def pay_body(tax, **overrides):
    body = {
        "account": tax.pk,
        "towards": f"item:{tax.items.get().pk}",
        "amount": "900.00",
        "payment_date": "2026-01-15",
        "effective_date": "2026-01-15",
        "note": "1st half",
    }
    body.update(overrides)
    return body


def test_payment_below_the_minimum_warns_then_is_confirmed(agent_client, loan, tax):
    page = agent_client.get(url(loan, "pay/") + f"?account={tax.pk}")
    assert page.status_code == 200
    assert "Cook County Treasurer 600.00 due 2026-03-01" in text(page)
    assert "available above the minimum 800.00" in text(page)
    assert 'name="confirm"' not in page.content.decode()
    response = agent_client.post(url(loan, "pay/"), pay_body(tax))
    assert response.status_code == 200
    (error,) = errors_of(response)
    assert "balance 1,000.00, minimum 200.00" in error and "900.00" in error
    assert 'name="confirm"' in response.content.decode()
    assert tax.entries.count() == 1
    response = agent_client.post(url(loan, "pay/"), pay_body(tax, confirm="on"), follow=True)
    assert response.redirect_chain[-1][0] == url(loan)
    assert "900.00 paid from Property tax" in text(response)
    tax.refresh_from_db()
    assert tax.balance == D("100.00")
    item = tax.items.get()
    assert item.next_due_date == dt.date(2026, 7, 15)
    assert_consistent(loan)


def test_payment_errors_are_inline(agent_client, loan, tax, insurance):
    response = agent_client.post(
        url(loan, "pay/"), pay_body(tax, amount="10.00", effective_date="2026-01-16")
    )
    assert errors_of(response) == ["The date cannot be after the business date 2026-01-15."]
    body = {**pay_body(tax, amount="10.00"), "account": insurance.pk}  # tax's item
    response = agent_client.post(url(loan, "pay/"), body)
    assert "No active disbursement item" in errors_of(response)[0]
    response = agent_client.post(url(loan, "pay/"), pay_body(tax, amount="0"))
    assert errors_of(response)
    assert EscrowEntry.objects.count() == 2  # the two opening balances


def test_payment_towards_the_loan_and_refund(agent_client, loan, tax):
    response = agent_client.post(url(loan, "pay/"), pay_body(tax, towards="loan", amount="100.00"))
    assert response.status_code == 302
    response = agent_client.post(url(loan, "pay/"), pay_body(tax, towards="refund", amount="5"))
    assert response.status_code == 302
    assert sorted(tax.entries.values_list("kind", flat=True)) == [
        "excess_refund",
        "replenished",
        "withdrawn",
    ]
    assert_consistent(loan)


def test_pay_and_replenish_need_an_account(agent_client, loan):
    assert agent_client.get(url(loan, "pay/")).status_code == 404
    assert agent_client.get(url(loan, "replenish/")).status_code == 404


def test_replenish_from_an_account_and_from_the_borrower(agent_client, loan, tax, insurance):
    body = {
        "source": str(tax.pk),
        "account": insurance.pk,
        "amount": "900.00",
        "effective_date": "2026-01-15",
    }
    response = agent_client.post(url(loan, "replenish/"), body)
    assert "minimum 200.00" in errors_of(response)[0]
    assert 'name="confirm"' in response.content.decode()
    response = agent_client.post(url(loan, "replenish/"), {**body, "confirm": "on"})
    assert response.status_code == 302
    response = agent_client.post(url(loan, "replenish/"), {**body, "source": str(insurance.pk)})
    assert errors_of(response) == ["An account cannot replenish itself: choose another source."]
    response = agent_client.post(
        url(loan, "replenish/"), {**body, "source": "borrower", "amount": "10.00"}
    )
    assert response.status_code == 302
    insurance.refresh_from_db()
    assert insurance.balance == D("1210.00")
    assert_consistent(loan)


def test_reverse_from_the_tab(agent_client, loan, tax):
    row = withdraw(tax, towards="refund", amount=D("10.00"), payment_date=BD, effective_date=BD)
    path = url(loan, f"transactions/{row.pk}/reverse/")
    assert "Excess refund of 10.00" in text(agent_client.get(path))
    response = agent_client.post(path, {"reason": "wrong"})
    assert errors_of(response) == ["Tick the box to confirm."]
    response = agent_client.post(path, {"reason": "wrong", "confirm": "on"}, follow=True)
    assert f"Escrow transaction #{row.pk} (excess refund of 10.00) reversed" in text(response)
    response = agent_client.post(path, {"reason": "again", "confirm": "on"})
    assert errors_of(response) == [f"Escrow transaction {row.pk} was already reversed."]
    assert_consistent(loan)


def test_the_tab_queries_do_not_grow_with_rows(agent_client, loan, tax, insurance):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert agent_client.get(url(loan)).status_code == 200
        return len(queries)

    agent_client.get(url(loan))
    before = count()
    for _ in range(3):
        withdraw(tax, towards="refund", amount=D("1.00"), payment_date=BD, effective_date=BD)
        withdraw(
            tax,
            towards="item",
            item_id=tax.items.get().pk,
            amount=D("1.00"),
            payment_date=BD,
            effective_date=BD,
        )
    replenish_escrow(insurance, from_account_id=tax.pk, amount=D("2.00"), effective_date=BD)
    assert count() == before <= 20
