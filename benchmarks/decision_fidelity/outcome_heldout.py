"""Compare trained outcome models (``dreamgym train-outcome`` runs) on the same held-out recorded episodes.

Each run reports its own held-out split, which differs between datasets. This scores every run on the stretches of
one dataset's held-out episodes (the same random cuts for all; episodes none of the runs trained on when their data
contain that dataset's files, as ``data-slipmix`` contains ``data``): AUC, accuracy, false successes and misses at
the model's threshold. It reads no benchmark trial, so it can choose between outcome models without tuning on the
decision-fidelity layouts.

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
        features, labels = stretch_samples(held_out, config, np.random.default_rng(args.seed))
        trained_on = trained["data"]
        rows[str(run)] = {"trained_on": trained_on, **evaluate(model, features, labels)}
        print(run, rows[str(run)])
    out = args.out_dir / f"outcome-heldout-{args.label}.json"
    out.write_text(json.dumps({"data": str(args.data), "held_out_episodes": len(held_out), "cut_seed": args.seed,
                               "runs": rows}, indent=1) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
