"""Importing Minari image datasets into the dreamgym episode format."""

import re
import types

import numpy as np
import pytest

from dreamgym.data.episode import EpisodeFormatError, episode_paths, load_episode
from dreamgym.data.minari_import import episode_from_minari, import_minari
from dreamgym.data.windows import TransitionWindows


def _fake(observations, actions, infos=None):
    steps = len(actions)
    return types.SimpleNamespace(id=3, observations=observations, actions=actions, rewards=np.zeros(steps), infos=infos or {})


def test_real_minari_dataset_round_trip(tmp_path, monkeypatch):
    minari = pytest.importorskip("minari")
    import gymnasium as gym
    from minari.data_collector import EpisodeBuffer

    monkeypatch.setenv("MINARI_DATASETS_PATH", str(tmp_path / "minari"))
    rng = np.random.default_rng(0)
    buffers = []
    for _ in range(2):
        steps = 6
        buffers.append(
            EpisodeBuffer(
                observations=rng.integers(0, 256, (steps + 1, 8, 8, 3), dtype=np.uint8),  # channel-last
                actions=rng.uniform(-1, 1, (steps, 4)).astype(np.float32),
                rewards=[0.0] * steps,
                terminations=[False] * steps,
                truncations=[False] * (steps - 1) + [True],
                infos={"success": np.array([0, 0, 0, 0, 1, 1, 1], bool)},
            )
        )
    minari.create_dataset_from_buffers(
        "test/pixels-v0", buffers, observation_space=gym.spaces.Box(0, 255, (8, 8, 3), np.uint8),
        action_space=gym.spaces.Box(-1, 1, (4,), np.float32), data_format="hdf5", algorithm_name="random",
    )
    assert import_minari("test/pixels-v0", tmp_path / "data", task="toy", progress=False) == 2
    paths = episode_paths(tmp_path / "data")
    episode = load_episode(paths[0])
    np.testing.assert_array_equal(episode.frames, buffers[0].observations.transpose(0, 3, 1, 2))
    np.testing.assert_array_equal(episode.actions, buffers[0].actions)
    assert episode.success.tolist() == [False] * 4 + [True] * 3
    assert episode.meta["source"] == "minari:test/pixels-v0" and episode.meta["task"] == "toy"
    assert len(TransitionWindows.from_folder(tmp_path / "data", progress=False)) == 2 * 3


def test_step_only_success_infos_get_a_false_reset_frame():
    episode = episode_from_minari(
        _fake(np.zeros((4, 3, 8, 8), np.uint8), np.zeros((3, 4), np.float32), {"success": [0, 1, 1]}), "t", "s"
    )
    assert episode.success.tolist() == [False, False, True, True]


@pytest.mark.parametrize(
    "observations, actions, message",
    [
        (np.zeros((4, 10), np.uint8), np.zeros((3, 4)), "not RGB images"),
        (np.zeros((4, 3, 8, 8), np.float32), np.zeros((3, 4)), "uint8"),
        (np.zeros((4, 3, 8, 8), np.uint8), np.full((3, 4), 5.0), "rescale"),
    ],
)
def test_unusable_minari_episodes_are_explained(observations, actions, message):
    with pytest.raises(EpisodeFormatError, match=message):
        episode_from_minari(_fake(observations, actions), "t", "s")


@pytest.mark.parametrize("task", ["", "../outside", "a/b"])
def test_import_refuses_a_task_label_that_is_no_folder_name(tmp_path, task):
    """Checked before the dataset is looked up: '../outside' would write beside the dataset folder."""
    with pytest.raises(ValueError, match=re.escape(f"task {task!r} is not a usable task label; expected a task name")):
        import_minari("no-such/dataset-v0", tmp_path / "data", task=task, progress=False)
    assert not (tmp_path / "outside").exists()


def test_import_of_a_dataset_that_is_not_local_names_it(tmp_path, monkeypatch):
    pytest.importorskip("minari")
    monkeypatch.setenv("MINARI_DATASETS_PATH", str(tmp_path / "minari"))
    with pytest.raises(FileNotFoundError, match=re.escape("Minari dataset 'no-such/dataset-v0' not found locally (") +
                       r".*; expected the id of a local dataset \(`minari list local`"):
        import_minari("no-such/dataset-v0", tmp_path / "data", task="toy", progress=False)
