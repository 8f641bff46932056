"""Auto-funded draws at the close of business (spec/loc.md "Auto-funded draws").

Two COB steps, after the loans have been closed for business date D (which opens D + 1):
- ``fund_disbursements`` (per item): each pending disbursement dated D + 1 or before (a
  date missed by an earlier run is caught up) funds its draw with that funded date,
  one loan per transaction; a failure is recorded and retried by the next run;
- ``write_disbursement_files`` (once per date): the disbursements paid out and not yet in
  a file are given the file of D + 1 in the database first, then the file is written
  (CSV, one row per disbursement) to the ``disbursements`` folder of the tenant's
  outbound file folder (admin > Tenant settings). A file is created
  under a temporary name and linked to its own name, which fails if that name exists: an
  earlier file is never overwritten, and a second run of the date writes the next name
  (``_2``...). A crash after the database step and before the file is written leaves
  the names assigned: the next run writes the missing files from the rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from pathlib import Path

from django.conf import settings
from django.db import transaction

from loans.models import Disbursement, Loan
from loans.services.draws import fund, lock_for_disbursement
from servicing.tenant import get_tenant_settings

ONE_DAY = dt.timedelta(days=1)
COLUMNS = (
    "disbursement_id",
    "disbursement_date",
    "loan_number",
    "borrower_id",
    "borrower_name",
    "draw_id",
    "external_id",
    "approved_amount",
    "fee",
    "amount",
)


def select_disbursements_due(business_date: dt.date) -> list[int]:
    return list(
        Disbursement.objects.filter(
            status=Disbursement.Status.PENDING, disbursement_date__lte=business_date + ONE_DAY
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def fund_disbursements(ids: list[int], business_date: dt.date) -> list[tuple[str, str]]:
    """Fund each disbursement's draw on its date; the loans are brought to D + 1."""
    failures = []
    for disbursement_id in ids:
        try:
            with transaction.atomic():
                found = lock_for_disbursement(disbursement_id)
                if found is None:
                    continue  # funded by an earlier run
                loan, disbursement = found
                draw = disbursement.draw
                if loan.status != Loan.Status.OPEN:
                    raise ValueError(f"loan {loan.loan_number} is {loan.status}")
                fund(
                    loan,
                    draw.line,
                    draw,
                    funded_date=disbursement.disbursement_date,
                    business_date=business_date + ONE_DAY,
                )
                disbursement.status = Disbursement.Status.DISBURSED
                disbursement.save(update_fields=["status"])
        except Exception as exc:  # one loan's failure is recorded, the others go on
            failures.append((_ref(disbursement_id), f"{type(exc).__name__}: {exc}"))
    return failures


def _ref(disbursement_id: int) -> str:
    number = (
        Disbursement.objects.filter(pk=disbursement_id)
        .values_list("draw__line__loan__loan_number", flat=True)
        .first()
    )
    return f"{number} disbursement {disbursement_id}" if number else str(disbursement_id)


def outbound_dir() -> Path:
    """``<tenant outbound file folder>/disbursements``; a relative folder is under the
    project's base directory."""
    folder = Path(get_tenant_settings().outbound_file_folder)
    if not folder.is_absolute():
        folder = Path(settings.BASE_DIR) / folder
    return folder / "disbursements"


def write_disbursement_files(business_date: dt.date) -> list[str]:
    """The file of D + 1 for the disbursements not in a file yet; also any file of that
    date whose rows were assigned but not written. Returns the names written."""
    day = business_date + ONE_DAY
    prefix = f"disbursements_{day:%Y%m%d}"
    folder = outbound_dir()
    folder.mkdir(parents=True, exist_ok=True)
    with transaction.atomic():
        unfiled = list(
            Disbursement.objects.select_for_update()
            .filter(status=Disbursement.Status.DISBURSED, file_name="")
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if unfiled:
            name = _free_name(folder, prefix)
            Disbursement.objects.filter(pk__in=unfiled).update(file_name=name)
    written = []
    names = (
        Disbursement.objects.filter(
            status=Disbursement.Status.DISBURSED, file_name__startswith=prefix
        )
        .values_list("file_name", flat=True)
        .distinct()
    )
    for name in sorted(set(names)):
        if not (folder / name).exists():
            _write_new(folder / name, file_content(name))
            written.append(name)
    return written


def _free_name(folder: Path, prefix: str) -> str:
    taken = set(
        Disbursement.objects.filter(file_name__startswith=prefix).values_list(
            "file_name", flat=True
        )
    )
    n = 1
    while True:
        name = f"{prefix}.csv" if n == 1 else f"{prefix}_{n}.csv"
        if name not in taken and not (folder / name).exists():
            return name
        n += 1


def file_content(name: str) -> str:
    """The CSV of the disbursements given file ``name``, in id order."""
    rows = (
        Disbursement.objects.filter(file_name=name)
        .select_related("draw__line__loan__borrower")
        .order_by("pk")
    )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        draw = row.draw
        loan = draw.line.loan
        writer.writerow(
            (
                row.pk,
                row.disbursement_date.isoformat(),
                loan.loan_number,
                loan.borrower.borrower_id,
                loan.borrower.display_name,
                draw.pk,
                draw.external_id,
                f"{draw.approved_amount:.2f}",
                f"{draw.fee:.2f}",
                f"{row.amount:.2f}",
            )
        )
    return out.getvalue()


def _write_new(path: Path, content: str) -> None:
    """Create ``path`` with ``content``; refuse (FileExistsError) if it exists."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(content, encoding="utf-8")
    try:
        os.link(temporary, path)  # atomic, and never replaces an existing file
    finally:
        temporary.unlink()
