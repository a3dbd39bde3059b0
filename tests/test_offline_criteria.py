"""``benchmarks/policy/offline_criteria.py``: agreement with the scripted expert on recorded frames, per source."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from benchmark_scripts import load_script
from test_policy import start_model

from dreamgym.policy.model import load_policy

offline_criteria = load_script("policy/offline_criteria.py")


def test_expert_agreement_is_zero_where_the_expert_acts_as_the_policy_and_splits_by_source_and_decision(tmp_path):
    model = start_model(tmp_path, -1.0)
    frames = np.random.default_rng(0).integers(0, 255, (6, 3, 64, 64), dtype=np.uint8)
    policy = load_policy(model).policy
    with torch.no_grad():
        own = np.clip(policy.get_distribution(torch.from_numpy(frames).float()).mode().numpy(), -1, 1)
    expert = own.copy()
    expert[1, 3] = own[1, 3] + 0.5  # a bc frame inside the grasp decisions, its gripper off by 0.5
    expert[4, 0] = own[4, 0] + 1.0  # a branch frame outside them
    recorded = {"frames": frames, "expert": expert.astype(np.float32), "decision": np.array([10, 12, 30, 9, 2, 15]),
                "source": np.array(["noisy_expert", "bc", "bc", "branch", "branch", "branch"])}
    report = offline_criteria.expert_agreement(model, recorded)
    assert report["noisy_expert"] == {"all": 0.0, "grasp": 0.0, "grasp_gripper": 0.0}
    assert report["bc"]["all"] == pytest.approx(0.25 / 8, abs=1e-4)  # 2 frames x 4 dimensions
    assert report["bc"]["grasp"] == pytest.approx(0.25 / 4, abs=1e-4) and report["bc"]["grasp_gripper"] == pytest.approx(0.25, abs=1e-4)
    assert report["branch"]["all"] == pytest.approx(1.0 / 12, abs=1e-4) and report["branch"]["grasp"] == 0.0


def test_recorded_frames_name_the_missing_sources(tmp_path):
    (tmp_path / "coffee-pull").mkdir()
    with pytest.raises(FileNotFoundError, match="noisy_expert"):
        offline_criteria.recorded_frames(tmp_path, "coffee-pull")
