"""The grasp measurements of the decision-fidelity benchmark (grasp_offsets.py, grasp_tolerance.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from benchmark_scripts import load_script


def _load(name: str):
    return load_script(f"decision_fidelity/{name}.py")


@pytest.fixture(scope="module")
def offsets():
    return _load("grasp_offsets")


@pytest.fixture(scope="module")
def tolerance():
    return _load("grasp_tolerance")


def _states(hand_x: list[float], mug_x: float = 0.0) -> np.ndarray:
    states = np.zeros((len(hand_x), 39))
    states[:, 0] = hand_x
    states[:, 4] = mug_x
    return states


def test_the_grasp_is_the_first_closing_command_within_reach(offsets):
    states = _states([0.5, 0.2, 0.05, 0.03, 0.02, 0.01])
    grips = [1.0, -1.0, -1.0, 1.0, 1.0]  # closes far away at 0 (ignored), then within 8 cm at 3
    assert offsets.grasp_decision(states, grips, reach=0.08, settle=1) == (3, 4)
    assert offsets.grasp_decision(states, grips, reach=0.08, settle=9) == (3, 5)  # read at most at the last state
    assert offsets.grasp_decision(states, [-1.0] * 5, reach=0.08, settle=1) == (None, None)


def test_bins_count_each_trial_once_and_average_the_dream_seeds(tolerance):
    records = [
        {"x_offset_cm": -3.5, "real_success": False, "classifier_on_real_frames": False, "dream_success": [True, False]},
        {"x_offset_cm": -3.0, "real_success": False, "classifier_on_real_frames": True, "dream_success": [True, True]},
        {"x_offset_cm": -0.5, "real_success": True, "classifier_on_real_frames": True, "dream_success": [True, True]},
        {"x_offset_cm": None, "real_success": False, "classifier_on_real_frames": False, "dream_success": [False, False]},
    ]
    rows = {tuple(row["x_offset_cm"]): row for row in tolerance.bin_summary(records)}
    assert sum(row["trials"] for row in rows.values()) == 3  # the trial without a grasp is in no bin
    assert rows[(-4.0, -3.0)] == {"x_offset_cm": [-4.0, -3.0], "trials": 1, "real_success": 0.0,
                                  "classifier_on_real_frames": 0.0, "dream_success": 0.5,
                                  "dream_success_of_real_failures": 0.5}
    assert rows[(-3.0, -2.5)]["dream_success_of_real_failures"] == 1.0  # bins include their lower edge
    assert rows[(-1.0, 0.0)]["dream_success_of_real_failures"] is None  # no real failure there
    assert rows[(None, -4.0)]["trials"] == 0 and rows[(None, -4.0)]["real_success"] is None


def test_confirmation_settings_are_parsed_and_bad_ones_explained(tolerance, monkeypatch, capsys):
    base = ["grasp_tolerance.py", "--policy", "p.zip", "--label", "x"]
    monkeypatch.setattr(sys, "argv", [*base, "--confirm", "2,8", "4,20,5"])
    args = tolerance.parse_args()
    assert args.confirm == [(2, 8, 1), (4, 20, 5)]
    assert tolerance.dream_keys(args.confirm) == ["dream_success", "dream_confirmed_2x8", "dream_confirmed_4x20w5"]
    for bad in ("2", "2,x", "0,8"):
        monkeypatch.setattr(sys, "argv", [*base, "--confirm", bad])
        with pytest.raises(SystemExit):
            tolerance.parse_args()
        assert "--confirm takes REROLLS,HORIZON[,WINDOW] integers" in capsys.readouterr().err


def test_a_recording_reads_back_as_the_same_trials_and_refuses_other_settings(tolerance, tmp_path):
    from dreamgym.decision_fidelity import Trial

    rng = np.random.default_rng(0)
    recorded = [(Trial(group="policy", kind="noise0", base="p.zip", start=3, reset_seed=7 + i,
                       frames=rng.integers(0, 256, (6, 3, 8, 8), dtype=np.uint8), actions=rng.uniform(-1, 1, (5, 4)),
                       success=np.arange(6) >= 4 - i, final_distance=0.1 * i),
                 {"policy": "p.zip", "noise_std": 0.0, "grasp_decision": 2, "x_offset_cm": -1.0 * i}) for i in range(3)]
    key = {"policies": ["p.zip"], "episodes": 3}
    path = tmp_path / "real.npz"
    tolerance.save_recording(path, key, recorded)
    loaded = tolerance.load_recording(path, key, start=3)
    for (trial, labels), (back, back_labels) in zip(recorded, loaded):
        assert back_labels == labels and back.reset_seed == trial.reset_seed and back.final_distance == trial.final_distance
        np.testing.assert_array_equal(back.frames, trial.frames)
        np.testing.assert_array_equal(back.success, trial.success)
    with pytest.raises(SystemExit, match="holds other recordings"):
        tolerance.load_recording(path, {**key, "episodes": 4}, start=3)


def test_a_recording_key_names_each_policy_the_same_from_any_working_directory(tolerance, monkeypatch, tmp_path):
    inside = tolerance.REPO / "runs" / "bc.zip"
    from_root = tolerance.policy_key(inside)
    monkeypatch.chdir(tolerance.HERE)
    assert tolerance.policy_key(Path("../../runs/bc.zip")) == from_root == str(Path("runs") / "bc.zip")
    assert tolerance.policy_key(tmp_path / "p.zip") == str((tmp_path / "p.zip").resolve())


def test_the_table_pools_near_boundary_grasps_by_real_outcome_and_refuses_mixed_starts():
    table = _load("grasp_tolerance_table")
    trials = [{"x_offset_cm": x, "real_success": ok, "dream_success": paid, "start": 12, "grasp_in_context": False}
              for x, ok, paid in [(-0.5, True, [True, True]), (-2.0, True, [True, False]),
                                  (-2.6, False, [True, False]), (-2.9, False, [False, False]), (-5.0, False, [True]),
                                  (None, False, [True])]]
    pooled = table.near_boundary(trials, "dream_success")
    assert (pooled["real_successes"], pooled["real_failures"]) == (2, 2)
    assert pooled["paid_success"] == pytest.approx(0.75) and pooled["paid_failure"] == pytest.approx(0.25)
    assert pooled["difference"] == pytest.approx(0.5)
    bins = [{"x_offset_cm": [None, -3.0], "trials": 1, "real_success": 0.0, "dream_success": 1.0},
            {"x_offset_cm": [-3.0, None], "trials": 4, "real_success": 0.5, "dream_success": 0.5}]
    report = {"label": "a", "sampler": "teacher", "dream_keys": ["dream_success"], "bins": {"12": bins}, "trials": trials}
    text = table.tables([report])
    assert "| reality | 0.00 | 0.50 |" in text and "| a (teacher) | unconfirmed | 0.75 of 2 | 0.25 of 2 | 0.50 |" in text
    with pytest.raises(SystemExit, match="one start each"):
        table.tables([report, {**report, "bins": {"3": bins}}])
