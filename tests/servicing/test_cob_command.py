import datetime as dt

import pytest
from django.core.management import CommandError, call_command

from servicing.business_date import get_business_date, set_business_date
from servicing.cob import isolated_cob_steps, register_cob_step
from servicing.models import JobRun

BD = dt.date(2026, 11, 23)

# run_cob commits date by date, as in production: no test transaction around it.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def steps(settings):
    settings.COB_CHUNK_SIZE = 2
    set_business_date(BD)
    done = set()

    def run_chunk(ids, business_date):
        done.update((i, business_date) for i in ids if i != 3)
        return [("L-3", "no index value")] if 3 in ids else []

    with isolated_cob_steps():
        register_cob_step(
            "accrual",
            order=1,
            select=lambda d: [i for i in (1, 2, 3) if (i, d) not in done],
            run_chunk=run_chunk,
        )
        yield done


def test_run_cob_prints_each_date_and_leaves_the_next_day(steps, capsys):
    call_command("run_cob", "--through", "2026-11-24")
    lines = capsys.readouterr().out.splitlines()
    jobs = list(JobRun.objects.order_by("business_date"))
    assert lines[0].startswith(
        "2026-11-23  Completed with errors: 2 done, 1 failed of 3 in "
    ) and lines[0].endswith(f"s (job #{jobs[0].pk})")
    assert lines[1] == "    L-3: Accrual: no index value"
    assert lines[2].startswith("2026-11-24  Completed with errors: 2 done, 1 failed of 3")
    assert lines[-1] == "Business date is now 2026-11-25"
    assert get_business_date() == dt.date(2026, 11, 25)


def test_run_cob_defaults_to_the_business_date(steps, capsys):
    call_command("run_cob")
    assert get_business_date() == BD + dt.timedelta(days=1)
    assert JobRun.objects.get().business_date == BD


def test_run_cob_refuses_a_date_before_the_business_date(steps):
    with pytest.raises(CommandError, match="The business date is 2026-11-23; dates before it"):
        call_command("run_cob", "--through", "2026-11-22")
    assert get_business_date() == BD


def test_run_cob_stops_at_a_failed_date_and_says_so(steps, capsys):
    def run_once(business_date):
        raise OSError("outbound folder missing")

    register_cob_step("credit_file", order=5, run_once=run_once)
    with pytest.raises(CommandError, match=r"2026-11-23 failed .*OSError: outbound folder missing"):
        call_command("run_cob", "--through", "2026-11-25")
    assert capsys.readouterr().out.startswith("2026-11-23  Failed: 2 done, 1 failed of 3")
    assert get_business_date() == BD


def test_run_cob_refuses_a_bad_date(steps):
    with pytest.raises(CommandError, match="Not a date"):
        call_command("run_cob", "--through", "23/11/2026")


@pytest.mark.parametrize(("name", "value"), [("COB_TIME", "25:99"), ("COB_CHUNK_SIZE", "0")])
def test_bad_cob_settings_stop_start_up(name, value):
    from tests.servicing.test_settings import manage

    result = manage("check", DEBUG="1", **{name: value})
    assert result.returncode != 0
    assert name in result.stderr
