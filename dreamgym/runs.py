"""Helpers every trainer's run folder shares: crash-safe checkpoint writes and the hardware record."""

from __future__ import annotations

import dataclasses
import json
import os
import platform
from pathlib import Path

import torch

from dreamgym.files import atomic_write


def atomic_torch_save(payload: dict, path: Path) -> None:
    """``torch.save`` to a temp file next to ``path``, then rename: a crash never leaves half a file."""
    atomic_write(path, lambda temporary: torch.save(payload, temporary))


def hardware_description(device: torch.device) -> str:
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return f"CPU ({os.cpu_count()} cores, {platform.machine()}, torch threads {torch.get_num_threads()})"


RUN_FOLDER_SETTING = "out_dir"
"""The setting that names a run's folder. The checkpoint being resumed was found in that folder, so wherever it
lies now is the run's folder: a moved or renamed run folder resumes in every trainer."""


def settings_changed_since(checkpoint_config: dict, config, resumable: tuple[str, ...]) -> list[str]:
    """Every setting of ``config`` (a config dataclass with ``to_dict``) that differs from the
    checkpoint's, except the ``resumable`` ones and the run's folder (:data:`RUN_FOLDER_SETTING`), as
    ``"name: old -> new"``."""
    current = json.loads(json.dumps(config.to_dict()))  # the same JSON round trip the checkpoint went through
    defaults = json.loads(json.dumps(type(config)(**_required_fields(config)).to_dict()))
    return [
        f"{name}: {checkpoint_config.get(name)!r} -> {value!r}"
        for name, value in current.items()
        if name not in resumable and name != RUN_FOLDER_SETTING
        and not _same_setting(checkpoint_config, name, value, defaults.get(name))
    ]


def _same_setting(checkpoint_config: dict, name: str, value, default) -> bool:
    """Whether ``value`` is what the checkpoint was trained with. A setting newer than the checkpoint
    (absent from it) that is left at its default counts as the same, also inside nested settings."""
    if name not in checkpoint_config:
        return value == default
    old = checkpoint_config[name]
    if isinstance(old, dict) and isinstance(value, dict) and isinstance(default, dict):
        return set(old) <= set(value) and all(_same_setting(old, key, value[key], default.get(key)) for key in value)
    return old == value


def _required_fields(config) -> dict:
    """``config``'s values of the fields without a default (enough to build a default config of its type)."""
    return {
        f.name: getattr(config, f.name)
        for f in dataclasses.fields(config)
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    }


def save_training_state(path: Path, model, ema, optimizer, scheduler, step: int, elapsed: float, hardware: str, config) -> None:
    """Write a full-state checkpoint (model, EMA, optimizer, scheduler, step, time, hardware, settings) atomically."""
    atomic_torch_save(
        {
            "model": model.state_dict(),
            "ema": ema.state_dict(),
            "optimizer": optimizer.state_dict(),
            "scheduler": scheduler.state_dict(),
            "step": step,
            "elapsed_s": elapsed,
            "hardware": hardware,
            "config": json.dumps(config.to_dict()),
        },
        path,
    )


def resume_training_state(
    path: Path, config, model, ema, optimizer, scheduler, resumable: tuple[str, ...], done: str, redo: str
) -> tuple[int, float]:
    """Load the checkpoint at ``path`` (written by :func:`save_training_state`) into the given objects.

    :param resumable: settings a resume may change; any other difference is refused.
    :param done: what the run did, for the message (``"trained"``); :param redo: the verb to start anew (``"train"``).
    :returns: ``(step, elapsed seconds)`` to continue from; ``(0, 0.0)`` when there is no checkpoint.
    :raises ValueError: naming every setting that differs from the checkpoint's.
    """
    if not path.exists():
        return 0, 0.0
    state = torch.load(path, map_location="cpu", weights_only=True)
    changed = settings_changed_since(json.loads(state["config"]), config, resumable)
    if changed:
        raise ValueError(
            f"{path} was {done} with other settings than this run asks for ({'; '.join(changed)}). "
            f"Resume with the checkpoint's settings, or {redo} into a new --out folder. Only "
            f"{', '.join(resumable)} may change on resume."
        )
    model.load_state_dict(state["model"])
    ema.load_state_dict(state["ema"])
    optimizer.load_state_dict(state["optimizer"])
    scheduler.load_state_dict(state["scheduler"])
    return int(state["step"]), float(state["elapsed_s"])


def recent_loss(losses: list[float], count: int, out_dir: Path, key: str) -> float | None:
    """Mean of the last ``count`` losses of this process; a rerun of a finished run has none, and then
    keeps the value its ``out_dir/summary.json`` recorded under ``key`` (``None`` if there is none)."""
    import numpy as np

    if losses:
        return float(np.mean(losses[-count:]))
    try:
        return json.loads((Path(out_dir) / "summary.json").read_text()).get(key)
    except (OSError, ValueError, AttributeError):
        return None
