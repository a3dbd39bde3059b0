"""Helpers every trainer's run folder shares: crash-safe checkpoint writes and the hardware record."""

from __future__ import annotations

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
