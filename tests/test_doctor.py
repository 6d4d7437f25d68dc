"""`cardgen doctor`: each finding with its fix, exit 1 if anything is wrong, one failing check
never stopping the others."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cardgen import doctor
from cardgen.doctor import Finding, doctor_cmd, print_report
from cardgen.fonts import FACES

from .conftest import ROOT

CHECKS = ("python", "cairo", "fontconfig", "packages", "fonts", "render", "project")


def run_doctor(runner: CliRunner, *args: str | Path) -> Result:
    """Invoke the doctor; exceptions escaping it are test failures, not results."""
    return runner.invoke(doctor_cmd, [str(a) for a in args], catch_exceptions=False)


def lines_of(output: str) -> dict[str, str]:
    """Each check's report line, by check name."""
    found = {}
    for line in output.splitlines():
        status, _, rest = line.partition(" ")
        if status in ("ok", "FAIL"):
            name = rest.strip().split(":", 1)[0]
            found[name] = line
    return found


def test_a_healthy_machine_and_project_pass_every_check(
    runner: CliRunner, cases_dir: Path, templates_dir: Path
) -> None:
    result = run_doctor(runner, "--cases", cases_dir, "--templates", templates_dir)
    assert result.exit_code == 0, result.output
    found = lines_of(result.output)
    assert list(found) == list(CHECKS)
    assert all(line.startswith("ok    ") for line in found.values()), result.output
    assert f"python: {sys.version_info.major}.{sys.version_info.minor}" in found["python"]
    assert "drew a 600×100 test card in " in found["render"]
    assert "cards checked" in found["project"]
    assert "fix:" not in result.output
    assert result.output.splitlines()[-1] == f"{len(CHECKS)} checks passed"


def test_a_broken_case_fails_the_project_check_with_its_problem(
    runner: CliRunner, cases_dir: Path
) -> None:
    case = cases_dir / "checkpoint-durham.toml"
    case.write_text('colour = "red"\n' + case.read_text(encoding="utf-8"), encoding="utf-8")
    result = run_doctor(runner, "--cases", cases_dir)
    assert result.exit_code == 1, result.output
    found = lines_of(result.output)
    assert list(found) == list(CHECKS)
    assert found["project"].startswith("FAIL  project: ")
    assert "1 problem" in found["project"]
    lines = result.output.splitlines()
    at = lines.index(found["project"])
    assert "checkpoint-durham.toml: colour: unknown key" in lines[at + 1]
    assert lines[at + 2] == "      fix: see `cardgen check`"
    assert all(found[name].startswith("ok    ") for name in CHECKS[:-1]), result.output
    assert lines[-1] == f"1 of {len(CHECKS)} checks failed"


def test_a_fonts_folder_missing_a_face_fails_the_fonts_check(
    tmp_path: Path, cases_dir: Path
) -> None:
    # A fresh process: fontconfig is set up once per process, so a test process that has
    # drawn text already must not be pointed at another font folder.
    fonts = tmp_path / "fonts"
    shutil.copytree(ROOT / "fonts", fonts)
    gone = next(name for (_, weight), name in FACES.items() if weight == "bold")
    (fonts / gone).unlink()
    env = {
        **os.environ,
        "CARDGEN_FONTS": str(fonts),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
    }
    env.pop("FONTCONFIG_FILE", None)
    done = subprocess.run(
        [sys.executable, "-m", "cardgen.doctor", "--cases", str(cases_dir)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    found = lines_of(done.stdout)
    assert list(found) == list(CHECKS)
    assert found["fonts"].startswith("FAIL  fonts: ")
    lines = done.stdout.splitlines()
    block = lines[lines.index(found["fonts"]) + 1 : lines.index(found["render"])]
    assert any(f"{gone} is missing" in line for line in block), block
    assert block[-1].startswith("      fix: ")
    assert "CARDGEN_FONTS" in block[-1]
    assert found["python"].startswith("ok    ")


def test_a_missing_cairo_library_fails_its_check_and_the_others_still_run(
    runner: CliRunner, cases_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = doctor._load
    monkeypatch.setattr(
        doctor, "_load", lambda soname, name: None if name == "cairo" else real(soname, name)
    )
    monkeypatch.setattr(doctor, "_macos", lambda: False)
    result = run_doctor(runner, "--cases", cases_dir)
    assert result.exit_code == 1, result.output
    found = lines_of(result.output)
    assert list(found) == list(CHECKS)
    assert found["cairo"] == "FAIL  cairo: libcairo.so.2 not found"
    lines = result.output.splitlines()
    fix = lines[lines.index(found["cairo"]) + 1]
    assert fix.startswith("      fix: ")
    assert "apt-get install libcairo2" in fix
    for name in ("fontconfig", "packages", "fonts", "project"):
        assert found[name].startswith("ok    "), result.output


def test_a_check_that_raises_becomes_a_failed_finding(
    runner: CliRunner, cases_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken() -> Finding:
        raise RuntimeError("something odd\nsecond line")

    monkeypatch.setattr(doctor, "check_python", broken)
    result = run_doctor(runner, "--cases", cases_dir)
    assert result.exit_code == 1
    found = lines_of(result.output)
    assert list(found) == list(CHECKS)
    assert found["python"] == "FAIL  python: RuntimeError: something odd"
    assert "Traceback" not in result.output


def test_no_project_is_a_failed_project_finding_not_a_crash(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no campaign here or above
    result = run_doctor(runner)
    assert result.exit_code == 1, result.output
    found = lines_of(result.output)
    assert list(found) == list(CHECKS)
    assert found["project"].startswith("FAIL  project: ")
    assert all(found[name].startswith("ok    ") for name in CHECKS[:-1]), result.output


def test_the_report_lists_findings_fixes_and_a_summary() -> None:
    findings = [
        Finding(check="python", ok=True, detail="3.11.7"),
        Finding(
            check="cairo",
            ok=False,
            detail="libcairo.so.2 not found",
            fix="apt-get install libcairo2",
        ),
        Finding(check="project", ok=False, detail="cases: 2 problems:\na\nb", fix="see it"),
    ]
    printed: list[str] = []
    assert print_report(findings, printed.append) == 1
    assert printed == [
        "ok    python: 3.11.7",
        "FAIL  cairo: libcairo.so.2 not found",
        "      fix: apt-get install libcairo2",
        "FAIL  project: cases: 2 problems:",
        "        a",
        "        b",
        "      fix: see it",
        "2 of 3 checks failed",
    ]
    printed.clear()
    assert print_report(findings[:1], printed.append) == 0
    assert printed == ["ok    python: 3.11.7", "1 check passed"]
