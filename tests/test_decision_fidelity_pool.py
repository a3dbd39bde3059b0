"""Pooling decision-fidelity runs over layout sets (benchmarks/decision_fidelity/pool.py)."""

from __future__ import annotations

import json

import pytest
from benchmark_scripts import load_script

pool = load_script("decision_fidelity/pool.py")


def _record(group: str, real: bool, dream: bool, kind: str = "stop") -> dict:
    return {"group": group, "kind": kind, "base": "bc", "start": 8, "real_success": real, "dream_success": dream,
            "classifier_on_real_frames": real, "first_drift_decision": None}


def _report(label: str, offset: int, trials: list[dict], sampler: str = "distilled", **settings) -> dict:
    base = {"episodes": 30, "noise_std": 0.3, "random_episodes": 20, "branch_layouts": 4, "branch_at": [8, 14, 20],
            "dream_seed": 0}
    return {"label": label, "bundle": "/b", "policy": "/b/policies/bc.zip", "sampler": sampler,
            "layout_seeds_from": 1_500_000_000 + offset, "settings": {**base, **settings}, "trials": trials}


def _write(tmp_path, report: dict):
    path = tmp_path / f"results-{report['label']}.json"
    path.write_text(json.dumps(report))
    return path


def test_wilson_interval_matches_known_values():
    assert pool.wilson_interval(0, 0) is None
    low, high = pool.wilson_interval(7, 22)
    assert low == pytest.approx(0.1636, abs=1e-3) and high == pytest.approx(0.5273, abs=1e-3)
    assert pool.wilson_interval(0, 20)[0] == 0.0 and pool.wilson_interval(20, 20)[1] == 1.0


def test_pooled_counts_add_up_over_layout_sets(tmp_path):
    first = [_record("policy_noise", False, True), _record("policy_noise", False, False), _record("branch", True, True)]
    second = [_record("policy_noise", False, True), _record("policy_noise", True, False), _record("branch", False, True)]
    paths = [_write(tmp_path, _report("a", 0, first)), _write(tmp_path, _report("b", 5000, second))]
    pool.main([*map(str, paths), "--label", "both", "--out-dir", str(tmp_path)])
    pooled = json.loads((tmp_path / "pooled-both.json").read_text())
    noisy, branches = pooled["summary"]["policy_noise"], pooled["summary"]["branches"]
    assert (noisy["hallucinated"], noisy["real_failures"], noisy["missed"], noisy["real_successes"]) == (2, 3, 1, 1)
    assert noisy["hallucination_interval"] == list(pool.wilson_interval(2, 3))
    assert branches["trials"] == 2 and branches["agreement"] == 0.5
    assert [run["layout_seeds_from"] for run in pooled["runs"]] == [1_500_000_000, 1_500_005_000]


def test_runs_that_judge_differently_or_the_same_layouts_are_refused(tmp_path, capsys):
    trials = [_record("branch", True, True)]
    a = _write(tmp_path, _report("a", 0, trials))
    cases = {
        "differs from .* in 'sampler'": _report("teacher", 5000, trials, sampler="teacher"),
        "differs from .* in 'success_frames'": _report("frames2", 5000, trials, success_frames=2),
        "judged the same layouts": _report("same", 0, trials),
    }
    for message, other in cases.items():
        with pytest.raises(ValueError, match=message):
            pool.load_runs([a, _write(tmp_path, other)])
    with pytest.raises(ValueError, match="at least two reports"):
        pool.load_runs([a])
    (tmp_path / "broken.json").write_text("{")
    with pytest.raises(SystemExit):
        pool.main([str(a), str(tmp_path / "broken.json"), "--label", "x", "--out-dir", str(tmp_path)])
    assert "not a readable decision-fidelity report" in capsys.readouterr().err


def test_one_bundle_written_as_relative_or_absolute_path_is_one_bundle(tmp_path):
    trials = [_record("branch", True, True)]
    relative = {**_report("rel", 0, trials), "bundle": "runs/bundle-x", "policy": "./envs/coffee-pull/policies/bc.zip"}
    absolute = {**_report("abs", 5000, trials), "bundle": str(pool.REPOSITORY / "runs" / "bundle-x") + "/",
                "policy": str(pool.REPOSITORY / "envs/coffee-pull/policies/bc.zip")}
    assert len(pool.load_runs([_write(tmp_path, relative), _write(tmp_path, absolute)])) == 2
    elsewhere = {**absolute, "label": "elsewhere", "bundle": "runs/bundle-y"}
    with pytest.raises(ValueError, match=r"differs from .* in 'bundle': 'runs/bundle-y' against 'runs/bundle-x'"):
        pool.load_runs([_write(tmp_path, relative), _write(tmp_path, elsewhere)])

