"""Is a grasp's outcome visible in the frames before it plays out, and do imagined frames show it?

A probe next to ``closed_loop.py``. It fits a small CNN on 4-frame windows of recorded episodes (the
training split of ``--data``), each labelled with whether its episode still succeeds at or after that
frame. Then, on the held-out layouts of ``run.py``, it reads that probability

* on the policy's **real** frames: per decision, the AUC between layouts that succeed and layouts that
  fail (how early the outcome is legible to a discriminative model at this resolution); and
* on the frames the **dream** imagines for the same policy from the same real start (closed loop, as
  ``closed_loop.py``): a veto that ends an imagined episode as a failure once the probability drops
  below a threshold. If the imagined frames showed the failed grasps that reality shows, the veto
  would remove the dream's hallucinated successes; the counts with and without it say whether they do.

It measures; it changes no simulator. Output: ``closed_loop/outcome-probe-<label>.json``.

    python benchmarks/decision_fidelity/outcome_probe.py --data data --policy runs/bc-coffee-pull-seed2/bc.zip --label bc-seed2
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm

HERE = Path(__file__).resolve().parent
WINDOW = 4


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="recorded episodes in the bundle's rendering (training split used)")
    parser.add_argument("--bundle", type=Path, help="learned simulator (default: the shipped coffee-pull bundle)")
    parser.add_argument("--sampler", choices=["distilled", "teacher"], default="teacher")
    parser.add_argument("--policy", type=Path, required=True, help="SB3 policy zip")
    parser.add_argument("--label", required=True)
    parser.add_argument("--steps", type=int, default=2000, help="probe training steps (batches of 64, half of each class)")
    parser.add_argument("--episodes", type=int, default=30, help="held-out layouts (run.py's)")
    parser.add_argument("--dream-seeds", type=int, default=2)
    parser.add_argument("--thresholds", type=float, nargs="+", default=[0.05, 0.1, 0.2])
    parser.add_argument("--out-dir", type=Path, default=HERE / "closed_loop")
    return parser.parse_args()


def probe_model() -> torch.nn.Module:
    """The reward classifier's conv stack, reading ``WINDOW`` stacked RGB frames."""
    from dreamgym.reward.classifier import RewardClassifier, RewardClassifierConfig

    model = RewardClassifier(RewardClassifierConfig())
    first = model.features[0]
    model.features[0] = torch.nn.Conv2d(3 * WINDOW, first.out_channels, 3, stride=2, padding=1)
    return model


def windows(frames: torch.Tensor, ends: torch.Tensor) -> torch.Tensor:
    """uint8 ``(B, 3 * WINDOW, H, W)``: the frames ``end - 3 .. end`` of ``frames`` (a flat ``(N, 3, H, W)``
    stack; ``ends`` are indices into it), with each episode's first frame repeated where it is younger."""
    offsets, starts = ends[:, 1], ends[:, 0]  # (episode start, index) pairs
    rows = [frames[starts + torch.clamp(offsets - (WINDOW - 1 - k), min=0)] for k in range(WINDOW)]
    return torch.cat(rows, dim=1)


def probabilities(model, sequence: np.ndarray) -> np.ndarray:
    """Probability of eventual success after every frame of one episode's ``(T, 3, H, W)`` frames."""
    from dreamgym.world_model.denoiser import frames_to_model

    frames = torch.from_numpy(np.ascontiguousarray(sequence))
    index = torch.stack([torch.zeros(len(frames), dtype=torch.long), torch.arange(len(frames))], dim=1)
    with torch.no_grad():
        return torch.sigmoid(model.head(model.features(frames_to_model(windows(frames, index))))).squeeze(-1).numpy()


def train_probe(data: Path, task: str, steps: int, seed: int = 0) -> torch.nn.Module:
    from dreamgym.augment import random_shift
    from dreamgym.data.episode import load_episodes, split_held_out
    from dreamgym.world_model.denoiser import frames_to_model

    episodes, _ = split_held_out(load_episodes(data, tasks=[task]), 10)
    frames, index, labels, start = [], [], [], 0
    for episode in episodes:
        succeeds_later = np.flip(np.logical_or.accumulate(np.flip(episode.success)))
        frames.append(episode.frames)
        index += [(start, t) for t in range(len(episode.frames))]
        labels.append(succeeds_later)
        start += len(episode.frames)
    frames, index = torch.from_numpy(np.concatenate(frames)), torch.tensor(index)
    labels = torch.from_numpy(np.concatenate(labels))
    positives, negatives = labels.nonzero().flatten(), (~labels).nonzero().flatten()
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    model = probe_model()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-4)
    for _ in tqdm(range(steps), desc="train outcome probe", unit="step"):
        batch = torch.cat([positives[torch.randint(len(positives), (32,), generator=generator)],
                           negatives[torch.randint(len(negatives), (32,), generator=generator)]])
        inputs = random_shift(windows(frames, index[batch]), 3, generator)
        logits = model.head(model.features(frames_to_model(inputs))).squeeze(-1)
        loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, labels[batch].float())
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    return model.eval()


def auc(successes: list[float], failures: list[float]) -> float | None:
    """Probability that a success scores above a failure (ties count half), to 3 decimals
    (:func:`dreamgym.reward.outcome_train.auc`)."""
    from dreamgym.reward.outcome_train import auc as pairwise_auc

    value = pairwise_auc(np.concatenate([successes, failures]), np.arange(len(successes) + len(failures)) < len(successes))
    return None if value is None else round(value, 3)


def main() -> None:
    args = parse_args()
    import dreamgym.real  # noqa: F401, I001  (before MuJoCo: headless rendering settings)
    from closed_loop import CONTEXT, imagine, record_real, shown_path
    from run import SEED_BASE, real_env

    from dreamgym.bundle import find_bundle
    from dreamgym.dream.simulator import LearnedSimulator
    from dreamgym.policy.model import load_policy

    started = time.perf_counter()
    bundle = args.bundle or find_bundle("coffee-pull")
    simulator = LearnedSimulator.load(bundle, sampler=args.sampler)
    probe = train_probe(args.data, simulator.manifest.tasks[0], args.steps)
    policy = load_policy(args.policy)
    env = real_env(simulator.manifest)
    try:
        trials = record_real(policy, env, [SEED_BASE + i for i in range(args.episodes)])
    finally:
        env.close()
    trials = [t for t in trials if not t["decided_before_start"]]
    imagine(policy, trials, simulator, args.dream_seeds, keep_frames=True)
    for trial in trials:
        trial["p_real"] = probabilities(probe, np.stack(trial["real_frames"]))
        trial["p_dream"] = [probabilities(probe, np.stack(run)) for run in trial["dream_runs"]]
    real = np.array([t["real_success"] for t in trials])
    by_decision = {}
    for t in range(CONTEXT, simulator.manifest.episode_steps):
        values = [(trial["p_real"][t], trial["real_success"]) for trial in trials if t < len(trial["p_real"])]
        by_decision[t] = auc([p for p, ok in values if ok], [p for p, ok in values if not ok])
    vetoes = {}
    for threshold in args.thresholds:
        real_vetoed = np.array([trial["p_real"].min() < threshold for trial in trials])
        dream_ok = np.array([[ok and p.min() >= threshold for ok, p in zip(trial["dream_successes"], trial["p_dream"])]
                             for trial in trials])
        vetoes[str(threshold)] = {
            "real_successes_vetoed": int(real_vetoed[real].sum()), "real_failures_vetoed": int(real_vetoed[~real].sum()),
            "dream_hallucinated_with_veto": int(dream_ok[~real].sum()), "dream_missed_with_veto": int((~dream_ok[real]).sum()),
        }
    dream = np.array([trial["dream_successes"] for trial in trials])
    result = {
        "label": args.label, "bundle": shown_path(bundle), "sampler": simulator.sampler_name, "policy": str(args.policy),
        "data": str(args.data), "probe_steps": args.steps, "layout_seeds_from": SEED_BASE,
        "layouts": len(trials), "dream_seeds": args.dream_seeds,
        "real_successes": int(real.sum()), "real_failures": int((~real).sum()),
        "dream_hallucinated": int(dream[~real].sum()), "dream_missed": int((~dream[real]).sum()),
        "real_frame_auc_by_decision": by_decision, "veto": vetoes,
        "seconds_total": round(time.perf_counter() - started, 1),
    }
    args.out_dir.mkdir(parents=True, exist_ok=True)
    (args.out_dir / f"outcome-probe-{args.label}.json").write_text(json.dumps(result, indent=1))
    print(json.dumps({k: v for k, v in result.items() if k != "real_frame_auc_by_decision"}))


if __name__ == "__main__":
    main()
