"""Judge outcome models on the decision-fidelity benchmark's real trials without imagining them.

With the outcome signal, a dream env's verdict on an open-loop replay depends only on the real state at the replay's
start and the actions after it, not on the imagined frames (:func:`dreamgym.decision_fidelity.judge_trials_by_outcome`,
as ``run.py`` judges). So outcome models can be compared on layout sets of ``run.py``'s design in seconds once the
real trials are recorded (``run.py``'s cache, shared with it: a set recorded here is not recorded again there).

Layout sets used to *choose* a model here must not be the ones its benchmark rows report (sets 1-3, seed offsets 0,
5000, 10000); session 30 uses ``--seed-offset 20000 30000`` as validation sets, session 31 also 40000.

    python benchmarks/decision_fidelity/outcome_validation.py --runs runs/outcome-slipmix-ens5 runs/outcome-mix3-ens5 \\
        --seed-offsets 20000 30000 --label session30
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def error_counts(trials: list, probability: np.ndarray, threshold: float) -> dict:
    """Hallucinated and missed outcomes of BC and noisy BC, predicted random successes, branch disagreements."""
    said = probability >= threshold
    counts = {}
    for group in ("policy", "policy_noise", "random", "branch"):
        chosen = [i for i, trial in enumerate(trials) if trial.group == group]
        real = np.array([trials[i].real_outcome for i in chosen], dtype=bool)
        dream = said[chosen]
        counts[group] = {"trials": len(chosen), "real_successes": int(real.sum()),
                         "hallucinated": int((dream & ~real).sum()), "missed": int((~dream & real).sum())}
    counts["errors"] = sum(row["hallucinated"] + row["missed"] for row in counts.values())
    return counts


class ClosenessVerdict:
    """An outcome model with a distance head judged by that head instead of its success output: a success where the
    members' mean closeness estimate is below 0 (the predicted closest object-to-goal distance inside the success
    radius). Probabilities are 1 or 0, so any threshold in (0, 1) reads them alike."""

    def __init__(self, model):
        if not model.config.distance_head:
            raise ValueError("--closeness-verdict needs outcome models trained with --distance-head.")
        self.model, self.config = model, model.config

    def success_probability(self, start_states, actions, taken, start_decisions) -> np.ndarray:
        import torch

        from dreamgym.reward.outcome import outcome_features

        features = torch.from_numpy(outcome_features(start_states, actions, taken, start_decisions, self.config))
        with torch.no_grad():
            return (self.model.closeness(features) < 0).float().numpy()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=Path, nargs="+", required=True, help="train-outcome output folders")
    parser.add_argument("--seed-offsets", type=int, nargs="+", required=True, help="run.py --seed-offset of each layout set")
    parser.add_argument("--bundle", type=Path, default=None, help="the bundle whose BC policy and rendering the trials use")
    parser.add_argument("--real-cache", type=Path, default=Path("runs/decision-fidelity-real"))
    parser.add_argument("--closeness-verdict", action="store_true",
                        help="also judge every model that has a distance head by that head (a row '<run>#closeness')")
    parser.add_argument("--thresholds", type=float, nargs="+", default=[],
                        help="also count every model's errors at these success thresholds (under 'by_threshold'; e.g. to "
                             "choose dreamgym refine's --success-threshold)")
    parser.add_argument("--label", required=True)
    parser.add_argument("--out-dir", type=Path, default=HERE)
    args = parser.parse_args()
    import run as benchmark
    import torch

    from dreamgym.bundle import find_bundle, load_outcome_model
    from dreamgym.decision_fidelity import judge_trials_by_outcome
    from dreamgym.dream.simulator import LearnedSimulator
    from dreamgym.policy.model import load_policy

    torch.set_num_threads(1)
    bundle = args.bundle or find_bundle("coffee-pull")
    manifest = LearnedSimulator.load(bundle).manifest
    policy_path = Path(bundle) / "policies" / "bc.zip"
    models = {str(run): load_outcome_model(run / "outcome_model") for run in args.runs}
    if args.closeness_verdict:
        models |= {f"{name}#closeness": ClosenessVerdict(model) for name, model in models.items() if model.config.distance_head}
    report: dict = {"bundle": str(bundle), "seed_offsets": args.seed_offsets, "sets": {}}
    for offset in args.seed_offsets:
        run_args = benchmark.parse_args(["--seed-offset", str(offset)])  # run.py's default trial plan on that set
        cache = args.real_cache / benchmark.real_trials_key(run_args, manifest, policy_path)
        trials = benchmark.load_cached_trials(cache)
        if trials is None:
            trials = benchmark.record_trials(run_args, manifest, load_policy(policy_path))
            benchmark.save_cached_trials(cache, trials, benchmark.recording_machine())
        benchmark.attach_states(trials, manifest, cache)
        kept = [trial for trial in trials if not trial.decided_before_start]
        rows = {}
        for name, model in models.items():
            judge_trials_by_outcome(SimpleNamespace(outcome_model=model), kept)  # as run.py judges, minus the frames
            probability = np.array([trial.dream["outcome_probability"] for trial in kept])
            rows[name] = error_counts(kept, probability, model.config.threshold)
            if args.thresholds:
                rows[name]["by_threshold"] = {str(t): error_counts(kept, probability, t) for t in args.thresholds}
            print(offset, name, rows[name]["errors"], {g: rows[name][g] for g in ("policy", "policy_noise", "branch")})
        report["sets"][str(offset)] = {"real_trials_cache": cache.name, "judged_trials": len(kept), "models": rows}
    report["errors_over_sets"] = {name: sum(s["models"][name]["errors"] for s in report["sets"].values()) for name in models}
    out = args.out_dir / f"outcome-validation-{args.label}.json"
    out.write_text(json.dumps(report, indent=1) + "\n")
    print(report["errors_over_sets"], f"wrote {out}")


if __name__ == "__main__":
    main()
