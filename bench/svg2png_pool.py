"""The baseline of the campaign target: bare cairosvg.svg2png over ready SVGs, in a fresh pool.

    python bench/svg2png_pool.py LIST.json OUT_DIR PROCESSES

LIST.json is a list of {"svg": path, "png": path relative to OUT_DIR, "width": w,
"height": h}. Every SVG is converted by ``cairosvg.svg2png(bytestring=…, write_to=…,
output_width=…, output_height=…)`` in a process pool of PROCESSES workers (forked, as
cardgen's; one card per task). Each worker first points fontconfig at cardgen's bundled fonts
(``project.fonts.setup()``), then imports cairosvg, so it draws with the same fonts and pays
the same imports as a cardgen worker. Run by bench/run.py as a child process, so that its wall
time, like `cardgen build`'s, includes the interpreter's start-up. Prints ``N written``.
"""

from __future__ import annotations

import json
import multiprocessing
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def start_worker(cases: str) -> None:
    """Point fontconfig at the bundled fonts, then import cairosvg (once per worker)."""
    from cardgen.project import Project

    Project.open(cases=cases).fonts.setup()
    import cairosvg  # noqa: F401


def convert(item: dict[str, str | int], out_dir: str) -> int:
    """One SVG file to a PNG file with bare svg2png."""
    import cairosvg

    svg = Path(str(item["svg"])).read_bytes()
    cairosvg.svg2png(
        bytestring=svg,
        write_to=str(Path(out_dir) / str(item["png"])),
        output_width=int(item["width"]),
        output_height=int(item["height"]),
    )
    return 1


def main(argv: list[str]) -> int:
    """Convert every listed SVG in a pool of the given size."""
    listing, out_dir, processes = Path(argv[0]), argv[1], int(argv[2])
    items = json.loads(listing.read_text(encoding="utf-8"))
    for folder in {(Path(out_dir) / item["png"]).parent for item in items}:
        folder.mkdir(parents=True, exist_ok=True)
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    with ProcessPoolExecutor(
        max_workers=processes,
        mp_context=multiprocessing.get_context(method),
        initializer=start_worker,
        initargs=(str(ROOT / "cases"),),
    ) as pool:
        written = sum(pool.map(convert, items, [out_dir] * len(items)))
    print(f"{written} written")
    return 0 if written == len(items) else 1


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main(sys.argv[1:]))
