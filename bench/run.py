"""cardgen's benchmark: start-up, per-card render cost, the cold campaign against bare svg2png,
CLI builds, a 1,000-card campaign, the PNG encoder, and where a cold build spends its time.

    python bench/run.py [--quick] [--json PATH]
                        [--only startup,render,campaign,builds,synthetic,encoder,profile]

Prints a table per section, then the targets with PASS/MISS, and writes every figure to JSON
(default bench/results.json). Nothing asserts on timings: the exit code is 0 unless the
benchmark itself breaks. See bench/README.md for what each section measures and why.
"""

from __future__ import annotations

import argparse
import functools
import io
import json
import math
import os
import platform
import pstats
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import cairosvg  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from cardgen import render  # noqa: E402
from cardgen.card import prepare  # noqa: E402
from cardgen.model import case_paths  # noqa: E402
from cardgen.plan import Job, plan  # noqa: E402
from cardgen.project import BUILTIN_TEMPLATES, Project  # noqa: E402

CASES_DIR = ROOT / "cases"
BARE_POOL = ROOT / "bench" / "svg2png_pool.py"
SECTIONS = (
    "startup",
    "render",
    "campaign",
    "builds",
    "photos",
    "synthetic",
    "encoder",
    "compare",
    "profile",
)
SUMMARY_LINE = re.compile(r"(\d+) cards: (\d+) rendered, (\d+) unchanged, (\d+) failed in ([\d.]+)")
SYNTHETIC_CARDS = 1000
TARGETS = {  # (what, limit, unit); memory must stay strictly below its limit
    "startup_help": ("`cardgen --help` − `python -c pass`", 0.1, "s"),
    "startup_list": ("`cardgen list` − `python -c pass`", 0.1, "s"),
    "ratio": ("per-card render_png / svg2png", 0.7, "×"),
    "campaign_j1": ("cold campaign / bare svg2png pool, 1 process", 1.0, "×"),
    "campaign_j2": ("cold campaign / bare svg2png pool, 2 processes", 1.0, "×"),
    "cold": ("full campaign, cold, --jobs 2", 2.0, "s"),
    "nochange": ("no-change rebuild, --jobs 2", 0.3, "s"),
    "case_edit": ("one case edited, --jobs 2", 0.5, "s"),
    "photos": ("cold campaign, a photo on every case / none, --jobs 2", 1.5, "×"),
    "synthetic_wall": (f"{SYNTHETIC_CARDS:,} synthetic cards, --jobs 2: wall", 25.0, "s"),
    "synthetic_memory": (f"{SYNTHETIC_CARDS:,} synthetic cards: peak Σ RSS", 400.0, "MB"),
}


# --- helpers ---------------------------------------------------------------------------------


def median(values: Sequence[float]) -> float:
    """The median, or NaN for no values."""
    return statistics.median(values) if values else float("nan")


def spread(values: Sequence[float]) -> str:
    """``min–max`` of some seconds, or ``-`` for none."""
    return f"{min(values):.2f}–{max(values):.2f}" if values else "-"


def table(columns: dict[str, str], records: Sequence[dict[str, Any]]) -> str:
    """An aligned text table: per column a header and a format spec filled from each record."""
    blank = [defaultdict(lambda: math.nan, r) for r in records]  # a missing figure shows as nan
    cells = [list(columns), *([f.format_map(r) for f in columns.values()] for r in blank)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(columns))]

    def line(row: list[str]) -> str:
        first, *rest = row
        return "  ".join([first.ljust(widths[0]), *map(str.rjust, rest, widths[1:])]).rstrip()

    return "\n".join([line(cells[0]), "  ".join("-" * w for w in widths), *map(line, cells[1:])])


def heading(text: str) -> None:
    """A section heading."""
    print(f"\n== {text} " + "=" * max(0, 86 - len(text)), flush=True)


def verdict(value: float | None, limit: float, strictly_below: bool = False) -> str:
    """PASS or MISS against a limit; n/a when nothing was measured."""
    if value is None or math.isnan(value):
        return "n/a"
    return "PASS" if (value < limit if strictly_below else value <= limit) else "MISS"


# Children (the CLI, the bare interpreter, the svg2png pool) run with bytecode caching on, as
# real installs do: this environment sets PYTHONDONTWRITEBYTECODE=1, with which every run
# would compile cardgen's modules afresh. Their .pyc files go to a folder of this run
# (PYTHONPYCACHEPREFIX, set by main), so the checkout is left untouched; warm_up() fills it.
PYCACHE: list[Path] = []


def child_env(bytecode: bool = True) -> dict[str, str]:
    """The environment of a measured child: bytecode cached (default), or as this one's."""
    env = dict(os.environ)
    if bytecode:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        if PYCACHE:
            env["PYTHONPYCACHEPREFIX"] = str(PYCACHE[0])
    return env


def warm_up(formats: list[str], tmp: Path) -> None:
    """Run each kind of measured child once, unmeasured, so its .pyc files exist."""
    print("warming the children's bytecode cache …", flush=True)
    for command in startup_commands().values():
        run_child(command)
    out = tmp / "warm-up"
    run_cli(build_args(CASES_DIR, out, 2, formats))  # a pool: the workers' imports too
    shutil.rmtree(out, ignore_errors=True)
    run_child([sys.executable, "-c", "import cairosvg, cardgen.project, concurrent.futures"])


def cardgen_command() -> list[str]:
    """The installed `cardgen` script next to this interpreter, else ``python -m cardgen``."""
    script = Path(sys.executable).parent / "cardgen"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "cardgen"]


def cpu_snapshot() -> tuple[float, float, float] | None:
    """(wall, busy CPU seconds machine-wide, CPU seconds of this process and its children)."""
    try:
        with open("/proc/stat", encoding="ascii") as handle:
            jiffies = [int(v) for v in handle.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    busy = (sum(jiffies) - jiffies[3] - jiffies[4]) / os.sysconf("SC_CLK_TCK")  # not idle
    t = os.times()
    return time.perf_counter(), busy, t.user + t.system + t.children_user + t.children_system


def other_load(start: tuple[float, float, float] | None) -> float | None:
    """Print and return the average cores other processes kept busy since ``start``."""
    end = cpu_snapshot()
    if start is None or end is None or end[0] <= start[0]:
        return None
    cores = max(0.0, ((end[1] - start[1]) - (end[2] - start[2])) / (end[0] - start[0]))
    note = "  (figures disturbed: rerun on an idle machine)" if cores > 0.15 else ""
    print(f"other processes kept {cores:.2f} of {os.cpu_count()} CPUs busy meanwhile{note}")
    return cores


def shipped_project() -> Project:
    """A fresh project of the shipped cases and templates: nothing cached yet."""
    return Project.open(cases=CASES_DIR)


def usable_formats() -> tuple[list[str], dict[str, str]]:
    """Formats in formats.toml whose templates all exist (a designer may still be drawing some)."""
    usable, skipped = [], {}
    project = shipped_project()
    for name, fmt in project.formats.items():
        missing = [f"{k}.{name}.svg" for k in fmt.kinds]
        missing = [m for m in missing if not project.templates.path(m).is_file()]
        if missing:
            skipped[name] = "missing " + ", ".join(missing)
        else:
            usable.append(name)
    return usable, skipped


def case_files(folder: Path) -> list[Path]:
    """The case files of a cases folder, sorted, as cardgen finds them."""
    return case_paths(folder)


def shipped_cards(project: Project, formats: list[str], per_format: int | None) -> list[Job]:
    """The shipped campaign's cards, all or ``per_format`` spread evenly over each format."""
    jobs = plan(project, formats=formats).jobs
    chosen = []
    for name in formats:
        mine = [j for j in jobs if j.format == name]
        if per_format is not None and len(mine) > per_format:
            mine = [mine[i * len(mine) // per_format] for i in range(per_format)]
        chosen += mine
    return chosen


def time_steps(steps: dict[str, Callable[[], Any]], reps: int) -> dict[str, float]:
    """Median seconds of each step: one warm-up, then ``reps`` rounds in alternating order."""
    for step in steps.values():
        step()
    samples: dict[str, list[float]] = {name: [] for name in steps}
    order = list(steps.items())
    for rep in range(reps):
        for name, step in order if rep % 2 == 0 else reversed(order):
            t0 = time.perf_counter()
            step()
            samples[name].append(time.perf_counter() - t0)
    return {name: median(values) for name, values in samples.items()}


def decode_rgb(png: bytes) -> np.ndarray:
    """A PNG's pixels as RGB, any alpha composited over white (as cardgen paints)."""
    image = Image.open(io.BytesIO(png))
    if image.mode not in ("RGBA", "LA") and "transparency" not in image.info:
        return np.asarray(image.convert("RGB"))
    rgba = np.asarray(image.convert("RGBA")).astype(np.uint32)
    rgb, alpha = rgba[..., :3], rgba[..., 3:]
    return ((rgb * alpha + 255 * (255 - alpha) + 127) // 255).astype(np.uint8)


def prepare_cold(job: Job, project: Project) -> bytes:
    """fill + fit + contrast check, with the contrast check's background cache emptied first."""
    project.cached("contrast").clear()  # a cold build draws each background once
    return prepare(job, project).svg


# --- per-card render cost --------------------------------------------------------------------

STEPS = ("render_png", "svg2png", "draw", "encode", "prepare")


def time_card(job: Job, project: Project, reps: int) -> dict[str, Any]:
    """One card's step medians in ms, and how its pixels compare with bare svg2png's."""
    fmt = project.formats[job.format]
    w, h, fonts = fmt.width, fmt.height, project.fonts
    svg = prepare_cold(job, project)
    image = render.draw(svg, w, h, fonts)

    def bare() -> bytes:
        return cairosvg.svg2png(bytestring=svg, output_width=w, output_height=h)

    steps = {
        "render_png": lambda: render.render_png(svg, w, h, fonts),
        "svg2png": bare,
        "draw": lambda: render.draw(svg, w, h, fonts),
        "encode": lambda: render.encode_png(image),
        "prepare": lambda: prepare_cold(job, project),
    }
    card = {"format": job.format, "slug": job.slug}
    card |= {f"{k}_ms": 1000 * v for k, v in time_steps(steps, reps).items()}
    ours, theirs = decode_rgb(render.render_png(svg, w, h, fonts)), decode_rgb(bare())
    if ours.shape != theirs.shape:
        return card | {"max_delta": 255, "differing_pixels": w * h}
    delta = np.abs(ours.astype(np.int16) - theirs.astype(np.int16)).max(axis=2)
    return card | {"max_delta": int(delta.max()), "differing_pixels": int(np.count_nonzero(delta))}


def summarise_cards(name: str, cards: list[dict[str, Any]]) -> dict[str, Any]:
    """Medians per step, the Σ ratio and the pixel comparison over a group of cards."""
    out: dict[str, Any] = {"name": name, "cards": len(cards)}
    out |= {f"{k}_ms": median([c[f"{k}_ms"] for c in cards]) for k in STEPS}
    out["ratio"] = sum(c["render_png_ms"] for c in cards) / sum(c["svg2png_ms"] for c in cards)
    out["identical_cards"] = sum(c["differing_pixels"] == 0 for c in cards)
    out["differing_pixels"] = sum(c["differing_pixels"] for c in cards)
    out["max_delta"] = max(c["max_delta"] for c in cards)
    return out


def bench_render(formats: list[str], reps: int, per_format: int | None) -> dict[str, Any]:
    """Section 1: cardgen's render_png against bare cairosvg.svg2png on the same filled SVGs."""
    heading("Per card: cardgen render_png vs bare cairosvg.svg2png (same filled SVGs)")
    project = shipped_project()
    cards = [time_card(job, project, reps) for job in shipped_cards(project, formats, per_format)]
    groups = [summarise_cards(n, [c for c in cards if c["format"] == n]) for n in formats]
    overall = summarise_cards("all", cards)
    columns = {"format": "{name}", "cards": "{cards}", "ratio": "{ratio:.2f}"}
    columns |= {step: f"{{{step}_ms:.1f}}" for step in STEPS}
    columns |= {"identical": "{identical_cards}/{cards}", "Δ pixels": "{differing_pixels}"}
    print(f"medians of {reps} repetitions per card, ms; ratio = Σ render_png / Σ svg2png")
    print(table(columns | {"max Δ": "{max_delta}"}, [*groups, overall]))
    print(
        "render_png = draw (cairosvg onto white, pixels into a Pillow RGB image) + encode\n"
        "(cardgen's zlib PNG writer); prepare = fill + fit + contrast check (its background "
        "drawn\nafresh, as in a cold build); identical, Δ: render_png's decoded pixels against "
        "svg2png's\n(composited over white)."
    )
    return {"reps": reps, "formats": groups, "overall": overall, "cards": cards}


# --- CLI runs and process-tree memory --------------------------------------------------------

OWN_CMDLINE = Path("/proc/self/cmdline").read_bytes() if Path("/proc/self").exists() else b""


def proc_kb(path: str, field: str) -> int:
    """A ``Field:   123 kB`` line of a /proc file, in kB."""
    found = re.search(rf"(?m)^{field}:\s+(\d+)", Path(path).read_text())
    if found is None:
        raise ValueError(f"no {field} in {path}")
    return int(found.group(1))


def tree_memory(root: int) -> tuple[int, int, int]:
    """(Σ RSS kB, Σ PSS kB, processes) over a process and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(entry.path, "stat").read_bytes()
            except OSError:
                continue
            ppid = int(stat.rsplit(b")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
    rss = pss = count = 0
    todo = [root]
    while todo:
        pid = todo.pop()
        todo += children.get(pid, [])
        try:
            if Path(f"/proc/{pid}/cmdline").read_bytes() == OWN_CMDLINE:
                continue  # between fork and exec it still shows the benchmark's own pages
            own_rss = proc_kb(f"/proc/{pid}/status", "VmRSS")
            own_pss = proc_kb(f"/proc/{pid}/smaps_rollup", "Pss")
        except (OSError, ValueError):
            continue  # gone, or a zombie without memory
        rss, pss, count = rss + own_rss, pss + own_pss, count + 1
    return rss, pss, count


class TreeSampler(threading.Thread):
    """Samples a process tree's memory every ``every`` seconds; keeps the largest Σ RSS.

    Not ru_maxrss: on Linux a child spawned by this process starts with this process's
    high-water mark (exec carries it over), so it reports the benchmark's own size.
    """

    def __init__(self, root: int, every: float) -> None:
        super().__init__(daemon=True)
        self.root, self.every, self.done = root, every, threading.Event()
        self.peak, self.samples = (0, 0, 0), 0  # (Σ RSS kB, Σ PSS kB then, processes)

    def run(self) -> None:
        """Sample until stopped."""
        while not self.done.is_set():
            sample = tree_memory(self.root)
            self.samples += 1
            self.peak = max(self.peak, sample)
            self.done.wait(self.every)
        self.cpu_s = time.thread_time()  # what sampling cost this process


def children_cpu() -> float:
    """CPU seconds of this process's reaped children (and theirs), user + system."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_child(
    command: list[str], sample_every: float | None = None, bytecode: bool = True
) -> tuple[dict[str, Any], str, str]:
    """Run a command in the checkout: (wall clock from spawn to exit, the CPU seconds of its
    process tree, its exit code, optionally memory; stdout; stderr)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        cpu0 = children_cpu()
        t0 = time.perf_counter()
        proc = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=err, env=child_env(bytecode))
        sampler = TreeSampler(proc.pid, sample_every) if sample_every else None
        if sampler:
            sampler.start()
        code = proc.wait()
        wall = time.perf_counter() - t0
        cpu = children_cpu() - cpu0  # the pool's workers are reaped by the child: included
        if sampler:
            sampler.done.set()
            sampler.join()
        out.seek(0), err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    result: dict[str, Any] = {"wall_s": wall, "cpu_s": cpu, "exit": code}
    if code != 0:
        result["problems"] = (stderr.strip().splitlines()[-3:] + stdout.strip().splitlines())[:5]
    if sampler:
        rss, pss, processes = sampler.peak
        result |= {"peak_rss_mb": rss / 1024, "pss_at_peak_mb": pss / 1024, "processes": processes}
        result |= {"samples": sampler.samples, "sampler_cpu_s": sampler.cpu_s}
    return result, stdout, stderr


def run_cli(args: list[str], sample_every: float | None = None) -> dict[str, Any]:
    """Run `cardgen ARGS`: wall clock from spawn to exit, the summary line, optionally memory."""
    result, stdout, stderr = run_child([*cardgen_command(), *args], sample_every)
    code = result["exit"]
    if found := SUMMARY_LINE.search(stdout):
        counts = map(int, found.groups()[:4])
        result |= dict(zip(("cards", "rendered", "unchanged", "failed"), counts, strict=True))
        result["internal_s"] = float(found.group(5))
    if code != 0 or not found:
        result["problems"] = (stderr.strip().splitlines() + stdout.strip().splitlines())[:5]
    return result


def build_args(
    cases: Path, out: Path, jobs: int, formats: list[str], tmpl: Path | None = None
) -> list[str]:
    """`cardgen build` arguments for a folder of cases, an out folder and the formats."""
    args = ["build", "--cases", str(cases), "--out", str(out), "--jobs", str(jobs), "--quiet"]
    args += ["--templates", str(tmpl)] if tmpl else []
    return args + [arg for name in formats for arg in ("--format", name)]


def print_problems(runs: list[dict[str, Any]]) -> None:
    """The first lines of stderr of runs that failed or printed no summary line."""
    for run in runs:
        for line in run.get("problems", [])[:3]:
            print(f"  {run.get('build', run.get('cards'))}: {line}")


# --- CLI start-up ----------------------------------------------------------------------------


def startup_commands() -> dict[str, list[str]]:
    """The commands whose start-up is measured, the bare interpreter first."""
    cardgen = cardgen_command()
    return {
        "python -c pass": [sys.executable, "-c", "pass"],
        "cardgen --help": [*cardgen, "--help"],
        "cardgen list": [*cardgen, "list"],
        "cardgen build --help": [*cardgen, "build", "--help"],
    }


def bench_startup(reps: int) -> dict[str, Any]:
    """CLI start-up: wall time of short commands against the bare interpreter's."""
    heading("CLI start-up: wall clock from spawn to exit, against the bare interpreter")
    commands = startup_commands()
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in commands}
    order = list(commands.items())
    for rep in range(reps):  # rotated: no command always runs right after the same one
        for name, command in order[rep % len(order) :] + order[: rep % len(order)]:
            runs[name].append(run_child(command)[0])
    rows = []
    for name, mine in runs.items():
        walls = [r["wall_s"] for r in mine]
        rows.append(
            {
                "command": name,
                "wall_s": median(walls),
                "spread": f"{1000 * min(walls):.0f}–{1000 * max(walls):.0f}",
                "cpu_s": median([r["cpu_s"] for r in mine]),
                "exit": ",".join(sorted({str(r["exit"]) for r in mine})),
                "problems": [line for r in mine for line in r.get("problems", [])][:3],
                "runs": mine,
            }
        )
    bare = rows[0]["wall_s"]
    for row in rows:
        row["extra_s"] = row["wall_s"] - bare
        row |= {"wall_ms": 1000 * row["wall_s"], "extra_ms": 1000 * row["extra_s"]}
        row["cpu_ms"] = 1000 * row["cpu_s"]
    print(f"medians of {reps} runs each (rotating order), in /work/main with cases/; ms")
    columns = {"command": "{command}", "wall": "{wall_ms:.0f}", "min–max": "{spread}"}
    columns |= {"− bare": "{extra_ms:+.0f}", "CPU": "{cpu_ms:.0f}", "exit": "{exit}"}
    print(table(columns, rows))
    print(
        "Children run without PYTHONDONTWRITEBYTECODE (this environment sets it, which makes "
        "every run\ncompile cardgen's modules afresh; real installs write bytecode), their .pyc "
        "files cached in a\nfolder of this run (PYTHONPYCACHEPREFIX), warmed once before "
        "measuring. − bare: median minus\n`python -c pass`'s. Target: --help and list within "
        "100 ms of the bare interpreter."
    )
    for row in rows:
        for line in row["problems"]:
            print(f"  {row['command']} (exit {row['exit']}): {line}")
    return {"reps": reps, "commands": rows}


# --- the cold campaign against bare svg2png --------------------------------------------------


def filled_svgs(formats: list[str], folder: Path) -> list[dict[str, Any]]:
    """Every card's final filled SVG (prepare), written to ``folder``: the bare pool's input."""
    project = shipped_project()
    folder.mkdir(parents=True)
    items = []
    for i, job in enumerate(plan(project, formats=formats).jobs):
        fmt = project.formats[job.format]
        path = folder / f"{i:03d}-{job.format}-{job.slug}.svg"
        path.write_bytes(prepare(job, project).svg)
        items.append({"svg": str(path), "png": job.path, "width": fmt.width, "height": fmt.height})
    return items


def cold_cardgen(formats: list[str], processes: int, out: Path) -> dict[str, Any]:
    """`cardgen build --force --jobs N` into a fresh out folder (removed afterwards)."""
    result = run_cli([*build_args(CASES_DIR, out, processes, formats), "--force"])
    shutil.rmtree(out, ignore_errors=True)
    return result


def cold_bare(listing: Path, processes: int, out: Path) -> dict[str, Any]:
    """bench/svg2png_pool.py: bare svg2png of the listed SVGs in a fresh pool of N processes."""
    command = [sys.executable, str(BARE_POOL), str(listing), str(out), str(processes)]
    result, stdout, _ = run_child(command)
    found = re.search(r"(\d+) written", stdout)
    shutil.rmtree(out, ignore_errors=True)
    return result | {"written": int(found.group(1)) if found else 0}


def bench_campaign(formats: list[str], reps: int, tmp: Path) -> dict[str, Any]:
    """The cold campaign through the CLI against bare svg2png of its SVGs, on N processes."""
    heading("Cold campaign vs bare cairosvg.svg2png of the same SVGs, same number of processes")
    items = filled_svgs(formats, tmp / "campaign-svgs")
    listing = tmp / "campaign-svgs.json"
    listing.write_text(json.dumps(items), encoding="utf-8")
    results: dict[str, Any] = {"cards": len(items), "reps": reps}
    rows = []
    for n in (1, 2):
        ours: list[dict[str, Any]] = []
        bare: list[dict[str, Any]] = []
        for rep in range(reps):  # interleaved, alternating which goes first
            runs = [
                lambda: ours.append(cold_cardgen(formats, n, tmp / "campaign-out")),  # noqa: B023
                lambda: bare.append(cold_bare(listing, n, tmp / "campaign-bare")),  # noqa: B023
            ]
            for run in runs if rep % 2 == 0 else reversed(runs):
                run()
        # Only complete runs are timed: every card made, nothing failed (a broken run is fast).
        good = [r for r in ours if r.get("rendered") == len(items) and r.get("failed") == 0]
        done = [r for r in bare if r["exit"] == 0 and r["written"] == len(items)]
        row = {
            "processes": n,
            "ok": f"{len(good)}/{len(ours)}",
            "cardgen_s": median([r["wall_s"] for r in good]),
            "cardgen_spread": spread([r["wall_s"] for r in good]),
            "cardgen_cpu_s": median([r["cpu_s"] for r in good]),
            "rendered": ",".join(sorted({str(r.get("rendered", "?")) for r in ours})),
            "failed": ",".join(sorted({str(r.get("failed", "?")) for r in ours})),
            "bare_ok": f"{len(done)}/{len(bare)}",
            "bare_s": median([r["wall_s"] for r in done]),
            "bare_spread": spread([r["wall_s"] for r in done]),
            "bare_cpu_s": median([r["cpu_s"] for r in done]),
            "written": ",".join(sorted({str(r["written"]) for r in bare})),
            "problems": [line for r in ours + bare for line in r.get("problems", [])][:5],
        }
        row["ratio"] = row["cardgen_s"] / row["bare_s"]
        row["cpu_ratio"] = row["cardgen_cpu_s"] / row["bare_cpu_s"]
        rows.append(row)
        results[f"jobs{n}"] = row | {"cardgen_runs": ours, "bare_runs": bare}
    runs = f"{reps} run{'s' * (reps != 1)} each"
    print(f"{len(items)} cards ({', '.join(formats)}); medians of {runs} (interleaved), seconds")
    columns = {"processes": "{processes}", "ok": "{ok}", "cardgen": "{cardgen_s:.2f}"}
    columns |= {"min–max": "{cardgen_spread}", "CPU": "{cardgen_cpu_s:.2f}"}
    columns |= {"rendered": "{rendered}", "ok ": "{bare_ok}", "bare svg2png": "{bare_s:.2f}"}
    columns |= {"min–max ": "{bare_spread}", "CPU ": "{bare_cpu_s:.2f}", "written": "{written}"}
    columns |= {"ratio": "{ratio:.2f}", "CPU ratio": "{cpu_ratio:.2f}"}
    print(table(columns, rows))
    print(
        "cardgen: `cardgen build --force --jobs N` into a fresh out folder. bare svg2png: "
        "bench/svg2png_pool.py,\n`cairosvg.svg2png(bytestring=…, write_to=…, output_width=…, "
        "output_height=…)` of the very same final\nSVGs (card.prepare, written to files "
        "beforehand) in a fresh fork pool of N processes, each one\npointed at the bundled "
        "fonts first. Both are child processes: wall clock from spawn to exit,\nstart-up "
        "included; CPU = the process tree's user + system seconds. ratio = cardgen ÷ bare "
        "(target ≤ 1).\nok: runs that made every card; only they are timed."
    )
    print_problems([{"build": f"--jobs {r['processes']}"} | r for r in rows])
    return results


# --- photos -----------------------------------------------------------------------------------

PHOTO_FIELDS = re.compile(r"^(# A stand-in photo.*|photo\w* = .*)\n", re.MULTILINE)


def photo_campaigns(tmp: Path) -> tuple[Path, Path]:
    """Two projects holding the shipped cases, sign-off off: one with no photo at all, one
    with a photo of its own on every case (a different crop or mirror image of a shipped
    photo for each, so that no two cases share a photo: each is decoded and cropped)."""
    folders = []
    photos = sorted((ROOT / "assets").glob("*.jpg"))
    for name, with_photos in (("photos-none", False), ("photos-every", True)):
        folder = tmp / name
        shutil.copytree(CASES_DIR, folder / "cases")
        (folder / "cases" / "approvals.toml").unlink(missing_ok=True)
        campaign = folder / "cases" / "campaign.toml"
        campaign.write_text(campaign.read_text().replace("required = true", "required = false"))
        (folder / "assets").mkdir()
        for i, path in enumerate(case_files(folder / "cases")):
            text = PHOTO_FIELDS.sub("", path.read_text(encoding="utf-8"))
            if with_photos:
                with Image.open(photos[i % len(photos)]) as image:
                    variant = image.convert("RGB")
                if i // len(photos) % 2:
                    variant = variant.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
                cut = i // (2 * len(photos)) * 40
                variant = variant.crop((cut, cut // 2, variant.width - cut, variant.height))
                variant.save(folder / "assets" / f"photo-{i}.jpg", quality=85)
                fields = f'photo = "photo-{i}.jpg"\nphoto_alt = "A stand-in photo"\n'
                fields += 'photo_credit = "A. Photographer"\n'
                text = fields + text
            path.write_text(text, encoding="utf-8")
        folders.append(folder)
    return folders[0], folders[1]


def bench_photos(formats: list[str], reps: int, tmp: Path) -> dict[str, Any]:
    """Cold builds of the shipped campaign with a photo on every case (each its own) against
    none."""
    heading("A photo on every case vs none: cold `cardgen build --force --jobs 2`")
    none, every = photo_campaigns(tmp)
    runs: dict[str, list[dict[str, Any]]] = {"none": [], "every": []}
    for rep in range(reps):  # interleaved, alternating which goes first
        order = [("none", none), ("every", every)]
        for key, folder in order if rep % 2 == 0 else reversed(order):
            out = tmp / f"photos-out-{key}"
            args = ["build", "--project", str(folder), "--out", str(out), "--jobs", "2"]
            args += ["--quiet", "--force", *(a for f in formats for a in ("--format", f))]
            runs[key].append(run_cli(args))
            shutil.rmtree(out, ignore_errors=True)
    rows = []
    for key, label in (("none", "no photos"), ("every", "a photo on every case")):
        good = [r for r in runs[key] if r.get("failed") == 0 and r.get("rendered")]
        rows.append(
            {
                "build": label,
                "ok": f"{len(good)}/{len(runs[key])}",
                "cards": ",".join(sorted({str(r.get("cards", "?")) for r in runs[key]})),
                "wall_s": median([r["wall_s"] for r in good]),
                "spread": spread([r["wall_s"] for r in good]),
                "cpu_s": median([r["cpu_s"] for r in good]),
                "problems": [line for r in runs[key] for line in r.get("problems", [])][:5],
            }
        )
    ratio = rows[1]["wall_s"] / rows[0]["wall_s"]
    print(f"medians of {reps} run{'s' * (reps != 1)} each (interleaved), seconds")
    columns = {"build": "{build}", "ok": "{ok}", "cards": "{cards}", "wall": "{wall_s:.2f}"}
    print(table(columns | {"min–max": "{spread}", "CPU": "{cpu_s:.2f}"}, rows))
    print(f"ratio (photos ÷ none): {ratio:.2f} (target ≤ 1.5)")
    print_problems(rows)
    return {"rows": rows, "ratio": ratio, "runs": runs}


# --- builds through the CLI ------------------------------------------------------------------


def summarise_runs(label: str, expected: str, runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Median wall time of repeated CLI runs, with what they re-rendered.

    Runs that printed no summary line (cardgen broke) are left out of the times and counted.
    """
    good = [r for r in runs if "cards" in r]
    walls = [r["wall_s"] for r in good]
    return {
        "build": label,
        "wall_s": median(walls),
        "spread": f"{min(walls):.3f}–{max(walls):.3f}" if walls else "-",
        "ok": f"{len(good)}/{len(runs)}",
        "internal_s": median([r["internal_s"] for r in good]),
        "cards": good[-1]["cards"] if good else "?",
        "rendered": ",".join(sorted({str(r["rendered"]) for r in good})) or "?",
        "expected": expected,
        "failed": max((r["failed"] for r in good), default="?"),
        "problems": [line for r in runs for line in r.get("problems", [])][:5],
        "runs": runs,
    }


def nudge_colour(path: Path, run: int) -> str:
    """Edit a template the way a designer does (every run a new edit): its top band one pixel
    taller or back, so that every card made from it is drawn again."""
    text = path.read_text(encoding="utf-8")
    found = re.search(r'(id="top-band"[^>]*?height=")(\d+)"', text)
    if not found:
        raise RuntimeError(f"no top band in {path}")
    old = int(found.group(2))
    new = old + (1 if run % 2 == 0 else -1)
    path.write_text(text[: found.start(2)] + str(new) + text[found.end(2) :], encoding="utf-8")
    return f"top-band height {old} → {new}"


def bench_builds(formats: list[str], reps: int, tmp: Path) -> dict[str, Any]:
    """Section 2: the real CLI in subprocesses, cold and incremental."""
    heading("Builds through the CLI (wall clock from spawn to exit, start-up included)")
    results = {}
    for jobs in (1, 2):  # a fresh out folder every run
        outs = [tmp / f"cold-{jobs}-{i}" for i in range(reps)]
        runs = [run_cli(build_args(CASES_DIR, out, jobs, formats)) for out in outs]
        results[f"cold_jobs{jobs}"] = summarise_runs(f"cold, --jobs {jobs}", "all", runs)
    built = outs[-1]
    runs = [run_cli(build_args(CASES_DIR, built, 2, formats)) for _ in range(reps)]
    results["nochange_jobs2"] = summarise_runs("no change, --jobs 2", "0", runs)

    # One case's title edited, in a copy of cases/ (the case file's path is in the cards'
    # context, so the copy is built once first); ≤ 4 stale cards render in-process.
    cases, out = tmp / "cases", tmp / "case-edit-out"
    shutil.copytree(CASES_DIR, cases)
    victim = case_files(cases)[0]
    run_cli(build_args(cases, out, 2, formats))
    case_formats = [n for n in formats if "case" in shipped_project().formats[n].kinds]

    def edit_case(i: int) -> dict[str, Any]:
        title = f'title = "Benchmark edit {i}: a contract to tackle the causes of offending"'
        text = re.sub(r"(?m)^title\s*=.*$", title, victim.read_text(encoding="utf-8"), count=1)
        victim.write_text(text, encoding="utf-8")
        return run_cli(build_args(cases, out, 2, formats))

    runs = [edit_case(i) for i in range(reps)]
    expected = str(len(case_formats))
    results["case_edit_jobs2"] = summarise_runs("one case edited, --jobs 2", expected, runs)

    # One colour in case.<format>.svg edited, in a copy of svg_templates/, over a copy of the
    # up-to-date out folder (cache keys hash template contents, not the folder's path).
    tmpl, out = tmp / "templates", tmp / "template-edit-out"
    shutil.copytree(BUILTIN_TEMPLATES, tmpl)
    shutil.copytree(built, out)
    edited = tmpl / f"case.{next(n for n in ['twitter', *formats] if n in case_formats)}.svg"
    changes = []

    def edit_template(i: int) -> dict[str, Any]:
        changes.append(nudge_colour(edited, i))
        return run_cli(build_args(CASES_DIR, out, 2, formats, tmpl))

    runs = [edit_template(i) for i in range(reps)]
    label, n_cases = "one template edited, --jobs 2", str(len(case_files(CASES_DIR)))
    results["template_edit_jobs2"] = summarise_runs(label, n_cases, runs)

    print(f"formats: {', '.join(formats)}; medians of {reps} run{'s' * (reps != 1)}, seconds")
    columns = {"build": "{build}", "ok": "{ok}", "wall": "{wall_s:.3f}", "min–max": "{spread}"}
    columns |= {"cardgen's own": "{internal_s:.3f}", "cards": "{cards}"}
    columns |= {"re-rendered": "{rendered}", "expected": "{expected}", "failed": "{failed}"}
    print(table(columns, list(results.values())))
    print(
        "cardgen's own = the time on its summary line; wall − own ≈ interpreter start-up and "
        f"imports.\nedited: {victim.name} (title); {edited.name} ({changes[0]})"
    )
    print_problems(list(results.values()))
    return results


# --- a synthetic campaign --------------------------------------------------------------------


def generate_cases(folder: Path, n_cases: int) -> None:
    """Deterministic case files mixed from the shipped ones; days raised to fit (at most 366).

    Case i takes its title, service, summary and model from one shipped case, organisation and
    partners from another and outcomes from a third, so the texts are real and vary.
    """
    shipped = [tomllib.loads(p.read_text(encoding="utf-8")) for p in case_files(CASES_DIR)]
    folder.mkdir(parents=True)
    days = min(366, n_cases)
    campaign = (CASES_DIR / "campaign.toml").read_text(encoding="utf-8")
    campaign = re.sub(r"(?m)^days\s*=\s*\d+", f"days = {days}", campaign, count=1)
    # A rendering benchmark: no sign-off (the shipped campaign's approvals are not copied).
    campaign = campaign.replace("required = true", "required = false")
    # Its generated cases are English only (the shipped campaign publishes in Welsh too).
    campaign = campaign.replace('languages = ["cy", "en"]', 'languages = ["en"]')
    (folder / "campaign.toml").write_text(campaign, encoding="utf-8")

    def toml(key: str, value: Any) -> str:  # JSON's strings, integers and lists are TOML's
        return f"{key} = {json.dumps(value, ensure_ascii=False)}"

    n = len(shipped)
    for i in range(n_cases):
        a, b, c = shipped[i % n], shipped[(7 * i + i // n + 3) % n], shipped[(13 * i + 5) % n]
        slug = f"synthetic-{i:04d}"
        case = {k: a[k] for k in ("title", "service", "summary", "model") if k in a}
        case |= {k: b[k] for k in ("organisation", "partners") if k in b}
        case["url"] = f"https://www.gov.uk/government/case-studies/{slug}"
        case |= {"day": i + 1} if i < days else {}
        lines = [toml(key, value) for key, value in case.items()]
        for outcome in c["outcomes"]:
            lines += ["", "[[outcomes]]", *(toml(k, v) for k, v in outcome.items())]
        (folder / f"{slug}.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def bench_synthetic(formats: list[str], sizes: list[int], tmp: Path) -> dict[str, Any]:
    """Section 3: synthetic campaigns built with --jobs 2, memory sampled from /proc."""
    heading("Synthetic campaign, --jobs 2 (process-tree memory sampled every 50 ms)")
    kinds = [k for name in formats for k in shipped_project().formats[name].kinds]
    per_case, fixed = max(1, kinds.count("case")), len(kinds) - kinds.count("case")
    runs = []
    for size in sizes:
        n_cases = max(1, round((size - fixed) / per_case))
        generate_cases(tmp / f"synthetic-{size}", n_cases)
        args = build_args(tmp / f"synthetic-{size}", tmp / f"synthetic-out-{size}", 2, formats)
        run = run_cli(args, sample_every=0.05)
        runs.append(
            run | {"cases": n_cases, "ms_per_card": 1000 * run["wall_s"] / run.get("cards", size)}
        )
    columns = {"cases": "{cases}", "cards": "{cards}", "failed": "{failed}"}
    columns |= {"wall s": "{wall_s:.2f}", "cardgen's own s": "{internal_s:.2f}"}
    columns |= {"ms/card": "{ms_per_card:.1f}", "peak Σ RSS MB": "{peak_rss_mb:.0f}"}
    columns |= {"Σ PSS then MB": "{pss_at_peak_mb:.0f}", "processes": "{processes}"}
    print(table(columns | {"sampler CPU s": "{sampler_cpu_s:.2f}"}, runs))
    print(
        "peak Σ RSS: cardgen and its workers at the sample where the sum peaked (the target's "
        "measure;\npages forked workers share with the parent count once per process); Σ PSS "
        "then: the same moment,\nshared pages split. sampler CPU: this process's cost of sampling."
    )
    out: dict[str, Any] = {"runs": runs}
    small, large = runs[0], runs[-1]
    if len(runs) > 1 and small["peak_rss_mb"] and "cards" in small and "cards" in large:
        extra_mb = large["peak_rss_mb"] - small["peak_rss_mb"]
        kb_per_card = 1024 * extra_mb / max(1, large["cards"] - small["cards"])
        ratio = large["peak_rss_mb"] / small["peak_rss_mb"]
        out["growth"] = {"ratio": ratio, "kb_per_extra_card": kb_per_card}
        print(
            f"memory vs card count: {small['cards']} cards {small['peak_rss_mb']:.0f} MB → "
            f"{large['cards']} cards {large['peak_rss_mb']:.0f} MB "
            f"(×{ratio:.2f}, {kb_per_card:.0f} kB per extra card)"
        )
    print_problems(runs)
    return out


# --- the PNG encoder -------------------------------------------------------------------------


def pillow_png(image: Image.Image, level: int) -> bytes:
    """Pillow's PNG encoder at a zlib level (with its default adaptive row filters)."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=level)
    return buffer.getvalue()


def bench_encoder(formats: list[str], reps: int, per_format: int | None) -> dict[str, Any]:
    """Section 4: cardgen's PNG writer against Pillow's, on the shipped cards' pixels."""
    heading("PNG encoder: cardgen's zlib writer vs Pillow, on the shipped cards' pixels")
    project = shipped_project()
    images = []
    for job in shipped_cards(project, formats, per_format):
        fmt = project.formats[job.format]
        images.append(render.draw(prepare_cold(job, project), fmt.width, fmt.height, project.fonts))
    few_colours = sum(image.getcolors(256) is not None for image in images)
    encoders = {
        f"cardgen encode_png (unfiltered, level {render.PNG_LEVEL})": render.encode_png,
        "Pillow, level 1": functools.partial(pillow_png, level=1),
        "Pillow, level 6": functools.partial(pillow_png, level=6),
    }
    results = []
    for name, encode in encoders.items():
        times = [time_steps({"": functools.partial(encode, i)}, reps)[""] for i in images]
        pngs = [encode(image) for image in images]
        pairs = zip(pngs, images, strict=True)
        same = sum(np.array_equal(decode_rgb(png), np.asarray(image)) for png, image in pairs)
        sizes = [len(png) for png in pngs]
        results.append(
            {"encoder": name, "ms": 1000 * median(times), "total_s": sum(times)}
            | {"kib": median(sizes) / 1024, "total_bytes": sum(sizes), "identical": same}
        )
    for r in results:
        r["time_x"] = r["total_s"] / results[0]["total_s"]
        r["bytes_x"] = r["total_bytes"] / results[0]["total_bytes"]
    print(f"{len(images)} cards ({', '.join(formats)}); medians of {reps} repetitions per card")
    columns = {"encoder": "{encoder}", "ms/card": "{ms:.1f}", "time ×": "{time_x:.2f}"}
    columns |= {"KiB/card": "{kib:.0f}", "bytes ×": "{bytes_x:.2f}"}
    print(table(columns | {"identical": f"{{identical}}/{len(images)}"}, results))
    print(
        f"× = Σ over the cards relative to cardgen's writer.\n{few_colours} of {len(images)} "
        "cards have ≤ 256 colours (Pillow getcolors(256)): an exact palette PNG rarely applies."
    )
    return {"cards": len(images), "cards_at_most_256_colours": few_colours, "encoders": results}


def bench_compare(formats: list[str], reps: int) -> dict[str, Any]:
    """Section: the snapshot comparison (cardgen.imagediff.compare) on real cards' pixels."""
    from cardgen.imagediff import compare

    heading("Snapshot comparison: imagediff.compare on the shipped cards' pixels")
    project = shipped_project()
    jobs = [j for j in shipped_cards(project, formats, 2) if j.kind == "case"]
    records = []
    for a, b in zip(jobs[::2], jobs[1::2], strict=False):
        if a.format != b.format:
            continue
        fmt = project.formats[a.format]
        first = render.draw(prepare_cold(a, project), fmt.width, fmt.height, project.fonts)
        second = render.draw(prepare_cold(b, project), fmt.width, fmt.height, project.fonts)
        nudged = np.asarray(first).copy()
        nudged[..., 2] ^= 1  # every pixel one step off in blue: a faint global change
        cases = {
            "identical": (first.copy(), first),
            "another card (changed words)": (second, first),
            "one-step colour change everywhere": (Image.fromarray(nudged), first),
        }
        for label, (actual, expected) in cases.items():
            ms = 1000 * time_steps({"": lambda x=actual, y=expected: compare(x, y)}, reps)[""]
            records.append(
                {"format": fmt.name, "size": f"{fmt.width}×{fmt.height}"}
                | {"case": label, "ms": ms}
            )
    print(
        table({"format": "{format}", "size": "{size}", "case": "{case}", "ms": "{ms:.1f}"}, records)
    )
    return {"comparisons": records}


# --- where a cold build spends its time ------------------------------------------------------

PROFILED_IMPORTS = ("cairocffi", "cairosvg", "numpy", "PIL", "jinja2", "click", "fontTools")


def profile_group(file: str, name: str) -> str:
    """What a profiled function belongs to: a cardgen module, a library, the stdlib, or C."""
    if file == "~":  # a C function: keep its name, e.g. <built-in method zlib.compress>
        return "C " + name.strip("<>").replace("built-in method ", "")
    path = Path(file)
    if file.startswith("<frozen importlib"):
        return "importlib"
    if path.parent == ROOT / "cardgen":
        return f"cardgen.{path.stem}"
    if "site-packages" in path.parts:
        return path.parts[path.parts.index("site-packages") + 1].removesuffix(".py")
    module = path.parent.name if path.stem == "__init__" else path.stem
    return f"stdlib {module}" if file.startswith("/") else file


def bench_profile(formats: list[str], tmp: Path) -> dict[str, Any]:
    """One cold `cardgen build --force --jobs 1` under cProfile, summarised by module."""
    heading("Where a cold build spends its time: cProfile of `cardgen build --force --jobs 1`")
    out = tmp / "profile.prof"
    args = [*build_args(CASES_DIR, tmp / "profile-out", 1, formats), "--force"]
    command = [sys.executable, "-m", "cProfile", "-o", str(out), "-m", "cardgen", *args]
    run, stdout, _ = run_child(command)
    shutil.rmtree(tmp / "profile-out", ignore_errors=True)
    if not out.is_file():
        print("no profile written:", *run.get("problems", []))
        return {"run": run}
    profile = pstats.Stats(str(out))
    stats: dict[tuple[str, int, str], tuple[Any, ...]] = profile.stats  # type: ignore[attr-defined]
    total = sum(s[2] for s in stats.values())
    groups: dict[str, float] = defaultdict(float)
    for (file, _, name), (_, _, own, _, _) in stats.items():
        groups[profile_group(file, name)] += own
    top = sorted(groups.items(), key=lambda kv: -kv[1])[:18]
    by_group = [{"what": k, "s": v, "share": 100 * v / total} for k, v in top]
    cardgen_funcs = [
        {"what": f"{Path(file).stem}.{name}", "calls": calls, "s": cum, "share": 100 * cum / total}
        for (file, _, name), (_, calls, _, cum, _) in stats.items()
        if Path(file).parent == ROOT / "cardgen" and name != "<module>"
    ]
    cardgen_funcs = sorted(cardgen_funcs, key=lambda r: -r["s"])[:18]
    imports = []
    for (file, _, name), (_, _, _, cum, _) in stats.items():
        path = Path(file)
        if (
            name == "<module>"
            and path.name == "__init__.py"
            and path.parent.name in PROFILED_IMPORTS
        ):
            imports.append(
                {"what": f"import {path.parent.name}", "s": cum, "share": 100 * cum / total}
            )
    imports.sort(key=lambda r: -r["s"])
    own_s = float(found.group(5)) if (found := SUMMARY_LINE.search(stdout)) else math.nan
    if run["exit"] != 0 or not found:
        print("the profiled build did not complete:", *run.get("problems", ["no summary"])[:2])
    print(
        f"one run, {run['wall_s']:.2f} s wall under the profiler (cardgen's own {own_s:.2f} s); "
        f"{total:.2f} s profiled.\ncProfile slows Python code far more than C: read shares, "
        "not seconds."
    )
    columns = {"own time by module (C functions by name)": "{what}", "s": "{s:.2f}"}
    print(table(columns | {"%": "{share:.0f}"}, by_group))
    print()
    columns = {"cardgen function, cumulative (nested calls included)": "{what}"}
    columns |= {"calls": "{calls}", "s": "{s:.2f}", "%": "{share:.0f}"}
    print(table(columns, cardgen_funcs))
    print()
    columns = {"import, cumulative": "{what}", "s": "{s:.2f}"}
    print(table(columns | {"%": "{share:.0f}"}, imports))
    return {
        "run": run,
        "profiled_s": total,
        "by_group": by_group,
        "cardgen_cumulative": cardgen_funcs,
        "imports": imports,
    }


# --- targets and main ------------------------------------------------------------------------


def targets(results: dict[str, Any], skipped: dict[str, str]) -> list[dict[str, Any]]:
    """Each target with its measurement and PASS/MISS (n/a when not measured at full size)."""
    measured: dict[str, float] = {}
    notes = dict.fromkeys(["cold", "synthetic_wall"], "not every format" if skipped else "")
    broken: set[str] = set()
    if "startup" in results:
        rows = {r["command"]: r for r in results["startup"]["commands"]}
        for key, command in (("startup_help", "cardgen --help"), ("startup_list", "cardgen list")):
            measured[key] = rows[command]["extra_s"]
            if rows[command]["exit"] != "0":
                broken.add(key)
                why = (rows[command]["problems"] or ["?"])[-1]
                notes[key] = f"exits {rows[command]['exit']}: {why}"[:90]
            else:
                bare = rows["python -c pass"]["wall_s"]
                notes[key] = f"{rows[command]['wall_s']:.3f} s vs bare {bare:.3f} s"
    if "campaign" in results:
        for n in (1, 2):
            row = results["campaign"][f"jobs{n}"]
            measured[f"campaign_j{n}"] = row["ratio"]
            notes[f"campaign_j{n}"] = f"{row['cardgen_s']:.2f} s vs {row['bare_s']:.2f} s"
            if row["ok"] != row["bare_ok"] or row["ok"].split("/")[0] != row["ok"].split("/")[1]:
                notes[f"campaign_j{n}"] += f"; complete runs {row['ok']} vs {row['bare_ok']}"
            if math.isnan(row["ratio"]):
                broken.add(f"campaign_j{n}")
    if "render" in results:
        measured["ratio"] = results["render"]["overall"]["ratio"]
    if "builds" in results:
        for key in ("cold", "nochange", "case_edit"):
            row = results["builds"][f"{key}_jobs2"]
            measured[key] = row["wall_s"]
            if row["ok"].split("/")[0] == "0":
                broken.add(key)
            elif row["ok"].split("/")[0] != row["ok"].split("/")[1]:
                notes[key] = f"{row['ok']} runs completed"
    if "photos" in results:
        measured["photos"] = results["photos"]["ratio"]
        oks = [r["ok"] for r in results["photos"]["rows"]]
        if any(ok.split("/")[0] == "0" for ok in oks) or math.isnan(measured["photos"]):
            broken.add("photos")
    if "synthetic" in results:
        big = results["synthetic"]["runs"][-1]
        measured["synthetic_wall"], measured["synthetic_memory"] = big["wall_s"], big["peak_rss_mb"]
        if "cards" not in big:  # no summary line: cardgen broke
            broken |= {"synthetic_wall", "synthetic_memory"}
            notes["synthetic_wall"] = notes["synthetic_memory"] = "no summary line"
        elif big["cards"] != SYNTHETIC_CARDS:
            notes["synthetic_wall"] = notes["synthetic_memory"] = f"{big['cards']} cards only"
    rows = []
    for key, (what, limit, unit) in TARGETS.items():
        value = measured.get(key)
        status = verdict(value, limit, strictly_below=unit == "MB")
        if key.startswith("synthetic") and "cards only" in notes.get(key, ""):
            status = "n/a"  # not the target's size
        if key in broken:
            status = "FAIL"  # did not do its job: its time means nothing
        row = {"target": what, "measured": value, "limit": limit, "unit": unit, "status": status}
        row["key"] = key
        rows.append(row | {"note": notes.get(key, "")})
    return rows


def main(argv: list[str] | None = None) -> int:
    """Run the chosen sections, print the targets, write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions, 100 cards")
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results.json")
    parser.add_argument("--only", default=",".join(SECTIONS), help="comma-separated sections")
    args = parser.parse_args(argv)
    only = [s.strip() for s in args.only.split(",") if s.strip()]
    if unknown := set(only) - set(SECTIONS):
        parser.error(f"unknown section {', '.join(unknown)}; known: {', '.join(SECTIONS)}")
    quick, started = args.quick, time.perf_counter()
    project = shipped_project()
    project.fonts.setup()  # before this process measures or draws any text
    formats, skipped = usable_formats()
    print(
        f"cardgen benchmark{' (quick)' if quick else ''}: Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, {platform.machine()}; formats: {', '.join(formats) or 'none'}"
    )
    for name, why in skipped.items():
        print(f"format skipped: {name} ({why})")
    if not formats:
        return 1
    reps, per_format = (3, 2) if quick else (5, None)
    results: dict[str, Any] = {"meta": {"quick": quick, "platform": platform.platform()}}
    results["meta"] |= {"cpus": os.cpu_count(), "python": platform.python_version()}
    results["meta"] |= {"stack": render.stack_versions(project.fonts), "formats_skipped": skipped}
    results["meta"]["children"] = "bytecode cached (PYTHONDONTWRITEBYTECODE removed), warmed once"
    with tempfile.TemporaryDirectory(prefix="cardgen-bench-") as tmp_name:
        tmp = Path(tmp_name)
        PYCACHE[:] = [tmp / "pycache"]
        sizes = [100] if quick else [SYNTHETIC_CARDS // 4, SYNTHETIC_CARDS]
        runners: dict[str, Callable[[], dict[str, Any]]] = {
            "startup": lambda: bench_startup(5 if quick else 15),
            "render": lambda: bench_render(formats, reps, per_format),
            "campaign": lambda: bench_campaign(formats, 1 if quick else 5, tmp),
            "builds": lambda: bench_builds(formats, 1 if quick else 5, tmp),
            "photos": lambda: bench_photos(formats, 1 if quick else 5, tmp),
            "synthetic": lambda: bench_synthetic(formats, sizes, tmp),
            "encoder": lambda: bench_encoder(formats, reps, per_format),
            "compare": lambda: bench_compare(formats, reps),
            "profile": lambda: bench_profile(formats, tmp),
        }
        if {"startup", "campaign", "builds", "photos", "synthetic"} & set(only):
            warm_up(formats, tmp)
        for section in (s for s in SECTIONS if s in only):
            start = cpu_snapshot()
            results[section] = runners[section]()
            results[section]["other_load_cores"] = other_load(start)
    results["targets"] = targets(results, skipped)
    heading("Targets")
    rows = []
    for t in results["targets"]:
        digits = 3 if t["key"].startswith("startup") else 2
        shown = "-" if t["measured"] is None else f"{t['measured']:.{digits}f} {t['unit']}"
        rows.append(
            t | {"shown": shown, "bound": f"{'<' if t['unit'] == 'MB' else '≤'} {t['limit']}"}
        )
    columns = {"target": "{target}", "measured": "{shown}", "limit": "{bound} {unit}"}
    print(table(columns | {"": "{status}", "note": "{note}"}, rows))
    results["meta"]["seconds"] = time.perf_counter() - started
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nfigures written to {args.json} ({results['meta']['seconds']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
