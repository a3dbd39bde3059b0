import re

import numpy as np
import pytest
import torch

from dreamgym.data.episode import EpisodeFormatError, make_episode
from dreamgym.data.windows import MAX_BATCH_SIZE, TransitionWindows


def test_window_alignment(synthetic_episode):
    """Frame t has value t and action t is t/100: a window at t must hold frames t-3..t,
    actions t-3..t (action t applied at frame t), and frame t+1 as target."""
    windows = TransitionWindows([synthetic_episode(steps=10)])
    assert len(windows) == 10 - 3
    for index in range(len(windows)):
        item = windows[index]
        t = index + 3
        frame_values = item["context_frames"][:, 0, 0, 0].tolist()
        assert frame_values == [t - 3, t - 2, t - 1, t]
        np.testing.assert_allclose(item["context_actions"][:, 0].numpy(), np.arange(t - 3, t + 1) / 100, atol=1e-7)
        assert int(item["next_frame"][0, 0, 0]) == t + 1
        assert bool(item["next_success"]) == (t + 1 >= 8)


def test_windows_never_cross_episodes(synthetic_episode):
    first = synthetic_episode(steps=6, task="coffee-pull")
    second = synthetic_episode(steps=5, task="soccer")
    second.frames[:] += 100
    windows = TransitionWindows([first, second])
    assert len(windows) == (6 - 3) + (5 - 3)
    batch = windows.get(torch.arange(len(windows)))
    context = batch["context_frames"][:, :, 0, 0, 0]
    target = batch["next_frame"][:, 0, 0, 0]
    # within each window the values are consecutive: no window mixes episodes
    assert torch.all(context[:, 1:] - context[:, :-1] == 1)
    assert torch.all(target - context[:, -1] == 1)
    assert batch["task"].tolist() == [0] * 3 + [1] * 2
    assert windows.tasks == ["coffee-pull", "soccer"]


def test_sample_is_seeded_and_batched(synthetic_episode):
    windows = TransitionWindows([synthetic_episode(steps=20)])
    a = windows.sample(16, torch.Generator().manual_seed(0))
    b = windows.sample(16, torch.Generator().manual_seed(0))
    assert a["context_frames"].shape == (16, 4, 3, 8, 8) and a["context_frames"].dtype == torch.uint8
    assert a["context_actions"].shape == (16, 4, 4)
    assert torch.equal(a["context_frames"], b["context_frames"])


def test_mixed_frame_sizes_are_refused(synthetic_episode):
    with pytest.raises(EpisodeFormatError, match="one frame shape"):
        TransitionWindows([synthetic_episode(size=8), synthetic_episode(size=16)])


def test_too_short_episodes_are_refused():
    short = make_episode(np.zeros((3, 3, 8, 8), np.uint8), np.zeros((2, 4)), np.zeros(2), np.zeros(3, bool), {"task": "x", "source": "y"})
    with pytest.raises(ValueError, match="long enough"):
        TransitionWindows([short])


def test_from_folder_filters_by_task(tmp_path, synthetic_episode):
    from dreamgym.data.episode import save_episode

    save_episode(synthetic_episode(task="coffee-pull"), tmp_path / "a.npz")
    save_episode(synthetic_episode(task="soccer"), tmp_path / "b.npz")
    windows = TransitionWindows.from_folder(tmp_path, tasks=["soccer"], progress=False)
    assert windows.tasks == ["soccer"]
    with pytest.raises(ValueError, match="No episodes"):
        TransitionWindows.from_folder(tmp_path, tasks=["hammer"], progress=False)


BATCH = r"batch_size must be an integer from 1 to 4096 \(dreamgym.data.windows.MAX_BATCH_SIZE\), got "


@pytest.mark.parametrize("batch_size, shown", [(-1, "-1"), (0, "0"), (10**9, "1000000000"), (4097, "4097"), (1.5, "1.5"),
                                               (True, "True"), ("8", "'8'"), (None, "None")])
def test_sample_refuses_bad_and_huge_batch_sizes(synthetic_episode, batch_size, shown):
    windows = TransitionWindows([synthetic_episode(steps=20)])
    with pytest.raises(ValueError, match=BATCH + re.escape(shown) + r"\.$"):
        windows.sample(batch_size)
    assert windows.sample(MAX_BATCH_SIZE)["next_frame"].shape[0] == MAX_BATCH_SIZE  # with replacement: more than 17 windows


def test_trainers_refuse_huge_batch_sizes_before_loading_data(tmp_path):
    from dreamgym.policy.bc import BCConfig
    from dreamgym.reward.train import RewardTrainConfig
    from dreamgym.world_model.train import TrainConfig

    with pytest.raises(ValueError, match=BATCH + r"1000000000\."):
        TrainConfig(data=tmp_path / "missing", out_dir=tmp_path / "out", batch_size=10**9)
    with pytest.raises(ValueError, match=BATCH + r"1000000000\."):
        BCConfig(data_dir=tmp_path / "missing", out=tmp_path / "bc.zip", batch_size=10**9)
    with pytest.raises(ValueError, match=r"batch_size must be an integer from 2 to 4096 \(dreamgym.data.windows.MAX_BATCH_SIZE\), got 1\."):
        RewardTrainConfig(data=tmp_path / "missing", out_dir=tmp_path / "out", batch_size=1)
