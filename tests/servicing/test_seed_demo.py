import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command

from escrow.ledger import rebuild_balance
from escrow.models import EscrowAccount
from loans.ledger import cached_balances, rebuild_balances
from loans.models import CreditLine, Draw, Investor, LedgerEntry, Loan, Product


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_prints_working_logins(capsys, settings):
    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "agent      agent / servicing-demo" in out
    assert "admin      admin / servicing-demo" in out
    assert (
        get_user_model()
        .objects.filter(username__in=["agent", "supervisor", "ops", "admin"])
        .count()
        == 4
    )
    assert authenticate(username="agent", password="servicing-demo").groups.get().name == "agent"
    assert authenticate(username="admin", password="servicing-demo").is_superuser
    assert list(Investor.objects.values_list("code", flat=True)) == ["LENDER"]
    assert set(Product.objects.values_list("code", flat=True)) == {
        "TERM",
        "CRE",
        "CONSTRUCTION",
        "MCA",
        "SCF",
        "LOC",
    }
    # A portfolio boarded through the services: every schedule type, delinquency,
    # payments and a returned payment; its ledger rebuilds to the cached balances.
    loans = Loan.objects.all()
    assert set(loans.values_list("schedule_type", flat=True)) == {
        "equated",
        "interest_only",
        "tiered",
        "mca",
        "custom",
    }
    assert {"term", "cre", "construction", "mca", "scf"} <= set(
        loans.values_list("kind", flat=True)
    )
    assert loans.filter(dpd__gte=30).exists() and loans.filter(dpd=0).exists()
    assert LedgerEntry.objects.filter(kind="payment").count() > 10
    assert LedgerEntry.objects.filter(kind="payment", reversed_by__isnull=False).exists()
    for loan in loans:
        assert rebuild_balances(loan) == cached_balances(loan), loan.application_number
    # Lines of credit in every status, with draws in every status (spec/loc.md).
    assert set(CreditLine.objects.values_list("status", flat=True)) == set(CreditLine.Status.values)
    assert set(Draw.objects.values_list("status", flat=True)) == set(Draw.Status.values)
    assert Draw.objects.filter(auto_funded=True, disbursement__status="pending").exists()
    # Escrow (spec/escrow.md): CRE and construction loans with every category of account
    # and a year of history, last analyzed at funding; every ledger rebuilds.
    accounts = EscrowAccount.objects.all()
    assert set(accounts.values_list("category__code", flat=True)) == {
        "property_tax",
        "insurance",
        "holdback",
        "interest_reserve",
    }
    for account in accounts:
        assert rebuild_balance(account) == account.balance
        assert account.entries.count() >= 12 and account.last_analysis_date is not None


@pytest.mark.django_db
def test_seed_demo_refuses_production_without_flag(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("seed_demo")


@pytest.mark.django_db
def test_roles_exist_after_migrate():
    from django.contrib.auth.models import Group

    assert set(Group.objects.values_list("name", flat=True)) >= {
        "agent",
        "supervisor",
        "ops",
        "admin",
    }
    assert Group.objects.get(name="ops").permissions.filter(codename="add_holiday").exists()
