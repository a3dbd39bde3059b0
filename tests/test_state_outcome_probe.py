"""The state-outcome probe of the decision-fidelity benchmark (benchmarks/decision_fidelity/state_outcome_probe.py)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from benchmark_scripts import load_script

probe = load_script("decision_fidelity/state_outcome_probe.py")


def _state(hand=(0.0, 0.6, 0.2), mug=(0.0, 0.75, 0.0), goal=(0.0, 0.6, 0.0)) -> np.ndarray:
    state = np.zeros(39)
    state[0:3], state[4:7], state[36:39] = hand, mug, goal
    return state


def test_features_mask_the_actions_given_and_sum_the_hand_path():
    actions = np.ones((50, 4), np.float32)
    full = probe.features(_state(), actions, start=10)
    short = probe.features(_state(), actions, start=10, length=5)
    slots = probe.EPISODE_DECISIONS - probe.FIRST_START
    head = 14 + 6  # state entries and offsets
    mask_full, mask_short = (f[head + 4 * slots: head + 5 * slots] for f in (full, short))
    assert mask_full.sum() == 40 and mask_short.sum() == 5
    path = short[head + 5 * slots: head + 8 * slots].reshape(slots, 3)
    assert path[4].tolist() == [5.0, 5.0, 5.0] and path[-1].tolist() == [5.0, 5.0, 5.0]
    assert len(full) == len(short)


def test_actions_only_zeroes_every_state_entry(monkeypatch):
    actions = np.zeros((50, 4), np.float32)
    monkeypatch.setattr(probe, "ACTIONS_ONLY", True)
    blind = probe.features(_state(mug=(0.3, 0.8, 0.1)), actions, start=3)
    assert not blind[:20].any()


def test_training_samples_label_success_after_the_start_and_stop_once_it_happened(tmp_path):
    folder = tmp_path / "data" / "coffee-pull" / "expert"
    folder.mkdir(parents=True)
    success = np.zeros(51, bool)
    success[30:] = True
    np.savez(folder / "e.npz", states=np.stack([_state()] * 51), actions=np.zeros((50, 4), np.float32), success=success)
    inputs, labels, episodes = probe.training_samples([tmp_path / "data"], "coffee-pull", seed=0)
    assert len(inputs) == 2 * (29 - 3 + 1)  # starts 3..29 (success is in frame 30), two samples each
    assert labels[0::2].all()  # every full-length sample succeeds later
    assert set(episodes.tolist()) == {0}
    with pytest.raises(SystemExit, match="No recorded episodes"):
        probe.training_samples([tmp_path / "nothing"], "coffee-pull", seed=0)


def test_a_trained_probe_learns_a_rule_in_the_actions_and_survives_saving(tmp_path):
    rng = np.random.default_rng(0)
    states = [_state() for _ in range(400)]
    actions = rng.uniform(-1, 1, size=(400, 50, 4)).astype(np.float32)
    labels = actions[:, 3:, 3].mean(axis=1) > 0  # "the gripper stayed shut": the rule to learn
    inputs = np.stack([probe.features(s, a, 3) for s, a in zip(states, actions)])
    model = probe.train_probe(inputs, labels, epochs=20, seed=0)
    assert probe.auc(probe.predict(model, inputs), labels) > 0.9
    probe.save_probe(model, tmp_path / "p.safetensors")
    again = probe.load_probe(tmp_path / "p.safetensors")
    assert np.allclose(probe.predict(again, inputs), probe.predict(model, inputs))


def test_auc_and_position_noise():
    assert probe.auc(np.array([0.9, 0.8, 0.1]), np.array([True, True, False])) == 1.0
    assert probe.auc(np.array([0.5, 0.5]), np.array([True, False])) == 0.5
    assert probe.auc(np.array([0.5]), np.array([True])) is None
    state = _state()
    blurred = probe.blur_positions(state, 1.0, np.random.default_rng(0))
    assert not np.array_equal(blurred[0:3], state[0:3]) and np.array_equal(blurred[36:39], state[36:39])
    assert np.abs(blurred - state).max() < 0.06


def test_the_cache_holding_a_reports_trials_is_found(tmp_path):
    trial = {"group": "policy", "kind": "deterministic", "base": "bc", "reset_seed": 7, "branch": None, "start": 3}
    for name, seed in (("a", 7), ("b", 8)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "trials.json").write_text(json.dumps([{**trial, "reset_seed": seed}]))
    assert probe.find_cache({"label": "x", "trials": [trial]}, tmp_path).name == "a"
    assert probe.find_cache({"label": "x", "trials": [trial], "real_trials_cache": "b"}, tmp_path).name == "b"
    with pytest.raises(SystemExit, match="no cached real trials"):
        probe.find_cache({"label": "x", "trials": [{**trial, "reset_seed": 9}]}, tmp_path)
