"""The action-outcome probe of the refinement diagnostics (benchmarks/policy/action_outcome_probe.py): its labels, the
pairs it trains on and its AUC."""

from __future__ import annotations

import numpy as np
import torch
from benchmark_scripts import load_script

probe = load_script("policy/action_outcome_probe.py")


def _recorded(success_from: list[int | None], steps: int = 50) -> dict[str, torch.Tensor]:
    """Episodes whose frames count their index (frame t of episode e is filled with e*100 + t mod 256) and whose
    success starts at the given frame (None: never)."""
    count = len(success_from)
    frames = torch.zeros(count, steps + 1, 3, 8, 8, dtype=torch.uint8)
    for episode in range(count):
        for t in range(steps + 1):
            frames[episode, t] = (episode * 100 + t) % 256
    actions = torch.arange(steps, dtype=torch.float32)[None, :, None].repeat(count, 1, 4) / steps
    success = torch.zeros(count, steps + 1, dtype=torch.bool)
    for episode, first in enumerate(success_from):
        if first is not None:
            success[episode, first:] = True
    return {"frames": frames, "actions": actions, "success": success}


def test_label_is_success_within_the_actions_given():
    recorded = _recorded([20, None])
    pairs = np.array([(0, 5)] * 200 + [(1, 5)] * 50)
    frames, actions, outcome = probe.recorded_batch(recorded, pairs, torch.Generator().manual_seed(0))
    length = actions[:, :, -1].sum(dim=1).long()
    # context frames 5..8, the first action after them is action 8 -> frame 9; success from frame 20 needs 12 actions
    assert torch.equal(outcome[:200].bool(), length[:200] >= 12)
    assert outcome[200:].sum() == 0
    assert {0, 1} <= set(outcome[:200].long().tolist())  # both outcomes drawn
    assert torch.allclose(frames[0, 0], torch.full((8, 8), 5 / 255.0))  # the context starts at frame 5
    assert torch.allclose(actions[0, 0, :4], torch.full((4,), 8 / 50))  # the first action is the one after the context
    assert (actions[:, :, :4][actions[:, :, 4] == 0] == 0).all()  # nothing beyond the length


def test_training_pairs_skip_contexts_already_successful():
    success = np.zeros((2, 51), bool)
    success[0, 10:] = True
    pairs = probe.training_pairs(success)
    starts_of_first = pairs[pairs[:, 0] == 0, 1]
    assert starts_of_first.max() == 6  # frames 6..9 are the last context before frame 10
    assert (pairs[pairs[:, 0] == 1, 1] == np.arange(probe.LATEST_START + 1)).all()


def test_auc_ranks_and_refuses_one_class():
    labels = np.array([0, 0, 1, 1], bool)
    assert probe.auc(np.array([0.1, 0.2, 0.8, 0.9]), labels) == 1.0
    assert probe.auc(np.array([0.9, 0.8, 0.2, 0.1]), labels) == 0.0
    assert probe.auc(np.array([0.5, 0.5, 0.5, 0.5]), labels) == 0.5
    assert probe.auc(np.array([0.1, 0.2]), np.array([1, 1], bool)) is None


def test_probe_reads_frames_and_actions():
    network = probe.OutcomeProbe()
    frames = torch.rand(3, 3 * probe.CONTEXT, 64, 64)
    actions = probe.action_input(torch.rand(3, probe.MAX_ACTIONS, 4), torch.tensor([3, 10, 40]))
    logits = network(frames, actions)
    assert logits.shape == (3,)
    assert actions[0, 3:].abs().sum() == 0 and actions[2, :, 4].sum() == 40
