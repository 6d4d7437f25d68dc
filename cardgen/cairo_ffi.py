"""cairo's C declarations, parsed once per cairocffi version instead of in every process.

cairocffi declares cairo's C API in cffi's in-line ABI mode: every process that imports it
parses about 60 KB of C declarations with pycparser, 0.15–0.3 s, the largest part of a
one-card command and of each build worker's start. cffi's out-of-line ABI mode keeps the
parsed declarations in a generated Python module instead, which loads in milliseconds (cffi's
documentation, "Main modes of usage": the out-of-line mode's benefit is import speed).

:func:`prepare` generates that module once per cairocffi and cffi version, in cardgen's cache
folder, and has the next ``import cairocffi`` take its declarations from it. The declarations
are cairocffi's own, the library the same, the pixels the same; nothing is compiled. A new
cairocffi or cffi gets a new module; if anything about it fails, cairocffi is imported as
usual.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import io
import os
import shutil
import sys
import types
from pathlib import Path

# Names the generated modules are imported under (the pixbuf one imports the first by name).
CAIRO = "_cardgen_cairo_ffi"
PIXBUF = "_cardgen_cairo_pixbuf_ffi"
CFFI = "cairocffi"


def prepare(cache: Path) -> None:
    """Import cairocffi with its declarations loaded from the generated modules in ``cache``,
    or, when they are absent, import it as usual and generate them for the next process."""
    if CFFI in sys.modules:
        return
    folder = _folder(cache)
    if folder is None:
        return
    if (folder / f"{PIXBUF}.py").is_file():
        try:
            _install(folder)
            import cairocffi  # noqa: F401  (here, so that any failure falls back)
        except Exception:  # a damaged or foreign file: import as usual, generate it afresh
            for name in [n for n in sys.modules if n.partition(".")[0] in (CAIRO, PIXBUF, CFFI)]:
                del sys.modules[name]
            shutil.rmtree(folder, ignore_errors=True)
        return
    _generate(folder)


def _folder(cache: Path) -> Path | None:
    """The folder for the installed cairocffi and cffi, or None where this does not apply."""
    spec = importlib.util.find_spec("cairocffi")
    if spec is None or not spec.submodule_search_locations:
        return None
    if importlib.util.find_spec("xcffib") is not None:
        return None  # cairocffi then declares cairo's XCB API too, from xcffib's declarations
    import cffi

    source = Path(next(iter(spec.submodule_search_locations)))
    digest = hashlib.sha256(cffi.__version__.encode())
    for name in ("ffi.py", "constants.py"):
        digest.update((source / name).read_bytes())
    return cache / f"cairo-ffi-{digest.hexdigest()[:16]}"


def _load(name: str, path: Path) -> types.ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _install(folder: Path) -> None:
    """Make ``cairocffi.ffi`` the generated declarations (cairocffi imports ``ffi`` and
    ``ffi_pixbuf`` from it)."""
    shim = types.ModuleType("cairocffi.ffi")
    shim.ffi = _load(CAIRO, folder / f"{CAIRO}.py").ffi  # type: ignore[attr-defined]
    shim.ffi_pixbuf = _load(PIXBUF, folder / f"{PIXBUF}.py").ffi  # type: ignore[attr-defined]
    sys.modules["cairocffi.ffi"] = shim


def _generate(folder: Path) -> None:
    """Import cairocffi as usual and write its parsed declarations out for the next process;
    written into a temporary folder and renamed, so a reader never sees half of it."""
    import cairocffi  # noqa: F401  (parses the declarations, this once)

    declared = sys.modules["cairocffi.ffi"]
    tmp = folder.with_name(f".{folder.name}.{os.getpid()}")
    try:
        tmp.mkdir(parents=True, exist_ok=True)
        with contextlib.redirect_stdout(io.StringIO()):  # cffi says "generating …"
            for name, ffi in ((CAIRO, declared.ffi), (PIXBUF, declared.ffi_pixbuf)):
                ffi.set_source(name, None)
                ffi.emit_python_code(str(tmp / f"{name}.py"))
        tmp.rename(folder)
    except OSError:
        pass  # no cache folder, or another process was first: nothing lost
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
