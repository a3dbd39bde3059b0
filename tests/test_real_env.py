"""The real Meta-World pixel environment."""

import re

import gymnasium as gym
import numpy as np
import pytest

import dreamgym  # noqa: F401  (registers the ids)
from dreamgym.real import MetaWorldPixelEnv, ScriptedExpert
from dreamgym.spaces import ResetNeeded

pytestmark = pytest.mark.metaworld


@pytest.fixture
def env():
    env = MetaWorldPixelEnv("coffee-pull")
    yield env
    env.close()


def test_spaces_and_observations(env):
    obs, info = env.reset(seed=0)
    assert env.observation_space == gym.spaces.Box(0, 255, (3, 64, 64), np.uint8)
    assert env.action_space == gym.spaces.Box(-1, 1, (4,), np.float32)
    assert obs.shape == (3, 64, 64) and obs.dtype == np.uint8
    assert info["state"].shape == (39,) and info["state"].dtype == np.float64
    obs, reward, terminated, truncated, info = env.step(env.action_space.sample())
    assert obs in env.observation_space
    assert isinstance(reward, float) and reward in (0.0, 1.0)
    assert info["state"].shape == (39,) and isinstance(info["success"], bool)
    assert obs.std() > 10, "frame looks blank"
    assert env.render().shape == (64, 64, 3)


@pytest.mark.parametrize("task", ["coffee-pull", "hammer", "soccer"])
def test_frames_are_upright(task):
    """The camera looks down at the table: the wooden floor (R > G > B, brownish) fills the bottom
    rows of an upright frame and is nearly absent from the top rows."""
    env = MetaWorldPixelEnv(task)
    obs, _ = env.reset(seed=0)
    env.close()

    def wood_fraction(rows):
        r, g, b = rows.astype(int)
        return ((r > g) & (g > b) & (g - b > 8) & (r - g > 8) & (r < 200)).mean()

    assert wood_fraction(obs[:, -6:]) > 0.7
    assert wood_fraction(obs[:, :6]) < 0.3


def test_gymnasium_env_checker():
    from gymnasium.utils.env_checker import check_env

    env = gym.make("MetaWorldPixels-CoffeePull-v0")
    check_env(env.unwrapped, skip_render_check=False)
    env.close()


def test_sb3_env_checker(env):
    from stable_baselines3.common.env_checker import check_env

    check_env(env, warn=True)


def test_same_seed_same_episode_different_seed_different_layout(env):
    def run(seed):
        frames, states = [], []
        obs, info = env.reset(seed=seed)
        frames.append(obs); states.append(info["state"])
        rng = np.random.default_rng(123)
        for _ in range(5):
            obs, _, _, _, info = env.step(rng.uniform(-1, 1, 4).astype(np.float32))
            frames.append(obs); states.append(info["state"])
        return np.stack(frames), np.stack(states)

    frames_a, states_a = run(7)
    run(8)  # something else in between must not leak into the next seeded episode
    frames_b, states_b = run(7)
    frames_c, states_c = run(9)
    np.testing.assert_array_equal(frames_a, frames_b)
    np.testing.assert_array_equal(states_a, states_b)
    # object position (state[4:7]) and goal (state[36:39]) differ between seeds
    assert not np.allclose(states_a[0, 4:7], states_c[0, 4:7]) or not np.allclose(states_a[0, 36:39], states_c[0, 36:39])


def test_fresh_layout_on_every_reset(env):
    positions = set()
    env.reset(seed=0)
    for _ in range(60):
        _, info = env.reset()
        positions.add(tuple(np.round(info["state"][4:7], 5)))
    assert len(positions) == 60  # Meta-World's MT1 would cycle through 50 layouts


def test_expert_reaches_success(env):
    expert = ScriptedExpert("coffee-pull")
    _, info = env.reset(seed=3)
    rewards = []
    for _ in range(env.episode_steps):
        _, reward, _, truncated, info = env.step(expert(info["state"]))
        rewards.append(reward)
    assert max(rewards) == 1.0 and truncated


def test_terminate_on_success():
    env = MetaWorldPixelEnv("coffee-pull", terminate_on_success=True)
    expert = ScriptedExpert("coffee-pull")
    _, info = env.reset(seed=3)
    for step in range(env.episode_steps):  # noqa: B007  (step is read after the loop)
        _, reward, terminated, truncated, info = env.step(expert(info["state"]))
        if terminated:
            break
    env.close()
    assert terminated and reward == 1.0 and step < env.episode_steps - 1


def test_truncates_after_episode_steps_and_requires_reset():
    env = MetaWorldPixelEnv("hammer", episode_steps=3)
    env.reset(seed=0)
    flags = [env.step(np.zeros(4, np.float32))[3] for _ in range(3)]
    assert flags == [False, False, True]
    with pytest.raises(ResetNeeded, match=re.escape(
        "MetaWorldPixelEnv.step() was called after the episode was truncated (time limit); expected reset() first")):
        env.step(np.zeros(4, np.float32))
    env.close()


def test_step_before_reset_is_gymnasiums_reset_needed(env):
    with pytest.raises(gym.error.ResetNeeded, match=re.escape("MetaWorldPixelEnv.step() was called before reset(); expected reset() first")):
        env.step(np.zeros(4, np.float32))


def test_nothing_works_after_close_but_close(env):
    env.reset(seed=0)
    env.close()
    env.close()  # harmless
    calls = {"reset": lambda: env.reset(seed=0), "step": lambda: env.step(np.zeros(4, np.float32)), "render": env.render}
    for method, call in calls.items():
        with pytest.raises(RuntimeError, match=re.escape(
            f"MetaWorldPixelEnv.{method}() was called after close(); expected an open env (make a new one).")):
            call()


def test_no_black_frames_when_envs_live_and_die_in_one_process():
    first = MetaWorldPixelEnv("coffee-pull")
    second = MetaWorldPixelEnv("soccer")
    first.reset(seed=0)
    second.reset(seed=0)
    first.close()
    del first
    import gc

    gc.collect()
    third = MetaWorldPixelEnv("hammer")
    for env in (second, third):
        obs, _ = env.reset(seed=1)
        obs, *_ = env.step(np.zeros(4, np.float32))
        assert obs.max() > 50 and obs.std() > 10, "black or blank frame after another env was closed"
        env.close()


@pytest.mark.parametrize(
    "action, message",
    [
        (np.zeros(3, np.float32), r"shape \(3,\)"),
        (np.zeros((1, 4), np.float32), r"shape \(1, 4\)"),
        (np.array([0, np.nan, 0, 0], np.float32), "NaN"),
        (np.array([0, np.inf, 0, 0], np.float32), "infinite"),
        (np.array(["a", "b", "c", "d"]), "dtype"),
    ],
)
def test_bad_actions_raise_clear_errors(env, action, message):
    env.reset(seed=0)
    with pytest.raises(ValueError, match=message):
        env.step(action)


def test_out_of_range_actions_are_clipped(env):
    env.reset(seed=0)
    a = env.step(np.full(4, 5.0, np.float32))[0]
    env.reset(seed=0)
    b = env.step(np.ones(4, np.float32))[0]
    np.testing.assert_array_equal(a, b)


def test_registered_ids():
    env = gym.make("MetaWorldPixels-CoffeePull-v0")
    assert env.unwrapped.task.name == "coffee-pull"
    env.close()
    env = gym.make("MetaWorldPixels-v0", task="reach", width=32, height=48)
    obs, _ = env.reset(seed=0)
    assert obs.shape == (3, 48, 32)
    env.close()
    with pytest.raises(ValueError, match="Unknown task 'nope'.*coffee-pull"):
        gym.make("MetaWorldPixels-v0", task="nope")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"width": -8}, r"width must be an integer >= 1, got -8"),
        ({"height": None}, r"height must be an integer >= 1, got None"),
        ({"width": "64"}, r"width must be an integer >= 1, got '64'"),
        ({"width": 2.7}, r"width must be an integer >= 1, got 2.7"),
        ({"action_repeat": True}, r"action_repeat must be an integer >= 1 or None \(the task default\), got True"),
        ({"episode_steps": 1.9}, r"episode_steps must be an integer >= 1 or None \(the task default\), got 1.9"),
        ({"terminate_on_success": "no"}, r"terminate_on_success must be True or False, got 'no'"),
        ({"task": 5}, r"task must be a task name such as 'coffee-pull' or a TaskSpec, got 5"),
        ({"render_mode": "human"}, r"MetaWorldPixelEnv does not support render_mode='human'; expected one of \['rgb_array'\] or None "
                                   r"\(gymnasium.make\(..., render_mode='human'\) shows the 'rgb_array' frames in a window"),
        ({"render_mode": "depth_array"}, r"MetaWorldPixelEnv does not support render_mode='depth_array'; expected one of \['rgb_array'\] or None\.$"),
        ({"camera": {"lookat": [0, 0.6, 0.1], "distance": 0}}, r"A camera .* lacks \['azimuth', 'elevation'\]; expected exactly the keys"),
        ({"camera": {"lookat": [0, 0.6, 0.1], "distance": -1, "azimuth": 0, "elevation": 0}},
         r"CameraConfig distance is -1; expected a finite number > 0 \(metres\)\."),
        ({"camera": "top"}, r"camera must be a CameraConfig, a dict of its fields \(see CameraConfig.to_dict\(\)\) or None for the "
                            r"task's own, got str 'top'\."),
        ({"camera": [0, 0.6, 0.1]}, r"camera must be a CameraConfig, .* got list \[0, 0.6, 0.1\]\."),
        ({"rendering": "disc"}, r"rendering must be a RenderingConfig, a dict of its fields \(see RenderingConfig.to_dict\(\)\) or "
                                r"None for the task's own, got str 'disc'\."),
        ({"task": "coffee-pull-v2"}, r"Unknown task 'coffee-pull-v2'; expected a Meta-World v3 task name\."),
    ],
)
def test_bad_settings_are_refused_before_anything_is_built(kwargs, message):
    with pytest.raises(ValueError, match=message):
        MetaWorldPixelEnv(**kwargs)


@pytest.mark.parametrize("seed, shown", [(-1, "-1"), (1.5, "1.5"), ("5", "'5'"), (np.int64(3), "np.int64(3)")])
def test_bad_seed_is_gymnasiums_error_naming_it(env, seed, shown):
    with pytest.raises(gym.error.Error, match=re.escape(f"reset(seed={shown}) is refused: ") + ".*; expected None or a Python int >= 0"):
        env.reset(seed=seed)


@pytest.mark.parametrize("options", [{"layout": 3}, "hard", np.zeros(2)])
def test_reset_options_are_refused_not_ignored(env, options):
    """The real env takes no options: one would be ignored, and the episode not be the one asked for."""
    with pytest.raises(ValueError, match=r"MetaWorldPixelEnv.reset\(options=.*\) is refused: this env takes no options \(each "
                                         r"reset draws a fresh layout from its seed\); expected options=None\."):
        env.reset(seed=0, options=options)
    env.reset(seed=0, options={})  # empty options are no options


@pytest.mark.parametrize("state, message", [
    (np.full(39, np.nan), r"The expert's state contains NaN or infinite values \(nan at index \(0,\)\); expected only finite values"),
    (np.zeros(38), r"The expert's state has shape \(38,\); expected the 39-D Meta-World state"),
])
def test_expert_refuses_a_bad_state(state, message):
    with pytest.raises(ValueError, match=message):
        ScriptedExpert("coffee-pull")(state)


def test_env_left_open_at_interpreter_exit_prints_no_egl_traceback():
    """MuJoCo's EGL display ends at exit; renderers nobody closed are freed before that, not by the garbage collector."""
    import subprocess
    import sys

    script = ("import gymnasium as gym, dreamgym\n"
              "env = gym.make('MetaWorldPixels-CoffeePull-v0')\nenv.reset(seed=0)\n"
              "closed = gym.make('MetaWorldPixels-Hammer-v0')\nclosed.reset(seed=0)\nclosed.close()\nprint('left open')\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "left open", done.stderr
    assert "Traceback" not in done.stderr and "EGLError" not in done.stderr, done.stderr
