"""Recording the World4RL data mix from real Meta-World."""

import os
import re
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from dreamgym.data.collect import CollectConfig, collect, plan_episodes
from dreamgym.data.episode import episode_paths, load_episode
from dreamgym.data.windows import TransitionWindows

pytestmark = pytest.mark.metaworld


def small_config(out_dir, **overrides):
    values = dict(task="coffee-pull", out_dir=out_dir, num_expert=2, num_noisy_expert=1, num_random=1, episode_steps=12)
    values.update(overrides)
    return CollectConfig(**values)


def test_collection_round_trip(tmp_path):
    report = collect(small_config(tmp_path), progress=False)
    assert report.written == 4 and report.skipped == 0
    paths = episode_paths(tmp_path)
    assert [p.relative_to(tmp_path).as_posix() for p in paths] == [
        "coffee-pull/expert/expert-00000.npz",
        "coffee-pull/expert/expert-00001.npz",
        "coffee-pull/noisy_expert/noisy_expert-00000.npz",
        "coffee-pull/random/random-00000.npz",
    ]
    episode = load_episode(paths[0])
    assert episode.frames.shape == (13, 3, 64, 64) and episode.actions.shape == (12, 4)
    assert episode.states.shape == (13, 39)
    assert episode.meta["task"] == "coffee-pull" and episode.meta["source"] == "expert"
    assert episode.meta["action_repeat"] == 3 and episode.meta["camera"]["distance"] == 0.75
    noisy = load_episode(paths[2])
    assert noisy.meta["source"] == "noisy_expert" and 0.3 <= noisy.meta["noise_std"] <= 1.0
    windows = TransitionWindows.from_folder(tmp_path, progress=False)
    assert len(windows) == 4 * (12 - 3)


def test_stored_actions_replay_to_stored_frames(tmp_path):
    """The strongest alignment check: resetting with the stored seed and replaying actions[t]
    from frames[t] reproduces frames[t+1] exactly."""
    from dreamgym.real import MetaWorldPixelEnv

    collect(small_config(tmp_path, num_expert=0, num_noisy_expert=1, num_random=0), progress=False)
    episode = load_episode(episode_paths(tmp_path)[0])
    env = MetaWorldPixelEnv("coffee-pull", episode_steps=12)
    frame, _ = env.reset(seed=episode.meta["seed"])
    np.testing.assert_array_equal(frame, episode.frames[0])
    for t, action in enumerate(episode.actions):
        frame, _, _, _, info = env.step(action)
        np.testing.assert_array_equal(frame, episode.frames[t + 1])
        assert info["success"] == episode.success[t + 1]
    env.close()


def test_seeds_are_disjoint_across_sources_and_from_evaluation(tmp_path):
    from dreamgym.data.collect import EVAL_SEED_BASE, TUNING_SEED_BASE

    jobs = plan_episodes(CollectConfig("coffee-pull", tmp_path))
    seeds = [job.seed for job in jobs]
    assert len(seeds) == 230 and len(set(seeds)) == 230
    assert max(seeds) < TUNING_SEED_BASE < EVAL_SEED_BASE
    eval_seeds = [job.seed for job in plan_episodes(CollectConfig("coffee-pull", tmp_path, split="eval"))]
    assert min(eval_seeds) >= EVAL_SEED_BASE and len(set(eval_seeds)) == 230


def test_bad_config_is_refused(tmp_path):
    with pytest.raises(ValueError, match="num_random must be >= 0"):
        CollectConfig("coffee-pull", tmp_path, num_random=-1)
    with pytest.raises(ValueError, match="Unknown task"):
        CollectConfig("coffee-spill", tmp_path)
    with pytest.raises(ValueError, match="width must be >= 1, got 0"):
        CollectConfig("coffee-pull", tmp_path, width=0)
    with pytest.raises(ValueError, match="frames must be square; got width 64 and height 48"):
        CollectConfig("coffee-pull", tmp_path, height=48)


@pytest.mark.parametrize(
    "overrides, recorded",
    [(dict(width=32, height=32), "32x32 frames and 12 steps"), (dict(episode_steps=20), "64x64 frames and 20 steps")],
    ids=["frame size", "length"],
)
def test_collecting_into_a_folder_of_other_episodes_is_refused(tmp_path, overrides, recorded):
    from dreamgym.data.episode import make_episode, save_episode

    steps = 12
    existing = save_episode(
        make_episode(np.zeros((steps + 1, 3, 64, 64), np.uint8), np.zeros((steps, 4)), np.zeros(steps), np.zeros(steps + 1),
                     {"task": "coffee-pull", "source": "expert", "episode_steps": steps}),
        tmp_path / "coffee-pull" / "expert" / "expert-00000.npz",
    )
    message = f"{existing} has 64x64 frames, 4-D actions, 12 steps, but this collection records {recorded}; one dataset folder"
    with pytest.raises(ValueError, match=re.escape(message)):
        collect(small_config(tmp_path, **overrides), progress=False)


def test_killed_collection_resumes_to_the_same_dataset(tmp_path):
    killed, clean = tmp_path / "killed", tmp_path / "clean"
    command = [
        sys.executable, "-m", "dreamgym.cli", "collect", "--task", "coffee-pull", "--expert", "3",
        "--noisy-expert", "2", "--random", "1", "--steps", "15", "--no-progress",
    ]
    process = subprocess.Popen(command + ["--out", str(killed)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and len(list(killed.rglob("*.npz"))) < 2:
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    finished_before = len(episode_paths(killed))
    assert 2 <= finished_before < 6, "kill came too late to test resume"
    for path in episode_paths(killed):
        load_episode(path)  # every file left behind is a whole episode

    rerun = subprocess.run(command + ["--out", str(killed)], capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert f'"skipped_existing": {finished_before}' in rerun.stdout
    subprocess.run(command + ["--out", str(clean)], check=True, capture_output=True, timeout=300)
    resumed, reference = episode_paths(killed), episode_paths(clean)
    assert [p.relative_to(killed) for p in resumed] == [p.relative_to(clean) for p in reference]
    for a, b in zip(resumed, reference):
        np.testing.assert_array_equal(load_episode(a).frames, load_episode(b).frames)
        np.testing.assert_array_equal(load_episode(a).actions, load_episode(b).actions)
    assert not list(killed.rglob("*.tmp")), "temp files of the killed run were not cleaned up"


def test_parallel_workers_write_the_same_episodes(tmp_path):
    collect(small_config(tmp_path / "one", num_expert=1, num_random=1, num_noisy_expert=0), progress=False)
    collect(small_config(tmp_path / "two", num_expert=1, num_random=1, num_noisy_expert=0, workers=2), progress=False)
    for a, b in zip(episode_paths(tmp_path / "one"), episode_paths(tmp_path / "two")):
        np.testing.assert_array_equal(load_episode(a).frames, load_episode(b).frames)


@pytest.mark.parametrize("meta, message", [
    ({"rendering": {"goal_marker": None}, "camera": None},
     "was rendered with Meta-World's default goal drawing (1 cm sphere), but dreamgym now renders 'coffee-pull' with goal 'mug_goal' drawn as a disc"),
    ({"rendering": None, "camera": None}, "was rendered with Meta-World's default goal drawing (1 cm sphere)"),
    ({"camera": {"lookat": [0.0, 0.6, 0.1], "distance": 1.0, "azimuth": 90, "elevation": -30}},
     "was recorded with camera {'lookat': (0.0, 0.6, 0.1), 'distance': 1.0, 'azimuth': 90.0, 'elevation': -30.0}, "
     "but dreamgym now films 'coffee-pull' with {'lookat': (0.0, 0.64, 0.12), 'distance': 0.75, 'azimuth': 145"),
], ids=["other rendering", "no rendering recorded", "other camera"])
def test_collecting_into_a_folder_of_another_rendering_or_camera_is_refused(tmp_path, meta, message):
    from dreamgym.data.episode import make_episode, save_episode
    from dreamgym.tasks import get_task

    spec = get_task("coffee-pull")
    defaults = {"rendering": spec.rendering.to_dict(), "camera": spec.camera.to_dict()}
    meta = {**defaults, **meta}
    meta = {key: value for key, value in meta.items() if not (key == "camera" and value is None)}
    steps = 12
    existing = save_episode(
        make_episode(np.zeros((steps + 1, 3, 64, 64), np.uint8), np.zeros((steps, 4)), np.zeros(steps), np.zeros(steps + 1),
                     {"task": "coffee-pull", "source": "expert", "episode_steps": steps, **meta}),
        tmp_path / "coffee-pull" / "expert" / "expert-00000.npz",
    )
    with pytest.raises(ValueError, match=re.escape(f"{existing} {message}")):
        collect(small_config(tmp_path), progress=False)
