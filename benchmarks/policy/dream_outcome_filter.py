"""Score imagined episodes with a second success classifier: one that learned what the dream's frames look like when
the real outcome of the same actions is a failure.

The shipped classifier was trained on real frames and on frames imagined a few steps ahead (labels from reality,
little drift). A *dream-outcome* classifier is trained the same way (``dreamgym train-reward --world-model
envs/coffee-pull --imagined-horizon 47``) but on whole episodes imagined open loop from their real start under
their recorded actions, each imagined frame labelled with the real success of its step: where the world model
draws a recorded near miss as a success, that frame is a negative. It needs no data beyond the recorded dataset.

This script re-imagines each stored episode's final frame (the one the dream called a success; the stored frames
end one decision before it), applies the shipped classifier and ``--classifier`` to the last ``--window`` frames of
every episode, and writes ``<run>/outcome_filter.json``: per episode whether each fires. Where
``<run>/real_replay.json`` exists (``dream_episode_replay.py``), it reports how each agrees with the real outcome
of the episode's actions. No real step is taken.

    python benchmarks/policy/dream_outcome_filter.py runs/dream-filtered-bc/bv0s18-s0 \
        --classifier runs/dream-outcome-classifier/reward_model
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch

from dreamgym.bundle import find_bundle, load_reward_model
from dreamgym.dream.simulator import LearnedSimulator
from dreamgym.files import atomic_write_json
from dreamgym.world_model.sampler import sample_next_frame


def final_frames(simulator: LearnedSimulator, episodes: dict, seed: int) -> torch.Tensor:
    """Each episode's last context of stored frames (the bundle's ``context_frames``, C) followed by one frame imagined
    from them: ``(N, C + 1, 3, H, W)``."""
    context, ends = simulator.manifest.context_frames, np.cumsum(episodes["lengths"])
    frames = torch.from_numpy(np.stack([episodes["frames"][end - context:end] for end in ends]))
    actions = torch.from_numpy(np.stack([episodes["actions"][end - context:end] for end in ends]))
    generator = torch.Generator().manual_seed(seed)
    last = torch.cat([sample_next_frame(simulator.world_model, frames[i:i + 256], actions[i:i + 256], simulator.sampler, generator)
                      for i in range(0, len(frames), 256)])
    return torch.cat([frames, last[:, None]], dim=1)


def fires(classifier, frames: torch.Tensor, window: int) -> np.ndarray:
    """Whether ``classifier`` calls one of the last ``window`` frames of each episode a success."""
    judged = frames[:, -window:]
    probability = classifier.success_probability(judged.flatten(0, 1)).float().view(judged.shape[:2])
    return (probability >= classifier.config.threshold).any(dim=1).numpy()


def agreement(fired: np.ndarray, real: np.ndarray, members: np.ndarray) -> dict:
    f, r = fired[members], real[members]
    return {"fires": int(f.sum()), "fires_real": int((f & r).sum()), "precision": round(float((f & r).sum() / max(1, f.sum())), 3),
            "real": int(r.sum()), "recall": round(float((f & r).sum() / max(1, r.sum())), 3), "episodes": int(members.sum())}


@torch.no_grad()  # only inside this function, not process-wide
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run", type=Path, help="a filtered-bc run folder holding imagined_episodes.npz")
    parser.add_argument("--classifier", type=Path, required=True, help="reward_model folder of the dream-outcome classifier")
    parser.add_argument("--task", default="coffee-pull")
    parser.add_argument("--window", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=None, help="JSON to write (default: <run>/outcome_filter.json)")
    args = parser.parse_args()

    simulator = LearnedSimulator.load(find_bundle(args.task), "cpu")
    outcome = load_reward_model(args.classifier)
    episodes = dict(np.load(args.run / "imagined_episodes.npz"))
    frames = final_frames(simulator, episodes, args.seed)
    shipped_fires, outcome_fires = fires(simulator.reward_model, frames, args.window), fires(outcome, frames, args.window)
    confirmed = episodes["success"].astype(bool)
    result = {"run": str(args.run), "classifier": str(args.classifier), "window": args.window,
              "outcome_threshold": outcome.config.threshold,
              "shipped_fires": shipped_fires.tolist(), "outcome_fires": outcome_fires.tolist()}
    replay = args.run / "real_replay.json"
    if replay.exists():
        real = np.array(json.loads(replay.read_text())["real_success"], bool)
        predicted = episodes["lengths"] < 50
        result["agreement"] = {
            f"{name} on {group}": agreement(fired, real, members)
            for group, members in (("confirmed", confirmed), ("predicted", predicted))
            for name, fired in (("shipped", shipped_fires), ("outcome", outcome_fires))
        }
    atomic_write_json(args.out or args.run / "outcome_filter.json", result)
    print(json.dumps(result.get("agreement", {}), indent=1))


if __name__ == "__main__":
    main()
