"""Single imagined env, gymnasium/SB3 checkers, registration, and the SB3 VecEnv adapter (tiny 64x64 models)."""

import gymnasium as gym
import numpy as np
import pytest
import torch

import dreamgym  # noqa: F401
from dreamgym.bundle import Manifest
from dreamgym.dream.env import DreamWorldEnv
from dreamgym.dream.initial_states import InitialStates
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

    class NextStep:
        metadata = {"autoreset_mode": gym.vector.AutoresetMode.NEXT_STEP}

    with pytest.raises(ValueError, match="SAME_STEP"):
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
