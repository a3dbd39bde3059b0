"""Import a benchmark script (a file under ``benchmarks/``, not a package module) so that tests can call its functions."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def load_script(relative: str) -> ModuleType:
    """The module of ``benchmarks/<relative>`` (e.g. ``"policy/dream_episode_rescore.py"``), registered in
    ``sys.modules`` as ``<stem>_benchmark`` (dataclasses look their module up there). Its folder is on ``sys.path``
    while it loads, as when it runs: the scripts import their siblings."""
    path = BENCHMARKS / relative
    spec = importlib.util.spec_from_file_location(f"{path.stem}_benchmark", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    sys.path.insert(0, str(path.parent))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(path.parent))
    return module
