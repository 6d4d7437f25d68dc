"""``cardgen doctor``: is this machine and this project ready to make cards?

Checks, in order and each on its own (one failing never stops the others): Python, the cairo
library, fontconfig and FreeType, cardgen's Python packages, the bundled fonts (and whether
fontconfig really finds them), a test render, and the project (as ``cardgen check`` does).
Each finding says what was found and, when something is wrong, how to fix it.

Fonts and the test render are checked in child processes: fontconfig reads its configuration
once per process, so a process that has already measured or drawn text (a test run; the
doctor's own project check) would report on the fonts it started with, not on the folder asked
about, and one broken folder would stay broken for the rest of that process.
"""

from __future__ import annotations

import functools
import json
import os
import platform
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from .cli import project_options
from .errors import CardgenError
from .fonts import FACES, Fonts
from .project import BUILTIN_FONTS, Project, default_fonts_dir, display
from .render import _c_version, _load

MIN_PYTHON = (3, 11)
# distribution -> the module it is imported as
PACKAGES: dict[str, str] = {
    "cairosvg": "cairosvg",
    "cairocffi": "cairocffi",
    "pillow": "PIL",
    "jinja2": "jinja2",
    "click": "click",
    "fonttools": "fontTools",
    "uharfbuzz": "uharfbuzz",  # kerning
    "numpy": "numpy",
    "watchfiles": "watchfiles",
    "isal": "isal",  # PNG compression
    "regex": "regex",
    "icalendar": "icalendar",
    "openpyxl": "openpyxl",
}
TEST_SIZE = (600, 100)
TEST_TEXT = "Hamburg £1.5m"
CHILD_TIMEOUT = 120  # seconds; a first fontconfig cache of a big folder can take a while
MAX_PROBLEMS = 5  # problems shown by the project check; `cardgen check` lists them all
REINSTALL = (
    "reinstall cardgen: `pip install --force-reinstall cardgen` (a checkout: `./dev campaign`)"
)


@dataclass(frozen=True, kw_only=True)
class Finding:
    """What one check found: ``detail`` says what, ``fix`` how to put it right (if not ok)."""

    check: str
    ok: bool
    detail: str
    fix: str = ""


def _macos() -> bool:
    return sys.platform == "darwin"


def _system_fix(debian: str, brew: str) -> str:
    """The command that installs a system library, for this kind of machine."""
    if _macos():
        return f"brew install {brew}"
    return f"sudo apt-get install {debian} (Debian/Ubuntu; on macOS: brew install {brew})"


def _plain(exc: BaseException) -> str:
    """An exception as one plain line: its type and message."""
    if isinstance(exc, CardgenError):
        return "; ".join(str(p) for p in exc.problems)
    message = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {message[0]}" if message else type(exc).__name__


# --- the checks -----------------------------------------------------------------------------


def check_python() -> Finding:
    """Python is recent enough."""
    version = platform.python_version()
    ok = sys.version_info >= MIN_PYTHON
    detail = version if ok else f"{version} is too old: cardgen needs 3.11 or later"
    return Finding(check="python", ok=ok, detail=detail, fix="install Python 3.11 or later")


def check_cairo() -> Finding:
    """The cairo C library loads, and cairocffi can use it."""
    fix = _system_fix("libcairo2", "cairo")
    if _load("libcairo.so.2", "cairo") is None:
        return Finding(check="cairo", ok=False, detail="libcairo.so.2 not found", fix=fix)
    version = _c_version("libcairo.so.2", "cairo", "cairo_version_string")
    try:
        import cairocffi
    except Exception as exc:  # OSError when cairocffi finds no library, ImportError, …
        return Finding(
            check="cairo",
            ok=False,
            detail=f"libcairo {version} loads, but cairocffi does not: {_plain(exc)}",
            fix=f"{fix}; then {REINSTALL}",
        )
    return Finding(
        check="cairo", ok=True, detail=f"libcairo {version}, cairocffi {cairocffi.__version__}"
    )


def check_fontconfig() -> Finding:
    """fontconfig and FreeType load."""
    found, missing = [], []
    for soname, name, symbol in (
        ("libfontconfig.so.1", "fontconfig", "FcGetVersion"),
        ("libfreetype.so.6", "freetype", None),
    ):
        if _load(soname, name) is None:
            missing.append(soname)
        else:
            found.append(f"{name} {_c_version(soname, name, symbol)}")
    fix = _system_fix("libfontconfig1 libfreetype6", "fontconfig freetype")
    if missing:
        return Finding(
            check="fontconfig", ok=False, detail=f"{' and '.join(missing)} not found", fix=fix
        )
    return Finding(check="fontconfig", ok=True, detail=", ".join(found), fix=fix)


def check_packages() -> Finding:
    """cardgen's Python dependencies are installed and import."""
    import importlib
    from importlib.metadata import PackageNotFoundError, version

    found, problems = [], []
    for dist, module in PACKAGES.items():
        try:
            number = version(dist)
        except PackageNotFoundError:
            problems.append(f"{dist} is not installed")
            continue
        try:
            importlib.import_module(module)
        except Exception as exc:
            problems.append(f"{dist} {number} does not import: {_plain(exc)}")
            continue
        found.append(f"{dist} {number}")
    if problems:
        return Finding(check="packages", ok=False, detail="\n".join(problems), fix=REINSTALL)
    return Finding(check="packages", ok=True, detail=", ".join(found))


# How the fonts check asks fontconfig which file a family resolves to. cairosvg draws text with
# cairo's toy API, which (cairo-ft-font.c) builds a fontconfig pattern of the family, slant
# roman and weight MEDIUM (100) or BOLD (200), runs the config and default substitutions and
# takes FcFontMatch's best match. This script asks exactly that, in a fresh process whose
# FONTCONFIG_FILE is the generated config, and prints the file of each match. Comparing those
# with the bundled files is exact, where comparing pixels with a made-up family is not: an
# unknown family falls back to *some* bundled font, which may be the very face asked for.
_FC_MATCH = r"""
import ctypes, ctypes.util, json, sys

try:
    fc = ctypes.CDLL("libfontconfig.so.1")
except OSError:
    fc = ctypes.CDLL(ctypes.util.find_library("fontconfig"))
P = ctypes.c_void_p
fc.FcPatternCreate.restype = P
fc.FcPatternAddString.argtypes = [P, ctypes.c_char_p, ctypes.c_char_p]
fc.FcPatternAddInteger.argtypes = [P, ctypes.c_char_p, ctypes.c_int]
fc.FcConfigSubstitute.argtypes = [P, P, ctypes.c_int]
fc.FcDefaultSubstitute.argtypes = [P]
fc.FcFontMatch.restype = P
fc.FcFontMatch.argtypes = [P, P, ctypes.POINTER(ctypes.c_int)]
fc.FcPatternGetString.argtypes = [P, ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(ctypes.c_char_p)]
fc.FcPatternDestroy.argtypes = [P]
found = []
for family, weight in json.loads(sys.argv[1]):
    pattern = fc.FcPatternCreate()
    fc.FcPatternAddString(pattern, b"family", family.encode())
    fc.FcPatternAddInteger(pattern, b"slant", 0)
    fc.FcPatternAddInteger(pattern, b"weight", 200 if weight == "bold" else 100)
    fc.FcConfigSubstitute(None, pattern, 0)
    fc.FcDefaultSubstitute(pattern)
    result = ctypes.c_int()
    match = fc.FcFontMatch(None, pattern, ctypes.byref(result))
    file = ctypes.c_char_p()
    if match and fc.FcPatternGetString(match, b"file", 0, ctypes.byref(file)) == 0:
        found.append(file.value.decode())
    else:
        found.append(None)
    fc.FcPatternDestroy(pattern)
    if match:
        fc.FcPatternDestroy(match)
print(json.dumps(found))
"""


def _child(script: str, *args: str, env: dict[str, str] | None = None) -> Any:
    """Run a Python snippet in a fresh interpreter; the JSON it prints last, or an error."""
    package_root = str(Path(__file__).resolve().parent.parent)
    child_env = {**os.environ, **(env or {})}
    child_env["PYTHONPATH"] = os.pathsep.join(
        p for p in (package_root, child_env.get("PYTHONPATH")) if p
    )
    try:
        done = subprocess.run(
            [sys.executable, "-c", script, *args],
            capture_output=True,
            text=True,
            env=child_env,
            timeout=CHILD_TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        raise CardgenError(f"gave no answer within {CHILD_TIMEOUT} s") from None
    if done.returncode != 0:
        lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
        why = lines[-1].strip() if lines else f"exit code {done.returncode}"
        kind, sep, message = why.partition(": ")
        if sep and kind.replace(".", "").replace("_", "").isalnum():  # "pkg.mod.Error: …"
            short = kind.rsplit(".", 1)[-1]
            why = message if short == CardgenError.__name__ else f"{short}: {message}"
        if done.returncode < 0:
            why = f"crashed (signal {-done.returncode})"
        raise CardgenError(why)
    return json.loads(done.stdout.strip().splitlines()[-1])


def check_fonts(fonts: Fonts) -> Finding:
    """Every bundled face is there and readable, with its licence, and fontconfig finds it."""
    from fontTools.ttLib import TTFont

    folder = fonts.folder
    shown = display(folder)
    problems: list[str] = []
    for (family, weight), name in FACES.items():
        path = folder / name
        if not path.is_file():
            problems.append(f"{name} is missing ({family}, {weight})")
            continue
        try:
            with TTFont(path, lazy=True) as font:
                if not font.getBestCmap():
                    problems.append(f"{name} maps no characters")
        except Exception as exc:
            problems.append(f"{name} is not a readable font: {_plain(exc)}")
    licences = sorted(folder.glob("*.txt"))
    if not licences:
        problems.append("no licence file (*.txt) beside the fonts")

    library_trouble = False
    files: list[str | None] = []
    wanted = list(FACES)
    try:
        config = fonts.config  # raises if the folder has no fonts at all
    except CardgenError as exc:
        problems.append(_plain(exc))
    else:
        try:
            files = _child(_FC_MATCH, json.dumps(wanted), env={"FONTCONFIG_FILE": str(config)})
        except Exception as exc:
            problems.append(f"cannot ask fontconfig which fonts it finds: {_plain(exc)}")
            library_trouble = True
    for (family, weight), file in zip(wanted, files, strict=False):
        expected = (folder / FACES[family, weight]).resolve()
        if file is None:
            problems.append(f'fontconfig finds no font for "{family}" ({weight})')
        elif Path(file).resolve() != expected:
            problems.append(
                f'fontconfig gives {Path(file).name} for "{family}" ({weight}), not {expected.name}'
            )

    if problems:
        if folder == BUILTIN_FONTS.resolve():
            fix = f"put the bundled font files back in {shown}: {REINSTALL}"
        else:  # CARDGEN_FONTS names another folder
            fix = f"add the missing files to {shown}, or unset CARDGEN_FONTS"
        if library_trouble:
            fix = f"{_system_fix('libfontconfig1', 'fontconfig')}; {fix}"
        return Finding(check="fonts", ok=False, detail=f"{shown}:\n" + "\n".join(problems), fix=fix)
    families = sorted({family for family, _ in FACES})
    return Finding(
        check="fonts",
        ok=True,
        detail=f"{len(FACES)} faces in {shown} ({', '.join(families)}), "
        f"licence {', '.join(p.name for p in licences)}; fontconfig finds each",
    )


# The test render, in a fresh process (see the module docstring): the bundled family, black on
# white, then how many dark pixels are where the text is and outside it, and how long it took.
_RENDER = r"""
import json, sys, time
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from cardgen.fonts import Fonts
from cardgen.render import draw

folder, family, text, width, height = sys.argv[1:6]
width, height = int(width), int(height)
svg = (
    f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}">'
    f'<text x="20" y="{height * 0.7:g}" font-family={quoteattr(family)} '
    f'font-size="{height * 0.5:g}" fill="#000">{escape(text)}</text></svg>'
).encode()
fonts = Fonts(Path(folder))
start = time.perf_counter()
image = draw(svg, width, height, fonts)
ms = (time.perf_counter() - start) * 1000
gray = image.convert("L")
band = (0, int(height * 0.1), width, height)  # where the text may be
dark = lambda box: sum(gray.crop(box).histogram()[:128])
ink = dark(band)
stray = dark((0, 0, width, band[1]))
print(json.dumps({"ms": ms, "ink": ink, "stray": stray}))
"""


def check_render(fonts: Fonts) -> Finding:
    """A small card with text draws, with ink where the text is."""
    width, height = TEST_SIZE
    family = next(iter(FACES))[0]
    fix = f"see the cairo, fontconfig and fonts findings above; {REINSTALL}"
    try:
        result = _child(_RENDER, str(fonts.folder), family, TEST_TEXT, str(width), str(height))
    except Exception as exc:
        return Finding(check="render", ok=False, detail=f"cannot draw: {_plain(exc)}", fix=fix)
    size = f"{width}×{height}"
    if result["ink"] < 100 or result["stray"]:  # the text covers thousands of pixels
        return Finding(
            check="render",
            ok=False,
            detail=f"the {size} test card has {result['ink']} dark pixels where its text is "
            f"and {result['stray']} where nothing is: the text did not draw",
            fix=fix,
        )
    return Finding(
        check="render", ok=True, detail=f"drew a {size} test card in {result['ms']:.0f} ms"
    )


NO_PROJECT_FIX = "run `cardgen new FOLDER`, or `cd` into a project (or give --cases DIR)"


def check_project(project: Project | None, project_problem: str | None) -> Finding:
    """The project's cases, campaign and templates pass `cardgen check`."""
    from .build import check

    if project is None:
        detail = project_problem or "no project"
        return Finding(check="project", ok=False, detail=detail, fix=NO_PROJECT_FIX)
    where = project.display(project.cases_dir)
    try:
        problems, warnings, checked = check(project)
    except CardgenError as exc:  # no campaign, or one that cannot be read: nothing to check
        problems, warnings, checked = exc.problems, [], 0
    except Exception as exc:  # a broken machine (fonts, cairo) stops the check itself
        return Finding(
            check="project",
            ok=False,
            detail=f"{where}: cannot check: {_plain(exc)}",
            fix="fix the findings above first, then run `cardgen check`",
        )
    if problems:
        lines = list(dict.fromkeys(str(p) for p in problems))  # a template's shows per card
        shown = lines[:MAX_PROBLEMS]
        more = f"\n… and {len(lines) - len(shown)} more" if len(lines) > len(shown) else ""
        count = f"{len(lines)} problem{'s' * (len(lines) != 1)}"
        return Finding(
            check="project",
            ok=False,
            detail=f"{where}: {count}:\n" + "\n".join(shown) + more,
            fix="see `cardgen check`",
        )
    note = f"; {len(warnings)} warning{'s' * (len(warnings) != 1)} (see `cardgen check`)"
    return Finding(
        check="project",
        ok=True,
        detail=f"{where}: {checked} cards checked" + (note if warnings else ""),
    )


def _isolated(name: str, fix: str, run: Callable[[], Finding]) -> Finding:
    """Run one check; whatever it raises becomes its failed finding."""
    try:
        return run()
    except Exception as exc:
        return Finding(check=name, ok=False, detail=_plain(exc), fix=fix)


def diagnose(project: Project | None, project_problem: str | None = None) -> list[Finding]:
    """Every check, in order; ``project_problem`` says why there is no project, if none."""
    try:
        fonts = project.fonts if project is not None else Fonts(default_fonts_dir())
    except Exception:  # a broken project still gets its machine checked
        fonts = Fonts(default_fonts_dir())
    return [
        _isolated("python", "install Python 3.11 or later", check_python),
        _isolated("cairo", _system_fix("libcairo2", "cairo"), check_cairo),
        _isolated(
            "fontconfig",
            _system_fix("libfontconfig1 libfreetype6", "fontconfig freetype"),
            check_fontconfig,
        ),
        _isolated("packages", REINSTALL, check_packages),
        _isolated("fonts", REINSTALL, functools.partial(check_fonts, fonts)),
        _isolated("render", REINSTALL, functools.partial(check_render, fonts)),
        _isolated(
            "project",
            "see `cardgen check`",
            functools.partial(check_project, project, project_problem),
        ),
    ]


def print_report(findings: list[Finding], echo: Callable[[str], object]) -> int:
    """Print each finding (and the fix of each failure) and a summary; the exit code."""
    indent = " " * 6
    for finding in findings:
        first, *rest = finding.detail.splitlines() or [""]
        echo(f"{'ok' if finding.ok else 'FAIL':<6}{finding.check}: {first}")
        for line in rest:
            echo(f"{indent}  {line}")
        if not finding.ok and finding.fix:
            echo(f"{indent}fix: {finding.fix}")
    failed = sum(not f.ok for f in findings)
    total = len(findings)
    if failed:
        echo(f"{failed} of {total} check{'s' * (total != 1)} failed")
        return 1
    echo(f"{total} check{'s' * (total != 1)} passed")
    return 0


class _DoctorCommand(click.Command):
    """A command whose project may not open: the doctor still examines the machine and
    reports why as its project finding (the shared project options raise the error before
    the command's body runs; the body itself raises none, every check being isolated)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CardgenError as exc:
            sys.exit(print_report(diagnose(None, _plain(exc)), click.echo))


@click.command("doctor", cls=_DoctorCommand)
@project_options
def doctor_cmd(project: Project) -> None:
    """Check that this machine and this project can make cards, and say how to fix what
    cannot.

    Checks Python, the cairo, fontconfig and FreeType libraries, cardgen's Python packages,
    the bundled fonts (and that fontconfig finds them), a test render and the project's cases,
    campaign and templates (as `cardgen check` does). Exits 1 if anything is wrong.

    \b
    Examples:
      cardgen doctor
      cardgen doctor --cases other-campaign/
    """
    sys.exit(print_report(diagnose(project), click.echo))


if __name__ == "__main__":
    doctor_cmd(prog_name="cardgen doctor")
