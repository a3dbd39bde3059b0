"""Acceptance probe of issue 12: several hundred bad inputs and faults against dreamgym's public API and CLI.

Every case hands one bad input (or fault) to one boundary and records what happened: the exception class
and message, or ``accepted``. Rules in code (:func:`classify_exception`, :func:`classify_cli`) sort each
outcome into

* ``ok``: a clear error: one of dreamgym's own error classes or a standard ``ValueError``/``TypeError``/
  ``OSError``/``RuntimeError``/gymnasium error, raised by dreamgym (or gymnasium's own checks), whose message
  names the offending value or file (one of the case's ``mention`` strings) and what is expected
  (:data:`EXPECTATION`); for the CLI: a non-zero exit with one ``error:`` line on stderr saying the same;
* ``silent``: the bad input was accepted (the call returned; the command exited 0);
* ``traceback``: a raw library exception (raised outside dreamgym, or of a class that reports a bug:
  ``KeyError``, ``AttributeError``, ``IndexError``, ...), or a Python traceback printed by the CLI;
* ``unclear``: an error of a good class whose message does not name the value or the expectation;
* ``hang`` (timeout), ``crash`` (killed by a signal), ``data_loss`` (a file that must survive changed).

The shipped bundle is never touched: bundle faults are made in a hard-linked copy in a temp folder, and a
tampered file is always replaced (unlink + write), never modified in place.

    nice -n 19 env OMP_NUM_THREADS=1 .venv/bin/python benchmarks/hardening/probe.py

writes ``results.json`` (every case) and ``RESULTS.md`` (counts per category and boundary) next to itself.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
import warnings
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
DREAMGYM = Path(os.environ.get("DREAMGYM_EXE", ROOT / ".venv" / "bin" / "dreamgym"))
PACKAGE = ROOT / "dreamgym"

EXPECTATION = re.compile(
    r"\bexpect(ed|s)?\b|must|needs?\b|should|\bonly\b|allowed|one of|supported|required|requires|at least|at most|choose|"
    r"instead|does not exist|is missing|missing|lacks|no such|not found|differs from|invalid choice|"
    r"is not a known|not a (readable|valid|dreamgym)|cannot be|refused|make a new one|reset\(\) first|"
    r"unrecognized arguments|the following arguments are required|not allowed with|available|provides|valid|"
    r"neither .* nor|cannot call .* before",
    re.IGNORECASE,
)
"""A message says what is expected when it matches this (argparse's own wording included)."""

GYMNASIUM = "gymnasium's own wrappers (the input never reaches dreamgym)"
"""Cases of gym.make's own arguments and wrappers (TimeLimit, render-mode handling, HumanRendering): gymnasium's
code answers them before (or after) dreamgym sees anything. Counted apart from dreamgym's boundaries."""

OWN_ERROR_CLASSES = ("BundleError", "EpisodeFormatError", "ResetNeeded", "RenderingUnavailableError")
STANDARD_ERRORS = (ValueError, TypeError, RuntimeError, FileNotFoundError, FileExistsError, NotADirectoryError,
                   IsADirectoryError, PermissionError)
BUG_CLASSES = (KeyError, IndexError, AttributeError, AssertionError, ZeroDivisionError, OverflowError,
               UnboundLocalError, NameError, RecursionError, MemoryError)


@dataclass
class Case:
    boundary: str
    name: str
    run: Callable[[], Any] | None = None  # Python case: called; an exception is the outcome
    argv: list[str] | None = None  # CLI case: ``dreamgym *argv`` in a subprocess
    mention: tuple[str, ...] = ()  # the message must contain one of these (the offending value or file)
    survive: tuple[Path, ...] = ()  # files that must be unchanged afterwards (data loss otherwise)
    timeout: float = 120.0
    result: dict = field(default_factory=dict)


CASES: list[Case] = []


def py(boundary: str, name: str, run: Callable[[], Any], *mention: Any, survive: tuple[Path, ...] = ()) -> None:
    CASES.append(Case(boundary, name, run=run, mention=tuple(str(m) for m in mention), survive=survive))


def cli(boundary: str, name: str, argv: list[Any], *mention: Any, survive: tuple[Path, ...] = (), timeout: float = 120.0) -> None:
    CASES.append(Case(boundary, name, argv=[str(a) for a in argv], mention=tuple(str(m) for m in mention),
                      survive=survive, timeout=timeout))


# -- classification -------------------------------------------------------------------------------------------
def _clear(message: str, mention: tuple[str, ...]) -> str | None:
    """Why ``message`` is unclear (``None``: it names one of ``mention`` and an expectation)."""
    lowered = message.lower()
    if mention and not any(m.lower() in lowered for m in mention):
        return f"names none of {list(mention)}"
    if not EXPECTATION.search(message):
        return "says nothing about what is expected"
    return None


def _raised_in(error: BaseException) -> str:
    frames = traceback.extract_tb(error.__traceback__)
    return frames[-1].filename if frames else ""


def _signature_error(error: BaseException) -> bool:
    """Python's own error for a wrong keyword: it names the argument, and the signature is the expectation."""
    return isinstance(error, TypeError) and bool(
        re.search(r"unexpected keyword argument|missing \d+ required|takes \d+ positional", str(error)))


def _deliberate(error: BaseException) -> bool:
    """Whether dreamgym raised ``error`` on purpose: a ``raise`` statement in dreamgym's own code."""
    frames = traceback.extract_tb(error.__traceback__)
    return bool(frames) and frames[-1].filename.startswith(str(PACKAGE)) and (frames[-1].line or "").lstrip().startswith("raise")


def classify_exception(error: BaseException, mention: tuple[str, ...]) -> tuple[str, str]:
    """Rules: gymnasium's own errors and its argument checks (in ``gym.make``/``make_vec``/its wrappers) and
    dreamgym's deliberate ``raise`` of a standard or own class are judged by their message; an ``AttributeError``
    is accepted only when dreamgym raised it on purpose (``get_attr`` of a missing attribute); everything else
    (a library's exception, a bug class, an accidental ``TypeError`` inside dreamgym) is a ``traceback``."""
    import gymnasium

    origin = _raised_in(error)
    name = type(error).__name__
    in_gymnasium = "/gymnasium/" in origin
    if isinstance(error, gymnasium.error.Error):
        pass  # gymnasium's own errors (bad ids, order enforcing, seeds, missing dependencies)
    elif _signature_error(error):
        return "ok", "Python's signature error (names the argument)"
    elif isinstance(error, AttributeError) and _deliberate(error):
        pass
    elif isinstance(error, BUG_CLASSES):
        return "traceback", f"{name} (a bug class) raised in {origin}"
    elif isinstance(error, (ValueError, TypeError)) and in_gymnasium:
        pass  # gymnasium's checks of make()/make_vec() arguments (max_episode_steps, vectorization_mode)
    elif isinstance(error, STANDARD_ERRORS) or name in OWN_ERROR_CLASSES:
        if not _deliberate(error):
            return "traceback", f"{name} raised by {origin}, not by a check of dreamgym"
    else:
        return "traceback", f"{name} is not an error class of dreamgym or the standard ones (raised in {origin})"
    why = _clear(str(error), mention)
    return ("unclear", why) if why else ("ok", "")


def _error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if re.search(r"\berror\b:", line)]


def classify_cli(returncode: int | None, stderr: str, mention: tuple[str, ...]) -> tuple[str, str]:
    if returncode is None:
        return "hang", "timed out"
    if "Traceback (most recent call last)" in stderr:
        return "traceback", "Python traceback on stderr"
    if returncode < 0:
        return "crash", f"killed by signal {-returncode}"
    if returncode == 0:
        return "silent", "exit status 0"
    lines = _error_lines(stderr)
    if len(lines) != 1:
        return "unclear", f"{len(lines)} error lines on stderr (expected exactly one)"
    why = _clear(lines[0], mention)
    return ("unclear", why) if why else ("ok", "")


def _digest(path: Path) -> str | None:
    if not path.exists():
        return None
    if path.is_dir():
        return "dir:" + ",".join(sorted(p.name for p in path.iterdir()))
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_case(case: Case) -> None:
    before = {str(p): _digest(p) for p in case.survive}
    start = time.time()
    if case.run is not None:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                value = case.run()
            outcome, message, category, why = "accepted", _brief(value), "silent", "returned normally"
        except BaseException as error:  # noqa: BLE001 - the outcome is the point
            if isinstance(error, KeyboardInterrupt):
                raise
            outcome, message = type(error).__name__, str(error)
            category, why = classify_exception(error, case.mention)
            case.result["raised_in"] = _raised_in(error).replace(str(ROOT) + "/", "")
    else:
        env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONWARNINGS": "ignore"}
        try:
            done = subprocess.run([str(DREAMGYM), *case.argv], capture_output=True, text=True, timeout=case.timeout,
                                  cwd=case.result.get("cwd", TMP), env=env)
            returncode, stderr = done.returncode, done.stderr
        except subprocess.TimeoutExpired as expired:
            returncode, stderr = None, (expired.stderr or b"").decode() if isinstance(expired.stderr, bytes) else (expired.stderr or "")
        category, why = classify_cli(returncode, stderr, case.mention)
        lines = _error_lines(stderr)
        outcome = "accepted" if returncode == 0 else f"exit {returncode}"
        message = lines[-1] if lines else stderr.strip()[-600:]
        case.result["stderr_tail"] = stderr.strip()[-400:]
    after = {str(p): _digest(p) for p in case.survive}
    changed = [p for p in before if before[p] != after[p]]
    if changed:
        category, why = "data_loss", f"changed: {changed}"
    case.result.update(boundary=case.boundary, case=case.name, outcome=outcome, message=message[:1000],
                       category=category, why=why, seconds=round(time.time() - start, 2))
    if case.argv is not None:
        case.result["argv"] = case.argv


def _brief(value: Any, limit: int = 120) -> str:
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001
        text = object.__repr__(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


# -- fixtures ---------------------------------------------------------------------------------------------------
TMP = Path(tempfile.mkdtemp(prefix="dreamgym-hardening-"))
SHIPPED = ROOT / "envs" / "coffee-pull"
_BASE: Path | None = None
_counter = [0]


def fresh(name: str = "x") -> Path:
    _counter[0] += 1
    path = TMP / f"{_counter[0]:04d}-{name}"
    path.mkdir(parents=True)
    return path


def bundle_copy() -> Path:
    """A hard-linked copy of a private full copy of the shipped bundle: cheap; change files only by replacing."""
    global _BASE
    if _BASE is None:
        _BASE = TMP / "base-bundle"
        shutil.copytree(SHIPPED, _BASE)
    target = fresh("bundle") / "coffee-pull"
    shutil.copytree(_BASE, target, copy_function=os.link)
    return target


def replace_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` without touching the (possibly hard-linked) old file's content."""
    if path.exists() or path.is_symlink():
        path.unlink()
    path.write_bytes(data)


def manifest_of(bundle: Path) -> dict:
    return json.loads((bundle / "manifest.json").read_text())


def write_manifest(bundle: Path, data: Any, rechecksum: bool = False) -> None:
    if rechecksum and isinstance(data, dict):
        data["files"] = {key: hashlib.sha256((bundle / key).read_bytes()).hexdigest() for key in data.get("files", {})}
    replace_bytes(bundle / "manifest.json", json.dumps(data).encode())


def tamper_manifest(change: Callable[[dict], Any]) -> Path:
    bundle = bundle_copy()
    data = manifest_of(bundle)
    result = change(data)
    write_manifest(bundle, data if result is None else result)
    return bundle


def tamper_file(relative: str, data: bytes, rechecksum: bool = True, extra: Callable[[Path], None] | None = None) -> Path:
    """Replace one component file; ``rechecksum``: a hostile user also records its new sha256 in the manifest."""
    bundle = bundle_copy()
    replace_bytes(bundle / relative, data)
    if extra:
        extra(bundle)
    if rechecksum:
        manifest = manifest_of(bundle)
        write_manifest(bundle, manifest, rechecksum=True)
    return bundle


def safetensors_bytes(tensors: dict, metadata: dict | None = None) -> bytes:
    from safetensors.torch import save

    return save(tensors, metadata=metadata)


def load_tensors(path: Path) -> dict:
    from safetensors.torch import load_file

    return load_file(path)


def npz_bytes(**arrays) -> bytes:
    import io

    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return buffer.getvalue()


def episode_arrays(steps: int = 3, size: int = 64, **override) -> dict:
    rng = np.random.default_rng(0)
    arrays = {
        "frames": rng.integers(0, 256, (steps + 1, 3, size, size), dtype=np.uint8),
        "actions": rng.uniform(-1, 1, (steps, 4)).astype(np.float32),
        "rewards": np.zeros(steps, np.float32),
        "success": np.zeros(steps + 1, bool),
        "meta": np.array(json.dumps({"format_version": 1, "task": "coffee-pull", "source": "probe"})),
    }
    arrays.update(override)
    return {key: value for key, value in arrays.items() if value is not None}


def episode_file(name: str, steps: int = 3, size: int = 64, folder: Path | None = None, **override) -> Path:
    folder = folder or fresh("episode")
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(npz_bytes(**episode_arrays(steps, size, **override)))
    return path


def valid_dataset(steps: int = 6, size: int = 64, count: int = 10) -> Path:
    """Expert episodes of coffee-pull, long enough for a world-model window; index 9 is held out."""
    folder = fresh("data")
    for index in range(count):
        meta = {"format_version": 1, "task": "coffee-pull", "source": "expert", "index": index}
        episode_file(f"coffee-pull/expert/expert-{index}.npz", steps, size, folder=folder, meta=np.array(json.dumps(meta)))
    return folder


def a_file(name: str = "file.txt", content: bytes = b"not what you think\n") -> Path:
    path = fresh("file") / name
    path.write_bytes(content)
    return path


# -- Python API cases -----------------------------------------------------------------------------------------------
def python_cases() -> None:
    import gymnasium as gym
    import torch

    import dreamgym  # noqa: F401 - registers the ids
    from dreamgym.bundle import find_bundle
    from dreamgym.dream.simulator import LearnedSimulator

    simulator = LearnedSimulator.load(find_bundle("coffee-pull"))
    dream_id, real_id = "DreamWorld-CoffeePull-v0", "MetaWorldPixels-CoffeePull-v0"
    good_frames = np.zeros((4, 3, 64, 64), np.uint8)
    good_actions = np.zeros((3, 4), np.float32)

    def dream(**kwargs):
        return gym.make(dream_id, simulator=simulator, **kwargs)

    def dream_reset(**kwargs):
        env = dream(**kwargs)
        env.reset(seed=0)
        return env

    def vec(n=2, **kwargs):
        return gym.make_vec(dream_id, num_envs=n, simulator=simulator, **kwargs)

    def vec_reset(n=2, **kwargs):
        env = vec(n, **kwargs)
        env.reset(seed=0)
        return env

    G = GYMNASIUM
    for value, mention in [(0, "0"), (-3, "-3"), (2.5, "2.5"), ("50", "'50'"), (True, "True"), (float("nan"), "nan")]:
        py(G, f"gym.make(dream, max_episode_steps={value!r}) (gymnasium's TimeLimit)", lambda v=value: dream(max_episode_steps=v), mention)
    py(G, "gym.make(dream, render_mode=5) (gymnasium's render-mode handling)", lambda: dream(render_mode=5), "5")
    py(G, "gym.make(real, render_mode=1) (gymnasium's render-mode handling)", lambda: gym.make(real_id, render_mode=1), "1")
    py(G, "gym.make(dream, render_mode='human').reset() without pygame (gymnasium's HumanRendering)",
       lambda: dream(render_mode="human").reset(seed=0), "pygame")

    B = "dream env: construction"
    py(B, "DreamWorldEnv(render_mode='human') (no gym.make)",
       lambda: __import__("dreamgym.dream.env", fromlist=["DreamWorldEnv"]).DreamWorldEnv(simulator=simulator, render_mode="human"), "human")
    py(B, "DreamWorldVectorEnv(max_episode_steps=0)",
       lambda: __import__("dreamgym.dream.vector_env", fromlist=["x"]).DreamWorldVectorEnv(simulator=simulator, max_episode_steps=0), "0")
    py(B, "make_vec(max_episode_steps=2.5)", lambda: vec(max_episode_steps=2.5), "2.5")
    py(B, "LearnedSimulator('manifest', ...) from wrong parts",
       lambda: LearnedSimulator("manifest", None, None, None, None), "manifest")
    for key, value, mention in [
        ("reset_mode", "start", "start"), ("reset_mode", None, "None"), ("reset_mode", 3, "3"), ("reset_mode", "RANDOM", "RANDOM"),
        ("reward_mode", "dense", "dense"), ("reward_mode", ["sparse"], "['sparse']"), ("reward_mode", "", "''"),
        ("render_mode", "rgb", "rgb"), ("render_mode", "ansi", "ansi"),
        ("device", "gpu", "gpu"), ("device", "cuda", "cuda"), ("device", 0, "0"), ("device", "tpu:0", "tpu"),
        ("denoising_steps", 0, "0"), ("denoising_steps", 2.5, "2.5"), ("denoising_steps", 3, "3"),
        ("sampler", "fast", "fast"),
        ("simulator", "envs/coffee-pull", "envs/coffee-pull"), ("simulator", object(), "object"),
        ("bogus_option", 1, "bogus_option"),
    ]:
        if key == "simulator":
            py(B, f"{key}={value!r}", lambda k=key, v=value: gym.make(dream_id, **{k: v}), mention)
        elif key == "sampler":
            py(B, f"{key}={value!r} (given simulator)", lambda k=key, v=value: dream(**{k: v}), mention)
        else:
            py(B, f"{key}={value!r}", lambda k=key, v=value: dream(**{k: v}), mention)
    py(B, "sampler='fast' (loads the bundle)", lambda: gym.make(dream_id, sampler="fast"), "fast")
    py(B, "sampler=1 (loads the bundle)", lambda: gym.make(dream_id, sampler=1), "1")
    py(B, "bundle=42", lambda: gym.make("DreamWorld-v0", bundle=42), "42")
    py(B, "bundle= nonexistent folder", lambda: gym.make("DreamWorld-v0", bundle=str(TMP / "no-such-bundle")), "no-such-bundle")
    py(B, "bundle= a file", lambda: gym.make("DreamWorld-v0", bundle=str(a_file())), "file.txt")
    py(B, "bundle= empty folder", lambda: gym.make("DreamWorld-v0", bundle=str(fresh("empty"))), "empty")
    py(B, "task='no-such-task'", lambda: gym.make("DreamWorld-v0", task="no-such-task"), "no-such-task")
    py(B, "task='../envs/coffee-pull'", lambda: gym.make("DreamWorld-v0", task="../envs/coffee-pull"), "../envs/coffee-pull")
    py(B, "task=7", lambda: gym.make("DreamWorld-v0", task=7), "7")
    py(B, "task='' ", lambda: gym.make("DreamWorld-v0", task=""), "''")
    py(B, "task='soccer' (no shipped bundle)", lambda: gym.make("DreamWorld-Soccer-v0"), "soccer")
    py(B, "success_signal='pixels'", lambda: vec(success_signal="pixels"), "pixels")
    py(B, "success_signal=1", lambda: vec(success_signal=1), "1")
    py(B, "success_signal='outcome' with success_confirmation",
       lambda: vec(success_signal="outcome", success_confirmation={"rerolls": 1, "horizon": 2}), "success_confirmation")
    py(B, "success_signal set after construction", lambda: setattr(vec(), "success_signal", "classifier"), "classifier")
    py(B, "success_confirmation={'rerolls': -1}",
       lambda: vec(success_confirmation={"rerolls": -1}), "-1")
    py(B, "success_confirmation={'reroll': 2}", lambda: vec(success_confirmation={"reroll": 2}), "reroll")
    py(B, "success_confirmation='yes'", lambda: vec(success_confirmation="yes"), "yes")
    py(B, "output='pandas'", lambda: vec(output="pandas"), "pandas")
    py(B, "unknown id version DreamWorld-CoffeePull-v9", lambda: gym.make("DreamWorld-CoffeePull-v9"), "v9")

    B = "dream env: seeds"
    for seed, mention in [(1.5, "1.5"), ("5", "'5'"), (-1, "-1"), (np.int64(3), "3"), ([1, 2], "[1, 2]"),
                          (float("nan"), "nan"), (2.0, "2.0"), (b"7", "b'7'")]:
        py(B, f"single reset(seed={seed!r})", lambda s=seed: dream().reset(seed=s), mention)
        py(B, f"vector reset(seed={seed!r})", lambda s=seed: vec().reset(seed=s), mention)

    B = "dream env: reset options"
    single_options = [
        ("frames float32", {"frames": good_frames.astype(np.float32), "actions": good_actions}, "float32"),
        ("frames with a leading batch axis", {"frames": good_frames[None], "actions": good_actions}, "(1, 4, 3, 64, 64)"),
        ("frames channel-last", {"frames": np.zeros((4, 64, 64, 3), np.uint8), "actions": good_actions}, "(4, 64, 64, 3)"),
        ("frames 32x32", {"frames": np.zeros((4, 3, 32, 32), np.uint8), "actions": good_actions}, "(4, 3, 32, 32)"),
        ("5 frames", {"frames": np.zeros((5, 3, 64, 64), np.uint8), "actions": good_actions}, "(5, 3, 64, 64)"),
        ("frames None", {"frames": None, "actions": good_actions}, "frames"),
        ("frames a string", {"frames": "frame.png", "actions": good_actions}, "frames"),
        ("frames ragged list", {"frames": [[0, 1], [2]], "actions": good_actions}, "frames"),
        ("frames int64 0..255", {"frames": good_frames.astype(np.int64), "actions": good_actions}, "int64"),
        ("actions (4, 4)", {"frames": good_frames, "actions": np.zeros((4, 4), np.float32)}, "(4, 4)"),
        ("actions (3,)", {"frames": good_frames, "actions": np.zeros(3, np.float32)}, "(3,)"),
        ("actions inf", {"frames": good_frames, "actions": np.full((3, 4), np.inf, np.float32)}, "inf"),
        ("actions NaN in one place", {"frames": good_frames, "actions": np.where(np.eye(3, 4) > 0, np.nan, 0).astype(np.float32)}, "nan"),
        ("actions strings", {"frames": good_frames, "actions": np.full((3, 4), "0.1")}, "<U3"),
        ("actions complex", {"frames": good_frames, "actions": np.zeros((3, 4), complex)}, "complex"),
        ("actions object array", {"frames": good_frames, "actions": np.full((3, 4), None)}, "object"),
        ("actions torch NaN", {"frames": good_frames, "actions": torch.full((3, 4), float("nan"))}, "nan"),
        ("only frames", {"frames": good_frames}, "actions"),
        ("extra key 'seed'", {"frames": good_frames, "actions": good_actions, "seed": 3}, "seed"),
        ("misspelt key 'frame'", {"frame": good_frames, "actions": good_actions}, "frame"),
        ("options a list", [good_frames, good_actions], "list"),
        ("options a string", "episode_start", "str"),
        ("options {'reset_mode': 'random'}", {"reset_mode": "random"}, "reset_mode"),
        # the shipped bundle judges success by its outcome model, which starts from the context's simulator state
        ("context without 'states' and 'decisions' (outcome signal)", {"frames": good_frames, "actions": good_actions}, "states"),
        ("'states' without 'decisions'", {"frames": good_frames, "actions": good_actions, "states": np.zeros(39)}, "decisions"),
        ("states (38,)", {"frames": good_frames, "actions": good_actions, "states": np.zeros(38), "decisions": 3}, "38"),
        ("states NaN", {"frames": good_frames, "actions": good_actions, "states": np.full(39, np.nan), "decisions": 3}, "nan"),
        ("decisions 2 (before a context can end)", {"frames": good_frames, "actions": good_actions, "states": np.zeros(39),
                                                   "decisions": 2}, "2"),
        ("decisions 3.5", {"frames": good_frames, "actions": good_actions, "states": np.zeros(39), "decisions": 3.5}, "float64"),
        ("decisions 50 (the episode's end)", {"frames": good_frames, "actions": good_actions, "states": np.zeros(39),
                                              "decisions": 50}, "50"),
    ]
    for label, options, mention in single_options:
        py(B, f"single: {label}", lambda o=options: dream().reset(seed=0, options=o), mention)
    py(B, "vector: unbatched frames", lambda: vec().reset(options={"frames": good_frames, "actions": good_actions}),
       "(4, 3, 64, 64)")
    py(B, "vector: 3 contexts for 2 worlds",
       lambda: vec().reset(options={"frames": np.zeros((3, 4, 3, 64, 64), np.uint8), "actions": np.zeros((3, 3, 4))}),
       "(3, 4, 3, 64, 64)")
    py(B, "vector: actions bool",
       lambda: vec().reset(options={"frames": np.zeros((2, 4, 3, 64, 64), np.uint8), "actions": np.zeros((2, 3, 4), bool)}),
       "bool")
    py(B, "vector: frames uint16",
       lambda: vec().reset(options={"frames": np.zeros((2, 4, 3, 64, 64), np.uint16), "actions": np.zeros((2, 3, 4))}),
       "uint16")

    B = "dream env: step"
    for label, action, mention in [
        ("shape (3,)", np.zeros(3, np.float32), "(3,)"), ("shape (1, 4)", np.zeros((1, 4), np.float32), "(1, 4)"),
        ("shape (4, 1)", np.zeros((4, 1), np.float32), "(4, 1)"), ("shape (2, 4)", np.zeros((2, 4)), "(2, 4)"),
        ("scalar 0.5", 0.5, "()"), ("NaN", np.array([np.nan, 0, 0, 0], np.float32), "nan"),
        ("-inf", np.array([0, -np.inf, 0, 0]), "-inf"), ("string 'up'", "up", "<U2"), ("None", None, "object"),
        ("dict", {"dx": 1}, "object"), ("list of strings", ["0", "0", "0", "0"], "<U1"),
        ("bool array", np.ones(4, bool), "bool"), ("complex", np.ones(4, complex), "complex"),
        ("empty array", np.zeros(0), "(0,)"), ("float16 inf", np.array([np.inf, 0, 0, 0], np.float16), "inf"),
        ("torch NaN tensor", torch.tensor([float("nan"), 0, 0, 0]), "nan"), ("ragged list", [[0.1], [0.2, 0.3]], "Action"),
        ("python list with None", [0.1, None, 0.0, 0.0], "object"),
    ]:
        py(B, f"single: {label}", lambda a=action: dream_reset().step(a), mention)
    for label, action, mention in [
        ("one action (4,) for 2 worlds", np.zeros(4, np.float32), "(4,)"), ("(3, 4) for 2 worlds", np.zeros((3, 4)), "(3, 4)"),
        ("(2, 3)", np.zeros((2, 3)), "(2, 3)"), ("NaN in world 1", np.array([[0, 0, 0, 0], [0, np.nan, 0, 0]]), "nan"),
        ("strings", np.full((2, 4), "a"), "<U1"), ("bools", np.zeros((2, 4), bool), "bool"),
        ("(2, 4, 1)", np.zeros((2, 4, 1)), "(2, 4, 1)"),
    ]:
        py(B, f"vector: {label}", lambda a=action: vec_reset().step(a), mention)

    B = "dream env: order and lifecycle"
    py(B, "single: step before reset", lambda: dream().step(np.zeros(4, np.float32)), "reset")
    py(B, "vector: step before reset", lambda: vec().step(np.zeros((2, 4), np.float32)), "before reset")

    def closed_single(method):
        env = dream_reset()
        env.close()
        return getattr(env, method)

    py(B, "single: step after close", lambda: closed_single("step")(np.zeros(4, np.float32)), "close")
    py(B, "single: reset after close", lambda: closed_single("reset")(seed=0), "close")
    py(B, "single: render after close", lambda: closed_single("render")(), "close")

    def closed_vec(method):
        env = vec_reset()
        env.close()
        return getattr(env, method)

    py(B, "vector: step after close", lambda: closed_vec("step")(np.zeros((2, 4), np.float32)), "close")
    py(B, "vector: reset after close", lambda: closed_vec("reset")(seed=0), "close")
    py(B, "vector: render after close", lambda: closed_vec("render")(), "close")

    def step_after_truncation(env_kwargs=None, make_kwargs=None):
        env = gym.make(dream_id, simulator=simulator, **(make_kwargs or {}), **(env_kwargs or {}))
        env.reset(seed=0)
        truncated = False
        while not truncated:
            _, _, terminated, truncated, _ = env.step(np.zeros(4, np.float32))
            if terminated:
                env.reset()
        return env.step(np.zeros(4, np.float32))

    py(GYMNASIUM, "dream: step after gym.make(max_episode_steps=2) truncated (gymnasium's TimeLimit)",
       lambda: step_after_truncation(make_kwargs={"max_episode_steps": 2}), "truncated")

    def step_after_terminated():
        env = dream_reset()
        # a context whose frames the classifier calls a success: the last frames of a successful real episode
        for _ in range(60):
            _, _, terminated, truncated, _ = env.step(np.zeros(4, np.float32))
            if terminated or truncated:
                return env.step(np.zeros(4, np.float32))
        return "episode never ended"

    py(B, "single: step after the episode ended", step_after_terminated, "reset")

    def set_attribute(target, name, value):
        setattr(target, name, value)
        return getattr(target, name)

    py(B, "single: env.unwrapped.reward_mode = 'dense'", lambda: set_attribute(dream().unwrapped, "reward_mode", "dense"), "dense")
    py(B, "single: env.unwrapped.max_episode_steps = 0", lambda: set_attribute(dream().unwrapped, "max_episode_steps", 0), "0")
    py(B, "vector: env.reset_mode = 'middle'", lambda: set_attribute(vec(), "reset_mode", "middle"), "middle")
    py(B, "vector: env.output = 'list'", lambda: set_attribute(vec(), "output", "list"), "list")

    B = "SB3 adapter"
    from dreamgym.dream.sb3 import SB3VecEnvAdapter

    def adapter(**kwargs):
        return SB3VecEnvAdapter(vec(2, **kwargs))

    py(B, "wrap a string", lambda: SB3VecEnvAdapter("DreamWorld-CoffeePull-v0"), "str")
    py(B, "wrap None", lambda: SB3VecEnvAdapter(None), "None")
    py(B, "wrap a single env", lambda: SB3VecEnvAdapter(dream()), "DreamWorldEnv")
    py(B, "wrap output='torch'", lambda: adapter(output="torch"), "torch")
    for seed, mention in [(-1, "-1"), (1.5, "1.5"), ("3", "'3'"), (np.int32(4), "4")]:
        py(B, f"seed({seed!r})", lambda s=seed: adapter().seed(s), mention)
    py(B, "set_options('random')", lambda: adapter().set_options("random"), "random")
    py(B, "set_options([{}]) for 2 worlds", lambda: adapter().set_options([{}]), "1")
    py(B, "set_options(per-world contexts)", lambda: adapter().set_options([{"frames": 1}, {"frames": 2}]), "frames")
    py(B, "set_options({'frames': unbatched})",
       lambda: adapter().set_options({"frames": good_frames, "actions": good_actions}), "(4, 3, 64, 64)")
    py(B, "get_attr('no_such_attribute')", lambda: adapter().get_attr("no_such_attribute"), "no_such_attribute")
    py(B, "set_attr('reward_mod', 'probability') (typo)", lambda: adapter().set_attr("reward_mod", "probability"), "reward_mod")
    py(B, "set_attr('reward_mode', 'dense')", lambda: adapter().set_attr("reward_mode", "dense"), "dense")
    py(B, "set_attr('output', 'torch')", lambda: adapter().set_attr("output", "torch"), "torch")
    py(B, "set_attr(indices=[0]) on one world", lambda: adapter().set_attr("reward_mode", "sparse", indices=[0]), "[0]")
    py(B, "env_method('no_such_method')", lambda: adapter().env_method("no_such_method"), "no_such_method")
    py(B, "env_method('reset', seed=-1)", lambda: adapter().env_method("reset", seed=-1), "-1")
    py(B, "get_attr(indices=[5])", lambda: adapter().get_attr("num_envs", indices=[5]), "5")
    py(B, "get_attr(indices='0')", lambda: adapter().get_attr("num_envs", indices="0"), "'0'")
    py(B, "get_attr(indices=[True])", lambda: adapter().get_attr("num_envs", indices=[True]), "True")
    py(B, "env_is_wrapped(indices=-1)", lambda: adapter().env_is_wrapped(object, indices=-1), "-1")

    def adapter_step(actions, reset=True):
        venv = adapter()
        if reset:
            venv.reset()
        return venv.step(actions)

    py(B, "step before reset", lambda: adapter_step(np.zeros((2, 4), np.float32), reset=False), "before reset")
    py(B, "step with (4,)", lambda: adapter_step(np.zeros(4, np.float32)), "(4,)")
    py(B, "step with NaN", lambda: adapter_step(np.full((2, 4), np.nan)), "nan")
    py(B, "step with strings", lambda: adapter_step(np.full((2, 4), "x")), "<U1")

    def adapter_after_close(method):
        venv = adapter()
        venv.reset()
        venv.close()
        return getattr(venv, method)

    py(B, "step after close", lambda: adapter_after_close("step")(np.zeros((2, 4), np.float32)), "close")
    py(B, "reset after close", lambda: adapter_after_close("reset")(), "close")

    B = "make_vec"
    for n, mention in [(0, "0"), (-2, "-2"), (2.5, "2.5"), ("4", "'4'"), (True, "True"), (None, "None")]:
        py(B, f"num_envs={n!r}", lambda n=n: gym.make_vec(dream_id, num_envs=n, simulator=simulator), mention)
    py(B, "vectorization_mode='turbo'",
       lambda: gym.make_vec(dream_id, num_envs=2, vectorization_mode="turbo", simulator=simulator), "turbo")

    # -- real env ---------------------------------------------------------------------------------------------------
    B = "real env: construction"
    for key, value, mention in [
        ("task", "no-such-task", "no-such-task"), ("task", 5, "5"), ("task", "", "''"),
        ("width", 0, "0"), ("width", -64, "-64"), ("width", 64.5, "64.5"), ("width", "64", "'64'"), ("width", True, "True"),
        ("width", 4, "4"), ("height", 2, "2"), ("action_repeat", 0, "0"), ("action_repeat", 1.5, "1.5"),
        ("episode_steps", 0, "0"), ("episode_steps", "50", "'50'"), ("terminate_on_success", "yes", "yes"),
        ("terminate_on_success", None, "None"),
        ("camera", "top", "top"), ("camera", 5, "5"), ("camera", [0, 0.6, 0.1], "[0, 0.6, 0.1]"),
        ("camera", {"distance": -1}, "distance"), ("camera", {}, "{}"),
        ("camera", {"lookat": [0, 0.64, 0.12], "distance": float("nan"), "azimuth": 0, "elevation": -30}, "nan"),
        ("rendering", "disc", "disc"), ("rendering", {"goal_marker": 5}, "5"), ("rendering", 3, "3"),
        ("render_mode", "rgb", "rgb"), ("bogus", 1, "bogus"),
    ]:
        py(B, f"{key}={value!r}", lambda k=key, v=value: gym.make(real_id, **{k: v}), mention)
    py(B, "MetaWorldPixels-v0 task='reach-v2'", lambda: gym.make("MetaWorldPixels-v0", task="reach-v9"), "reach-v9")

    real = gym.make(real_id)
    B = "real env: seeds and options"
    for seed, mention in [(-1, "-1"), (1.5, "1.5"), ("5", "'5'"), (np.int64(3), "3")]:
        py(B, f"reset(seed={seed!r})", lambda s=seed: real.reset(seed=s), mention)
    py(B, "reset(options={'layout': 3})", lambda: real.reset(seed=0, options={"layout": 3}), "layout")
    py(B, "reset(options='hard')", lambda: real.reset(seed=0, options="hard"), "hard")
    B = "real env: step"
    real_fresh = gym.make(real_id)
    py(B, "step before reset", lambda: real_fresh.step(np.zeros(4, np.float32)), "reset")
    for label, action, mention in [
        ("shape (3,)", np.zeros(3), "(3,)"), ("NaN", np.array([np.nan, 0, 0, 0]), "nan"), ("inf", np.array([0, np.inf, 0, 0]), "inf"),
        ("string", "left", "<U4"), ("None", None, "object"), ("bools", np.ones(4, bool), "bool"), ("(1, 4)", np.zeros((1, 4)), "(1, 4)"),
    ]:
        py(B, f"step {label}", lambda a=action: (real.reset(seed=0), real.step(a)), mention)

    def real_after_close(method):
        env = gym.make(real_id)
        env.reset(seed=0)
        env.close()
        return getattr(env, method)

    py(B, "step after close", lambda: real_after_close("step")(np.zeros(4)), "close")
    py(B, "render after close", lambda: real_after_close("render")(), "close")

    def real_step_after_timelimit():
        env = gym.make(real_id, max_episode_steps=2)
        env.reset(seed=0)
        env.step(np.zeros(4))
        _, _, _, truncated, _ = env.step(np.zeros(4))
        assert truncated
        return env.step(np.zeros(4))

    py(GYMNASIUM, "real: step after gym.make(max_episode_steps=2) truncated (gymnasium's TimeLimit)", real_step_after_timelimit,
       "truncated")

    B = "other public API"
    from dreamgym.real import ScriptedExpert
    from dreamgym.tasks import CameraConfig, RenderingConfig, get_task

    py(B, "get_task('coffee pull')", lambda: get_task("coffee pull!"), "coffee pull!")
    py(B, "get_task(None)", lambda: get_task(None), "None")
    py(B, "CameraConfig.from_dict({'lookat': 'up'})", lambda: CameraConfig.from_dict({"lookat": "up", "distance": 1}), "up")
    py(B, "CameraConfig(distance=0)", lambda: CameraConfig(lookat=(0, 0, 0), distance=0), "0")
    py(B, "RenderingConfig.from_dict({'goal_marker': {'radius': -1}})",
       lambda: RenderingConfig.from_dict({"goal_marker": {"site": "goal", "radius": -1, "rgba": [0, 1, 0, 1]}}), "-1")
    py(B, "ScriptedExpert('no-such-task')", lambda: ScriptedExpert("no-such-task"), "no-such-task")
    py(B, "ScriptedExpert(...)(state of 38)", lambda: ScriptedExpert("coffee-pull")(np.zeros(38)), "(38,)")
    py(B, "ScriptedExpert(...)(NaN state)", lambda: ScriptedExpert("coffee-pull")(np.full(39, np.nan)), "nan")
    from dreamgym.policy.model import load_policy

    py(B, "load_policy(a text file)", lambda: load_policy(a_file("policy.zip")), "policy.zip")
    py(B, "load_policy(a folder)", lambda: load_policy(fresh("policy-folder")), "policy-folder")
    py(B, "load_policy(a manifest.json)", lambda: load_policy(SHIPPED / "manifest.json"), "manifest.json")

    # -- LearnedSimulator and bundles ------------------------------------------------------------------------------
    bundle_cases()
    episode_cases()


@dataclass
class Raw:
    text: str


@dataclass
class Whole:
    value: Any


def bundle_cases() -> None:
    import torch

    from dreamgym.bundle import load_bundle, read_manifest, record_checksums
    from dreamgym.dream.simulator import LearnedSimulator

    B = "bundle: paths"
    py(B, "LearnedSimulator.load(42)", lambda: LearnedSimulator.load(42), "42")
    py(B, "LearnedSimulator.load(None)", lambda: LearnedSimulator.load(None), "None")
    py(B, "load_bundle(nonexistent)", lambda: load_bundle(TMP / "nowhere"), "nowhere")
    py(B, "load_bundle(a file)", lambda: load_bundle(a_file("manifest.json")), "manifest.json")
    py(B, "load_bundle(empty folder)", lambda: load_bundle(fresh("empty-bundle")), "empty-bundle")
    py(B, "LearnedSimulator.load(device='gpu')", lambda: LearnedSimulator.load(bundle_copy(), device="gpu"), "gpu")
    py(B, "LearnedSimulator.load(sampler='student')", lambda: LearnedSimulator.load(bundle_copy(), sampler="student"), "student")
    py(B, "LearnedSimulator.load(sampler=3)", lambda: LearnedSimulator.load(bundle_copy(), sampler=3), "3")

    B = "bundle: manifest"
    manifest_cases = [
        ("invalid JSON", lambda d: Raw("{not json"), "manifest.json"),
        ("a JSON list", lambda d: Whole([d]), "list"),
        ("format_version 3", lambda d: d.update(format_version=3), "3"),
        ("format_version '2'", lambda d: d.update(format_version="2"), "'2'"),
        ("format_version 2.0", lambda d: d.update(format_version=2.0), "2.0"),
        ("image_size 0", lambda d: d.update(image_size=0), "0"),
        ("image_size '64'", lambda d: d.update(image_size="64"), "'64'"),
        ("image_size 32 (model is 64)", lambda d: d.update(image_size=32), "32"),
        ("episode_steps -5", lambda d: d.update(episode_steps=-5), "-5"),
        ("episode_steps 50.5", lambda d: d.update(episode_steps=50.5), "50.5"),
        ("episode_steps true", lambda d: d.update(episode_steps=True), "True"),
        ("action_repeat null", lambda d: d.update(action_repeat=None), "None"),
        ("action_dim 3 (model is 4)", lambda d: d.update(action_dim=3), "3"),
        ("context_frames 2 (model is 4)", lambda d: d.update(context_frames=2), "2"),
        ("tasks []", lambda d: d.update(tasks=[]), "[]"),
        ("tasks 'coffee-pull' (a string)", lambda d: d.update(tasks="coffee-pull"), "coffee-pull"),
        ("tasks [5]", lambda d: d.update(tasks=[5]), "[5]"),
        ("camera distance 0", lambda d: d["camera"].update(distance=0), "camera"),
        ("camera lookat of 2", lambda d: d["camera"].update(lookat=[0, 1]), "camera"),
        ("camera a string", lambda d: d.update(camera="default"), "default"),
        ("components world_model '../world_model'", lambda d: d["components"].update(world_model="../world_model"), "../world_model"),
        ("components world_model absolute", lambda d: d["components"].update(world_model="/etc"), "/etc"),
        ("components without world_model", lambda d: d["components"].pop("world_model"), "world_model"),
        ("components a list", lambda d: d.update(components=["world_model"]), "['world_model']"),
        ("files digest uppercase", lambda d: d["files"].update({"world_model/config.json": d["files"]["world_model/config.json"].upper()}), "world_model/config.json"),
        ("files digest of another file", lambda d: d["files"].update({"world_model/model.safetensors": d["files"]["reward_model/model.safetensors"]}), "model.safetensors"),
        ("files lists a missing file", lambda d: d["files"].update({"world_model/extra.bin": "0" * 64}), "extra.bin"),
        ("files lacks an entry", lambda d: d["files"].pop("reward_model/config.json"), "reward_model/config.json"),
        ("files path '../x'", lambda d: d["files"].update({"../x": "0" * 64}), "../x"),
        ("files removed", lambda d: d.pop("files"), "files"),
        ("sampler num_steps 0", lambda d: d["sampler"].update(num_steps=0), "num_steps"),
        ("sampler unknown key", lambda d: d["sampler"].update(speed=3), "speed"),
        ("sampler sigma_min > sigma_max", lambda d: d["sampler"].update(sigma_min=10.0), "sigma"),
        ("sampler rho NaN", lambda d: d["sampler"].update(rho=float("nan")), "nan"),
        ("default_sampler 'fast'", lambda d: d.update(default_sampler="fast"), "fast"),
        ("distilled_sampler without its component", lambda d: d["components"].pop("distilled_world_model"), "distilled"),
        ("unknown key", lambda d: d.update(checksum="none"), "checksum"),
        ("missing key episode_steps", lambda d: d.pop("episode_steps"), "episode_steps"),
        ("rendering 'disc'", lambda d: d.update(rendering="disc"), "disc"),
        ("rendering goal radius -1", lambda d: d["rendering"]["goal_marker"].update(radius=-1), "-1"),
        ("rendering of Meta-World (null goal marker)", lambda d: d.update(rendering={"goal_marker": None}), "goal"),
        ("provenance a list", lambda d: d.update(provenance=[]), "provenance"),
        ("manifest empty file", lambda d: Raw(""), "manifest.json"),
        ("manifest binary", lambda d: Raw("\udcff"), "manifest.json"),
    ]
    for label, change, mention in manifest_cases:
        def run(change=change):
            bundle = bundle_copy()
            data = manifest_of(bundle)
            result = change(data)  # edits ``data`` in place, or returns Raw text / Whole replacement
            if isinstance(result, Raw):
                replace_bytes(bundle / "manifest.json", result.text.encode("utf-8", "surrogateescape"))
            else:
                write_manifest(bundle, result.value if isinstance(result, Whole) else data)
            return LearnedSimulator.load(bundle)
        py(B, label, run, mention)

    B = "bundle: component files (checksums updated by a hostile user)"
    weights = SHIPPED / "world_model" / "model.safetensors"
    shipped = weights.read_bytes()
    state = load_tensors(weights)
    first = sorted(state)[0]
    float_name = next(name for name in sorted(state) if state[name].is_floating_point() and state[name].ndim >= 2)

    def changed_state(change):
        new = dict(state)
        change(new)
        return safetensors_bytes(new, {"format": "pt"})

    component_cases = [
        ("world model truncated to half", "world_model/model.safetensors", shipped[: len(shipped) // 2], "model.safetensors"),
        ("world model 8 bytes", "world_model/model.safetensors", shipped[:8], "model.safetensors"),
        ("world model empty", "world_model/model.safetensors", b"", "model.safetensors"),
        ("world model random bytes", "world_model/model.safetensors", os.urandom(4096), "model.safetensors"),
        ("world model header claims huge size", "world_model/model.safetensors", (10**12).to_bytes(8, "little") + b"{}", "model.safetensors"),
        ("world model a tensor NaN", "world_model/model.safetensors",
         changed_state(lambda s: s.update({float_name: torch.full_like(s[float_name], float("nan"))})), "nan"),
        ("world model a tensor flattened", "world_model/model.safetensors",
         changed_state(lambda s: s.update({float_name: s[float_name].reshape(-1)})), float_name),
        ("world model a tensor int32", "world_model/model.safetensors",
         changed_state(lambda s: s.update({float_name: s[float_name].to(torch.int32)})), "int32"),
        ("world model a tensor missing", "world_model/model.safetensors", changed_state(lambda s: s.pop(first)), first),
        ("world model an extra tensor", "world_model/model.safetensors",
         changed_state(lambda s: s.update({"backdoor.weight": torch.zeros(3)})), "backdoor"),
        ("world model tensors of the reward model", "world_model/model.safetensors",
         (SHIPPED / "reward_model" / "model.safetensors").read_bytes(), "model.safetensors"),
        ("world model config invalid JSON", "world_model/config.json", b"{", "config.json"),
        ("world model config a list", "world_model/config.json", b"[]", "config.json"),
        ("world model config unknown key", "world_model/config.json",
         json.dumps({**json.loads((SHIPPED / "world_model/config.json").read_text()), "dropout": 0.5}).encode(), "dropout"),
        ("world model config channels [0]", "world_model/config.json",
         json.dumps({**json.loads((SHIPPED / "world_model/config.json").read_text()), "channels": [0]}).encode(), "channels"),
        ("world model config channels []", "world_model/config.json",
         json.dumps({**json.loads((SHIPPED / "world_model/config.json").read_text()), "channels": []}).encode(), "channels"),
        ("world model config patch_size 3", "world_model/config.json",
         json.dumps({**json.loads((SHIPPED / "world_model/config.json").read_text()), "patch_size": 3}).encode(), "patch_size"),
        ("world model config image_size 32", "world_model/config.json",
         json.dumps({**json.loads((SHIPPED / "world_model/config.json").read_text()), "image_size": 32}).encode(), "32"),
        ("world model config layers_per_block -1", "world_model/config.json",
         json.dumps({**json.loads((SHIPPED / "world_model/config.json").read_text()), "layers_per_block": -1}).encode(), "layers_per_block"),
        ("world model config context_frames '4'", "world_model/config.json",
         json.dumps({**json.loads((SHIPPED / "world_model/config.json").read_text()), "context_frames": "4"}).encode(), "context_frames"),
        ("reward config threshold 1.5", "reward_model/config.json",
         json.dumps({**json.loads((SHIPPED / "reward_model/config.json").read_text()), "threshold": 1.5}).encode(), "threshold"),
        ("reward config threshold NaN", "reward_model/config.json",
         json.dumps({**json.loads((SHIPPED / "reward_model/config.json").read_text()), "threshold": float("nan")}).encode(), "threshold"),
        ("reward config image_size 32", "reward_model/config.json",
         json.dumps({**json.loads((SHIPPED / "reward_model/config.json").read_text()), "image_size": 32}).encode(), "32"),
        ("reward weights truncated", "reward_model/model.safetensors",
         (SHIPPED / "reward_model/model.safetensors").read_bytes()[:1000], "model.safetensors"),
        ("initial states truncated", "initial_states/episodes.npz",
         (SHIPPED / "initial_states/episodes.npz").read_bytes()[:5000], "episodes.npz"),
        ("initial states random bytes", "initial_states/episodes.npz", os.urandom(3000), "episodes.npz"),
        ("initial states without actions", "initial_states/episodes.npz",
         npz_bytes(frames=np.zeros((2, 20, 3, 64, 64), np.uint8)), "actions"),
        ("initial states empty (0 episodes)", "initial_states/episodes.npz",
         npz_bytes(frames=np.zeros((0, 20, 3, 64, 64), np.uint8), actions=np.zeros((0, 19, 4), np.float32)), "empty"),
        ("initial states with 2 frames (< 4)", "initial_states/episodes.npz",
         npz_bytes(frames=np.zeros((3, 2, 3, 64, 64), np.uint8), actions=np.zeros((3, 1, 4), np.float32)), "2"),
        ("initial states 32x32", "initial_states/episodes.npz",
         npz_bytes(frames=np.zeros((3, 20, 3, 32, 32), np.uint8), actions=np.zeros((3, 19, 4), np.float32)), "32"),
        ("initial states float frames", "initial_states/episodes.npz",
         npz_bytes(frames=np.zeros((3, 20, 3, 64, 64), np.float32), actions=np.zeros((3, 19, 4), np.float32)), "float32"),
        ("initial states actions NaN", "initial_states/episodes.npz",
         npz_bytes(frames=np.zeros((3, 20, 3, 64, 64), np.uint8), actions=np.full((3, 19, 4), np.nan, np.float32)), "nan"),
        ("initial states actions of 3", "initial_states/episodes.npz",
         npz_bytes(frames=np.zeros((3, 20, 3, 64, 64), np.uint8), actions=np.zeros((3, 19, 3), np.float32)), "3"),
        ("initial states actions out of [-1, 1]", "initial_states/episodes.npz",
         npz_bytes(frames=np.zeros((3, 20, 3, 64, 64), np.uint8), actions=np.full((3, 19, 4), 7.0, np.float32)), "7"),
        ("initial states pickled object array", "initial_states/episodes.npz",
         npz_bytes(frames=np.array([object()], dtype=object), actions=np.zeros((3, 19, 4), np.float32)), "episodes.npz"),
    ]
    for label, relative, data, mention in component_cases:
        # the world model's files are read by the teacher sampler (the default one is the distilled student)
        sampler = "teacher" if relative.startswith("world_model/") else None
        py(B, label, lambda r=relative, d=data, s=sampler: LearnedSimulator.load(tamper_file(r, d), sampler=s), mention)
    student = (SHIPPED / "distilled_world_model/model.safetensors").read_bytes()
    for label, data, mention in [
        ("distilled world model truncated", student[: len(student) // 3], "model.safetensors"),
        ("distilled world model = the teacher's float32 weights of another shape", safetensors_bytes({"x": torch.zeros(2)}), "x"),
        ("distilled world model config image_size 48", json.dumps({**json.loads((SHIPPED / "distilled_world_model/config.json").read_text()), "image_size": 48}).encode(), "48"),
    ]:
        relative = "distilled_world_model/" + ("config.json" if "config" in label else "model.safetensors")
        py(B, label, lambda r=relative, d=data: LearnedSimulator.load(tamper_file(r, d)), mention)

    B = "bundle: tampering without updating checksums"
    flipped = bytearray(shipped)
    flipped[len(flipped) // 2] ^= 0x01
    py(B, "one bit of the world model flipped", lambda: load_bundle(tamper_file("world_model/model.safetensors", bytes(flipped), rechecksum=False)), "model.safetensors")
    py(B, "reward config edited", lambda: LearnedSimulator.load(tamper_file("reward_model/config.json", b'{"image_size": 64}', rechecksum=False)), "config.json")
    py(B, "extra file in a component folder", lambda: LearnedSimulator.load(tamper_file("world_model/notes.txt", b"hi", rechecksum=False)), "notes.txt")
    py(B, "a component file deleted",
       lambda: LearnedSimulator.load(tamper_file("reward_model/config.json", b"", rechecksum=False,
                                                 extra=lambda b: (b / "reward_model/config.json").unlink())), "config.json")

    def symlink_outside():
        bundle = bundle_copy()
        outside = fresh("outside") / "reward_model"
        shutil.copytree(bundle / "reward_model", outside)
        shutil.rmtree(bundle / "reward_model")
        (bundle / "reward_model").symlink_to(outside)
        return LearnedSimulator.load(bundle)

    py(B, "reward_model a symlink out of the bundle", symlink_outside, "outside")

    def manifest_symlink():
        bundle = bundle_copy()
        target = fresh("elsewhere") / "manifest.json"
        shutil.copy(bundle / "manifest.json", target)
        (bundle / "manifest.json").unlink()
        (bundle / "manifest.json").symlink_to(target)
        return read_manifest(bundle)

    py(B, "manifest.json a symlink out of the bundle", manifest_symlink, "manifest.json")

    def bless_corrupt():
        bundle = tamper_file("world_model/model.safetensors", bytes(flipped), rechecksum=False)
        return record_checksums(bundle)

    py(B, "record_checksums over a corrupt file", bless_corrupt, "model.safetensors")
    py(B, "lacks the reward model component",
       lambda: LearnedSimulator.load(tamper_manifest(lambda d: (d["components"].pop("reward_model"),
                                                              [d["files"].pop(k) for k in list(d["files"]) if k.startswith("reward_model/")]) and None)),
       "reward_model")


def episode_cases() -> None:
    from dreamgym.data.episode import Episode, load_episode, load_episodes, make_episode, save_episode

    B = "episode files: load_episode"
    meta = {"format_version": 1, "task": "coffee-pull", "source": "probe"}

    def meta_array(**changes):
        return np.array(json.dumps({**meta, **changes}))

    good = episode_file("good.npz").read_bytes()
    file_cases = [
        ("truncated", good[: len(good) // 3], "bad.npz"),
        ("empty file", b"", "bad.npz"),
        ("a text file", b"frames,actions\n1,2\n", "bad.npz"),
        ("a zip of nothing", npz_bytes(), "bad.npz"),
        ("without success", npz_bytes(**episode_arrays(success=None)), "success"),
        ("meta not JSON", npz_bytes(**episode_arrays(meta=np.array("{task"))), "meta"),
        ("meta a JSON list", npz_bytes(**episode_arrays(meta=np.array("[1, 2]"))), "meta"),
        ("meta format_version '1'", npz_bytes(**episode_arrays(meta=meta_array(format_version="1"))), "'1'"),
        ("meta format_version 2", npz_bytes(**episode_arrays(meta=meta_array(format_version=2))), "2"),
        ("meta task ''", npz_bytes(**episode_arrays(meta=meta_array(task=""))), "task"),
        ("meta source 7", npz_bytes(**episode_arrays(meta=meta_array(source=7))), "source"),
        ("meta width 32 for 64 frames", npz_bytes(**episode_arrays(meta=meta_array(width=32))), "32"),
        ("meta an array of numbers", npz_bytes(**episode_arrays(meta=np.arange(3))), "meta"),
        ("frames float32", npz_bytes(**episode_arrays(frames=np.zeros((4, 3, 64, 64), np.float32))), "float32"),
        ("frames channel-last", npz_bytes(**episode_arrays(frames=np.zeros((4, 64, 64, 3), np.uint8))), "(4, 64, 64, 3)"),
        ("frames 64x48", npz_bytes(**episode_arrays(frames=np.zeros((4, 3, 64, 48), np.uint8))), "64x48"),
        ("frames one too many", npz_bytes(**episode_arrays(frames=np.zeros((5, 3, 64, 64), np.uint8))), "5"),
        ("frames pickled objects", npz_bytes(**episode_arrays(frames=np.array([None, 1], dtype=object))), "bad.npz"),
        ("actions 1.5", npz_bytes(**episode_arrays(actions=np.full((3, 4), 1.5, np.float32))), "1.5"),
        ("actions NaN", npz_bytes(**episode_arrays(actions=np.full((3, 4), np.nan, np.float32))), "nan"),
        ("actions float64", npz_bytes(**episode_arrays(actions=np.zeros((3, 4), np.float64))), "float64"),
        ("actions (3, 4, 1)", npz_bytes(**episode_arrays(actions=np.zeros((3, 4, 1), np.float32))), "(3, 4, 1)"),
        ("rewards inf", npz_bytes(**episode_arrays(rewards=np.array([0, np.inf, 0], np.float32))), "inf"),
        ("rewards (4,)", npz_bytes(**episode_arrays(rewards=np.zeros(4, np.float32))), "(4,)"),
        ("success uint8 with 2", npz_bytes(**episode_arrays(success=np.array([0, 2, 0, 1], np.uint8))), "2"),
        ("success float 0.5", npz_bytes(**episode_arrays(success=np.array([0, 0.5, 0, 1]))), "0.5"),
        ("success (3,)", npz_bytes(**episode_arrays(success=np.zeros(3, bool))), "(3,)"),
        ("states NaN", npz_bytes(**episode_arrays(states=np.full((4, 39), np.nan))), "nan"),
        ("states float32", npz_bytes(**episode_arrays(states=np.zeros((4, 39), np.float32))), "float32"),
        ("zero steps", npz_bytes(**episode_arrays(steps=0)), "bad.npz"),
    ]
    for label, data, mention in file_cases:
        def run(data=data):
            path = fresh("episode") / "bad.npz"
            path.write_bytes(data)
            return load_episode(path)
        py(B, label, run, mention)
    py(B, "nonexistent path", lambda: load_episode(TMP / "none.npz"), "none.npz")
    py(B, "a folder", lambda: load_episode(fresh("folder.npz")), "folder.npz")
    py(B, "path 5", lambda: load_episode(5), "5")

    B = "episode files: load_episodes (datasets)"

    def mixed(**override):
        folder = valid_dataset()
        episode_file("coffee-pull/expert/expert-99.npz", folder=folder, **override)
        return load_episodes(folder)

    py(B, "an episode of 32x32 frames among 64x64", lambda: mixed(frames=np.zeros((4, 3, 32, 32), np.uint8)), "32x32")
    py(B, "an episode of 5 steps among 6", lambda: mixed(**episode_arrays(steps=5)), "5 steps")
    py(B, "a truncated file among good ones",
       lambda: (lambda f: ((f / "coffee-pull/expert/expert-1.npz").write_bytes(b"PK\x03\x04junk"), load_episodes(f)))(valid_dataset()),
       "expert-1.npz")
    py(B, "root nonexistent", lambda: load_episodes(TMP / "no-data"), "no-data")
    py(B, "root a file", lambda: load_episodes(a_file("data.npz")), "data.npz")
    py(B, "tasks='coffee-pull' (one string)", lambda: load_episodes(valid_dataset(), tasks="coffee-pull"), "coffee-pull")
    py(B, "tasks=[5]", lambda: load_episodes(valid_dataset(), tasks=[5]), "[5]")

    B = "episode files: make_episode / save_episode"
    frames = np.zeros((4, 3, 64, 64), np.uint8)
    actions = np.zeros((3, 4), np.float32)
    rewards = np.zeros(3, np.float32)
    success = np.zeros(4, bool)
    task_meta = {"task": "coffee-pull", "source": "probe"}
    for label, args, mention in [
        ("frames float64", (frames.astype(float), actions, rewards, success, task_meta), "float64"),
        ("frames a list of ints", (frames.tolist(), actions, rewards, success, task_meta), "int64"),
        ("actions bools", (frames, np.ones((3, 4), bool), rewards, success, task_meta), "bool"),
        ("actions strings", (frames, np.full((3, 4), "0"), rewards, success, task_meta), "<U1"),
        ("actions ragged", (frames, [[0, 0, 0, 0], [0]], rewards, success, task_meta), "actions"),
        ("actions 2.0", (frames, np.full((3, 4), 2.0), rewards, success, task_meta), "2.0"),
        ("rewards NaN", (frames, actions, [0, float("nan"), 0], success, task_meta), "nan"),
        ("success [0, 1, 2, 0]", (frames, actions, rewards, [0, 1, 2, 0], task_meta), "2"),
        ("success ['yes', ...]", (frames, actions, rewards, ["yes", "no", "no", "no"], task_meta), "<U3"),
        ("meta without task", (frames, actions, rewards, success, {"source": "probe"}), "task"),
        ("meta a list", (frames, actions, rewards, success, ["coffee-pull"]), "list"),
        ("meta with a set", (frames, actions, rewards, success, {**task_meta, "tags": {1, 2}}), "tags"),
        ("meta with NaN", (frames, actions, rewards, success, {**task_meta, "noise_std": float("nan")}), "noise_std"),
        ("meta format_version 0", (frames, actions, rewards, success, {**task_meta, "format_version": 0}), "0"),
        ("meta key 3", (frames, actions, rewards, success, {**task_meta, 3: "x"}), "3"),
        ("frames (4, 3, 64, 0)", (np.zeros((4, 3, 64, 0), np.uint8), actions, rewards, success, task_meta), "(4, 3, 64, 0)"),
        ("states of other length", (frames, actions, rewards, success, task_meta, np.zeros((3, 39))), "(3, 39)"),
    ]:
        py(B, f"make_episode: {label}", lambda a=args: make_episode(*a), mention)
    episode = make_episode(frames, actions, rewards, success, task_meta)
    py(B, "save_episode to 'x.txt'", lambda: save_episode(episode, fresh("save") / "x.txt"), "x.txt")
    py(B, "save_episode to '.npz'", lambda: save_episode(episode, fresh("save") / ".npz"), ".npz")
    py(B, "save_episode into a folder that is a file", lambda: save_episode(episode, a_file("plain") / "ep.npz"), "plain")
    py(B, "save_episode onto a folder", lambda: save_episode(episode, fresh("save-dir.npz")), "save-dir.npz")
    py(B, "save_episode(path=3.5)", lambda: save_episode(episode, 3.5), "3.5")
    py(B, "save_episode(a dict)", lambda: save_episode({"frames": frames}, fresh("save") / "ep.npz"), "dict")
    broken = Episode(frames=frames, actions=np.full((3, 4), 9.0, np.float32), rewards=rewards, success=success,
                     meta={"format_version": 1, **task_meta})
    py(B, "save_episode of an episode edited after make (actions 9)", lambda: save_episode(broken, fresh("save") / "ep.npz"), "9.0")


# -- CLI cases -------------------------------------------------------------------------------------------------------
def cli_cases() -> None:
    data = valid_dataset()
    existing = a_file("existing-output.txt", b"precious\n")
    under_file = existing / "sub"
    empty = fresh("empty-folder")
    text = a_file("notes.txt")
    fake_zip = a_file("policy.zip", b"PK\x03\x04 not a real zip")
    bc = SHIPPED / "policies" / "bc.zip"
    keep = (existing,)

    B = "CLI: general"
    cli(B, "no command", [], "command")
    cli(B, "unknown command", ["trian-world-model"], "trian-world-model")
    cli(B, "tasks with an extra argument", ["tasks", "coffee-pull"], "coffee-pull")
    cli(B, "unknown option", ["collect", "--episodes", "3"], "--episodes")
    cli(B, "check-rendering --fast", ["check-rendering", "--fast"], "--fast")

    numeric = {
        "collect": (["--out", "{out}", "--expert", "1", "--noisy-expert", "0", "--random", "0", "--steps", "2"],
                    {"--expert": ["-1", "x"], "--noisy-expert": ["-2"], "--bc": ["-1"], "--branch": ["1.5"], "--random": ["-1"],
                     "--steps": ["0", "1e3"], "--size": ["0", "sixty-four"], "--seed-offset": ["-5"], "--workers": ["0", "two"]}),
        "train-world-model": (["--data", str(data), "--out", "{out}", "--steps", "1"],
                              {"--steps": ["0", "1.5"], "--batch-size": ["0", "-8"], "--lr": ["0", "nan", "-1e-3", "inf"],
                               "--seed": ["-1"], "--size": ["0"], "--channels": ["0", "32.5"], "--layers-per-block": ["0"],
                               "--patch-size": ["0"], "--checkpoint-every": ["0"], "--eval-every": ["-1"]}),
        "distill-world-model": (["--teacher", str(SHIPPED), "--data", str(data), "--out", "{out}", "--steps", "1"],
                                {"--steps": ["0"], "--batch-size": ["0"], "--lr": ["nan", "0"], "--seed": ["x"],
                                 "--checkpoint-every": ["0"], "--eval-every": ["0"]}),
        "train-reward": (["--data", str(data), "--out", "{out}", "--steps", "1"],
                         {"--steps": ["0"], "--batch-size": ["1", "0"], "--lr": ["-0.1"], "--size": ["-64"], "--seed": ["1.0"],
                          "--imagined-horizon": ["0"]}),
        "export-bundle": (["--run", str(empty), "--out", "{out}"], {"--initial-state-frames": ["0", "x"]}),
        "train-bc": (["--data", str(data), "--out", "{out}/bc.zip", "--steps", "1"],
                     {"--steps": ["0"], "--batch-size": ["0"], "--lr": ["0", "inf"], "--shift": ["-1"], "--seed": ["-3"]}),
        "refine": (["--bc-model", str(bc), "--method", "ppo", "--out", "{out}", "--iterations", "1", "--critic-warmup", "0", "--num-envs", "1",
                    "--n-steps", "2", "--batch-size", "2"],
                   {"--iterations": ["0"], "--num-envs": ["0", "1.5"], "--n-steps": ["0"], "--batch-size": ["1"],
                    "--epochs": ["0"], "--actor-lr": ["-1", "nan"], "--critic-lr": ["0"], "--critic-warmup": ["-1"],
                    "--log-std-max": ["inf"], "--ent-coef": ["-0.1"], "--initial-log-std": ["nan"], "--log-std-lr": ["-1"],
                    "--anchor-kl": ["-1"], "--horizon": ["0"], "--confirm-rerolls": ["-1"], "--confirm-horizon": ["0"],
                    "--denoising-steps": ["0", "11"], "--checkpoint-every": ["0"], "--monitor-real-episodes": ["-1"],
                    "--seed": ["-1"]}),
        "evaluate": (["--model", str(bc), "--episodes", "1", "--dream-episodes", "1", "--seeds", "0"],
                     {"--episodes": ["0"], "--dream-episodes": ["0", "-1"], "--seeds": ["-1", "x"], "--denoising-steps": ["12"]}),
        "demo": (["--out", "{out}", "--real-episodes", "1", "--dream-episodes", "1", "--refine-iterations", "1"],
                 {"--real-episodes": ["0"], "--dream-episodes": ["-1"], "--refine-iterations": ["0"]}),
    }
    for command, (base, options) in numeric.items():
        for option, values in options.items():
            for value in values:
                argv = [a.replace("{out}", str(fresh("out") / "run")) for a in base]
                if option in argv:
                    index = argv.index(option)
                    del argv[index : index + 2]
                cli(f"CLI: {command}", f"{option} {value}", [command, *argv, option, value], option, value, timeout=60)

    choices = [
        ("collect", ["--split", "test"], "test"), ("train-world-model", ["--data", str(data), "--out", str(fresh("o")), "--action-encoding", "three_hot"], "three_hot"),
        ("refine", ["--bc-model", str(bc), "--reset-mode", "middle"], "middle"), ("refine", ["--bc-model", str(bc), "--sampler", "fast"], "fast"),
        ("evaluate", ["--model", str(bc), "--sampler", "student"], "student"),
        ("train-bc", ["--data", str(data), "--device", "gpu"], "gpu"), ("train-bc", ["--data", str(data), "--device", "cuda"], "cuda"),
        ("refine", ["--bc-model", str(bc), "--device", "cuda:3"], "cuda:3"),
    ]
    for command, argv, mention in choices:
        cli(f"CLI: {command}", f"choice {' '.join(argv[-2:])}", [command, *argv], mention)

    B = "CLI: input paths"
    nowhere = TMP / "does-not-exist"
    for command, argv, *mention in [
        ("train-world-model", ["--data", nowhere, "--out", fresh("o")], "does-not-exist"),
        ("train-world-model", ["--data", text, "--out", fresh("o")], "notes.txt"),
        ("train-world-model", ["--data", empty, "--out", fresh("o"), "--steps", "1"], "empty-folder"),
        ("train-world-model", ["--data", data, "--out", fresh("o"), "--task", "soccer", "--steps", "1"], "soccer"),
        ("train-world-model", ["--data", data, "--out", fresh("o"), "--init-from", text, "--steps", "1"], "notes.txt"),
        ("train-world-model", ["--data", data, "--out", fresh("o"), "--init-from", empty, "--steps", "1"], "empty-folder"),
        ("train-world-model", ["--data", data, "--out", fresh("o"), "--init-from", SHIPPED, "--channels", "16", "--steps", "1"], "--channels"),
        ("train-world-model", ["--data", data, "--out", fresh("o"), "--size", "32", "--steps", "1"], "32"),
        ("train-world-model", ["--data", data, "--out", fresh("o"), "--patch-size", "3", "--steps", "1"], "3"),
        ("train-world-model", ["--data", data, "--out", fresh("o"), "--batch-size", "100000", "--steps", "1"], "100000"),
        ("distill-world-model", ["--teacher", nowhere, "--out", fresh("o")], "does-not-exist"),
        ("distill-world-model", ["--teacher", empty, "--data", data, "--out", fresh("o"), "--steps", "1"], "empty-folder"),
        ("distill-world-model", ["--teacher", text, "--data", data, "--out", fresh("o"), "--steps", "1"], "notes.txt"),
        ("distill-world-model", ["--teacher", SHIPPED, "--data", empty, "--out", fresh("o"), "--steps", "1"], "empty-folder"),
        ("train-reward", ["--data", nowhere, "--out", fresh("o")], "does-not-exist"),
        ("train-reward", ["--data", empty, "--out", fresh("o"), "--steps", "1"], "empty-folder"),
        ("train-reward", ["--data", data, "--out", fresh("o"), "--world-model", text, "--steps", "1"], "notes.txt"),
        ("train-reward", ["--data", data, "--out", fresh("o"), "--task", "no-such-task", "--steps", "1"], "no-such-task"),
        ("export-bundle", ["--run", nowhere, "--out", fresh("o")], "does-not-exist"),
        ("export-bundle", ["--run", empty, "--out", fresh("o")], "empty-folder"),
        ("export-bundle", ["--run", text, "--out", fresh("o")], "notes.txt"),
        ("export-bundle", ["--run", empty, "--out", fresh("o"), "--metrics", text], "notes.txt"),
        ("export-bundle", ["--run", empty, "--out", fresh("o"), "--reward-run", nowhere], "does-not-exist"),
        ("add-distilled-world-model", ["--bundle", empty, "--distill-run", empty], "empty-folder"),
        ("add-distilled-world-model", ["--bundle", text, "--distill-run", empty], "notes.txt"),
        ("replace-reward", ["--bundle", empty, "--reward-run", empty], "empty-folder"),
        ("replace-reward", ["--bundle", nowhere, "--reward-run", empty], "does-not-exist"),
        ("train-bc", ["--data", nowhere], "does-not-exist"),
        ("train-bc", ["--data", empty, "--out", fresh("o") / "bc.zip", "--steps", "1"], "empty-folder"),
        ("train-bc", ["--data", data, "--task", "no-such-task", "--out", fresh("o") / "bc.zip", "--steps", "1"], "no-such-task"),
        ("train-bc", ["--data", data, "--out", fresh("o") / "bc.pt", "--steps", "1"], "bc.pt"),
        ("refine", ["--bc-model", nowhere], "does-not-exist"),
        ("refine", ["--method", "ppo", "--bc-model", fake_zip, "--out", fresh("o"), "--iterations", "1", "--critic-warmup", "0"], "policy.zip"),
        ("refine", ["--method", "ppo", "--bc-model", text, "--out", fresh("o"), "--iterations", "1", "--critic-warmup", "0"], "notes.txt"),
        ("refine", ["--method", "ppo", "--bc-model", bc, "--bundle", empty, "--out", fresh("o"), "--iterations", "1", "--critic-warmup", "0"], "empty-folder"),
        ("refine", ["--method", "ppo", "--bc-model", bc, "--task", "no-such-task", "--out", fresh("o"), "--iterations", "1", "--critic-warmup", "0"], "no-such-task"),
        ("refine", ["--method", "ppo", "--bc-model", bc, "--task", "soccer", "--out", fresh("o"), "--iterations", "1", "--critic-warmup", "0"], "soccer"),
        ("refine", ["--method", "ppo", "--bc-model", bc, "--denoising-steps", "3", "--out", fresh("o"), "--iterations", "1", "--critic-warmup", "0"], "denoising"),
        ("refine", ["--method", "ppo", "--bc-model", bc, "--confirm-rerolls", "100", "--out", fresh("o"), "--iterations", "1", "--critic-warmup", "0"], "100"),
        ("evaluate", ["--model", nowhere], "does-not-exist"),
        ("evaluate", ["--model", fake_zip, "--episodes", "1", "--dream-episodes", "1"], "policy.zip"),
        ("evaluate", ["--model", bc, "--task", "no-such-task", "--episodes", "1", "--dream-episodes", "1"], "no-such-task"),
        ("evaluate", ["--model", bc, "--real-only", "--dream-only"], "--dream-only"),
        ("evaluate", ["--model", bc, "--episodes", "1", "--real-only", "--denoising-steps", "3"], "denoising"),
        ("collect", ["--task", "no-such-task", "--out", fresh("o"), "--expert", "1", "--noisy-expert", "0", "--random", "0"], "no-such-task"),
        ("collect", ["--task", "all", "bogus", "--out", fresh("o"), "--expert", "1", "--noisy-expert", "0", "--random", "0"], "bogus", "'all'"),
        ("collect", ["--out", fresh("o"), "--bc", "1", "--expert", "0", "--noisy-expert", "0", "--random", "0"], "--bc-policy"),
        ("collect", ["--out", fresh("o"), "--bc", "1", "--bc-policy", fake_zip, "--expert", "0", "--noisy-expert", "0", "--random", "0"], "policy.zip"),
        ("collect", ["--out", fresh("o"), "--size", "4", "--expert", "1", "--noisy-expert", "0", "--random", "0", "--steps", "1"], "4"),
        ("collect", ["--out", fresh("o"), "--expert", "0", "--noisy-expert", "0", "--random", "0"], "0"),
        ("collect", ["--out", fresh("o"), "--expert", "1", "--noisy-expert", "0", "--random", "0", "--bc-noise", "0", "0.2"], "--bc-policy"),
        ("collect", ["--out", fresh("o"), "--bc", "1", "--bc-policy", bc, "--expert", "0", "--noisy-expert", "0", "--random", "0",
                     "--bc-noise", "0.5", "0.1"], "(0.5, 0.1)", "low <= high"),
        ("collect", ["--out", fresh("o"), "--bc", "1", "--bc-policy", bc, "--bc-noise", "-1", "0"], "-1", ">= 0"),
        ("cameras", ["--task", "no-such-task", "--out", fresh("o")], "no-such-task"),
        ("import-minari", ["no-such/dataset-v0", "--task", "coffee-pull", "--out", fresh("o")], "no-such/dataset-v0", "minari"),
        ("import-minari", ["no-such/dataset-v0", "--task", "", "--out", fresh("o")], "task"),
        ("demo", ["--task", "no-such-task", "--out", fresh("o"), "--real-episodes", "1"], "no-such-task"),
    ]:
        cli(f"CLI: {command}", f"{' '.join(str(a).replace(str(TMP), '$TMP') for a in argv)}", [command, *argv], *mention, timeout=120)

    loop = valid_dataset()
    (loop / "coffee-pull" / "expert" / "loop").symlink_to(loop)  # a folder that contains itself
    cli("CLI: train-bc", "--data with a symlink loop and a corrupt episode", [
        "train-bc", "--data", loop, "--out", fresh("o") / "bc.zip", "--steps", "1"], "expert-3.npz", timeout=90)
    (loop / "coffee-pull" / "expert" / "expert-3.npz").write_bytes(b"PK\x03\x04 truncated")

    B = "CLI: output paths"
    outputs = [
        ("collect", ["--expert", "1", "--noisy-expert", "0", "--random", "0", "--steps", "1"]),
        ("cameras", ["--task", "coffee-pull"]),
        ("train-world-model", ["--data", data, "--steps", "1"]),
        ("distill-world-model", ["--teacher", SHIPPED, "--data", data, "--steps", "1"]),
        ("train-reward", ["--data", data, "--steps", "1"]),
        ("export-bundle", ["--run", empty]),
        ("refine", ["--method", "ppo", "--bc-model", bc, "--iterations", "1", "--critic-warmup", "0", "--num-envs", "1", "--n-steps", "2",
                    "--batch-size", "2"]),
        ("demo", ["--real-episodes", "1", "--dream-episodes", "1", "--refine-iterations", "1"]),
        ("import-minari", ["no-such/dataset-v0", "--task", "coffee-pull"]),
    ]
    for command, argv in outputs:
        cli(B, f"{command} --out an existing file", [command, *argv, "--out", existing], "existing-output.txt", survive=keep)
        cli(B, f"{command} --out under a file", [command, *argv, "--out", under_file], "existing-output.txt", survive=keep)
    cli(B, "train-bc --out an existing folder", ["train-bc", "--data", data, "--steps", "1", "--out", fresh("bc-folder")], "bc-folder")
    cli(B, "train-bc --out under a file", ["train-bc", "--data", data, "--steps", "1", "--out", under_file / "bc.zip"],
        "existing-output.txt", survive=keep)
    cli(B, "evaluate --out an existing folder", ["evaluate", "--model", bc, "--episodes", "1", "--real-only", "--out", fresh("eval-folder")],
        "eval-folder")
    cli(B, "evaluate --out under a file", ["evaluate", "--model", bc, "--episodes", "1", "--real-only", "--out", under_file / "e.json"],
        "existing-output.txt", survive=keep)
    cli(B, "evaluate --videos an existing file", ["evaluate", "--model", bc, "--episodes", "1", "--real-only", "--videos", existing],
        "existing-output.txt", survive=keep)

    B = "CLI: tampered bundles"
    bad_bundles = {
        "a flipped weight bit": tamper_file("world_model/model.safetensors",
                                            _flip((SHIPPED / "world_model/model.safetensors").read_bytes()), rechecksum=False),
        "episode_steps 0": tamper_manifest(lambda d: d.update(episode_steps=0)),
        "truncated initial states (checksum updated)": tamper_file(
            "initial_states/episodes.npz", (SHIPPED / "initial_states/episodes.npz").read_bytes()[:4000]),
        "truncated world model (checksum updated)": tamper_file(
            "world_model/model.safetensors", (SHIPPED / "world_model/model.safetensors").read_bytes()[:4000]),
        "truncated distilled world model (checksum updated)": tamper_file(
            "distilled_world_model/model.safetensors", (SHIPPED / "distilled_world_model/model.safetensors").read_bytes()[:4000]),
        "no manifest": tamper_file("manifest.json", b"", rechecksum=False, extra=lambda b: (b / "manifest.json").unlink()),
    }
    uses = {  # the faults each command reads: refine the whole simulator (distilled default), distill the teacher
        "refine": ["a flipped weight bit", "episode_steps 0", "truncated initial states (checksum updated)",
                   "truncated distilled world model (checksum updated)", "no manifest"],
        "distill-world-model": ["a flipped weight bit", "episode_steps 0", "truncated world model (checksum updated)", "no manifest"],
        "replace-reward": ["a flipped weight bit", "episode_steps 0", "no manifest"],
        "evaluate": ["a flipped weight bit", "truncated initial states (checksum updated)", "no manifest"],
    }
    for command, labels in uses.items():
        for label in labels:
            bundle = bad_bundles[label]
            mention = ("manifest.json", "episode_steps") if label in ("no manifest", "episode_steps 0") else (bundle.name, "model.safetensors")
            argv = {
                "refine": ["refine", "--method", "ppo", "--bc-model", bc, "--bundle", bundle, "--out", fresh("o"), "--iterations", "1",
                           "--critic-warmup", "0", "--num-envs", "1", "--n-steps", "2", "--batch-size", "2"],
                "distill-world-model": ["distill-world-model", "--teacher", bundle, "--data", data, "--out", fresh("o"), "--steps", "1"],
                "replace-reward": ["replace-reward", "--bundle", bundle, "--reward-run", empty],
                "evaluate": ["evaluate", "--model", bc, "--dream-only", "--dream-episodes", "1", "--seeds", "0", "--bundle", bundle],
            }[command]
            extra = ("reward-run", "empty-folder") if command == "replace-reward" else ()
            cli(B, f"{command} with {label}", argv, *mention, *extra)


def _flip(data: bytes) -> bytes:
    flipped = bytearray(data)
    flipped[len(flipped) // 2] ^= 0x01
    return bytes(flipped)


# -- main ---------------------------------------------------------------------------------------------------------------
def write_results(cases: list[Case], seconds: float) -> None:
    results = [case.result for case in cases]
    (HERE / "results.json").write_text(json.dumps({"seconds": round(seconds, 1), "cases": results}, indent=1) + "\n")
    totals = Counter(r["category"] for r in results)
    categories = ["ok", "silent", "traceback", "unclear", "hang", "crash", "data_loss"]
    by_boundary: dict[str, Counter] = defaultdict(Counter)
    for r in results:
        by_boundary[r["boundary"]][r["category"]] += 1
    errors = sum(totals[c] for c in ("ok", "unclear"))
    own = [r for r in results if r["boundary"] != GYMNASIUM]
    own_totals = Counter(r["category"] for r in own)
    own_errors = sum(own_totals[c] for c in ("ok", "unclear"))
    lines = [
        "# Hardening probe: results",
        "",
        f"`benchmarks/hardening/probe.py`, {len(results)} cases, {seconds:.0f} s on the 2-core CPU "
        "(`nice -n 19 env OMP_NUM_THREADS=1 .venv/bin/python benchmarks/hardening/probe.py`).",
        "",
        "| category | dreamgym's boundaries | gymnasium's own wrappers | all |",
        "|---|---|---|---|",
        *[f"| {c} | {own_totals[c]} | {totals[c] - own_totals[c]} | {totals[c]} |" for c in categories],
        f"| **total** | **{len(own)}** | **{len(results) - len(own)}** | **{len(results)}** |",
        "",
        f"Unclear errors at dreamgym's boundaries: {own_totals['unclear']} of {own_errors} errors "
        f"({100 * own_totals['unclear'] / max(own_errors, 1):.1f}%; target <= 5%); all cases: {totals['unclear']} of {errors} "
        f"({100 * totals['unclear'] / max(errors, 1):.1f}%).",
        "",
        "| boundary | cases | " + " | ".join(categories) + " |",
        "|---|---|" + "---|" * len(categories),
    ]
    for boundary in sorted(by_boundary):
        counts = by_boundary[boundary]
        lines.append(f"| {boundary} | {sum(counts.values())} | " + " | ".join(str(counts[c]) for c in categories) + " |")
    bad = [r for r in results if r["category"] != "ok"]
    lines += ["", "## Cases that are not `ok`", ""]
    if not bad:
        lines.append("None.")
    for r in bad:
        lines.append(f"- **{r['category']}** [{r['boundary']}] {r['case']}: `{r['outcome']}` {r['message'][:300]!r} ({r['why']})")
    (HERE / "RESULTS.md").write_text("\n".join(lines) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["python", "cli"], help="run only one half (for development)")
    parser.add_argument("--match", help="run only cases whose boundary or name contains this")
    parser.add_argument("--no-write", action="store_true", help="print, do not write results.json / RESULTS.md")
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    import torch

    torch.set_num_threads(1)
    start = time.time()
    try:
        if args.only != "cli":
            python_cases()
        if args.only != "python":
            cli_cases()
        cases = [c for c in CASES if not args.match or args.match in c.boundary or args.match in c.name]
        for index, case in enumerate(cases):
            run_case(case)
            r = case.result
            flag = "" if r["category"] == "ok" else f"  <-- {r['category'].upper()}: {r['why']}"
            print(f"[{index + 1}/{len(cases)}] {r['boundary']} | {r['case']}: {r['outcome']}: {r['message'][:160]!r}{flag}",
                  flush=True)
        seconds = time.time() - start
        print(Counter(c.result["category"] for c in cases), f"{seconds:.0f} s")
        if not args.no_write:
            write_results(cases, seconds)
    finally:
        for path in TMP.rglob("*"):
            if path.is_dir() and not path.is_symlink():
                path.chmod(0o755)
        shutil.rmtree(TMP, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
