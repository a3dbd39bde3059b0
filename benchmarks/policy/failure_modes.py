"""How do policies fail on the same real layouts? (diagnostic for refinement: what a refined policy broke or fixed)

Runs each ``--models`` policy deterministically on the same ``--episodes`` real coffee-pull layouts (tuning seeds, never
the evaluation ones) and records per episode, from the true simulator state: success, the decision of the first
closing command (4th action > 0), how far the mug moved from where it stood (``moved_m``, its largest displacement),
how high it rose (``rise_m``: a pulled mug slides on the table, a tipped or lifted one rises) and its closest distance
to the goal. Per policy it prints the real success, the mean closing decision of its successes and failures, its
failures that left the mug within ``--left-behind`` metres of its start (the grasp did not take it along), and against
the first policy the layouts gained and lost.

    python benchmarks/policy/failure_modes.py --models envs/coffee-pull/policies/bc.zip runs/refine/refined.zip \\
        --out benchmarks/policy/failure-modes.json
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from dreamgym.cli_arguments import existing_path
from dreamgym.data.collect import TUNING_SEED_BASE
from dreamgym.decision_fidelity import policy_act, record_real_trial
from dreamgym.policy.evaluate import reset_seeds
from dreamgym.policy.model import load_policy
from dreamgym.real import MetaWorldPixelEnv

OBJECT, GOAL = slice(4, 7), slice(36, 39)
"""Where Meta-World's state holds the object (the mug) and the goal position."""


def episode_record(trial) -> dict:
    """What one real episode did with the mug, from its recorded states and actions."""
    mug, goal = trial.states[:, OBJECT], trial.states[:, GOAL]
    closing = np.flatnonzero(trial.actions[:, 3] > 0)
    return {
        "reset_seed": trial.reset_seed,
        "success": bool(trial.success.any()),
        "first_close_decision": int(closing[0]) if len(closing) else None,
        "moved_m": round(float(np.linalg.norm(mug - mug[0], axis=1).max()), 3),
        "rise_m": round(float((mug[:, 2] - mug[0, 2]).max()), 3),
        "closest_goal_m": round(float(np.linalg.norm(mug - goal, axis=1).min()), 3),
    }


def summarize(records: list[dict], reference: list[dict] | None, left_behind: float) -> dict:
    """Success, closing decisions, left-behind failures and (against ``reference``, same layouts) gains and losses."""
    success = np.array([r["success"] for r in records])

    def mean_close(rows):
        decisions = [r["first_close_decision"] for r in rows if r["first_close_decision"] is not None]
        return round(float(np.mean(decisions)), 2) if decisions else None

    failures = [r for r in records if not r["success"]]
    summary = {
        "success_rate": float(success.mean()),
        "mean_first_close_decision": {"successes": mean_close([r for r in records if r["success"]]),
                                      "failures": mean_close(failures)},
        "failures": len(failures),
        "failures_mug_left_behind": sum(r["moved_m"] < left_behind for r in failures),
        "failures_median_moved_m": round(float(np.median([r["moved_m"] for r in failures])), 3) if failures else None,
    }
    if reference is not None:
        before = np.array([r["success"] for r in reference])
        summary["layouts_gained"] = int((success & ~before).sum())
        summary["layouts_lost"] = int((~success & before).sum())
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", type=existing_path, nargs="+", required=True, help="policy zips; the first is the reference")
    parser.add_argument("--task", default="coffee-pull")
    parser.add_argument("--episodes", type=int, default=100)
    parser.add_argument("--left-behind", type=float, default=0.06,
                        help="a failure whose mug moved less than this (m) counts as left behind (default 0.06)")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    started = time.time()
    env = MetaWorldPixelEnv(args.task)  # does not terminate on success: every episode has all its decisions
    seeds = reset_seeds(0, args.episodes, TUNING_SEED_BASE)
    episodes: dict[str, list[dict]] = {}
    for model in args.models:
        act = policy_act(load_policy(model), deterministic=True)
        episodes[str(model)] = [episode_record(record_real_trial(env, act, seed, group="policy", kind="failure_modes",
                                                                 base="policy", start=0)) for seed in seeds]
    env.close()
    reference = episodes[str(args.models[0])]
    summaries = {model: summarize(records, None if model == str(args.models[0]) else reference, args.left_behind)
                 for model, records in episodes.items()}
    report = {"layouts": f"tuning seeds from {TUNING_SEED_BASE}", "episodes": args.episodes, "deterministic": True,
              "left_behind_m": args.left_behind, "summaries": summaries, "episodes_by_model": episodes,
              "seconds": round(time.time() - started, 1)}
    args.out.write_text(json.dumps(report, indent=1) + "\n")
    print(json.dumps(summaries, indent=1))


if __name__ == "__main__":
    main()
