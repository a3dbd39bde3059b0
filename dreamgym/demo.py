"""The main job of ``make demo``.

Today (before a learned simulator ships) it shows the real side of the pipeline: it records a small
coffee-pull dataset in the World4RL mix, checks it loads as training windows, and writes a video of
real scripted-expert rollouts next to noisy-expert and random ones.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dreamgym.data.collect import CollectConfig, collect
from dreamgym.data.episode import load_episode
from dreamgym.data.windows import TransitionWindows
from dreamgym.media import side_by_side, write_video


@dataclass
class DemoConfig:
    """:param out_dir: where the dataset, video and summary go. :param task: the task to show."""

    out_dir: Path = Path("outputs/demo")
    task: str = "coffee-pull"
    episodes_per_source: int = 4


def run_demo(config: DemoConfig) -> dict:
    """Record, load and film a small dataset; return (and write) a summary."""
    data_dir = config.out_dir / "data"
    n = config.episodes_per_source
    collect_config = CollectConfig(config.task, data_dir, num_expert=n, num_noisy_expert=n, num_random=n)
    print(f"[1/3] recording {3 * n} real {config.task} episodes (expert, noisy expert, random) into {data_dir}")
    report = collect(collect_config)
    print("[2/3] loading them as training windows (4 frames + 4 actions -> next frame)")
    windows = TransitionWindows.from_folder(data_dir, tasks=[collect_config.task])
    print(f"      {len(windows)} windows of frames {windows.frame_shape}")
    print("[3/3] writing a video: expert | noisy expert | random")
    episodes = [load_episode(data_dir / config.task / s / f"{s}-00000.npz") for s in ("expert", "noisy_expert", "random")]
    video = write_video(config.out_dir / "real_rollouts.mp4", side_by_side([ep.frames for ep in episodes]), fps=8)
    summary = {
        "task": config.task,
        "episodes_written": report.written,
        "episodes_already_present": report.skipped,
        "success_rate_by_source_this_run": report.success_rates(),
        "windows": len(windows),
        "video": str(video),
        "expert_episode_success": bool(np.any(episodes[0].success)),
    }
    (config.out_dir / "summary.json").write_text(json.dumps(summary, indent=2))
    print(json.dumps(summary, indent=2))
    return summary
