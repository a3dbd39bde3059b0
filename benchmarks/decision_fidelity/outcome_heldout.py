"""Compare trained outcome models (``dreamgym train-outcome`` runs) on the same held-out recorded episodes.

Each run reports its own held-out split, which differs between datasets. This scores every run on the stretches of
one dataset's held-out episodes (the same random cuts for all; episodes none of the runs trained on when their data
contain that dataset's files, as ``data-slipmix`` contains ``data``): AUC, accuracy, false successes and misses at
the model's threshold. It reads no benchmark trial, so it can choose between outcome models without tuning on the
decision-fidelity layouts.

It also scores what a dream env asks of the model (it judges at the real episode's end): the stretch from each start
decision 3..30 not yet solved to the episode's end, by kind of episode (expert, noisy expert, random, BC with sampled
actions, deterministic BC, BC with noise, branches from expert and from BC, short grasp slips), as false-success
rate (real failures called successes) and miss rate (real successes called failures). **Decision error**, fixed in
session 30 before any candidate was scored by it: the mean, over the kinds made of the BC policy's episodes and of
branches, of (false-success rate + miss rate) / 2. Lower is better. ``--thresholds`` adds it at other thresholds than
the model's own.

    python benchmarks/decision_fidelity/outcome_heldout.py --runs runs/outcome-ens5 runs/outcome-slipmix-ens5 --label session29
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=Path, nargs="+", required=True, help="train-outcome output folders")
    parser.add_argument("--data", type=Path, default=Path("data"), help="dataset whose held-out episodes are scored")
    parser.add_argument("--task", default="coffee-pull")
    parser.add_argument("--holdout-every", type=int, default=10)
    parser.add_argument("--seed", type=int, default=123, help="seed of the random cuts")
    parser.add_argument("--label", required=True)
    parser.add_argument("--thresholds", type=float, nargs="*", default=[],
                        help="also report the decision error at these thresholds (the model's own is always reported)")
    parser.add_argument("--out-dir", type=Path, default=HERE)
    args = parser.parse_args()
    from dreamgym.bundle import load_outcome_model
    from dreamgym.data.episode import load_episodes, split_held_out
    from dreamgym.reward.outcome_train import OutcomeTrainConfig, evaluate, stretch_samples

    torch.set_num_threads(1)
    _, held_out = split_held_out(load_episodes(args.data, [args.task], with_states=True), args.holdout_every)
    if not held_out:
        raise SystemExit(f"{args.data} has no held-out episodes (holdout_every={args.holdout_every}).")
    rows = {}
    for run in args.runs:
        model = load_outcome_model(run / "outcome_model")
        trained = json.loads((run / "outcome_summary.json").read_text())["config"]
        config = OutcomeTrainConfig(data=[args.data], out_dir=run, model=model.config, last_start=trained["last_start"])
        features, labels, _ = stretch_samples(held_out, config, np.random.default_rng(args.seed))
        trained_on = trained["data"]
        scored = to_end_probabilities(model, held_out)
        rows[str(run)] = {"trained_on": trained_on, **evaluate(model, features, labels),
                          **rates_by_kind(scored, model.config.threshold)}
        if args.thresholds:
            rows[str(run)]["decision_error_by_threshold"] = {
                f"{threshold:.2f}": rates_by_kind(scored, threshold)["decision_error"] for threshold in args.thresholds}
        print(run, {key: value for key, value in rows[str(run)].items() if key != "by_kind"})
    out = args.out_dir / f"outcome-heldout-{args.label}.json"
    out.write_text(json.dumps({"data": str(args.data), "held_out_episodes": len(held_out), "cut_seed": args.seed,
                               "runs": rows}, indent=1) + "\n")
    print(f"wrote {out}")


DECISION_KINDS = ("bc-sampled", "bc-deterministic", "bc-noisy", "branch-expert", "branch-bc", "slip-expert", "slip-bc")
"""Kinds whose stretches enter the decision error: the BC policy's episodes and counterfactual branches."""


def episode_kind(meta: dict) -> str:
    """expert, noisy_expert, random, bc-sampled / bc-deterministic / bc-noisy, branch-<base> or slip-<base>."""
    source = meta["source"]
    if source == "bc":
        if meta.get("bc_actions") != "mean":
            return "bc-sampled"
        return "bc-deterministic" if meta.get("noise_std", 0.0) == 0.0 else "bc-noisy"
    if source == "branch":
        branch = meta["branch"]
        return f"{'slip' if branch.get('duration') else 'branch'}-{branch['base']}"
    return source


def to_end_probabilities(model, episodes: list, last_start: int = 30) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per :func:`episode_kind`, ``model``'s success probability and the real outcome of every episode's to-end
    stretches (starts first_start..last_start not yet solved)."""
    from dreamgym.reward.outcome_train import unsolved_starts

    rows: dict[str, list] = {}
    for episode in episodes:
        for start, window, left in unsolved_starts(episode, model.config, last_start):
            rows.setdefault(episode_kind(episode.meta), []).append(
                (episode.states[start], window, left, start, bool(episode.success[start + 1 :].any())))
    scored = {}
    for kind, items in sorted(rows.items()):
        states, actions, taken, starts, labels = (np.array(column) for column in zip(*items))
        scored[kind] = (model.success_probability(states, actions, taken, starts), labels)
    return scored


def rates_by_kind(scored: dict[str, tuple[np.ndarray, np.ndarray]], threshold: float) -> dict:
    """False-success and miss rates per kind at ``threshold``, and the decision error over :data:`DECISION_KINDS`."""
    table = {}
    for kind, (probability, labels) in scored.items():
        predicted = probability >= threshold
        failures, successes = int((~labels).sum()), int(labels.sum())
        table[kind] = {
            "stretches": len(labels), "real_failures": failures, "real_successes": successes,
            "false_success_rate": round(float((predicted & ~labels).sum() / failures), 4) if failures else None,
            "miss_rate": round(float((~predicted & labels).sum() / successes), 4) if successes else None,
        }
    balanced = [np.mean([value for value in (row["false_success_rate"], row["miss_rate"]) if value is not None])
                for kind, row in table.items() if kind in DECISION_KINDS]
    return {"by_kind": table, "decision_error": round(float(np.mean(balanced)), 4) if balanced else None}


if __name__ == "__main__":
    main()
