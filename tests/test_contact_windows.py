"""Contact-balanced window sampling and the moving-pixel loss weight of world-model training."""

import numpy as np
import pytest
import torch

from dreamgym.data.contact_windows import (
    OBJECT_FOLLOWS,
    OBJECT_LEFT_BEHIND,
    OTHER,
    ContactSamplingConfig,
    contact_groups,
    contact_sampling_weights,
)
from dreamgym.data.episode import make_episode
from dreamgym.data.windows import TransitionWindows
from dreamgym.world_model.denoiser import Denoiser, DenoiserConfig, moving_pixel_weights


def _episode_with_states(hand_x, object_x, size=8):
    """An episode whose states move the hand and the object along x (metres), everything else still."""
    steps = len(hand_x) - 1
    states = np.zeros((steps + 1, 39))
    states[:, 0], states[:, 4] = hand_x, object_x
    states[:, 10] = 1.0  # upright object: quaternion x, y, z, w = 0, 0, 0, 1
    frames = np.zeros((steps + 1, 3, size, size), np.uint8)
    meta = {"task": "toy", "source": "test", "seed": 0}
    return make_episode(frames, np.zeros((steps, 4)), np.zeros(steps), np.zeros(steps + 1, bool), meta, states=states)


def test_groups_follow_left_behind_and_other():
    #          t: 0     1     2     3     4     5     6     7
    hand = [0.00, 0.00, 0.00, 0.00, 0.01, 0.02, 0.03, 0.03]
    obj = [0.00, 0.00, 0.00, 0.00, 0.01, 0.01, 0.01, 0.01]
    # windows t = 3..6 predict frames 4..7: hand and object move together, object stays, object stays, all still
    groups = contact_groups(_episode_with_states(hand, obj), context=4, config=ContactSamplingConfig())
    assert groups.tolist() == [OBJECT_FOLLOWS, OBJECT_LEFT_BEHIND, OBJECT_LEFT_BEHIND, OTHER]


def test_a_hand_out_of_reach_is_other():
    hand = [0.0, 0.0, 0.0, 0.0, 0.01, 0.02]
    obj = [0.5] * 6  # 50 cm away
    groups = contact_groups(_episode_with_states(hand, obj), context=4, config=ContactSamplingConfig())
    assert groups.tolist() == [OTHER, OTHER]


def test_weights_give_each_group_its_share():
    hand = [0.0, 0.0, 0.0, 0.0, 0.01, 0.02, 0.03, 0.03, 0.03, 0.03, 0.03]
    obj = [0.0, 0.0, 0.0, 0.0, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01]
    episode = _episode_with_states(hand, obj)
    config = ContactSamplingConfig(follows_share=0.2, left_share=0.3)
    weights, counts = contact_sampling_weights([episode], 4, config)
    groups = contact_groups(episode, 4, config)
    assert counts == {"other": 4, "object follows the hand": 1, "object left behind": 2, "object tips": 0}
    assert weights.sum().item() == pytest.approx(1.0)
    uniform = 0.5 / len(groups)
    assert weights[groups == OBJECT_FOLLOWS].sum().item() == pytest.approx(0.2 + uniform)
    assert weights[groups == OBJECT_LEFT_BEHIND].sum().item() == pytest.approx(0.3 + 2 * uniform)
    # weighted sampling draws the groups at those rates
    windows = TransitionWindows([episode])
    draws = torch.multinomial(weights, 20000, replacement=True, generator=torch.Generator().manual_seed(0))
    assert (groups[draws.numpy()] == OBJECT_LEFT_BEHIND).mean() == pytest.approx(0.3 + 2 * uniform, abs=0.02)
    assert windows.sample(5, torch.Generator().manual_seed(0), weights)["next_frame"].shape == (5, 3, 8, 8)


def test_an_empty_group_gives_its_share_back():
    episode = _episode_with_states([0.0] * 8, [0.5] * 8)  # nothing ever moves
    weights, counts = contact_sampling_weights([episode], 4, ContactSamplingConfig())
    assert counts["object left behind"] == 0
    torch.testing.assert_close(weights, torch.full((4,), 0.25, dtype=torch.float64))


def test_episodes_without_states_are_refused_with_the_way_out():
    frames = np.zeros((6, 3, 8, 8), np.uint8)
    episode = make_episode(frames, np.zeros((5, 4)), np.zeros(5), np.zeros(6, bool), {"task": "toy", "source": "mine", "seed": 3})
    with pytest.raises(ValueError, match=r"needs Meta-World states.*'mine' seed 3 has states of shape None.*uniform sampling"):
        contact_groups(episode, 4, ContactSamplingConfig())


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"reach": 0}, r"reach must be a positive finite number, got 0"),
        ({"min_hand_motion": float("nan")}, r"min_hand_motion must be a positive finite number, got nan"),
        ({"follows_below": 0.8, "left_above": 0.5}, r"follows_below \(0.8\) must not exceed left_above \(0.5\)"),
        ({"left_share": 1.5}, r"left_share must be a number in \[0, 1\), got 1.5"),
        ({"follows_share": 0.6, "left_share": 0.5}, r"must be below 1.*got 0.6 \+ 0.5"),
    ],
)
def test_bad_contact_settings_are_refused(settings, message):
    with pytest.raises(ValueError, match=message):
        ContactSamplingConfig(**settings)


@pytest.mark.parametrize("weights", [torch.ones(3), torch.full((4,), float("nan")), -torch.ones(4), torch.zeros(4)])
def test_bad_sampling_weights_are_refused(weights):
    windows = TransitionWindows([_episode_with_states([0.0] * 8, [0.0] * 8)])
    with pytest.raises(ValueError, match=r"weights must be 4 finite non-negative numbers"):
        windows.sample(2, weights=weights)


def test_moving_pixel_weights_mark_changed_pixels_and_their_neighbours():
    last = torch.zeros(1, 3, 6, 6)
    target = last.clone()
    target[0, 1, 2, 2] = 0.5  # one pixel changes in one channel
    target[0, :, 5, 5] = 0.05  # below the threshold
    weights = moving_pixel_weights(last, target, extra_weight=4.0)
    assert weights.shape == (1, 1, 6, 6)
    expected = torch.ones(6, 6)
    expected[1:4, 1:4] = 5.0
    torch.testing.assert_close(weights[0, 0], expected)


def test_weighted_loss_equals_plain_loss_for_uniform_weights():
    config = DenoiserConfig(image_size=8, channels=(8, 8), patch_size=1)
    model = Denoiser(config)
    context, actions, target = torch.rand(2, 4, 3, 8, 8) * 2 - 1, torch.rand(2, 4, 4) * 2 - 1, torch.rand(2, 3, 8, 8) * 2 - 1
    plain = model.loss(context, actions, target, torch.Generator().manual_seed(0))
    weighted = model.loss(context, actions, target, torch.Generator().manual_seed(0), torch.full((2, 1, 8, 8), 3.0))
    torch.testing.assert_close(weighted, plain)


def test_training_config_refuses_unknown_sampling_and_bad_pixel_weight(tmp_path):
    from dreamgym.world_model.train import TrainConfig

    with pytest.raises(ValueError, match=r"window_sampling must be one of \('uniform', 'contact', 'branch-onset'\), got 'balanced'"):
        TrainConfig(data=tmp_path, out_dir=tmp_path, window_sampling="balanced")
    with pytest.raises(ValueError, match=r"moving_pixel_weight must be a number from 0 to 100.*got -1"):
        TrainConfig(data=tmp_path, out_dir=tmp_path, moving_pixel_weight=-1)


def _quaternion_tilted(degrees):
    """``x, y, z, w`` of a rotation by ``degrees`` about the x axis."""
    half = np.radians(degrees) / 2
    return [np.sin(half), 0.0, 0.0, np.cos(half)]


def test_tipping_windows_form_their_own_group_only_when_sampled():
    from dreamgym.data.contact_windows import OBJECT_TIPS, upright_angle_degrees

    episode = _episode_with_states([0.0] * 8, [0.5] * 8)
    tilt = [0, 0, 0, 0, 5, 40, 85, 90]  # the object falls over between frames 4 and 6
    episode.states[:, 7:11] = [_quaternion_tilted(d) for d in tilt]
    np.testing.assert_allclose(upright_angle_degrees(episode.states[:, 7:11]), tilt, atol=1e-9)
    assert contact_groups(episode, 4, ContactSamplingConfig()).tolist() == [OTHER] * 4
    groups = contact_groups(episode, 4, ContactSamplingConfig(follows_share=0, left_share=0, tips_share=0.2))
    # windows t = 3..6 predict frames 4..7: tilt changes by 5, 35, 45, 5 degrees
    assert groups.tolist() == [OTHER, OBJECT_TIPS, OBJECT_TIPS, OTHER]
    _, counts = contact_sampling_weights([episode], 4, ContactSamplingConfig(tips_share=0.2))
    assert counts["object tips"] == 2
