"""Snapshot references for the pytest suite: compare, report, update.

References live in tests/snapshots/<format>/<slug>.png with the rendering stack they were made
on in tests/snapshots/STACK.json. `pytest --snapshot-update` writes missing or changed
references (never with CI set); failures leave artefacts and an index.html in tests/results/.
"""

from __future__ import annotations

import io
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from cardgen.imagediff import ReportEntry, check_file, write_report
from cardgen.project import Project
from cardgen.render import stack_versions

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOTS = ROOT / "tests" / "snapshots"
RESULTS = ROOT / "tests" / "results" / "snapshots"
STACK = SNAPSHOTS / "STACK.json"
UPDATE = "pytest --snapshot-update"


class SnapshotMismatch(AssertionError):
    """A render that differs from its reference beyond the budget."""


def _save_reference(source: Path, target: Path) -> None:
    # References are compared as pixels, so they are stored at the best zlib level.
    target.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    with Image.open(source) as image:
        image.save(buffer, format="PNG", compress_level=9)
    target.write_bytes(buffer.getvalue())


def stack_note() -> str:
    """Which parts of the rendering stack differ from the one the references were made on."""
    try:
        recorded = json.loads(STACK.read_text())
    except (OSError, ValueError):
        return "no record of the stack the references were made on"
    running = stack_versions(Project.open().fonts)
    changed = [f"{k} {recorded.get(k)} -> {v}" for k, v in running.items() if recorded.get(k) != v]
    if not changed:
        return "rendering stack identical to the references'"
    return "rendering stack differs from the references': " + ", ".join(changed)


@dataclass
class Snapshots:
    """The session's snapshot state: what was compared, used and updated."""

    update: bool
    ci: bool = field(default_factory=lambda: bool(os.environ.get("CI")))
    entries: list[ReportEntry] = field(default_factory=list)
    used: set[str] = field(default_factory=set)
    updated: list[str] = field(default_factory=list)

    def check(
        self, name: str, actual: Path, *, reference_dir: Path = SNAPSHOTS, record: bool = True
    ) -> ReportEntry:
        """Compare a render with reference ``<reference_dir>/<name>.png``; never raises."""
        expected = reference_dir / f"{name}.png"
        entry, _ = check_file(name, actual, expected, RESULTS)
        if record:
            self.used.add(name)
        # Only real snapshot tests update references; the must-fail tests compare altered renders.
        if (
            record
            and self.update
            and not self.ci
            and entry.status in ("missing", "failed", "size mismatch")
        ):
            _save_reference(actual, expected)
            self.updated.append(name)
            entry = ReportEntry(
                name,
                "new" if entry.status == "missing" else "passed",
                f"reference written ({entry.status} before)",
            )
        if record:
            self.entries.append(entry)
        return entry

    def assert_match(self, name: str, actual: Path) -> None:
        """Fail the test, with paths, counts and the update command, unless ``actual`` matches."""
        entry = self.check(name, actual)
        if entry.status in ("passed", "new"):
            return
        lines = [f"snapshot {name}: {entry.status}: {entry.message}"]
        lines += [f"  {kind}: {path}" for kind, path in entry.images.items()]
        if entry.status == "missing" and self.ci:
            lines.append("  CI is set, so no reference was written")
        lines.append(f"  report: {RESULTS / 'index.html'}")
        lines.append(f"  {stack_note()}")
        lines.append(f"  if the change is intended, update the references: {UPDATE}")
        raise SnapshotMismatch("\n".join(lines))

    def finish(self, whole_suite: bool) -> list[str]:
        """Write the report and STACK.json; list (and on update, remove) unused references."""
        notes = []
        if self.entries:
            index = write_report(self.entries, RESULTS)
            bad = [e for e in self.entries if e.status not in ("passed", "new")]
            if bad:
                notes.append(f"snapshot report: {index}")
        if self.updated:
            stack = stack_versions(Project.open().fonts)
            STACK.write_text(json.dumps(stack, indent=2, sort_keys=True) + "\n")
            notes.append(f"snapshot references written: {', '.join(self.updated)}")
        if whole_suite:
            existing = {
                p.relative_to(SNAPSHOTS).with_suffix("").as_posix()
                for p in SNAPSHOTS.rglob("*.png")
            }
            unused = sorted(existing - self.used)
            if unused and self.update and not self.ci:
                for name in unused:
                    (SNAPSHOTS / f"{name}.png").unlink()
                notes.append(f"removed unused snapshot references: {', '.join(unused)}")
            elif unused:
                notes.append(
                    f"unused snapshot references (removed by {UPDATE}): {', '.join(unused)}"
                )
        return notes


def reset_results() -> None:
    """Start each session with an empty results folder."""
    shutil.rmtree(RESULTS, ignore_errors=True)
