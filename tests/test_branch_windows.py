"""Branch-onset window sampling of world-model training (dreamgym.data.branch_windows)."""

import numpy as np
import pytest
import torch

from dreamgym.data.branch_windows import BranchOnsetSamplingConfig, branch_onset_sampling_weights, branch_onset_windows
from dreamgym.data.episode import make_episode
from dreamgym.data.windows import TransitionWindows


def _episode(steps, branch=None, size=8):
    frames = np.zeros((steps + 1, 3, size, size), np.uint8)
    meta = {"task": "toy", "source": "branch" if branch else "expert", "seed": 7, "branch": branch}
    return make_episode(frames, np.zeros((steps, 4)), np.zeros(steps), np.zeros(steps + 1, bool), meta)


def test_onset_windows_are_those_whose_newest_action_is_among_the_first_perturbed():
    # 12 decisions: windows t = 3..11; branch at decision 5, 3 onset decisions: t = 5, 6, 7
    episode = _episode(12, {"base": "expert", "kind": "release", "at": 5, "lateral": 0.0, "duration": 1})
    onset = branch_onset_windows(episode, context=4, decisions=3)
    assert onset.tolist() == [False, False, True, True, True, False, False, False, False]
    assert len(onset) == len(TransitionWindows([episode]))


def test_onsets_before_the_first_window_or_after_the_last_are_cut():
    early = _episode(10, {"base": "bc", "kind": "stop", "at": 1, "lateral": 0.0, "duration": 0})
    assert branch_onset_windows(early, context=4, decisions=4).tolist() == [True, True] + [False] * 5  # t = 3, 4
    late = _episode(10, {"base": "bc", "kind": "stop", "at": 9, "lateral": 0.0, "duration": 0})
    assert branch_onset_windows(late, context=4, decisions=4).tolist() == [False] * 6 + [True]  # t = 9 only


def test_episodes_without_a_branch_have_no_onset_windows():
    assert not branch_onset_windows(_episode(10), context=4, decisions=4).any()


@pytest.mark.parametrize("branch", [{"kind": "stop"}, {"at": "5"}, {"at": -1}, "release at 5"])
def test_a_branch_without_its_decision_is_refused_naming_the_episode(branch):
    with pytest.raises(ValueError, match=r"'branch' seed 7 has meta\['branch'\].*expected a dict with the first perturbed decision 'at'"):
        branch_onset_windows(_episode(10, branch), context=4, decisions=4)


def test_weights_give_the_onset_windows_their_share():
    branch = {"base": "expert", "kind": "release", "at": 5, "lateral": 0.0, "duration": 0}
    episodes = [_episode(12, branch), _episode(12), _episode(12)]
    weights, count = branch_onset_sampling_weights(episodes, 4, BranchOnsetSamplingConfig(share=0.4, decisions=2))
    onset = np.concatenate([branch_onset_windows(episode, 4, 2) for episode in episodes])
    assert count == 2 and len(weights) == 27
    assert weights.sum().item() == pytest.approx(1.0)
    assert weights[onset].sum().item() == pytest.approx(0.4 + 0.6 * 2 / 27)
    draws = torch.multinomial(weights, 20000, replacement=True, generator=torch.Generator().manual_seed(0))
    assert onset[draws.numpy()].mean() == pytest.approx(0.4 + 0.6 * 2 / 27, abs=0.02)


def test_without_branches_the_weights_are_uniform():
    weights, count = branch_onset_sampling_weights([_episode(8)], 4, BranchOnsetSamplingConfig())
    assert count == 0
    torch.testing.assert_close(weights, torch.full((5,), 0.2, dtype=torch.float64))


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"share": 0}, r"share must be a number in \(0, 1\), got 0"),
        ({"share": 1.0}, r"share must be a number in \(0, 1\), got 1.0"),
        ({"share": True}, r"share must be a number in \(0, 1\), got True"),
        ({"decisions": 0}, r"decisions must be an integer >= 1, got 0"),
        ({"decisions": 2.5}, r"decisions must be an integer >= 1, got 2.5"),
    ],
)
def test_bad_settings_are_refused(settings, message):
    with pytest.raises(ValueError, match=message):
        BranchOnsetSamplingConfig(**settings)


def test_the_setting_is_kept_in_the_run_config_only_when_used(tmp_path):
    from dreamgym.world_model.train import TrainConfig

    plain = TrainConfig(data=tmp_path, out_dir=tmp_path).to_dict()
    assert "branch_onset_sampling" not in plain  # configs of earlier runs stay as they were written
    onset = TrainConfig(data=tmp_path, out_dir=tmp_path, window_sampling="branch-onset",
                        branch_onset_sampling={"share": 0.2, "decisions": 3})
    assert onset.to_dict()["branch_onset_sampling"] == {"share": 0.2, "decisions": 3}
    assert TrainConfig(**{**onset.to_dict(), "data": tmp_path}).branch_onset_sampling == BranchOnsetSamplingConfig(0.2, 3)
