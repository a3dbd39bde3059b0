"""The main job of ``make demo``.

It records a small coffee-pull dataset in the World4RL mix (real Meta-World), checks that it loads as
training windows, writes a video of real expert, noisy-expert and random rollouts, and, where the
coffee-pull learned simulator ships (``envs/coffee-pull``), lets the world model imagine a held-out
real episode from its first 4 frames and real actions and writes ``real | imagined`` side by side.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from dreamgym.bundle import BundleError, find_bundle, load_bundle
from dreamgym.data.collect import CollectConfig, collect
from dreamgym.data.episode import load_episode
from dreamgym.data.windows import TransitionWindows
from dreamgym.media import side_by_side, write_video
from dreamgym.world_model.evaluation import autoregressive_rollout, psnr


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
    print(f"[1/4] recording {3 * n} real {config.task} episodes (expert, noisy expert, random) into {data_dir}")
    report = collect(collect_config)
    print("[2/4] loading them as training windows (4 frames + 4 actions -> next frame)")
    windows = TransitionWindows.from_folder(data_dir, tasks=[collect_config.task])
    print(f"      {len(windows)} windows of frames {windows.frame_shape}")
    print("[3/4] writing a video: expert | noisy expert | random")
    episodes = [load_episode(data_dir / config.task / s / f"{s}-00000.npz") for s in ("expert", "noisy_expert", "random")]
    video = write_video(config.out_dir / "real_rollouts.mp4", side_by_side([ep.frames for ep in episodes]), fps=8)
    print("[4/4] imagining a held-out real episode with the shipped learned simulator")
    dream = imagine_held_out_episode(config)
    summary = {
        "task": config.task,
        "episodes_written": report.written,
        "episodes_already_present": report.skipped,
        "success_rate_by_source_this_run": report.success_rates(),
        "windows": len(windows),
        "video": str(video),
        "expert_episode_success": bool(np.any(episodes[0].success)),
        "learned_simulator": dream,
    }
    (config.out_dir / "summary.json").write_text(json.dumps(summary, indent=2))
    print(json.dumps(summary, indent=2))
    return summary


def imagine_held_out_episode(config: DemoConfig) -> dict:
    """Record one held-out noisy-expert episode, imagine it from its first 4 frames and real actions,
    and write ``real | imagined``; returns PSNR at a few horizons (or why it was skipped)."""
    try:
        manifest, denoiser, sampler = load_bundle(find_bundle(config.task))
    except BundleError as error:
        print(f"      skipped: {error}")
        return {"skipped": str(error)}
    held_out = config.out_dir / "held_out"
    collect(CollectConfig(config.task, held_out, num_expert=0, num_noisy_expert=1, num_random=0, split="eval"), progress=False)
    episode = load_episode(held_out / config.task / "noisy_expert" / "noisy_expert-00000.npz")
    history = manifest.context_frames
    frames = torch.from_numpy(episode.frames)
    imagined = autoregressive_rollout(
        denoiser, frames[None, :history], torch.from_numpy(episode.actions)[None], sampler, torch.Generator().manual_seed(0)
    )[0]
    real = frames[history:]
    scores = psnr(imagined, real)
    video = write_video(
        config.out_dir / "real_vs_imagined.mp4", side_by_side([real.numpy(), imagined.numpy()]), fps=8
    )
    horizons = [h for h in (1, 10, 20, len(real)) if h <= len(real)]
    result = {"video": str(video), "psnr_db_at_horizon": {h: round(float(scores[h - 1]), 2) for h in horizons}}
    print(f"      PSNR of imagined vs real frames at horizons {horizons}: {[result['psnr_db_at_horizon'][h] for h in horizons]}")
    return result
