"""``benchmarks/policy/failure_modes.py``: what a real episode did with the mug, and the paired summary of policies."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
from benchmark_scripts import load_script

failure_modes = load_script("policy/failure_modes.py")


def _trial(mug_path, goal, closing_from, success_at=None, seed=7):
    steps = len(mug_path) - 1
    states = np.zeros((steps + 1, 39))
    states[:, 4:7] = mug_path
    states[:, 36:39] = goal
    actions = np.full((steps, 4), -1.0)
    if closing_from is not None:
        actions[closing_from:, 3] = 1.0
    success = np.zeros(steps + 1, bool)
    if success_at is not None:
        success[success_at:] = True
    return SimpleNamespace(states=states, actions=actions, success=success, reset_seed=seed)


def test_episode_record_reads_the_mug_from_the_states():
    path = np.array([[0.0, 0.7, 0.0], [0.0, 0.68, 0.01], [0.0, 0.6, 0.0]])
    record = failure_modes.episode_record(_trial(path, goal=[0.0, 0.58, 0.0], closing_from=1, success_at=2))
    assert record == {"reset_seed": 7, "success": True, "first_close_decision": 1, "moved_m": 0.1, "rise_m": 0.01,
                      "closest_goal_m": 0.02}
    assert failure_modes.episode_record(_trial(path, [0, 0.58, 0], closing_from=None))["first_close_decision"] is None


def test_summary_counts_left_behind_failures_and_paired_gains_and_losses():
    def row(success, moved, close):
        return {"success": success, "moved_m": moved, "first_close_decision": close}

    reference = [row(True, 0.2, 15), row(True, 0.2, 15), row(False, 0.1, 16), row(False, 0.02, None)]
    policy = [row(True, 0.2, 14), row(False, 0.03, 18), row(True, 0.2, 16), row(False, 0.1, 17)]
    summary = failure_modes.summarize(policy, reference, left_behind=0.06)
    assert summary == {"success_rate": 0.5, "mean_first_close_decision": {"successes": 15.0, "failures": 17.5},
                       "failures": 2, "failures_mug_left_behind": 1, "failures_median_moved_m": 0.065,
                       "layouts_gained": 1, "layouts_lost": 1}
    assert "layouts_lost" not in failure_modes.summarize(reference, None, 0.06)
