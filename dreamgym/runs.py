"""Helpers every trainer's run folder shares: crash-safe checkpoint writes and the hardware record."""

from __future__ import annotations

import os
import platform
import tempfile
from pathlib import Path

import torch


def atomic_torch_save(payload: dict, path: Path) -> None:
    """``torch.save`` to a temp file next to ``path``, then rename: a crash never leaves half a file."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        torch.save(payload, tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def hardware_description(device: torch.device) -> str:
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return f"CPU ({os.cpu_count()} cores, {platform.machine()}, torch threads {torch.get_num_threads()})"
