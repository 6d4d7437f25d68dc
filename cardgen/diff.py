"""`cardgen diff`: build, then compare every card with the last build's, another build's, or
a folder of snapshot references, and write an HTML report of what changed."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .build import build, out_lock
from .errors import Problem
from .manifest import read_manifest
from .project import Project


@dataclass(kw_only=True)
class Counts:
    """What the comparison found, and a line for each card that changed or is new."""

    changed: int = 0
    unchanged: int = 0
    new: int = 0
    lines: list[str] = field(default_factory=list)
    against: str = ""

    @property
    def summary(self) -> str:
        """``2 changed, 68 unchanged, 0 without a reference against …``."""
        return (
            f"{self.changed} changed, {self.unchanged} unchanged, {self.new} without a "
            f"reference against {self.against}"
        )


def diff(
    project: Project,
    out_dir: Path,
    *,
    formats: Iterable[str] | None = None,
    against: Path | None = None,
) -> tuple[Counts, Path, list[Problem]]:
    """Build, then compare; returns the counts, the report's path and the build's problems."""
    from .imagediff import DEFAULT_BUDGET, Budget, ReportEntry, check_file, write_report

    exact = Budget(max_diff_pixels=0, max_diff_ratio=0.0)
    with tempfile.TemporaryDirectory(prefix="cardgen-diff-") as tmp:
        if against is None:
            # The cards as the last build left them: copied aside before this build.
            against = Path(tmp)
            for card in read_manifest(out_dir).cards.values():
                source = out_dir / card.path
                if source.is_file():
                    (against / card.format).mkdir(exist_ok=True)
                    shutil.copyfile(source, against / card.path)
            shown = "the last build"
        else:
            shown = project.display(against)
        # A folder of snapshot references allows their anti-aliasing noise; builds match exactly.
        budget = DEFAULT_BUDGET if (against / "STACK.json").is_file() else exact
        report = build(project, out_dir, formats=formats)
        folder = out_dir / "diff"
        counts = Counts(against=shown)
        entries: list[ReportEntry] = []
        with out_lock(out_dir, project):
            for result in sorted(report.results, key=lambda r: r.job.path):
                if not result.entry:
                    continue
                path = result.entry.path
                name = path.removesuffix(".png")
                entry, _ = check_file(name, out_dir / path, against / path, folder, budget)
                if entry.status == "missing":
                    entry = ReportEntry(name, "new", f"nothing at {shown} to compare with")
                    counts.new += 1
                    counts.lines.append(f"no reference  {path}")
                elif entry.status == "passed":
                    counts.unchanged += 1
                else:
                    counts.changed += 1
                    counts.lines.append(f"changed       {path}  {entry.message}")
                entries.append(entry)
            index = write_report(entries, folder)
    return counts, index, report.problems
