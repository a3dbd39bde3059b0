"""benchmarks/policy/dream_episode_rescore.py: re-imagining imagined episodes from their real start, with the shipped
dream or a second one as judge."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from benchmark_scripts import load_script

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory):
    """Three imagined episodes (3, 2 and 3 decisions) starting from contexts of the shipped bundle's stored
    trajectories, two of them confirmed, with a real replay that says which of them really succeeded."""
    initial = np.load(ROOT / "envs" / "coffee-pull" / "initial_states" / "episodes.npz")
    starts = [(0, 10), (5, 12), (9, 11)]
    lengths = [3, 2, 3]
    rng = np.random.default_rng(0)
    frames, actions = [], []
    for (trajectory, decision), length in zip(starts, lengths):
        first = initial["frames"][trajectory, decision + 3]
        frames.append(np.stack([first] * length))
        actions.append(rng.uniform(-1, 1, (length, 4)).astype(np.float32))
    folder = tmp_path_factory.mktemp("run")
    np.savez(folder / "imagined_episodes.npz", frames=np.concatenate(frames), actions=np.concatenate(actions),
             lengths=np.array(lengths), success=np.array([True, False, True]))
    (folder / "real_replay.json").write_text(json.dumps({"real_success": [True, False, False]}))
    return folder


def test_the_shipped_bundle_as_judge_gives_the_shipped_verdicts(run_folder, tmp_path):
    module = load_script("policy/dream_episode_rescore.py")
    common = [str(run_folder), "--rerolls", "2", "--sampler", "teacher", "--seed", "3"]
    module.main([*common, "--out", str(tmp_path / "self.json")])
    module.main([*common, "--judge-bundle", str(ROOT / "envs" / "coffee-pull"), "--out", str(tmp_path / "judge.json")])
    own, judged = (json.loads((tmp_path / name).read_text()) for name in ("self.json", "judge.json"))
    assert own["judge_bundle"] is None and judged["judge_bundle"].endswith("coffee-pull")
    assert own["fired"] == judged["fired"] and own["fired_anywhere"] == judged["fired_anywhere"]
    fired, anywhere = np.array(own["fired"]), np.array(own["fired_anywhere"])
    assert (fired[1] == -1).all() and (anywhere[1] == -1).all()  # not confirmed: not re-imagined
    assert set(fired[[0, 2]].ravel()) <= {0, 1} and (anywhere[[0, 2]] >= fired[[0, 2]]).all()
    by_score = own["real_by_score"]
    assert sum(row["episodes"] for row in by_score.values()) == 2  # the two confirmed episodes
    assert sum(row["real"] for row in by_score.values()) == 1
