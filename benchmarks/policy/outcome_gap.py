"""Can the dream's outcome model tell a policy's real failures? (diagnostic for refinement with the outcome signal)

A refinement that imitates the imagined successes can only fix the failures the dream calls failures. This script
runs a policy deterministically on ``--episodes`` real coffee-pull layouts (tuning seeds, never the evaluation ones),
then judges every real episode with the bundle's outcome model as a dream env with ``success_signal="outcome"`` would:
from the real state at decision ``start`` and all the real actions after it, for each of ``--starts`` (3: the last
frame of the first 4-frame context; 10-16: where ``dreamgym refine``'s imagined episodes start). Per start it counts
the real failures judged successes (hallucinated) and the real successes judged failures (missed), and lists every
real failure with its closest and final object-goal distance and the verdicts. No frame is imagined: the outcome model
reads states and actions only.

    python benchmarks/policy/outcome_gap.py --model envs/coffee-pull/policies/refined.zip \\
        --out benchmarks/policy/outcome_gap-refined-session31.json
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from dreamgym.bundle import find_bundle
from dreamgym.data.collect import TUNING_SEED_BASE
from dreamgym.decision_fidelity import judge_trials_by_outcome, policy_act, record_real_trial
from dreamgym.dream.simulator import LearnedSimulator
from dreamgym.policy.evaluate import reset_seeds
from dreamgym.policy.model import load_policy
from dreamgym.real import MetaWorldPixelEnv


def closest_distance(trial) -> float:
    """The closest object-goal distance (m) over a real episode (Meta-World state: object at 4:7, goal at 36:39)."""
    return float(np.linalg.norm(trial.states[:, 4:7] - trial.states[:, 36:39], axis=1).min())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--task", default="coffee-pull")
    parser.add_argument("--bundle", type=Path, default=None, help="the bundle whose outcome model judges (default: the shipped one)")
    parser.add_argument("--episodes", type=int, default=100)
    parser.add_argument("--starts", type=int, nargs="+", default=[3, 10, 13, 16])
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    started = time.time()
    bundle = args.bundle or find_bundle(args.task)
    simulator = LearnedSimulator.load(bundle)
    env = MetaWorldPixelEnv(args.task)  # does not terminate on success: every episode has all its decisions
    act = policy_act(load_policy(args.model), deterministic=True)
    trials = [record_real_trial(env, act, seed, group="policy", kind="outcome_gap", base="policy", start=0)
              for seed in reset_seeds(0, args.episodes, TUNING_SEED_BASE)]
    env.close()
    real = np.array([trial.success.any() for trial in trials])
    by_start, verdicts = {}, {}
    for start in args.starts:
        judged = [replace(trial, start=start, dream={}) for trial in trials]
        open_ = [trial for trial in judged if not trial.decided_before_start]  # decided before the stretch: nothing to judge
        judge_trials_by_outcome(simulator, open_)
        said = {trial.reset_seed: trial.dream["outcome_probability"] for trial in open_}
        verdicts[start] = said
        outcome = np.array([said[t.reset_seed] >= simulator.outcome_model.config.threshold for t in open_])
        truth = np.array([t.success.any() for t in open_])
        by_start[str(start)] = {"judged": len(open_), "real_failures": int((~truth).sum()),
                                "hallucinated": int((outcome & ~truth).sum()), "real_successes": int(truth.sum()),
                                "missed": int((~outcome & truth).sum())}
    report = {
        "model": str(args.model), "bundle": str(bundle), "episodes": args.episodes, "deterministic": True,
        "layouts": f"tuning seeds from {TUNING_SEED_BASE}", "real_success_rate": float(real.mean()),
        "outcome_threshold": float(simulator.outcome_model.config.threshold), "by_start": by_start,
        "real_failures": [
            {"reset_seed": t.reset_seed, "closest_object_goal_distance_m": round(closest_distance(t), 3),
             "final_object_goal_distance_m": round(t.final_distance, 3),
             "outcome_probability_by_start": {str(s): round(verdicts[s][t.reset_seed], 3) for s in args.starts}}
            for t in trials if not t.success.any()
        ],
        "seconds": round(time.time() - started, 1),
    }
    args.out.write_text(json.dumps(report, indent=1) + "\n")
    print(json.dumps({k: report[k] for k in ("real_success_rate", "by_start", "seconds")}))


if __name__ == "__main__":
    main()
