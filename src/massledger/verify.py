"""`massledger verify`: every integrity check of every domain, one report."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Connection

from massledger.registry.verify import count_accounts, verify_registry
from massledger.traceability.verify import Problem, count_documents, verify_documents


@dataclass
class Report:
    checked: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_json(self) -> dict[str, object]:
        return {"ok": self.ok, "checked": self.checked, "problems": [p.as_json() for p in self.problems]}


def run_all(conn: Connection, progress: Callable[[str, int, int], None] | None = None) -> Report:
    """``progress(stage, advanced, total)`` is called as work proceeds."""
    report = Report()
    total = count_documents(conn)
    checked, problems = verify_documents(
        conn, (lambda n: progress("documents", n, total)) if progress else None
    )
    report.checked.update(checked)
    report.problems.extend(problems)
    accounts = count_accounts(conn)
    checked, problems = verify_registry(
        conn, (lambda n: progress("accounts", n, accounts)) if progress else None
    )
    report.checked.update(checked)
    report.problems.extend(problems)
    return report
