"""The imagined environment on a tiny random learned simulator (fast); shipped-bundle tests come later."""

import re

import numpy as np
import pytest
import torch

from dreamgym.bundle import Manifest
from dreamgym.dream.initial_states import InitialStates
from dreamgym.dream.simulator import LearnedSimulator
from dreamgym.dream.vector_env import DreamWorldVectorEnv
from dreamgym.reward.classifier import RewardClassifier, RewardClassifierConfig
from dreamgym.tasks import CameraConfig
from dreamgym.world_model.denoiser import Denoiser, DenoiserConfig
from dreamgym.world_model.sampler import SamplerConfig

SIZE = 16


@pytest.fixture
def simulator():
    torch.manual_seed(0)
    manifest = Manifest(tasks=["toy"], image_size=SIZE, action_repeat=3, episode_steps=5, camera=CameraConfig().to_dict())
    frames = torch.randint(0, 256, (6, 10, 3, SIZE, SIZE), dtype=torch.uint8)
    actions = torch.rand(6, 9, 4) * 2 - 1
    return LearnedSimulator(
        manifest,
        Denoiser(DenoiserConfig(image_size=SIZE, channels=(16, 16))).eval(),
        RewardClassifier(RewardClassifierConfig(image_size=SIZE, channels=(8, 8))).eval(),
        InitialStates(frames, actions),
        SamplerConfig(num_steps=1),
    )


def test_spaces_shapes_and_dtypes(simulator):
    env = DreamWorldVectorEnv(num_envs=3, simulator=simulator)
    obs, info = env.reset(seed=0)
    assert env.single_observation_space.shape == (3, SIZE, SIZE) and env.observation_space.shape == (3, 3, SIZE, SIZE)
    assert env.single_action_space.shape == (4,) and env.action_space.shape == (3, 4)
    assert obs.shape == (3, 3, SIZE, SIZE) and obs.dtype == np.uint8
    obs, reward, terminated, truncated, info = env.step(env.action_space.sample())
    assert obs.shape == (3, 3, SIZE, SIZE) and obs.dtype == np.uint8
    assert reward.shape == (3,) and terminated.dtype == bool and truncated.dtype == bool
    assert info["success_probability"].shape == (3,)
    assert env.metadata["autoreset_mode"].name == "SAME_STEP"


def test_episode_starts_are_real_contexts(simulator):
    env = DreamWorldVectorEnv(num_envs=4, simulator=simulator)
    obs, _ = env.reset(seed=1)
    starts = simulator.initial_states.frames[:, 3].numpy()  # the 4th frame of each stored episode
    assert all(any(np.array_equal(o, s) for s in starts) for o in obs)


def test_seeded_runs_are_deterministic_and_seeds_differ(simulator):
    def run(seed):
        env = DreamWorldVectorEnv(num_envs=2, simulator=simulator, reward_mode="probability")
        out = [env.reset(seed=seed)[0]]
        for t in range(7):
            obs, reward, *_ = env.step(np.full((2, 4), 0.1 * t, np.float32))
            out += [obs, reward]
        return out

    a, b, c = run(3), run(3), run(4)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not all(np.array_equal(x, y) for x, y in zip(a, c))


def test_truncation_and_same_step_autoreset(simulator):
    simulator.reward_model.config.threshold = 0.999  # never predicts success
    with torch.no_grad():
        simulator.reward_model.head.bias.fill_(-20.0)
    env = DreamWorldVectorEnv(num_envs=2, simulator=simulator)
    env.reset(seed=0)
    for _ in range(5):
        obs, reward, terminated, truncated, info = env.step(np.zeros((2, 4), np.float32))
    assert truncated.all() and not terminated.any() and (reward == 0).all()
    assert info["_final_obs"].all() and info["final_obs"][0].shape == (3, SIZE, SIZE)
    starts = simulator.initial_states.frames[:, 3].numpy()
    assert all(any(np.array_equal(o, s) for s in starts) for o in obs), "after autoreset obs is a fresh real start"
    assert not np.array_equal(info["final_obs"][0], obs[0]), "the final imagined frame is handed back separately"
    obs, reward, terminated, truncated, info = env.step(np.zeros((2, 4), np.float32))
    assert not truncated.any() and "final_obs" not in info


def test_predicted_success_terminates_with_reward(simulator):
    with torch.no_grad():
        simulator.reward_model.head.bias.fill_(20.0)  # always success
    env = DreamWorldVectorEnv(num_envs=2, simulator=simulator)
    env.reset(seed=0)
    _, reward, terminated, truncated, info = env.step(np.zeros((2, 4), np.float32))
    assert terminated.all() and not truncated.any() and (reward == 1.0).all()
    assert info["_final_obs"].all()


def test_worlds_in_a_batch_are_independent(simulator):
    """World 0's trajectory does not depend on what world 1 does."""
    frames = simulator.initial_states.frames[:2, :4].numpy()
    actions = simulator.initial_states.actions[:2, :3].numpy()

    def world_zero(second_action):
        env = DreamWorldVectorEnv(num_envs=2, simulator=simulator, denoising_steps=2)
        env.reset(seed=5, options={"frames": frames, "actions": actions})
        out = []
        for _ in range(3):
            obs, *_ = env.step(np.stack([np.full(4, 0.3, np.float32), np.full(4, second_action, np.float32)]))
            out.append(obs[0])
        return out

    for x, y in zip(world_zero(-1.0), world_zero(1.0)):
        np.testing.assert_array_equal(x, y)


def test_reset_from_callers_context(simulator):
    env = DreamWorldVectorEnv(num_envs=2, simulator=simulator)
    frames = np.random.default_rng(0).integers(0, 256, (2, 4, 3, SIZE, SIZE), dtype=np.uint8)
    obs, _ = env.reset(seed=0, options={"frames": frames, "actions": np.zeros((2, 3, 4), np.float32)})
    np.testing.assert_array_equal(obs, frames[:, -1])
    with pytest.raises(ValueError, match=r"options\['frames'\] has shape \(2, 3, 3, 16, 16\); expected uint8 frames of shape \(2, 4, 3, 16, 16\)"):
        env.reset(options={"frames": frames[:, :3], "actions": np.zeros((2, 3, 4), np.float32)})
    with pytest.raises(ValueError, match="both"):
        env.reset(options={"frames": frames})


@pytest.mark.parametrize(
    "action, message",
    [(np.zeros((3, 4), np.float32), r"shape \(3, 4\)"), (np.full((2, 4), np.nan, np.float32), "NaN")],
)
def test_bad_actions_raise(simulator, action, message):
    env = DreamWorldVectorEnv(num_envs=2, simulator=simulator)
    env.reset(seed=0)
    with pytest.raises(ValueError, match=message):
        env.step(action)


def test_torch_output_and_render(simulator):
    env = DreamWorldVectorEnv(num_envs=4, simulator=simulator, output="torch", render_mode="rgb_array")
    obs, _ = env.reset(seed=0)
    assert torch.is_tensor(obs) and obs.dtype == torch.uint8
    obs, reward, terminated, truncated, _ = env.step(torch.zeros(4, 4))
    assert torch.is_tensor(reward) and torch.is_tensor(terminated)
    picture = env.render()
    assert picture.ndim == 3 and picture.shape[2] == 3


def test_bad_settings_are_explained(simulator):
    with pytest.raises(ValueError, match="reset_mode"):
        DreamWorldVectorEnv(simulator=simulator, reset_mode="anywhere")
    with pytest.raises(ValueError, match="reward_mode"):
        DreamWorldVectorEnv(simulator=simulator, reward_mode="dense")


def test_random_reset_mode_draws_from_inside_trajectories(simulator):
    env = DreamWorldVectorEnv(num_envs=32, simulator=simulator, reset_mode="random")
    obs, _ = env.reset(seed=0)
    episode_starts = simulator.initial_states.frames[:, 3].numpy()
    assert not all(any(np.array_equal(o, s) for s in episode_starts) for o in obs)


def test_simulator_save_load_round_trip(simulator, tmp_path):
    simulator.save(tmp_path / "bundle")
    loaded = LearnedSimulator.load(tmp_path / "bundle")
    assert torch.equal(loaded.initial_states.frames, simulator.initial_states.frames)
    assert loaded.reward_model.config.threshold == simulator.reward_model.config.threshold
    assert loaded.sampler == simulator.sampler


def test_mismatched_components_are_refused(simulator):
    from dreamgym.bundle import BundleError

    with pytest.raises(BundleError, match="reward model image_size 64 != 16"):
        LearnedSimulator(
            simulator.manifest, simulator.world_model, RewardClassifier(RewardClassifierConfig(image_size=64, channels=(8, 8))),
            simulator.initial_states, simulator.sampler,
        )


@pytest.mark.parametrize("seed, message", [(1.5, "must be a python integer"), ("5", "must be a python integer"), (-1, "greater or equal to zero")])
def test_bad_seeds_are_refused_like_gymnasium_does(simulator, seed, message):
    import gymnasium

    env = DreamWorldVectorEnv(num_envs=2, simulator=simulator)
    with pytest.raises(gymnasium.error.Error, match=message):
        env.reset(seed=seed)
    env.reset(seed=2**70)  # gymnasium allows any non-negative int


def _always_success(simulator):
    with torch.no_grad():
        simulator.reward_model.head.bias.fill_(20.0)


@pytest.mark.parametrize("age", [0, 1, 2, 4])
def test_success_confirmation_re_imagines_the_deciding_stretch(simulator, monkeypatch, age):
    """A success predicted after ``age`` earlier steps: the confirmation sees the 4 frames before the
    stretch (real and imagined) and the stretch's actions; rejected, it ends the episode unpaid."""
    import dreamgym.dream.vector_env as vector_env_module

    calls, step_count = [], {"n": 0}
    classify = simulator.reward_model.success_probability

    def fire_at_age(frames):
        step_count["n"] += 1
        probability = classify(frames) * 0
        return probability + (1.0 if step_count["n"] == age + 1 else 0.0)

    def reject(sim, context, actions, confirmation, sampler, generator=None):
        calls.append((context.clone().numpy(), actions.clone().numpy()))
        return torch.zeros(context.shape[0], dtype=torch.bool)

    monkeypatch.setattr(simulator.reward_model, "success_probability", fire_at_age)
    monkeypatch.setattr(vector_env_module, "confirm_success", reject)
    env = DreamWorldVectorEnv(num_envs=1, simulator=simulator, max_episode_steps=10, success_confirmation={"rerolls": 2, "horizon": 3})
    frames = np.stack([np.full((3, SIZE, SIZE), 10 * t, np.uint8) for t in range(4)])[None]
    context_actions = np.arange(12, dtype=np.float32).reshape(1, 3, 4) / 100
    obs, _ = env.reset(seed=0, options={"frames": frames, "actions": context_actions})
    seen, taken = list(frames[0]), list(context_actions[0])
    for step in range(age + 1):
        action = np.full((1, 4), -0.1 * step, np.float32)
        obs, reward, terminated, truncated, info = env.step(action)
        taken.append(action[0])
        if step < age:
            assert not calls and not terminated[0]
            seen.append(obs[0])
    assert reward[0] == 0 and terminated[0] and info["unconfirmed_success"][0], "a rejected success ends the episode unpaid"
    span = min(age + 1, 3)
    first = len(seen) - 4 - span + 1  # the 4 frames before the stretch's first imagined frame
    (context, actions), = calls
    np.testing.assert_array_equal(context[0], np.stack(seen[first : first + 4]))
    np.testing.assert_allclose(actions[0], np.stack(taken[first:]))
    assert actions.shape[1] == 3 + span


def test_confirmed_success_terminates_and_bad_confirmation_settings_are_refused(simulator):
    _always_success(simulator)
    env = DreamWorldVectorEnv(num_envs=2, simulator=simulator, success_confirmation={"rerolls": 2, "horizon": 4})
    env.reset(seed=0)
    _, reward, terminated, _, info = env.step(np.zeros((2, 4), np.float32))
    assert terminated.all() and (reward == 1).all() and not info["unconfirmed_success"].any()
    with pytest.raises(ValueError, match=r"SuccessConfirmation.rerolls must be an integer >= 1, got 0"):
        DreamWorldVectorEnv(num_envs=1, simulator=simulator, success_confirmation={"rerolls": 0})
    with pytest.raises(ValueError, match=r"Unknown success-confirmation settings \['reroll'\]"):
        DreamWorldVectorEnv(num_envs=1, simulator=simulator, success_confirmation={"reroll": 2})


@pytest.mark.parametrize("window, fires_at, confirmed", [
    (1, 4, True), (1, 3, False), (2, 3, True), (2, 2, False), (5, 0, True), (5, None, False)])
def test_confirmation_window_accepts_a_success_on_any_of_its_last_frames(simulator, monkeypatch, window, fires_at, confirmed):
    """Re-imagined frames 0..4 (the last one is the frame being confirmed); the classifier fires on one of them."""
    import dreamgym.dream.confirmation as confirmation_module
    from dreamgym.dream.confirmation import SuccessConfirmation, confirm_success

    def numbered_frames(model, frames, actions, sampler, generator=None):
        steps = actions.shape[1] - (frames.shape[1] - 1)
        return torch.stack([torch.full((frames.shape[0], 3, SIZE, SIZE), j, dtype=torch.uint8) for j in range(steps)], dim=1)

    monkeypatch.setattr(confirmation_module, "autoregressive_rollout", numbered_frames)
    monkeypatch.setattr(simulator.reward_model, "success_probability",
                        lambda frames: (frames.float().mean(dim=(1, 2, 3)) == (-1 if fires_at is None else fires_at)).float())
    context = torch.zeros(2, 4, 3, SIZE, SIZE, dtype=torch.uint8)
    result = confirm_success(simulator, context, torch.zeros(2, 3 + 5, 4), SuccessConfirmation(rerolls=2, horizon=5, window=window),
                             simulator.sampler)
    assert result.tolist() == [confirmed, confirmed]
    with pytest.raises(ValueError, match=r"SuccessConfirmation.window \(6\) must be at most its horizon \(5\)"):
        SuccessConfirmation(horizon=5, window=6)


def _judge_bundle(simulator, folder, fires: bool, **manifest_changes):
    """A copy of ``simulator`` saved as a bundle whose classifier always (or never) fires."""
    from dataclasses import replace

    judge = LearnedSimulator(replace(simulator.manifest, **manifest_changes), simulator.world_model,
                             RewardClassifier(simulator.reward_model.config).eval(), simulator.initial_states, simulator.sampler)
    with torch.no_grad():
        judge.reward_model.head.bias.fill_(20.0 if fires else -20.0)
    return str(judge.save(folder))


@pytest.mark.parametrize("judge_fires", [True, False])
def test_a_judge_bundle_decides_whether_a_success_pays(simulator, tmp_path, judge_fires):
    """The dream always predicts success; with a judge, the judge's world model and classifier decide."""
    _always_success(simulator)
    judge = _judge_bundle(simulator, tmp_path / "judge", fires=judge_fires)
    confirmation = {"rerolls": 1, "horizon": 5, "judge": judge}
    env = DreamWorldVectorEnv(num_envs=3, simulator=simulator, success_confirmation=confirmation)
    env.reset(seed=0)
    for _ in range(2):  # a success at the first step and one after an earlier step
        _, reward, terminated, _, info = env.step(np.zeros((3, 4), np.float32))
        assert terminated.all()
        assert (reward == float(judge_fires)).all() and (info["unconfirmed_success"] == (not judge_fires)).all()
    assert env.success_confirmation.to_dict() == confirmation
    assert "judge" not in DreamWorldVectorEnv(simulator=simulator, success_confirmation={"rerolls": 1}).success_confirmation.to_dict()


def test_a_judge_of_another_world_is_refused(simulator, tmp_path):
    judge = _judge_bundle(simulator, tmp_path / "judge", fires=True, action_repeat=5)
    with pytest.raises(ValueError, match=re.escape(f"success_confirmation judge {judge} does not imagine the same world as this "
                                                   "dream: action_repeat 5 (the dream's: 3); expected a bundle of the same task")):
        DreamWorldVectorEnv(simulator=simulator, success_confirmation={"judge": judge})
    with pytest.raises(ValueError, match=r"SuccessConfirmation.judge must be the path of a bundle folder as a string, or None, got 3\."):
        DreamWorldVectorEnv(simulator=simulator, success_confirmation={"judge": 3})
    with pytest.raises(ValueError, match=re.escape(str(tmp_path / "missing"))):
        DreamWorldVectorEnv(simulator=simulator, success_confirmation={"judge": str(tmp_path / "missing")})


@pytest.mark.parametrize("part, value", [("manifest", "manifest.json"), ("world_model", None), ("initial_states", [1, 2])])
def test_simulator_parts_of_the_wrong_type_are_named(simulator, part, value):
    from dataclasses import fields

    parts = {field.name: getattr(simulator, field.name) for field in fields(simulator)}
    parts[part] = value
    kind = {"manifest": "Manifest", "world_model": "Denoiser", "initial_states": "InitialStates"}[part]
    with pytest.raises(TypeError, match=re.escape(f"LearnedSimulator {part} must be a {kind}, got {type(value).__name__} {value!r}; "
                                                  "expected the parts of one simulator")):
        LearnedSimulator(**parts)


def test_simulator_sampler_name_is_checked(simulator):
    with pytest.raises(ValueError, match=re.escape("LearnedSimulator sampler_name must be one of ['teacher', 'distilled'], got 'student'.")):
        LearnedSimulator(simulator.manifest, simulator.world_model, simulator.reward_model, simulator.initial_states,
                         simulator.sampler, "student")
