"""Demo cases: the two white-paper cases and clearly illustrative (示例) ones.

Registered as seeder 30 (after accounts 10 and listings 20). Loads
`fixtures/demo_cases.json` — an llm-match/v1 file with only a `cases` section — through
the same import code as `import_listings`. Idempotent: cases whose ref already exists are
left as they are (an admin may have re-scored them).
"""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings

from matchmaking.accounts.models import Organization
from matchmaking.cases.models import Case
from matchmaking.listings.io.importer import import_data

DEMO_CASES_FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "demo_cases.json"


def seed_cases(options: dict, stdout) -> list[str]:
    data = json.loads(DEMO_CASES_FIXTURE.read_text(encoding="utf-8"))
    records = data["cases"]
    vendors = set(
        Organization.objects.filter(ref__in={r["vendor"] for r in records}).values_list(
            "ref", flat=True
        )
    )
    if not vendors:
        stdout.write("Cases: the demo vendors do not exist yet; no demo cases were added.")
        return []
    existing = set(
        Case.objects.filter(ref__in=[r["ref"] for r in records]).values_list("ref", flat=True)
    )
    new = [r for r in records if r["ref"] not in existing and r["vendor"] in vendors]
    missing_vendor = [r["ref"] for r in records if r["vendor"] not in vendors]
    if missing_vendor:
        stdout.write(
            f"Cases: skipped {len(missing_vendor)} demo case(s) whose vendor does not exist: "
            + ", ".join(missing_vendor)
        )
    if not new:
        return []
    report = import_data({"format": data["format"], "cases": new})
    if not report.ok:
        raise RuntimeError("The demo cases fixture is invalid:\n" + "\n".join(report.errors))
    return [f"Cases: {report.results['cases'].created} demo cases published."]
