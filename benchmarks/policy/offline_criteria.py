"""Can a criterion without real episodes tell a refined policy that got worse? (diagnostic for issue 10's guards)

For each ``--models`` policy, two numbers that need no real-simulator step:

* **dream success**: the share of imagined episodes the bundle's outcome model calls successes when the policy acts in
  the dream exactly as ``dreamgym refine`` collects (sampled actions, refine's late starts, groups of 4), on
  ``--rounds`` x 64 episodes of imagined-episode seed ``--seed``: the same starts and noise seeds for every policy;
* **expert agreement**: the mean squared difference between the policy's mean action and the scripted expert's action
  (clipped to [-1, 1]) on the real recorded frames of the dataset's noisy-expert, BC-rollout and branch episodes, over
  all their decisions and over decisions 8-20 (approach and grasp).

Compare each with the policy's real success (``dreamgym evaluate``) to see whether it would have flagged a loss.

    python benchmarks/policy/offline_criteria.py --models envs/coffee-pull/policies/bc.zip runs/refine/refined.zip \\
        --out benchmarks/policy/offline-criteria.json
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from dreamgym.cli_arguments import existing_path
from dreamgym.data.episode import load_episodes
from dreamgym.policy.dream_imitation import DreamImitationConfig, collect_imagined_episodes
from dreamgym.policy.model import load_policy
from dreamgym.real.experts import ScriptedExpert

SOURCES = ("noisy_expert", "bc", "branch")
GRASP_DECISIONS = (8, 20)


def recorded_frames(data_dir: Path, task: str) -> dict[str, np.ndarray]:
    """Frames, decisions, sources and the scripted expert's clipped actions of the recorded episodes of :data:`SOURCES`."""
    expert = ScriptedExpert(task)
    episodes = load_episodes(Path(data_dir) / task, keep=lambda meta: meta.get("source") in SOURCES, with_states=True)
    if not episodes:
        raise FileNotFoundError(f"No {list(SOURCES)} episodes under {Path(data_dir) / task}; record them with dreamgym collect.")
    steps = [len(episode.actions) for episode in episodes]
    return {
        "frames": np.concatenate([episode.frames[:n] for episode, n in zip(episodes, steps)]),
        "expert": np.clip(np.concatenate([np.stack([expert(s) for s in episode.states[:n]])
                                          for episode, n in zip(episodes, steps)]), -1.0, 1.0).astype(np.float32),
        "decision": np.concatenate([np.arange(n) for n in steps]),
        "source": np.concatenate([[episode.meta["source"]] * n for episode, n in zip(episodes, steps)]),
    }


def expert_agreement(model_path: Path, recorded: dict[str, np.ndarray]) -> dict[str, dict[str, float]]:
    """Mean squared difference between the policy's mean action and the expert's, per source: all decisions, and
    decisions within :data:`GRASP_DECISIONS` (all four action dimensions and the gripper alone)."""
    policy = load_policy(model_path).policy
    policy.set_training_mode(False)
    frames = torch.from_numpy(recorded["frames"])
    with torch.no_grad():
        actions = np.concatenate([policy.get_distribution(frames[i:i + 1024].float()).mode().cpu().numpy()
                                  for i in range(0, len(frames), 1024)])
    error = (np.clip(actions, -1.0, 1.0) - recorded["expert"]) ** 2
    grasp = (recorded["decision"] >= GRASP_DECISIONS[0]) & (recorded["decision"] <= GRASP_DECISIONS[1])
    report = {}
    for source in SOURCES:
        mine = recorded["source"] == source
        report[source] = {"all": round(float(error[mine].mean()), 4), "grasp": round(float(error[mine & grasp].mean()), 4),
                          "grasp_gripper": round(float(error[mine & grasp, 3].mean()), 4)}
    return report


def dream_success(model_path: Path, task: str, seed: int, rounds: int) -> dict[str, float]:
    """The outcome model's success share over refine's collection of ``rounds`` x 64 imagined episodes."""
    with tempfile.TemporaryDirectory() as folder:
        config = DreamImitationConfig(bc_model=model_path, out_dir=Path(folder), task=task, rounds=rounds, seed=seed)
        success = collect_imagined_episodes(config, progress=False)["success"].astype(bool)
    return {"episodes": int(len(success)), "success_rate": round(float(success.mean()), 4)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", type=existing_path, nargs="+", required=True)
    parser.add_argument("--task", default="coffee-pull")
    parser.add_argument("--data", type=Path, default=Path("data"))
    parser.add_argument("--seed", type=int, default=7, help="imagined-episode seed of the dream success (default 7)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of 64 imagined episodes per policy (default 3)")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    started = time.time()
    recorded = recorded_frames(args.data, args.task)
    report = {"seed": args.seed, "rounds": args.rounds, "recorded_frames": int(len(recorded["frames"])),
              "grasp_decisions": list(GRASP_DECISIONS), "models": {}}
    for model in args.models:
        report["models"][str(model)] = {"expert_agreement_mse": expert_agreement(model, recorded),
                                        "dream": dream_success(model, args.task, args.seed, args.rounds)}
        print(str(model), json.dumps(report["models"][str(model)]), flush=True)
    report["seconds"] = round(time.time() - started, 1)
    args.out.write_text(json.dumps(report, indent=1) + "\n")


if __name__ == "__main__":
    main()
