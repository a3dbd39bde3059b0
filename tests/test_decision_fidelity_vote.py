"""Voting across decision-fidelity runs on the same layouts (benchmarks/decision_fidelity/vote.py)."""

from __future__ import annotations

import json

import pytest
from benchmark_scripts import load_script

vote = load_script("decision_fidelity/vote.py")


def _trial(group: str, seed: int, real: bool, dream: bool, branch: dict | None = None) -> dict:
    return {"group": group, "kind": "stop" if branch else "deterministic", "base": "bc", "start": 8, "reset_seed": seed,
            "branch": branch, "real_success": real, "dream_success": dream, "classifier_on_real_frames": real,
            "first_drift_decision": None}


def _report(label: str, dreams: list[bool], offset: int = 0, reals: list[bool] | None = None, **settings) -> dict:
    """Four trials: a noisy-policy failure and success, a branch failure and success (real outcomes ``reals``)."""
    reals = reals or [False, True, False, True]
    shapes = [("policy_noise", 1, None), ("policy_noise", 2, None),
              ("branch", 3, {"kind": "release", "at": 14}), ("branch", 4, {"kind": "release", "at": 14, "duration": 0})]
    trials = [_trial(g, s, r, d, b) for (g, s, b), r, d in zip(shapes, reals, dreams)]
    base = {"episodes": 30, "noise_std": 0.3, "random_episodes": 20, "branch_layouts": 4, "branch_at": [8, 14, 20]}
    return {"label": label, "layout_seeds_from": 1_500_000_000 + offset, "settings": {**base, **settings}, "trials": trials}


def _write(tmp_path, report: dict):
    path = tmp_path / f"results-{report['label']}.json"
    path.write_text(json.dumps(report))
    return path


def test_votes_count_imagined_successes_per_trial_and_thresholds_score_them():
    reports = [_report("a", [True, True, False, True]), _report("b", [True, False, True, True]),
               _report("c", [False, True, False, True])]
    records = vote.count_votes(reports, reports[0])
    assert [r["votes"] for r in records] == [2, 2, 1, 3]
    table = vote.vote_table(records, runs=3)
    at_least_2, at_least_3 = table[1]["summary"], table[2]["summary"]
    assert (at_least_2["policy_noise"]["hallucinated"], at_least_2["policy_noise"]["missed"]) == (1, 0)
    assert (at_least_3["policy_noise"]["hallucinated"], at_least_3["policy_noise"]["missed"]) == (0, 1)
    assert at_least_2["branches"]["agreement"] == 1.0 and at_least_3["branches"]["agreement"] == 1.0
    errors = vote.unanimous_errors(records, runs=3)
    assert errors["policy_noise"] == {"real_failures_all_hallucinate": 0, "real_successes_all_miss": 0}
    auc = vote.vote_auc(records)
    assert auc["policy_noise"] == 0.5 and auc["branches"] == 1.0 and auc["random"] is None


def test_a_branch_spelled_with_and_without_duration_is_one_trial():
    old = _trial("branch", 3, False, True, {"kind": "release", "at": 14})
    new = _trial("branch", 3, False, True, {"kind": "release", "at": 14, "duration": 0})
    assert vote.trial_key(old) == vote.trial_key(new)


def test_real_outcomes_come_from_the_reference_and_differences_are_counted():
    reference = _report("ref", [True, True, True, True])
    other = _report("other", [True, True, True, True], reals=[True, True, False, True])
    records = vote.count_votes([reference, other], reference)
    assert [r["real_success"] for r in records] == [False, True, False, True]
    assert [r["real_disagreements"] for r in records] == [1, 0, 0, 0]


def test_runs_on_other_layouts_or_settings_are_refused(tmp_path):
    a = _write(tmp_path, _report("a", [True] * 4))
    elsewhere = _write(tmp_path, _report("elsewhere", [True] * 4, offset=5000))
    noisier = _write(tmp_path, _report("noisier", [True] * 4, noise_std=0.5))
    with pytest.raises(ValueError, match="other layouts"):
        vote.load_reports([a, elsewhere])
    with pytest.raises(ValueError, match="noise_std"):
        vote.load_reports([a, noisier])
    with pytest.raises(ValueError, match="at least two"):
        vote.load_reports([a])
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    with pytest.raises(ValueError, match="not a readable"):
        vote.load_reports([a, broken])


def test_a_run_missing_trials_is_refused():
    full = _report("full", [True] * 4)
    short = {**_report("short", [True] * 4), "trials": _report("short", [True] * 4)["trials"][:2]}
    with pytest.raises(ValueError, match="lacks 2 trials"):
        vote.count_votes([full, short], full)


def test_command_writes_the_vote_and_prints_a_table(tmp_path, capsys):
    paths = [_write(tmp_path, _report(name, dreams)) for name, dreams in
             (("a", [True, True, False, True]), ("b", [False, True, True, True]))]
    vote.main([*map(str, paths), "--reference", str(paths[0]), "--label", "t", "--out-dir", str(tmp_path)])
    result = json.loads((tmp_path / "votes-t.json").read_text())
    assert [v["at_least"] for v in result["votes"]] == [1, 2]
    assert [r["label"] for r in result["runs"]] == ["a", "b"]
    assert result["runs"][1]["summary"]["policy_noise"]["hallucinated"] == 0
    assert "at least 2 of 2" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        vote.main([str(paths[0]), "--reference", str(paths[0]), "--label", "t", "--out-dir", str(tmp_path)])
