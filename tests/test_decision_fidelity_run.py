"""The decision-fidelity benchmark's cache of real trials (benchmarks/decision_fidelity/run.py)."""

from __future__ import annotations

import numpy as np
import pytest
from benchmark_scripts import load_script

from dreamgym.decision_fidelity import Trial

run = load_script("decision_fidelity/run.py")


def test_cached_real_trials_name_the_machine_that_recorded_them(tmp_path):
    trial = Trial(group="policy", kind="bc", base="bc", start=3, reset_seed=5, frames=np.zeros((6, 3, 8, 8), np.uint8),
                  actions=np.zeros((5, 4), np.float32), success=np.zeros(6, bool), final_distance=0.1)
    assert run.cached_recording_machine(tmp_path) is None  # caches written before it was noted
    run.save_cached_trials(tmp_path / "cache", [trial], run.recording_machine())
    machine = run.cached_recording_machine(tmp_path / "cache")
    assert machine == {**run.recording_machine(), "date": machine["date"]} and machine["cpu"] and "CPU" in machine["hardware"]
    (loaded,) = run.load_cached_trials(tmp_path / "cache")
    assert loaded.reset_seed == 5 and loaded.frames.shape == (6, 3, 8, 8)


def _parse(monkeypatch, *argv: str):
    monkeypatch.setattr("sys.argv", ["run.py", *argv])
    return run.parse_args()


def test_denoising_overrides_are_for_the_teacher_and_in_range(monkeypatch, capsys):
    args = _parse(monkeypatch, "--sampler", "teacher", "--denoising-steps", "10", "--heun")
    assert (args.denoising_steps, args.heun) == (10, True)
    for argv, message in ((["--denoising-steps", "5"], "add --sampler teacher"),
                          (["--sampler", "distilled", "--heun"], "add --sampler teacher"),
                          (["--sampler", "teacher", "--denoising-steps", "11"], "between 1 and 10")):
        with pytest.raises(SystemExit):
            _parse(monkeypatch, *argv)
        assert message in capsys.readouterr().err
