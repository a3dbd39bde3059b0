"""Where does the dream disagree with reality for a policy? (diagnostic for the policy benchmark)

For a policy, runs ``--episodes`` real coffee-pull episodes on tuning layouts (never the evaluation
ones), then replays each episode's real actions open loop in the learned simulator from the
episode's first 4 real frames, and compares success per episode: real vs imagined-under-the-same-
actions. It also replays shorter windows (``--window`` steps) from real contexts in the middle of
the episodes, where drift has had less time to build up, and runs the policy closed loop in the dream. A dream that calls many real failures
successes (hallucinated success) gives PPO a reward it cannot turn into real success.

    python benchmarks/policy/dream_gap.py --model envs/coffee-pull/policies/bc.zip --out benchmarks/policy/dream_gap-bc.json
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

from dreamgym.bundle import find_bundle
from dreamgym.data.collect import TUNING_SEED_BASE
from dreamgym.decision_fidelity import policy_act, record_real_trial
from dreamgym.dream.simulator import LearnedSimulator
from dreamgym.dream.vector_env import DreamWorldVectorEnv
from dreamgym.policy.evaluate import evaluate_dream, reset_seeds
from dreamgym.policy.model import load_policy
from dreamgym.real import MetaWorldPixelEnv


def real_rollouts(model, task: str, seeds: list[int], deterministic: bool) -> list[dict]:
    env = MetaWorldPixelEnv(task)  # full 50 decisions: the replay needs every action
    episodes = []
    for seed in seeds:
        trial = record_real_trial(env, policy_act(model, deterministic=deterministic), seed,
                                  group="policy", kind="dream_gap", base="policy", start=0)
        first = int(np.argmax(trial.success)) if trial.success.any() else None
        episodes.append({"frames": trial.frames, "actions": trial.actions, "first": first,
                         "success": trial.success, "final_object_goal_distance": trial.final_distance})
    env.close()
    return episodes


def replay_in_dream(episodes: list[dict], simulator, start: int, stop: int, seed: int) -> list[int | None]:
    """Replay the real actions in the dream from the real context at ``start`` (frames start..start+3)
    up to real decision ``stop``; per episode, the first step (in real-episode time) at which the
    dream's classifier fires, or ``None``."""
    env = DreamWorldVectorEnv(num_envs=len(episodes), simulator=simulator, max_episode_steps=10_000, success_signal="classifier")
    history = env.history
    env.reset(seed=seed, options={"frames": np.stack([ep["frames"][start : start + history] for ep in episodes]),
                                  "actions": np.stack([ep["actions"][start : start + history - 1] for ep in episodes])})
    first: list[int | None] = [None] * len(episodes)
    for t in range(start + history - 1, stop):
        _, _, terminated, _, _ = env.step(np.stack([ep["actions"][t] for ep in episodes]))
        for i in np.flatnonzero(terminated):
            if first[i] is None:
                first[i] = t + 1
    env.close()
    return first


def max_probability_on_real_frames(episodes: list[dict], simulator) -> list[float]:
    """The classifier's highest success probability on each episode's real frames."""
    with torch.no_grad():
        return [float(simulator.reward_model.success_probability(torch.from_numpy(ep["frames"])).max()) for ep in episodes]


def action_statistics(actions: np.ndarray) -> dict:
    """Per-dimension mean and std of the (clipped) actions taken, and how often they sit at the +-1 bounds."""
    return {
        "mean": np.round(actions.mean(0), 3).tolist(),
        "std": np.round(actions.std(0), 3).tolist(),
        "fraction_at_bounds": np.round((np.abs(actions) >= 0.999).mean(0), 3).tolist(),
    }


def windowed_replay(episodes: list[dict], simulator, start: int, horizon: int, seed: int) -> dict:
    """Replay ``horizon`` real actions in the dream from the real context at ``start`` (frames start..start+3).

    Counts, over episodes without success before the window, real and imagined success inside it.
    """
    history = simulator.manifest.context_frames
    last = min(episodes[0]["actions"].shape[0], start + history - 1 + horizon)
    fired = np.array([f is not None for f in replay_in_dream(episodes, simulator, start, last, seed)])
    real = np.array([ep["success"][start + history : last + 1].any() for ep in episodes])
    fresh = np.array([not ep["success"][: start + history].any() for ep in episodes])
    return {
        "start": start, "horizon": last - (start + history - 1), "windows": int(fresh.sum()),
        "real_success": int((real & fresh).sum()), "dream_success": int((fired & fresh).sum()),
        "hallucinated": int((fired & ~real & fresh).sum()), "missed": int((~fired & real & fresh).sum()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--task", default="coffee-pull")
    parser.add_argument("--episodes", type=int, default=32)
    parser.add_argument("--stochastic", action="store_true")
    parser.add_argument("--window", type=int, default=15, help="imagined steps of the windowed replays")
    parser.add_argument("--window-starts", type=int, nargs="+", default=[10, 20, 30], help="first real frame of each window")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    start = time.time()
    model = load_policy(args.model)
    deterministic = not args.stochastic
    episodes = real_rollouts(model, args.task, reset_seeds(0, args.episodes, TUNING_SEED_BASE), deterministic)
    simulator = LearnedSimulator.load(find_bundle(args.task))  # loaded once, shared by every replay
    dream_first = replay_in_dream(episodes, simulator, start=0, stop=episodes[0]["actions"].shape[0], seed=0)
    real_max_probability = max_probability_on_real_frames(episodes, simulator)
    real = np.array([ep["first"] is not None for ep in episodes])
    dream = np.array([f is not None for f in dream_first])
    windows = [windowed_replay(episodes, simulator, start, args.window, seed=0) for start in args.window_starts]
    closed_loop = evaluate_dream(model, args.task, seeds=[0], episodes=args.episodes, deterministic=deterministic,
                                 simulator=simulator, progress=False)
    report = {
        "model": str(args.model),
        "deterministic": deterministic,
        "episodes": args.episodes,
        "layouts": f"tuning seeds from {TUNING_SEED_BASE}",
        "real_success_rate": float(real.mean()),
        "replay_dream_success_rate": float(dream.mean()),
        "replay_agreement": float((real == dream).mean()),
        "replay_hallucinated_success": int((dream & ~real).sum()),
        "replay_missed_success": int((real & ~dream).sum()),
        "closed_loop_dream_success_rate": closed_loop["mean"],
        "classifier_threshold": float(simulator.reward_model.config.threshold),
        "real_failures": [
            {"final_object_goal_distance_m": round(ep["final_object_goal_distance"], 3),
             "max_success_probability_on_real_frames": round(p, 3), "dream_replay_success": f is not None}
            for ep, p, f in zip(episodes, real_max_probability, dream_first) if ep["first"] is None
        ],
        "real_actions": action_statistics(np.concatenate([ep["actions"] for ep in episodes])),
        "windowed_replays": windows,
        "first_success_real": [ep["first"] for ep in episodes],
        "first_success_dream_replay": dream_first,
        "seconds": round(time.time() - start, 1),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))
    print(json.dumps({k: v for k, v in report.items() if not k.startswith("first") and k != "real_failures"}, indent=2))


if __name__ == "__main__":
    main()
