"""The learned simulator that ships in envs/coffee-pull, and installing it from a wheel."""

import json
import subprocess
import sys
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest

import dreamgym  # noqa: F401
from dreamgym.bundle import component_files
from dreamgym.dream.simulator import LearnedSimulator

REPO = Path(__file__).resolve().parent.parent
BUNDLE = REPO / "envs" / "coffee-pull"


def test_bundle_is_complete_small_and_documented():
    simulator = LearnedSimulator.load(BUNDLE)
    manifest = simulator.manifest
    assert manifest.tasks == ["coffee-pull"] and manifest.image_size == 64 and manifest.action_repeat == 3
    # the learned simulator (every component the manifest lists, e.g. both world models) stays under 50 MB;
    # the two SB3 policies shipped next to it in policies/ are not part of it and are bounded on their own
    simulator_files = [p for name in manifest.components.values() for p in (BUNDLE / name).rglob("*") if p.is_file()]
    size_mb = sum(p.stat().st_size for p in simulator_files + [BUNDLE / "manifest.json"]) / 1e6
    assert size_mb < 50, f"learned simulator is {size_mb:.1f} MB"
    policies_mb = sum(p.stat().st_size for p in (BUNDLE / "policies").rglob("*") if p.is_file()) / 1e6
    assert policies_mb < 12, f"policies are {policies_mb:.1f} MB"
    provenance = manifest.provenance
    for key in ("data", "training", "hardware", "wall_time_s", "reward_model", "initial_states"):
        assert key in provenance, key
    assert 0 < simulator.reward_model.config.threshold < 1
    # the success signal: the outcome model, starting from the simulator states the initial states carry
    assert manifest.default_success_signal == "outcome" and simulator.outcome_model is not None
    assert simulator.initial_states.states is not None and "outcome_model" in provenance
    assert not list(BUNDLE.rglob("*.pt")) and not list(BUNDLE.rglob("*.pkl"))
    # every component file has a recorded sha256 (loading refuses a manifest without them), and the camera is complete
    assert sorted(manifest.files) == sorted(component_files(BUNDLE, manifest))
    assert manifest.camera.keys() == {"lookat", "distance", "azimuth", "elevation"}


def test_shipped_dream_steps_without_nan_or_blank_frames():
    env = gym.make_vec("DreamWorld-CoffeePull-v0", num_envs=4)
    obs, _ = env.reset(seed=0)
    for _ in range(3):
        obs, reward, terminated, truncated, info = env.step(np.zeros((4, 4), np.float32))
        assert obs.dtype == np.uint8 and obs.shape == (4, 3, 64, 64)
        assert obs.std() > 10 and np.isfinite(info["success_probability"]).all()
    env.close()


@pytest.mark.slow
def test_non_editable_install_registers_and_runs(tmp_path):
    """Build a wheel, install it (without the source tree) and make the shipped env from it."""
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "wheel"), str(REPO)], check=True)
    wheel = next((tmp_path / "wheel").glob("dreamgym-*.whl"))
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(tmp_path / "site"), str(wheel)], check=True)
    script = (
        "import json, dreamgym, gymnasium as gym;"
        "env = gym.make('DreamWorld-CoffeePull-v0'); obs, _ = env.reset(seed=0); obs, *_ = env.step(env.action_space.sample());"
        "print(json.dumps({'file': dreamgym.__file__, 'shape': list(obs.shape)}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=300,
        env={"PYTHONPATH": str(tmp_path / "site"), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["file"].startswith(str(tmp_path / "site")), result
    assert result["shape"] == [3, 64, 64]


@pytest.mark.metaworld
@pytest.mark.parametrize("name", ["bc", "refined"])
def test_shipped_policies_load_with_plain_sb3_and_act_in_real_and_dream(name):
    from stable_baselines3 import PPO

    policy = PPO.load(BUNDLE / "policies" / f"{name}.zip")
    assert policy.policy.log_std.max().item() <= 0.0  # std clipping: log-std <= 0
    real = gym.make("MetaWorldPixels-CoffeePull-v0")
    obs, _ = real.reset(seed=1_000_000_000)
    action, _ = policy.predict(obs, deterministic=True)
    assert action.shape == (4,) and np.isfinite(action).all()
    real.step(action)
    real.close()
    dream = gym.make_vec("DreamWorld-CoffeePull-v0", num_envs=2)
    obs, _ = dream.reset(seed=0)
    actions, _ = policy.predict(obs, deterministic=True)
    dream.step(actions)
    dream.close()


def test_shipped_dream_judges_an_episode_by_its_outcome_model_at_the_real_episodes_end():
    env = gym.make_vec("DreamWorld-CoffeePull-v0", num_envs=2, max_episode_steps=3)
    env.reset(seed=0)
    for _ in range(3):
        _, reward, terminated, truncated, info = env.step(np.zeros((2, 4), np.float32))
    assert (terminated | truncated).all() and np.isfinite(info["outcome_probability"]).all()
    # standing still for three decisions pulls no mug to its goal
    assert (info["outcome_probability"] < 0.5).all() and (reward == 0).all()
    env.close()
