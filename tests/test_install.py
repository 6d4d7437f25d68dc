"""The package as another team gets it: build the wheel and the sdist, install the wheel into a
fresh virtual environment outside the checkout, and make a campaign from nothing.

Slow (it installs cardgen's dependencies from the package index into a new venv), so it runs
once; the timings it prints are for the README, nothing asserts on them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from .conftest import ROOT

FORMATS = {"twitter": (1200, 675), "og": (1200, 630), "square": (1080, 1080)}


def sh(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, f"{args}\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel and the sdist, built from the checkout."""
    out = tmp_path_factory.mktemp("dist")
    sh(sys.executable, "-m", "build", "--wheel", "--sdist", "--outdir", out, ROOT, cwd=out)
    return out


def test_wheel_and_sdist_carry_fonts_templates_and_licences(dist: Path) -> None:
    (wheel,) = dist.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for font in (ROOT / "fonts").glob("*"):
        assert f"cardgen/_bundled/fonts/{font.name}" in names
    for template in (ROOT / "svg_templates").glob("*"):
        if template.is_file():
            assert f"cardgen/_bundled/svg_templates/{template.name}" in names
    assert {"cardgen/preview_static/index.html", "cardgen/preview/state.py"} <= names
    licences = {n.rsplit("/", 1)[-1] for n in names if "/licenses/" in n}
    assert {"LICENSE", "OFL-AtkinsonHyperlegibleNext.txt", "OFL-SourceSans3.txt"} <= licences
    (sdist,) = dist.glob("*.tar.gz")
    with tarfile.open(sdist) as archive:
        members = {m.split("/", 1)[1] for m in archive.getnames() if "/" in m}
    assert {"fonts/OFL-SourceSans3.txt", "svg_templates/case.twitter.svg"} <= members
    print(f"\nwheel {wheel.name}: {wheel.stat().st_size / 1e6:.2f} MB")


def test_install_then_new_campaign_from_nothing(dist: Path, tmp_path: Path) -> None:
    (wheel,) = dist.glob("*.whl")
    venv = tmp_path / "venv"
    sh(sys.executable, "-m", "venv", venv, cwd=tmp_path)
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")  # its own fontconfig cache, as a new user
    started = time.perf_counter()
    sh(venv / "bin/python", "-m", "pip", "install", "-q", wheel, cwd=tmp_path, env=env)
    installed = time.perf_counter()
    cardgen = venv / "bin/cardgen"
    work = tmp_path / "work"  # nowhere near the checkout
    work.mkdir()
    assert sh(cardgen, "--version", cwd=work, env=env).strip().startswith("cardgen, version")
    sh(cardgen, "new", "anytown", "--name", "Care Leavers Week", "--hashtag", "#CareLeaversWeek",
       "--start", "2026-10-26", "--days", "5", cwd=work, env=env)  # fmt: skip
    project = work / "anytown"
    sh(cardgen, "card", "launch", "--format", "twitter", cwd=project, env=env)
    first = time.perf_counter()
    sh(cardgen, "build", cwd=project, env=env)
    manifest = json.loads((project / "out/manifest.json").read_text())
    assert manifest["failed"] == []
    slugs = {"launch", "example-community-hub", "example-home-care"}
    for fmt, size in FORMATS.items():
        for slug in slugs:
            image = Image.open(project / f"out/{fmt}/{slug}.png")
            assert image.size == size and image.convert("RGB").getextrema() != ((0, 0),) * 3
    assert Image.open(project / "out/story/summary.png").size == (1080, 1920)
    assert str(ROOT) not in (project / "out/manifest.json").read_text()
    sh(cardgen, "doctor", cwd=project, env=env)
    print(
        f"\npip install {installed - started:.1f} s; install to first card {first - started:.1f} s"
    )
