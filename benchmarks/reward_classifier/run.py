"""The learned reward on real and on imagined frames: does the dream agree with reality on success?

    python benchmarks/reward_classifier/run.py --bundle envs/coffee-pull

On held-out real coffee-pull trajectories (evaluation seeds; expert, noisy expert and random actions,
recorded by the fidelity benchmark into data-heldout/), the bundle's classifier scores
* the real frames, against the simulator's success labels;
* the frames the world model imagines from the real first 4 frames and the real actions, against the
  real success label of the same time step;
and, per trajectory, whether the imagined episode shows success at all versus whether the real one
did: "hallucinated success" (imagined yes, real no, the World4RL paper's failure mode) and "missed
success" (real yes, imagined no). Writes results.json and README.md next to this file.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
from pathlib import Path

import numpy as np
import torch

from dreamgym.data.collect import CollectConfig, collect
from dreamgym.data.episode import episode_paths, load_episode
from dreamgym.dream.simulator import LearnedSimulator
from dreamgym.reward.train import binary_metrics, predict_probabilities
from dreamgym.world_model.evaluation import autoregressive_rollout

HERE = Path(__file__).parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bundle", type=Path, default=Path("envs/coffee-pull"))
    parser.add_argument("--data", type=Path, default=Path("data-heldout"))
    parser.add_argument("--per-source", type=int, default=10)
    parser.add_argument("--steps", type=int, default=53, help="decisions per held-out episode (53, as the fidelity benchmark records)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    simulator = LearnedSimulator.load(args.bundle)
    task = simulator.manifest.tasks[0]
    collect(CollectConfig(task, args.data, num_expert=args.per_source, num_noisy_expert=args.per_source,
                          num_random=args.per_source, episode_steps=args.steps, split="eval", workers=2))
    episodes = [load_episode(p, with_states=False) for p in episode_paths(args.data / task)]
    history = simulator.manifest.context_frames
    horizon = min(ep.num_steps for ep in episodes) - (history - 1)
    real_frames = torch.from_numpy(np.stack([ep.frames[history : history + horizon] for ep in episodes]))
    real_labels = torch.from_numpy(np.stack([ep.success[history : history + horizon] for ep in episodes]))
    imagined = autoregressive_rollout(
        simulator.world_model,
        torch.from_numpy(np.stack([ep.frames[:history] for ep in episodes])),
        torch.from_numpy(np.stack([ep.actions[: history - 1 + horizon] for ep in episodes])),
        simulator.sampler,
        torch.Generator().manual_seed(args.seed),
    )
    classifier, threshold = simulator.reward_model, simulator.reward_model.config.threshold
    real_prob = predict_probabilities(classifier, real_frames.flatten(0, 1)).view(len(episodes), horizon)
    dream_prob = predict_probabilities(classifier, imagined.flatten(0, 1)).view(len(episodes), horizon)

    per_trajectory = []
    for i, ep in enumerate(episodes):
        per_trajectory.append({
            "source": ep.meta["source"],
            "seed": ep.meta["seed"],
            "real_success": bool(real_labels[i].any()),
            "classifier_on_real_says_success": bool((real_prob[i] >= threshold).any()),
            "dream_says_success": bool((dream_prob[i] >= threshold).any()),
            "first_real_success_step": int(real_labels[i].float().argmax()) + 1 if real_labels[i].any() else None,
            "first_dream_success_step": int((dream_prob[i] >= threshold).float().argmax()) + 1 if (dream_prob[i] >= threshold).any() else None,
        })
    real_yes = np.array([t["real_success"] for t in per_trajectory])
    dream_yes = np.array([t["dream_says_success"] for t in per_trajectory])
    results = {
        "command": f"python benchmarks/reward_classifier/run.py --bundle {args.bundle}",
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "threshold": threshold,
        "frames_per_trajectory": horizon,
        "frame_level": {
            "real_frames": binary_metrics(real_prob.flatten(), real_labels.flatten(), threshold),
            "imagined_frames": binary_metrics(dream_prob.flatten(), real_labels.flatten(), threshold),
        },
        "episode_level": {
            "trajectories": len(per_trajectory),
            "real_successes": int(real_yes.sum()),
            "dream_successes": int(dream_yes.sum()),
            "agreement": float((real_yes == dream_yes).mean()),
            "hallucinated_success": int((dream_yes & ~real_yes).sum()),
            "missed_success": int((~dream_yes & real_yes).sum()),
        },
        "per_trajectory": per_trajectory,
    }
    (HERE / "results.json").write_text(json.dumps(results, indent=1))
    write_summary(results)


def write_summary(results: dict) -> None:
    frame, episode = results["frame_level"], results["episode_level"]
    lines = [
        "# Learned reward on real and imagined frames (coffee-pull, held-out trajectories)",
        "",
        f"Produced by `{results['command']}` on {results['machine']['cpus']} CPU cores. Threshold "
        f"{results['threshold']} (chosen on held-out training-data episodes, stored in the bundle). "
        f"{episode['trajectories']} held-out trajectories (evaluation seeds), {results['frames_per_trajectory']} frames each.",
        "",
        "| frames | precision | recall | F1 | accuracy | success frames |",
        "|---|---|---|---|---|---|",
    ]
    for name, row in (("real", frame["real_frames"]), ("imagined (same real actions)", frame["imagined_frames"])):
        lines.append(f"| {name} | {row['precision']:.3f} | {row['recall']:.3f} | {row['f1']:.3f} | {row['accuracy']:.3f} | {row['positives']} |")
    lines += [
        "",
        "Episode level (does the episode show success at any step?):",
        "",
        f"* real successes: {episode['real_successes']} / {episode['trajectories']}; dream says success: {episode['dream_successes']}",
        f"* agreement: {episode['agreement']:.2f}",
        f"* hallucinated success (dream yes, real no): {episode['hallucinated_success']}",
        f"* missed success (real yes, dream no): {episode['missed_success']}",
        "",
    ]
    (HERE / "README.md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
