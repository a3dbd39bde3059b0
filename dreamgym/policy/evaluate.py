"""``dreamgym evaluate``: how often a policy solves the task in real Meta-World and inside the dream.

Real evaluation runs ``MetaWorldPixels-<Task>-v0`` (ending at the first success) on held-out layouts:
evaluation seed ``s`` uses reset seeds ``seed_base + 10_000 * s + i`` for episode ``i``, far from the
seeds any training data was recorded with (:data:`dreamgym.data.collect.EVAL_SEED_BASE`). Dream
evaluation runs the same policy in ``DreamWorld-<Task>-v0`` from real starting contexts, one imagined
episode per world, so short (successful) episodes do not crowd out long ones. Success rates are
reported per seed and as mean and sample standard deviation over seeds.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from dreamgym.data.collect import EVAL_SEED_BASE

SEED_STRIDE = 10_000
"""Reset seeds of evaluation seed ``s`` start at ``seed_base + SEED_STRIDE * s``."""


def reset_seeds(seed: int, episodes: int, seed_base: int = EVAL_SEED_BASE) -> list[int]:
    """Reset seeds of the ``episodes`` layouts of evaluation seed ``seed``."""
    if episodes < 1 or episodes > SEED_STRIDE:
        raise ValueError(f"episodes must be in [1, {SEED_STRIDE}], got {episodes}.")
    if seed < 0:
        raise ValueError(f"seed must be >= 0, got {seed}.")
    return [seed_base + SEED_STRIDE * seed + i for i in range(episodes)]


def summarize(rates: Sequence[float]) -> dict[str, float]:
    """Mean and sample standard deviation (0 for a single seed) of per-seed success rates."""
    rates = np.asarray(rates, dtype=float)
    return {"mean": float(rates.mean()), "std": float(rates.std(ddof=1)) if len(rates) > 1 else 0.0}


def run_real_episode(model, env, reset_seed: int, deterministic: bool = True, record: bool = False) -> dict:
    """One real episode from ``env.reset(seed=reset_seed)``.

    :returns: ``{"reset_seed", "success", "first_success_step", "steps"}``, plus ``frames`` uint8
        ``(steps + 1, 3, H, W)``, the clipped ``actions`` ``(steps, 4)`` and the simulator ``states``
        ``(steps + 1, S)`` when ``record`` is set.
    """
    observation, info = env.reset(seed=reset_seed)
    frames, actions, states = ([observation], [], [info["state"]]) if record else (None, None, None)
    success, first_success = bool(info["success"]), 0 if info["success"] else None
    steps = 0
    while True:
        action, _ = model.predict(observation, deterministic=deterministic)
        observation, _, terminated, truncated, info = env.step(action)
        steps += 1
        if record:
            frames.append(observation)
            actions.append(np.clip(action, -1.0, 1.0).astype(np.float32))
            states.append(info["state"])
        if info["success"] and first_success is None:
            success, first_success = True, steps
        if terminated or truncated:
            break
    result = {"reset_seed": reset_seed, "success": success, "first_success_step": first_success, "steps": steps}
    if record:
        result["frames"], result["actions"], result["states"] = np.stack(frames), np.stack(actions), np.stack(states)
    return result


def evaluate_real(
    model,
    task: str = "coffee-pull",
    seeds: Sequence[int] = (0, 1, 2),
    episodes: int = 50,
    deterministic: bool = True,
    seed_base: int = EVAL_SEED_BASE,
    video_dir: str | Path | None = None,
    videos_per_seed: int = 2,
    progress: bool = True,
    desc: str = "real evaluation",
) -> dict:
    """Success rate of an SB3 ``model`` in real Meta-World over ``episodes`` layouts per evaluation seed.

    :param video_dir: where to write the first ``videos_per_seed`` episodes of each seed as MP4.
    :returns: ``{"per_seed": [{"seed", "success_rate", "episodes": [...]}, ...], "mean", "std", ...}``.
    """
    from dreamgym.media import write_video
    from dreamgym.real import MetaWorldPixelEnv

    env = MetaWorldPixelEnv(task, terminate_on_success=True)
    per_seed = []
    bar = tqdm(total=len(seeds) * episodes, desc=desc, unit="ep", disable=not progress)
    try:
        for seed in seeds:
            results = []
            for i, reset_seed in enumerate(reset_seeds(seed, episodes, seed_base)):
                record = video_dir is not None and i < videos_per_seed
                result = run_real_episode(model, env, reset_seed, deterministic, record)
                if record:
                    frames = result.pop("frames")
                    result.pop("actions")
                    result["video"] = str(write_video(Path(video_dir) / f"real-seed{seed}-ep{i}.mp4", frames))
                results.append(result)
                bar.update()
            rate = float(np.mean([r["success"] for r in results]))
            per_seed.append({"seed": seed, "success_rate": rate, "episodes": results})
            bar.set_postfix(success=f"{rate:.2f}")
    finally:
        bar.close()
        env.close()
    return {
        "where": "real",
        "task": task,
        "deterministic": deterministic,
        "seed_base": seed_base,
        "episodes_per_seed": episodes,
        "per_seed": per_seed,
        **summarize([s["success_rate"] for s in per_seed]),
    }


def evaluate_dream(
    model,
    task: str = "coffee-pull",
    seeds: Sequence[int] = (0, 1, 2),
    episodes: int = 32,
    deterministic: bool = True,
    num_envs: int = 32,
    device: str = "cpu",
    denoising_steps: int | None = None,
    simulator=None,
    progress: bool = True,
    success_confirmation: dict | None = None,
    sampler: str | None = None,
    bundle: str | Path | None = None,
) -> dict:
    """Success rate of an SB3 ``model`` inside the learned simulator of ``task`` (or of ``bundle``).

    Each evaluation seed imagines ``episodes`` episodes (seeded starting contexts and sampling noise),
    ``num_envs`` at a time, each world running exactly one episode. Success is the classifier's, or the
    pessimistic one with ``success_confirmation`` (:mod:`dreamgym.dream.confirmation`).
    """
    from dreamgym.dream.vector_env import DreamWorldVectorEnv

    env = DreamWorldVectorEnv(
        num_envs=min(num_envs, episodes), task=task, bundle=bundle, simulator=simulator, device=device, denoising_steps=denoising_steps,
        success_confirmation=success_confirmation, sampler=sampler,
    )
    per_seed = []
    bar = tqdm(total=len(seeds) * episodes, desc="dream evaluation", unit="ep", disable=not progress)
    try:
        for seed in seeds:
            outcomes: list[dict] = []
            round_index = 0
            while len(outcomes) < episodes:
                observations, _ = env.reset(seed=seed * SEED_STRIDE + round_index)
                active = np.ones(env.num_envs, bool)
                active[max(0, episodes - len(outcomes)) :] = False
                steps = np.zeros(env.num_envs, int)
                while active.any():
                    actions, _ = model.predict(observations, deterministic=deterministic)
                    observations, _, terminated, truncated, _ = env.step(actions)
                    steps += active
                    for i in np.flatnonzero(active & (terminated | truncated)):
                        outcomes.append({"success": bool(terminated[i]), "steps": int(steps[i])})
                        active[i] = False
                        bar.update()
                round_index += 1
            rate = float(np.mean([o["success"] for o in outcomes]))
            per_seed.append({"seed": seed, "success_rate": rate, "episodes": outcomes})
            bar.set_postfix(success=f"{rate:.2f}")
    finally:
        bar.close()
        env.close()
    return {
        "where": "dream",
        "task": task,
        "deterministic": deterministic,
        "episodes_per_seed": episodes,
        "sampler": env.simulator.sampler_name,
        "denoising_steps": env.sampler.num_steps,
        "action_guidance": env.sampler.action_guidance,
        "success_confirmation": success_confirmation,
        "per_seed": per_seed,
        **summarize([s["success_rate"] for s in per_seed]),
    }


