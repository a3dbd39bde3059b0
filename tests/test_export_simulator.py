"""From training runs to a complete learned simulator that gymnasium can make."""

import gymnasium as gym
import numpy as np

from dreamgym.data.episode import make_episode, save_episode
from dreamgym.dream.simulator import LearnedSimulator
from dreamgym.export import export_bundle
from dreamgym.reward.classifier import RewardClassifierConfig
from dreamgym.reward.train import RewardTrainConfig, train_reward_classifier
from dreamgym.tasks import get_task
from dreamgym.world_model.denoiser import DenoiserConfig
from dreamgym.world_model.train import TrainConfig, train_world_model

SIZE, STEPS = 16, 10


def _episodes(folder, count=10):
    rng = np.random.default_rng(0)
    for index in range(count):
        frames = rng.integers(0, 256, (STEPS + 1, 3, SIZE, SIZE), dtype=np.uint8)
        success = np.arange(STEPS + 1) >= STEPS // 2
        meta = {"task": "coffee-pull", "source": "expert", "index": index, "camera": get_task("coffee-pull").camera.to_dict(),
                "action_repeat": 3, "episode_steps": STEPS, "width": SIZE, "height": SIZE,
                "rendering": get_task("coffee-pull").rendering.to_dict()}
        actions = rng.uniform(-1, 1, (STEPS, 4))
        save_episode(make_episode(frames, actions, np.zeros(STEPS), success, meta), folder / f"{index}.npz")


def test_export_complete_simulator_and_make_it(tmp_path, monkeypatch):
    _episodes(tmp_path / "data")
    train_world_model(
        TrainConfig(data=tmp_path / "data", out_dir=tmp_path / "wm", model=DenoiserConfig(image_size=SIZE, channels=(16, 16)),
                    steps=2, batch_size=4, checkpoint_every=2, eval_every=100, holdout_every=5, rollout_steps=2),
        progress=False,
    )
    train_reward_classifier(
        RewardTrainConfig(data=tmp_path / "data", out_dir=tmp_path / "reward", model=RewardClassifierConfig(image_size=SIZE, channels=(8, 8)),
                          steps=3, batch_size=4, holdout_every=5),
        progress=False,
    )
    bundle = export_bundle(tmp_path / "wm", tmp_path / "envs" / "coffee-pull", reward_run=tmp_path / "reward", initial_state_frames=6)
    simulator = LearnedSimulator.load(bundle)
    assert simulator.initial_states.frames.shape == (8, 6, 3, SIZE, SIZE)  # 10 episodes, 2 held out
    assert "reward_model" in simulator.manifest.provenance and simulator.manifest.provenance["initial_states"]["episodes"] == 8

    monkeypatch.setenv("DREAMGYM_ENVS", str(tmp_path / "envs"))
    from dreamgym.registration import register_envs

    register_envs()
    env = gym.make("DreamWorld-CoffeePull-v0")
    obs, _ = env.reset(seed=0)
    obs, reward, terminated, truncated, info = env.step(env.action_space.sample())
    assert obs.shape == (3, SIZE, SIZE) and "success_probability" in info
    env.close()


def test_replace_reward_model_keeps_the_world_model_bytes(tmp_path):
    import json

    import pytest
    import torch
    from test_dream_sb3 import tiny_simulator

    from dreamgym.bundle import BundleError, save_reward_model
    from dreamgym.export import replace_reward_model
    from dreamgym.reward.classifier import RewardClassifier

    bundle = tiny_simulator().save(tmp_path / "bundle")
    world_model_bytes = (bundle / "world_model" / "model.safetensors").read_bytes()
    torch.manual_seed(1)
    new_reward = RewardClassifier(RewardClassifierConfig(image_size=64, channels=(8, 8), threshold=0.7))
    save_reward_model(tmp_path / "reward_run" / "reward_model", new_reward)
    (tmp_path / "reward_run" / "reward_summary.json").write_text(json.dumps({"threshold": 0.7, "train_frames": 5}))

    replace_reward_model(bundle, tmp_path / "reward_run", notes="retrained")
    loaded = LearnedSimulator.load(bundle)
    assert (bundle / "world_model" / "model.safetensors").read_bytes() == world_model_bytes
    assert loaded.reward_model.config.threshold == 0.7
    for a, b in zip(loaded.reward_model.parameters(), new_reward.parameters()):
        assert torch.equal(a, b)
    assert loaded.manifest.provenance["reward_model"]["train_frames"] == 5
    assert loaded.manifest.provenance["notes"].endswith("retrained")
    with pytest.raises((BundleError, FileNotFoundError)):
        replace_reward_model(tmp_path / "no-bundle", tmp_path / "reward_run")
