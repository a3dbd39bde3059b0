"""Contact sheets of each task's camera view, to check by eye that gripper and object are clear."""

from __future__ import annotations

from pathlib import Path

import imageio.v3 as iio
import numpy as np

from dreamgym.media import grid, to_hwc, upscale
from dreamgym.tasks import get_task


def camera_contact_sheet(
    task: str, seeds: tuple[int, ...] = (0, 1, 2), steps: tuple[int, ...] = (0, 10, 20, 30, 49), size: int = 64
) -> np.ndarray:
    """Frames of scripted-expert episodes (one row per seed, one column per decision in ``steps``)."""
    from dreamgym.real import MetaWorldPixelEnv, ScriptedExpert

    spec = get_task(task)
    env = MetaWorldPixelEnv(spec, width=size, height=size)
    expert = ScriptedExpert(spec)
    shots = []
    try:
        for seed in seeds:
            frame, info = env.reset(seed=seed)
            for step in range(max(steps) + 1):
                if step in steps:
                    shots.append(frame)
                frame, _, terminated, truncated, info = env.step(expert(info["state"]))
                if terminated or truncated:
                    break
    finally:
        env.close()
    return grid(upscale(to_hwc(np.stack(shots)), 3), columns=len(steps))


def write_contact_sheets(tasks: list[str], out_dir: str | Path) -> list[Path]:
    """Write ``<out_dir>/<task>.png`` for each task."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for task in tasks:
        path = out_dir / f"{get_task(task).name}.png"
        iio.imwrite(path, camera_contact_sheet(task))
        paths.append(path)
    return paths
