"""axe-core in every browser test: each page a test loads is checked against WCAG 2.1 A/AA, and
a serious or critical violation fails the test.

axe-core comes from npm (tests/browser/axe/package.json, installed by scripts/test.sh with
`npm ci`) and is only ever given to the test browser: it is added to each test's context as an
init script (Chrome DevTools evaluates it outside the page's Content-Security-Policy, which
stays as strict as in production), never served by the site.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

AXE_SCRIPT = Path(__file__).resolve().parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FAILING_IMPACTS = {"serious", "critical"}

RUN_AXE = """async (tags) => {
  if (typeof window.axe === "undefined" || document.contentType !== "text/html") { return null; }
  const result = await window.axe.run(document, {runOnly: {type: "tag", values: tags}});
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.slice(0, 5).map((n) => n.target.join(" ") + " :: " +
      (n.failureSummary || "").split("\\n").slice(1, 2).join("").trim()),
  }));
}"""


def axe_source() -> str:
    if not AXE_SCRIPT.exists():
        raise RuntimeError(
            f"{AXE_SCRIPT} is missing: run `npm ci` in tests/browser/axe (scripts/test.sh does)"
        )
    return AXE_SCRIPT.read_text(encoding="utf-8")


@dataclass
class AxeWatcher:
    """Runs axe on each page load of one Playwright page and keeps what fails."""

    page: object
    checked: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def attach(self) -> None:
        self.page.on("load", lambda _page: self.check())

    def check(self) -> None:
        page = self.page
        address = page.url
        if not address.startswith("http") or "/api/" in address:
            return
        try:
            violations = page.evaluate(RUN_AXE, WCAG_TAGS)
        except Exception:  # noqa: BLE001 - the page navigated on while axe ran: checked there
            return
        if violations is None:
            return
        self.checked.append(address)
        for violation in violations:
            if violation["impact"] in FAILING_IMPACTS:
                targets = "\n      ".join(violation["targets"])
                self.failures.append(
                    f"{address}: [{violation['impact']}] {violation['id']} — {violation['help']}"
                    f"\n      {targets}"
                )

    def report(self) -> str:
        unique = list(dict.fromkeys(self.failures))
        return f"{len(unique)} serious/critical WCAG 2.1 AA violation(s):\n" + "\n".join(unique)
