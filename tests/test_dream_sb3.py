"""Single imagined env, gymnasium/SB3 checkers, registration, and the SB3 VecEnv adapter (tiny 64x64 models)."""

import re

import gymnasium as gym
import numpy as np
import pytest
import torch

import dreamgym  # noqa: F401
from dreamgym.bundle import Manifest
from dreamgym.dream.env import DreamWorldEnv
from dreamgym.dream.initial_states import InitialStates
from dreamgym.dream.sb3 import SB3VecEnvAdapter
from dreamgym.dream.simulator import LearnedSimulator
from dreamgym.dream.vector_env import DreamWorldVectorEnv
from dreamgym.reward.classifier import RewardClassifier, RewardClassifierConfig
from dreamgym.tasks import get_task
from dreamgym.world_model.denoiser import Denoiser, DenoiserConfig
from dreamgym.world_model.sampler import SamplerConfig


def tiny_simulator(size=64, episode_steps=6):
    torch.manual_seed(0)
    return LearnedSimulator(
        Manifest(tasks=["coffee-pull"], image_size=size, action_repeat=3, episode_steps=episode_steps,
                 camera=get_task("coffee-pull").camera.to_dict(),
                 rendering=get_task("coffee-pull").rendering.to_dict()),
        Denoiser(DenoiserConfig(image_size=size, channels=(16, 16))).eval(),
        RewardClassifier(RewardClassifierConfig(image_size=size, channels=(8, 8))).eval(),
        InitialStates(torch.randint(0, 256, (4, 8, 3, size, size), dtype=torch.uint8), torch.rand(4, 7, 4) * 2 - 1),
        SamplerConfig(num_steps=1),
    )


@pytest.fixture
def bundle_root(tmp_path, monkeypatch):
    tiny_simulator().save(tmp_path / "envs" / "coffee-pull")
    monkeypatch.setenv("DREAMGYM_ENVS", str(tmp_path / "envs"))
    from dreamgym.registration import register_envs

    register_envs()
    return tmp_path / "envs"


def test_gymnasium_checker_on_single_env():
    from gymnasium.utils.env_checker import check_env

    check_env(DreamWorldEnv(simulator=tiny_simulator()), skip_render_check=False)


def test_sb3_checker_on_single_env():
    from stable_baselines3.common.env_checker import check_env

    check_env(DreamWorldEnv(simulator=tiny_simulator()), warn=True)


def test_single_env_episode_ends_without_autoreset():
    env = DreamWorldEnv(simulator=tiny_simulator(episode_steps=3))
    obs, _ = env.reset(seed=0)
    for _ in range(3):
        obs, reward, terminated, truncated, info = env.step(np.zeros(4, np.float32))
        if terminated or truncated:
            break
    assert terminated or truncated
    assert 0.0 <= info["success_probability"] <= 1.0
    with pytest.raises(RuntimeError, match="reset"):
        env.step(np.zeros(4, np.float32))
    context = tiny_simulator().initial_states
    obs, _ = env.reset(options={"frames": context.frames[0, :4].numpy(), "actions": context.actions[0, :3].numpy()})
    np.testing.assert_array_equal(obs, context.frames[0, 3].numpy())


def test_registered_ids_make_and_make_vec(bundle_root):
    env = gym.make("DreamWorld-CoffeePull-v0")
    obs, _ = env.reset(seed=0)
    assert obs.shape == (3, 64, 64)
    env.close()
    vector = gym.make_vec("DreamWorld-CoffeePull-v0", num_envs=5)
    assert isinstance(vector.unwrapped if hasattr(vector, "unwrapped") else vector, DreamWorldVectorEnv)
    obs, _ = vector.reset(seed=0)
    assert obs.shape == (5, 3, 64, 64)
    vector.close()


def test_unknown_dream_task_lists_available_bundles(bundle_root):
    from dreamgym.bundle import BundleError

    with pytest.raises(BundleError, match="No learned simulator for 'soccer'.*coffee-pull"):
        gym.make("DreamWorld-v0", task="soccer")
    with pytest.raises(BundleError, match="No learned simulator for 'soccer'.*coffee-pull"):
        gym.make("DreamWorld-Soccer-v0")


def test_sb3_adapter_contract():
    from dreamgym.dream.sb3 import SB3VecEnvAdapter

    venv = SB3VecEnvAdapter(DreamWorldVectorEnv(num_envs=3, simulator=tiny_simulator(episode_steps=2)))
    venv.seed(0)
    obs = venv.reset()
    assert obs.shape == (3, 3, 64, 64)
    venv.step_async(np.zeros((3, 4), np.float32))
    obs, rewards, dones, infos = venv.step_wait()
    assert rewards.dtype == np.float32 and len(infos) == 3
    obs, rewards, dones, infos = venv.step(np.zeros((3, 4), np.float32))
    assert dones.all()
    for info in infos:
        assert info["terminal_observation"].shape == (3, 64, 64)
        assert "TimeLimit.truncated" in info and "success_probability" in info
    assert venv.get_attr("max_episode_steps") == [2, 2, 2] and venv.env_is_wrapped(gym.Wrapper) == [False] * 3


def test_sb3_adapter_refuses_next_step_autoreset():
    from dreamgym.dream.sb3 import SB3VecEnvAdapter

    class NextStep(gym.vector.VectorEnv):
        metadata = {"autoreset_mode": gym.vector.AutoresetMode.NEXT_STEP}

    with pytest.raises(ValueError, match=r"SB3VecEnvAdapter got NextStep with autoreset_mode <AutoresetMode.NEXT_STEP: "
                                         r"'NextStep'>; expected a gymnasium VectorEnv with AutoresetMode.SAME_STEP"):
        SB3VecEnvAdapter(NextStep())


def test_ppo_trains_on_the_dream_with_monitor_and_video(tmp_path):
    from stable_baselines3 import PPO
    from stable_baselines3.common.vec_env import VecMonitor, VecVideoRecorder

    from dreamgym.dream.sb3 import SB3VecEnvAdapter

    vector = DreamWorldVectorEnv(num_envs=2, simulator=tiny_simulator(episode_steps=4), render_mode="rgb_array")
    venv = VecMonitor(SB3VecEnvAdapter(vector))
    venv = VecVideoRecorder(venv, str(tmp_path / "videos"), record_video_trigger=lambda step: step == 0, video_length=6)
    model = PPO("CnnPolicy", venv, n_steps=8, batch_size=8, n_epochs=1, seed=0, device="cpu")
    model.learn(16)
    venv.close()
    assert list((tmp_path / "videos").glob("*.mp4")), "VecVideoRecorder wrote no video"
    single = PPO("CnnPolicy", DreamWorldEnv(simulator=tiny_simulator(episode_steps=4)), n_steps=8, batch_size=8, n_epochs=1, device="cpu")
    single.learn(8)


# -- the adapter's inputs: indices, options, seeds, output ------------------------------------------------------
@pytest.fixture(scope="module")
def small_simulator():
    return tiny_simulator(size=16)


@pytest.fixture
def adapter(small_simulator):
    from dreamgym.dream.sb3 import SB3VecEnvAdapter

    return SB3VecEnvAdapter(DreamWorldVectorEnv(num_envs=2, simulator=small_simulator))


INDICES = "expected None, an integer from 0 to 1, or an iterable of such integers."
BAD_INDICES = {
    "out of range": (2, ValueError, r"indices \[2\] out of range for 2 worlds; " + INDICES),
    "negative": (-1, ValueError, r"indices \[-1\] out of range for 2 worlds; " + INDICES),
    "one of several out of range": ([0, 5], ValueError, r"indices \[5\] out of range for 2 worlds; " + INDICES),
    "float": (1.5, TypeError, r"indices is float 1.5; " + INDICES),
    "string": ("0", TypeError, r"indices is str '0'; " + INDICES),
    "boolean": (True, TypeError, r"indices is bool True; " + INDICES),
    "list with a string": ([0, "1"], TypeError, r"indices \[0, '1'\] holds a value that is not an integer; " + INDICES),
    "dict": ({0: 1}, TypeError, r"indices is dict \{0: 1\}; " + INDICES),
}


@pytest.mark.parametrize("indices, error, message", BAD_INDICES.values(), ids=BAD_INDICES.keys())
@pytest.mark.parametrize("method", ["get_attr", "set_attr", "env_method", "env_is_wrapped"])
def test_adapter_refuses_bad_indices(adapter, method, indices, error, message):
    call = {
        "get_attr": lambda: adapter.get_attr("reward_mode", indices=indices),
        "set_attr": lambda: adapter.set_attr("reward_mode", "probability", indices=indices),
        "env_method": lambda: adapter.env_method("current_frames", indices=indices),
        "env_is_wrapped": lambda: adapter.env_is_wrapped(gym.Wrapper, indices=indices),
    }[method]
    with pytest.raises(error, match=message):
        call()
    assert adapter.vector_env.reward_mode == "sparse"


def test_adapter_indices_that_are_fine(adapter):
    assert adapter.get_attr("reward_mode", indices=1) == ["sparse"]
    assert adapter.get_attr("reward_mode", indices=np.int64(0)) == ["sparse"]
    assert adapter.env_is_wrapped(gym.Wrapper, indices=range(2)) == [False, False]
    adapter.set_attr("reward_mode", "probability", indices=[1, 0])
    assert adapter.vector_env.reward_mode == "probability"
    assert len(adapter.env_method("current_frames")) == 2


@pytest.mark.parametrize("method", ["set_attr", "env_method"])
def test_adapter_refuses_to_act_on_some_worlds_only(adapter, method):
    with pytest.raises(ValueError, match=re.escape(
        f"indices [1] name only some of the 2 worlds, but {method}('reward_mode') acts on all of them at once "
        "(they are one batched env); expected indices=None.")):
        if method == "set_attr":
            adapter.set_attr("reward_mode", "probability", indices=[1])
        else:
            adapter.env_method("reward_mode", indices=[1])


def test_adapter_set_attr_is_checked_by_the_vector_env(adapter):
    with pytest.raises(ValueError, match=r"reward_mode must be one of \['sparse', 'probability'\], got 'dense'\."):
        adapter.set_attr("reward_mode", "dense")


OPTIONS = r"expected None or one dict \{'frames': \(2, ...\), 'actions': \(2, ...\)\} for all 2 worlds \(they reset together from one batched context\)\."
BAD_OPTIONS = {
    "a string": ("frames", TypeError, r"set_options\('frames'\) is refused; " + OPTIONS),
    "a list of strings": (["a", "b"], TypeError, r"set_options\(\['a', 'b'\]\) is refused; " + OPTIONS),
    "per-world dicts": ([{"frames": 1}, {}], ValueError, r"set_options\(\) got a list of 2 per-world dicts .*; " + OPTIONS),
    "a list of the wrong length": ([{}], ValueError, r"set_options\(\) got a list of 1 per-world dicts \[\{\}\]; " + OPTIONS),
    "unknown key": ({"reset_mask": [True, False]}, ValueError, r"reset\(options=...\) has unknown keys \['reset_mask'\]"),
    "unbatched context": ({"frames": np.zeros((4, 3, 16, 16), np.uint8), "actions": np.zeros((3, 4), np.float32)}, ValueError,
                          r"options\['frames'\] has shape \(4, 3, 16, 16\); expected uint8 frames of shape \(2, 4, 3, 16, 16\)"),
}


@pytest.mark.parametrize("options, error, message", BAD_OPTIONS.values(), ids=BAD_OPTIONS.keys())
def test_adapter_checks_options_when_they_are_set(adapter, options, error, message):
    with pytest.raises(error, match=message):
        adapter.set_options(options)
    adapter.reset()  # the refused options left nothing behind


def test_adapter_options_are_used_once(adapter, small_simulator):
    frames = small_simulator.initial_states.frames[:2, :4].numpy()
    adapter.set_options({"frames": frames, "actions": small_simulator.initial_states.actions[:2, :3].numpy()})
    np.testing.assert_array_equal(adapter.reset(), frames[:, -1])
    adapter.set_options([{}, {}])  # SB3's "no options"
    adapter.reset()


@pytest.mark.parametrize("seed, message", [
    (-1, r"SB3VecEnvAdapter.seed\(seed=-1\) is refused: Seed must be greater or equal to zero"),
    (1.5, r"SB3VecEnvAdapter.seed\(seed=1.5\) is refused: Seed must be a python integer"),
    ("5", r"SB3VecEnvAdapter.seed\(seed='5'\) is refused: Seed must be a python integer"),
])
def test_adapter_refused_seed_does_not_stick(adapter, seed, message):
    adapter.seed(3)
    expected = adapter.reset()
    adapter.seed(3)
    with pytest.raises(gym.error.Error, match=message + r".*; expected None or a Python int >= 0\."):
        adapter.seed(seed)
    np.testing.assert_array_equal(adapter.reset(), expected)  # the good seed before the refused one still holds
    adapter.reset()  # and nothing is left for the reset after


def test_adapter_seed_none_draws_a_seed(adapter):
    seeds = adapter.seed(None)
    assert len(seeds) == 2 and all(isinstance(seed, int) and seed >= 0 for seed in seeds)
    adapter.reset()


def test_adapter_needs_numpy_output(small_simulator, adapter):
    from dreamgym.dream.sb3 import SB3VecEnvAdapter

    message = re.escape("SB3VecEnvAdapter needs a vector env with output='numpy' (SB3 works on NumPy arrays), got output='torch'")
    with pytest.raises(ValueError, match=message):
        SB3VecEnvAdapter(DreamWorldVectorEnv(num_envs=2, simulator=small_simulator, output="torch"))
    with pytest.raises(ValueError, match=message):
        adapter.set_attr("output", "torch")
    assert adapter.vector_env.output == "numpy"


@pytest.mark.parametrize("wrapped, shown", [("DreamWorld-CoffeePull-v0", "str 'DreamWorld-CoffeePull-v0'"), (None, "NoneType None")])
def test_adapter_refuses_what_is_not_a_vector_env(wrapped, shown):
    with pytest.raises(TypeError, match=re.escape(f"SB3VecEnvAdapter got {shown}; expected a gymnasium VectorEnv with "
                                                  "AutoresetMode.SAME_STEP, e.g. gym.make_vec(")):
        SB3VecEnvAdapter(wrapped)


def test_adapter_refuses_a_single_env_naming_it():
    with pytest.raises(TypeError, match=r"SB3VecEnvAdapter got DreamWorldEnv .*; expected a gymnasium VectorEnv with AutoresetMode.SAME_STEP"):
        SB3VecEnvAdapter(DreamWorldEnv(simulator=tiny_simulator()))


@pytest.mark.parametrize("call", ["get_attr", "set_attr", "env_method"])
def test_adapter_refuses_an_attribute_the_vector_env_lacks(adapter, call):
    """A misspelt name is an error: set_attr('reward_mod', ...) would otherwise add an attribute nothing reads."""
    with pytest.raises(AttributeError, match=re.escape(f"{call}('reward_mod'): DreamWorldVectorEnv has no attribute 'reward_mod'; "
                                                       "expected one of [") + ".*'reward_mode'"):
        {"get_attr": lambda: adapter.get_attr("reward_mod"), "set_attr": lambda: adapter.set_attr("reward_mod", "probability"),
         "env_method": lambda: adapter.env_method("reward_mod")}[call]()
    assert not hasattr(adapter.vector_env, "reward_mod")


def test_adapter_env_method_of_an_attribute_that_is_no_method(adapter):
    with pytest.raises(TypeError, match=re.escape("env_method('reward_mode'): that attribute of DreamWorldVectorEnv is a str, "
                                                  "not a method; expected a method name (use get_attr for attributes).")):
        adapter.env_method("reward_mode")
