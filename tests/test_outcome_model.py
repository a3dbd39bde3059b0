"""The action-grounded success model: features, training, the bundle component and the dream env's outcome signal."""

import json

import numpy as np
import pytest
import torch

from dreamgym.bundle import BundleError, Manifest, load_outcome_model, save_outcome_model
from dreamgym.data.episode import load_episodes, make_episode, save_episode
from dreamgym.dream.env import DreamWorldEnv
from dreamgym.dream.initial_states import InitialStates
from dreamgym.dream.simulator import LearnedSimulator
from dreamgym.dream.vector_env import DreamWorldVectorEnv
from dreamgym.reward.classifier import RewardClassifier, RewardClassifierConfig
from dreamgym.reward.outcome import OutcomeModel, OutcomeModelConfig, closeness_target, outcome_features
from dreamgym.reward.outcome_train import OutcomeTrainConfig, auc, stretch_samples, train_outcome_model
from dreamgym.tasks import CameraConfig
from dreamgym.world_model.denoiser import Denoiser, DenoiserConfig
from dreamgym.world_model.sampler import SamplerConfig

SIZE = 16
SMALL = OutcomeModelConfig(episode_decisions=10, hidden=8, members=2)


def test_motion_features_read_the_last_step_and_the_gripper_weighted_path():
    config = OutcomeModelConfig(episode_decisions=10, hidden=8, members=2, motion_features=True)
    states = np.zeros((1, 39))
    states[0, 0:3], states[0, 18:21] = [1.0, 2.0, 3.0], [0.5, 2.0, 3.0]  # the hand moved +0.5 in x over the last step
    states[0, 4:7], states[0, 22:25] = [4.0, 4.0, 4.0], [4.0, 3.0, 4.0]  # the object +1 in y
    actions = np.zeros((1, 7, 4), np.float32)
    actions[0, :, 0] = 1.0
    actions[0, :, 3] = [1.0, 0.5, -1.0, 2.0, 1.0, 1.0, 1.0]  # closed, half, open, clipped to 1, ...
    features = outcome_features(states, actions, np.array([4]), np.array([3]), config)
    assert features.shape == (1, config.feature_dim) == (1, SMALL.feature_dim + 6 + 7 * 3)
    plain = outcome_features(states, actions, np.array([4]), np.array([3]), SMALL)
    np.testing.assert_array_equal(features[:, : SMALL.feature_dim], plain)  # the plain features come first, unchanged
    moved, grip_path = features[0, SMALL.feature_dim : SMALL.feature_dim + 6], features[0, SMALL.feature_dim + 6 :].reshape(7, 3)
    assert moved.tolist() == [0.5, 0, 0, 0, 1, 0]
    assert grip_path[:, 0].tolist() == [1.0, 1.5, 1.5, 2.5, 2.5, 2.5, 2.5]  # only the 4 taken actions count
    with pytest.raises(ValueError, match="motion_features"):
        OutcomeModelConfig(motion_features=1)


def test_carried_offset_guesses_where_a_held_object_ends_relative_to_the_goal():
    config = OutcomeModelConfig(episode_decisions=10, hidden=8, members=2, carried_offset=True, hand_step=0.5)
    states = np.zeros((1, 39))
    states[0, 4:7], states[0, 36:39] = [1.0, 0.0, 0.0], [0.0, 0.0, 0.0]  # the goal 1 m behind the object in x
    actions = np.zeros((1, 7, 4), np.float32)
    actions[0, :, 0] = -1.0  # pull back in x
    actions[0, :, 3] = [1.0, 1.0, 0.0, 1.0, 1.0, 1.0, 1.0]  # holding, then opened for one step
    features = outcome_features(states, actions, np.array([4]), np.array([3]), config)
    assert features.shape == (1, config.feature_dim) == (1, SMALL.feature_dim + 7 * 4 + 1)
    carried = features[0, SMALL.feature_dim :]
    offset, distance, closest = carried[: 7 * 3].reshape(7, 3), carried[7 * 3 : 7 * 4], carried[-1]
    # held for 2 steps (0.5 m each), open for the third, held for the fourth: 1.5 m pulled, past the goal by 0.5
    np.testing.assert_allclose(offset[:, 0], [-0.5, 0.0, 0.0, 0.5, 0.5, 0.5, 0.5])
    np.testing.assert_allclose(distance, [0.5, 0.0, 0.0, 0.5, 0.5, 0.5, 0.5])
    assert closest == 0.0
    with pytest.raises(ValueError, match="hand_step"):
        OutcomeModelConfig(hand_step=0)


def test_features_pad_mask_and_sum_only_the_taken_actions():
    states = np.arange(2 * 39, dtype=np.float64).reshape(2, 39)
    actions = np.ones((2, 9, 4), np.float32)
    features = outcome_features(states, actions, np.array([2, 7]), np.array([3, 3]), SMALL)
    assert features.shape == (2, SMALL.feature_dim) and features.dtype == np.float32
    capacity = SMALL.max_actions  # 7
    future = features[:, 20 : 20 + capacity * 4].reshape(2, capacity, 4)
    mask = features[:, 20 + capacity * 4 : 20 + capacity * 5]
    path = features[:, 20 + capacity * 5 : 20 + capacity * 8].reshape(2, capacity, 3)
    assert future[0, :2].sum() == 8 and future[0, 2:].sum() == 0  # actions after the taken ones are not read
    assert mask[0].tolist() == [1, 1, 0, 0, 0, 0, 0] and mask[1].sum() == 7
    assert path[0, -1].tolist() == [2, 2, 2] and path[1, -1].tolist() == [7, 7, 7]
    assert features[0, -1] == pytest.approx(0.7)  # 7 of 10 decisions left at decision 3
    # the offsets: object minus hand, goal minus object
    assert features[0, 14:17].tolist() == [4, 4, 4] and features[0, 17:20].tolist() == [32, 32, 32]


@pytest.mark.parametrize("change, message", [
    (dict(states=np.zeros((2, 5))), "start_states must be"),
    (dict(taken=np.array([2, 10])), "taken must lie in"),
    (dict(starts=np.array([1, 3])), "start_decisions must lie in"),
    (dict(actions=np.full((2, 9, 4), np.nan, np.float32)), "finite"),
])
def test_features_refuse_bad_inputs(change, message):
    arguments = dict(states=np.zeros((2, 39)), actions=np.zeros((2, 9, 4), np.float32), taken=np.array([1, 1]), starts=np.array([3, 3]))
    arguments.update(change)
    with pytest.raises(ValueError, match=message):
        outcome_features(arguments["states"], arguments["actions"], arguments["taken"], arguments["starts"], SMALL)


def test_config_refuses_bad_settings():
    with pytest.raises(ValueError, match="members"):
        OutcomeModelConfig(members=0)
    with pytest.raises(ValueError, match="threshold"):
        OutcomeModelConfig(threshold=1.0)
    with pytest.raises(ValueError, match="first_start"):
        OutcomeModelConfig(episode_decisions=3, first_start=3)
    with pytest.raises(ValueError, match="distance_scale"):
        OutcomeModelConfig(distance_scale=0.0)
    with pytest.raises(ValueError, match="distance_weight"):
        OutcomeTrainConfig(data=["unused"], out_dir="unused", distance_weight=-1.0)
    with pytest.raises(ValueError, match="distance_weight"):
        OutcomeTrainConfig(data=["unused"], out_dir="unused", distance_weight=float("nan"))


def test_model_averages_its_members_probabilities():
    torch.manual_seed(0)
    model = OutcomeModel(SMALL).eval()
    x = torch.randn(5, SMALL.feature_dim)
    members = torch.sigmoid(model.member_logits(x))
    assert members.shape == (2, 5)
    assert torch.allclose(torch.sigmoid(model(x)), members.mean(0), atol=1e-5)
    with pytest.raises(ValueError, match="Expected outcome features"):
        model(torch.zeros(5, 3))


def toy_episode(seed: int, steps: int = 10) -> object:
    """An episode whose task is solved from step 6 on exactly when the first action pushes +x: its outcome is in the actions."""
    rng = np.random.default_rng(seed)
    actions = rng.uniform(-1, 1, (steps, 4)).astype(np.float32)
    actions[:, 0] = 0.8 if seed % 2 else -0.8
    success = np.zeros(steps + 1, bool)
    success[6:] = seed % 2 == 1
    states = rng.normal(size=(steps + 1, 39))
    frames = np.zeros((steps + 1, 3, 8, 8), np.uint8)
    return make_episode(frames, actions, np.zeros(steps), success, {"task": "toy", "source": "expert", "seed": seed, "index": seed}, states=states)


def test_stretches_end_when_the_task_is_solved_and_label_what_follows():
    config = OutcomeTrainConfig(data=["unused"], out_dir="unused", model=SMALL, last_start=8)
    features, labels, _ = stretch_samples([toy_episode(1)], config, np.random.default_rng(0))
    # starts 3, 4, 5 (solved at 6), two stretches each: to the end (success follows) and a random cut
    assert len(labels) == 6 and labels[0::2].all()
    _, labels, _ = stretch_samples([toy_episode(2)], config, np.random.default_rng(0))
    assert len(labels) == 12 and not labels.any()  # starts 3..8, never solved
    bare = toy_episode(3)
    bare.states = None
    with pytest.raises(ValueError, match="no states"):
        stretch_samples([bare], config, np.random.default_rng(0))


def toy_episode_with_distances(seed: int, steps: int = 10) -> object:
    """:func:`toy_episode` whose states put the object 3 cm from the goal on the steps the task is solved and
    20 cm away before (or throughout, for a failure)."""
    episode = toy_episode(seed, steps)
    episode.states[:, 36:39] = 0.0
    episode.states[:, 4:7] = 0.0
    episode.states[:, 4] = np.where(episode.success, 0.03, 0.2)
    return episode


def test_closeness_target_is_the_log_of_the_closest_distance_in_success_radii():
    states = np.zeros((3, 39))
    states[:, 4] = [0.2, 0.035, 0.1]
    config = OutcomeModelConfig(distance_scale=0.07)
    assert closeness_target(states, config) == pytest.approx(np.log(0.5))
    states[:, 4] = 0.0  # on the goal: floored at 0.1 mm, not -inf
    assert np.isfinite(closeness_target(states, config))
    episodes = [toy_episode_with_distances(seed) for seed in (1, 2)]  # a success and a failure
    _, labels, closeness = stretch_samples(episodes, OutcomeTrainConfig(data=["unused"], out_dir="unused", model=SMALL, last_start=8),
                                           np.random.default_rng(0))
    assert ((closeness < 0) == labels).all() and labels.any() and not labels.all()


def test_distance_head_learns_how_close_the_object_comes_and_leaves_judgements_to_the_success_output(tmp_path):
    for seed in range(40):
        save_episode(toy_episode_with_distances(seed), tmp_path / "data" / "toy" / f"episode-{seed:03d}.npz")
    model_config = OutcomeModelConfig(episode_decisions=10, hidden=32, members=2, distance_head=True)
    config = OutcomeTrainConfig(data=[tmp_path / "data"], out_dir=tmp_path / "run", model=model_config, epochs=30, last_start=8,
                                holdout_every=5, distance_weight=1.0)
    summary = train_outcome_model(config)
    assert summary["heldout"]["auc"] > 0.9
    model = load_outcome_model(tmp_path / "run" / "outcome_model")
    assert model.config.distance_head and model.members[0][-1].out_features == 2
    held_out = [toy_episode_with_distances(seed) for seed in range(0, 40, 5)]
    features, labels, target = stretch_samples(held_out, config, np.random.default_rng(1))
    with torch.no_grad():
        estimate = model.closeness(torch.from_numpy(features)).numpy()
        logits = model(torch.from_numpy(features))
    assert logits.shape == (len(labels),)
    assert np.abs(estimate - target).mean() < 0.5  # the two targets are log(0.03/0.07) = -0.85 and log(0.2/0.07) = 1.05
    with pytest.raises(ValueError, match="no distance head"):
        OutcomeModel(SMALL).closeness(torch.zeros(2, SMALL.feature_dim))


def test_auc_counts_ties_half():
    assert auc(np.array([0.9, 0.8, 0.1]), np.array([True, True, False])) == 1.0
    assert auc(np.array([0.5, 0.5]), np.array([True, False])) == 0.5
    assert auc(np.array([0.5]), np.array([True])) is None


def test_training_learns_an_outcome_the_actions_decide(tmp_path):
    for seed in range(40):
        save_episode(toy_episode(seed), tmp_path / "data" / "toy" / f"episode-{seed:03d}.npz")
    model_config = OutcomeModelConfig(episode_decisions=10, hidden=32, members=2)
    config = OutcomeTrainConfig(data=[tmp_path / "data"], out_dir=tmp_path / "run", model=model_config, epochs=30, last_start=8, holdout_every=5)
    summary = train_outcome_model(config)
    assert summary["episodes"] == {"training": 32, "held_out": 8}
    assert summary["heldout"]["auc"] > 0.9 and summary["heldout"]["accuracy"] > 0.8
    assert json.loads((tmp_path / "run" / "outcome_summary.json").read_text())["heldout"] == summary["heldout"]
    model = load_outcome_model(tmp_path / "run" / "outcome_model")
    assert model.config == model_config
    assert any((tmp_path / "run" / "tensorboard").iterdir())


def test_initial_states_carry_states_through_save_and_load(tmp_path):
    episodes = [toy_episode(seed) for seed in range(3)]
    initial = InitialStates.from_episodes(episodes, 8)
    assert initial.states.shape == (3, 8, 39) and initial.states.dtype == torch.float32
    initial.save(tmp_path)
    loaded = InitialStates.load(tmp_path)
    assert torch.equal(loaded.states, initial.states)
    states, decisions = loaded.outcome_starts([1, 2], [0, 2], 4)
    np.testing.assert_array_equal(states, initial.states[[1, 2], [3, 5]].numpy())
    assert decisions.tolist() == [3, 5]
    without = InitialStates(initial.frames, initial.actions)
    with pytest.raises(ValueError, match="carry no simulator states"):
        without.outcome_starts([0], [0], 4)
    with pytest.raises(ValueError, match="states must be floating-point"):
        InitialStates(initial.frames, initial.actions, torch.zeros(3, 7, 39))


def simulator_with_outcome(succeed: bool | None, default_signal: str = "outcome") -> LearnedSimulator:
    """A tiny random simulator of 10-decision episodes whose outcome model always says ``succeed`` (``None``: no model)."""
    torch.manual_seed(0)
    manifest = Manifest(tasks=["toy"], image_size=SIZE, action_repeat=3, episode_steps=10, camera=CameraConfig().to_dict(),
                        components={"world_model": "world_model", "outcome_model": "outcome_model"},
                        default_success_signal=default_signal if succeed is not None else "classifier")
    outcome = None
    if succeed is not None:
        outcome = OutcomeModel(SMALL).eval()
        with torch.no_grad():
            for member in outcome.members:
                member[-1].weight.zero_()
                member[-1].bias.fill_(5.0 if succeed else -5.0)
    states = torch.randn(4, 8, 39)
    return LearnedSimulator(
        manifest, Denoiser(DenoiserConfig(image_size=SIZE, channels=(16, 16))).eval(),
        RewardClassifier(RewardClassifierConfig(image_size=SIZE, channels=(8, 8))).eval(),
        InitialStates(torch.randint(0, 256, (4, 8, 3, SIZE, SIZE), dtype=torch.uint8), torch.rand(4, 7, 4) * 2 - 1, states),
        SamplerConfig(num_steps=1), outcome_model=outcome,
    )


@pytest.mark.parametrize("succeed", [True, False])
def test_outcome_signal_judges_at_the_real_episodes_end(succeed):
    env = DreamWorldVectorEnv(num_envs=2, simulator=simulator_with_outcome(succeed))
    assert env.success_signal == "outcome"
    env.reset(seed=0)
    for step in range(7):  # contexts end at decision 3 of 10: 7 decisions left
        _, reward, terminated, truncated, info = env.step(np.zeros((2, 4), np.float32))
        if step < 6:
            assert not terminated.any() and not truncated.any() and (reward == 0).all()
            assert np.isnan(info["outcome_probability"]).all()
    assert terminated.all() == succeed and truncated.all() != succeed
    assert reward.tolist() == ([1.0, 1.0] if succeed else [0.0, 0.0])
    assert info["outcome_probability"] == pytest.approx([1 / (1 + np.exp(-5.0 if succeed else 5.0))] * 2, abs=1e-4)
    assert info["final_info"]["outcome_probability"] == pytest.approx(info["outcome_probability"])


def test_outcome_signal_stops_at_max_episode_steps_and_reads_the_actions_taken():
    simulator = simulator_with_outcome(True)
    env = DreamWorldVectorEnv(num_envs=1, simulator=simulator, max_episode_steps=2, reward_mode="probability")
    env.reset(seed=0)
    env.step(np.full((1, 4), 0.5, np.float32))
    assert env._taken[0, 0].tolist() == [0.5] * 4
    _, reward, terminated, _, _ = env.step(np.zeros((1, 4), np.float32))
    assert terminated[0] and 0.99 < reward[0] < 1.0


def test_outcome_signal_needs_start_states_for_a_callers_context():
    simulator = simulator_with_outcome(True)
    env = DreamWorldVectorEnv(num_envs=1, simulator=simulator)
    context = {"frames": simulator.initial_states.frames[:1, :4].numpy(), "actions": simulator.initial_states.actions[:1, :3].numpy()}
    with pytest.raises(ValueError, match="needs 'states'"):
        env.reset(options=context)
    with pytest.raises(ValueError, match="without .decisions.; expected both"):
        env.reset(options={**context, "states": np.zeros((1, 39))})
    with pytest.raises(ValueError, match=r"options\['decisions'\]"):
        env.reset(options={**context, "states": np.zeros((1, 39)), "decisions": np.array([1])})
    env.reset(options={**context, "states": np.zeros((1, 39)), "decisions": np.array([3])})
    single = DreamWorldEnv(simulator=simulator)
    single.reset(options={"frames": context["frames"][0], "actions": context["actions"][0], "states": np.zeros(39), "decisions": 3})
    for _ in range(7):
        _, reward, terminated, truncated, info = single.step(np.zeros(4, np.float32))
    assert terminated and reward == 1.0 and info["outcome_probability"] > 0.99


def test_success_signal_choices_are_checked():
    with pytest.raises(ValueError, match="needs a bundle with an outcome model"):
        DreamWorldVectorEnv(simulator=simulator_with_outcome(None), success_signal="outcome")
    with pytest.raises(ValueError, match="success_signal must be one of"):
        DreamWorldVectorEnv(simulator=simulator_with_outcome(True), success_signal="frames")
    with pytest.raises(ValueError, match="applies only with success_signal='classifier'"):
        DreamWorldVectorEnv(simulator=simulator_with_outcome(True), success_signal="outcome",
                            success_confirmation={"rerolls": 1, "horizon": 2})
    # a confirmation re-tests the classifier's successes: without a signal named, it selects the classifier
    env = DreamWorldVectorEnv(simulator=simulator_with_outcome(True), success_confirmation={"rerolls": 1, "horizon": 2})
    assert env.success_signal == "classifier"
    assert DreamWorldVectorEnv(simulator=simulator_with_outcome(True), success_signal="classifier").success_signal == "classifier"


def test_simulator_with_outcome_model_saves_loads_and_checks_its_parts(tmp_path):
    simulator = simulator_with_outcome(True)
    simulator.save(tmp_path / "bundle")
    loaded = LearnedSimulator.load(tmp_path / "bundle", check_rendering=False)
    assert loaded.manifest.default_success_signal == "outcome" and loaded.outcome_model is not None
    assert torch.equal(loaded.initial_states.states, simulator.initial_states.states)
    with pytest.raises(BundleError, match="needs initial states with simulator states"):
        LearnedSimulator(simulator.manifest, simulator.world_model, simulator.reward_model,
                         InitialStates(simulator.initial_states.frames, simulator.initial_states.actions),
                         simulator.sampler, outcome_model=simulator.outcome_model)
    with pytest.raises(BundleError, match="episodes of 10 decisions, the bundle 5"):
        LearnedSimulator(Manifest(**{**simulator.manifest.__dict__, "episode_steps": 5}), simulator.world_model,
                         simulator.reward_model, simulator.initial_states, simulator.sampler, outcome_model=simulator.outcome_model)


def test_manifest_refuses_the_outcome_signal_without_the_component():
    data = simulator_with_outcome(True).manifest.to_dict()
    data["components"] = {"world_model": "world_model"}
    with pytest.raises(BundleError, match="no 'outcome_model'"):
        Manifest.from_dict(data)
    data["default_success_signal"] = "pixels"
    with pytest.raises(BundleError, match="default_success_signal"):
        Manifest.from_dict(data)


def test_saved_outcome_model_round_trips(tmp_path):
    model = OutcomeModel(SMALL).eval()
    save_outcome_model(tmp_path, model)
    loaded = load_outcome_model(tmp_path)
    x = torch.randn(3, SMALL.feature_dim)
    assert torch.equal(model(x), loaded(x))


def test_episodes_with_states_load(tmp_path):
    save_episode(toy_episode(5), tmp_path / "toy" / "e.npz")
    (episode,) = load_episodes(tmp_path, with_states=True)
    assert episode.states.shape == (11, 39)


def test_decision_fidelity_judges_trials_by_the_outcome_model_from_their_real_start_state():
    from dreamgym.decision_fidelity import Trial, imagine_trials, judge_trials_by_outcome, trial_record

    simulator = simulator_with_outcome(False)
    rng = np.random.default_rng(0)

    def trial(start, real_success):
        success = np.zeros(11, bool)
        success[9] = real_success
        return Trial(group="policy", kind="deterministic", base="bc", start=start, reset_seed=0,
                     frames=rng.integers(0, 256, (11, 3, SIZE, SIZE), dtype=np.uint8),
                     actions=rng.uniform(-1, 1, (10, 4)).astype(np.float32), success=success, final_distance=0.1,
                     states=rng.normal(size=(11, 39)))

    trials = [trial(3, True), trial(5, False)]
    imagine_trials(simulator, trials, seed=0)
    judge_trials_by_outcome(simulator, trials)
    records = [trial_record(t, 0.5, 20.0) for t in trials]
    assert [r["dream_success"] for r in records] == [False, False]  # the model says failure whatever the frames show
    assert all("dream_success_classifier" in r and r["outcome_probability"] < 0.01 for r in records)
    # the same verdict as the dream env gives from that start state after those actions
    model = simulator.outcome_model
    expected = model.success_probability(trials[1].states[5][None], trials[1].actions[None, 5:], np.array([5]), np.array([5]))
    assert trials[1].dream["outcome_probability"] == pytest.approx(float(expected[0]))
    bare = trial(3, True)
    bare.states = None
    with pytest.raises(ValueError, match="carry no simulator states"):
        judge_trials_by_outcome(simulator, [bare])
    with pytest.raises(ValueError, match="no outcome model"):
        judge_trials_by_outcome(simulator_with_outcome(None), trials)


def test_outcome_heldout_scores_runs_on_one_datasets_held_out_episodes(tmp_path, monkeypatch):
    import sys

    from benchmark_scripts import load_script

    for seed in range(20):
        save_episode(toy_episode(seed), tmp_path / "data" / "toy" / f"episode-{seed:03d}.npz")
    small = OutcomeModelConfig(episode_decisions=10, hidden=16, members=1)
    for name, epochs in (("a", 1), ("b", 20)):
        train_outcome_model(OutcomeTrainConfig(data=[tmp_path / "data"], out_dir=tmp_path / name, model=small, epochs=epochs,
                                               last_start=8, holdout_every=5))
    script = load_script("decision_fidelity/outcome_heldout.py")
    monkeypatch.setattr(sys, "argv", ["outcome_heldout.py", "--runs", str(tmp_path / "a"), str(tmp_path / "b"), "--data",
                                      str(tmp_path / "data"), "--task", "toy", "--holdout-every", "5", "--label", "t",
                                      "--out-dir", str(tmp_path)])
    script.main()
    report = json.loads((tmp_path / "outcome-heldout-t.json").read_text())
    a, b = (report["runs"][str(tmp_path / name)] for name in ("a", "b"))
    assert report["held_out_episodes"] == 4 and a["stretches"] == b["stretches"] > 0  # the same stretches for both
    assert b["accuracy"] >= a["accuracy"] and a["trained_on"] == [str(tmp_path / "data")]


def test_an_interrupted_training_resumes_with_the_members_it_finished(tmp_path):
    for seed in range(20):
        save_episode(toy_episode(seed), tmp_path / "data" / "toy" / f"episode-{seed:03d}.npz")
    config = OutcomeTrainConfig(data=[tmp_path / "data"], out_dir=tmp_path / "run", model=SMALL, epochs=3, last_start=8, holdout_every=5)
    train_outcome_model(config)
    first = load_outcome_model(tmp_path / "run" / "outcome_model")
    (tmp_path / "run" / "members" / "member-1.safetensors").unlink()  # as if stopped while training member 1
    saved = (tmp_path / "run" / "members" / "member-0.safetensors").stat().st_mtime_ns
    train_outcome_model(config)
    again = load_outcome_model(tmp_path / "run" / "outcome_model")
    assert (tmp_path / "run" / "members" / "member-0.safetensors").stat().st_mtime_ns == saved  # kept, not retrained
    x = torch.randn(4, SMALL.feature_dim)
    assert torch.allclose(first(x), again(x))  # member 1 retrained from the same seed: the same weights
    with pytest.raises(ValueError, match="other settings \\(epochs\\)"):
        train_outcome_model(OutcomeTrainConfig(data=[tmp_path / "data"], out_dir=tmp_path / "run", model=SMALL, epochs=4,
                                               last_start=8, holdout_every=5))


def test_env_judges_every_episode_as_a_direct_model_call_across_autoresets():
    """A model that reads its inputs (random weights), worlds that start at different decisions and end at different
    steps: each judgement equals the model's verdict on that world's start state, start decision and actions."""
    simulator = simulator_with_outcome(True)
    torch.manual_seed(1)
    simulator.outcome_model = OutcomeModel(SMALL).eval()  # random weights: the verdict depends on every input
    env = DreamWorldVectorEnv(num_envs=3, simulator=simulator, reset_mode="random", reward_mode="probability")
    env.reset(seed=0)
    rng = np.random.default_rng(0)
    starts = {w: (env._start_states[w].copy(), int(env._start_decisions[w])) for w in range(3)}
    taken = {w: [] for w in range(3)}
    judged = 0
    for _ in range(20):
        actions = rng.uniform(-1, 1, (3, 4)).astype(np.float32)
        _, reward, terminated, truncated, info = env.step(actions)
        for world in range(3):
            taken[world].append(actions[world])
            if terminated[world] or truncated[world]:
                state, decision = starts[world]
                assert decision + len(taken[world]) == 10  # judged at the real episode's end
                expected = simulator.outcome_model.success_probability(state[None], np.stack(taken[world])[None],
                                                                       np.array([len(taken[world])]), np.array([decision]))
                assert info["outcome_probability"][world] == pytest.approx(float(expected[0]), abs=1e-6)
                assert reward[world] == pytest.approx(float(expected[0]), abs=1e-6) and info["_outcome_probability"][world]
                starts[world] = (env._start_states[world].copy(), int(env._start_decisions[world]))  # the next episode's
                taken[world] = []
                judged += 1
            else:
                assert not info["_outcome_probability"][world] and reward[world] == 0
    assert judged >= 6
    with pytest.raises(ValueError, match="chosen when the env is made"):
        env.success_signal = "classifier"


def test_stretches_of_an_episode_that_ends_right_after_the_last_start():
    config = OutcomeTrainConfig(data=["unused"], out_dir="unused", model=SMALL, last_start=9)
    _, labels, _ = stretch_samples([toy_episode(2)], config, np.random.default_rng(0))
    assert len(labels) == 2 * 6 + 1  # starts 3..8 with a random cut each, start 9 with its single action only
    with pytest.raises(ValueError, match="at most 10"):
        stretch_samples([toy_episode(2, steps=12)], config, np.random.default_rng(0))


def test_a_half_given_outcome_start_is_refused_whatever_the_signal():
    simulator = simulator_with_outcome(None)
    env = DreamWorldVectorEnv(num_envs=1, simulator=simulator)
    context = {"frames": simulator.initial_states.frames[:1, :4].numpy(), "actions": simulator.initial_states.actions[:1, :3].numpy()}
    with pytest.raises(ValueError, match="without 'decisions'"):
        env.reset(options={**context, "states": np.zeros((1, 39))})
    env.reset(options={**context, "states": np.zeros((1, 39)), "decisions": np.array([3])})  # accepted, unused here


def test_decision_error_by_kind_and_validation_error_counts():
    from benchmark_scripts import load_script

    from dreamgym.decision_fidelity import Trial

    heldout = load_script("decision_fidelity/outcome_heldout.py")
    assert heldout.episode_kind({"source": "bc"}) == "bc-sampled"  # recorded before --bc-noise
    assert heldout.episode_kind({"source": "bc", "bc_actions": "mean", "noise_std": 0.0}) == "bc-deterministic"
    assert heldout.episode_kind({"source": "bc", "bc_actions": "mean", "noise_std": 0.2}) == "bc-noisy"
    assert heldout.episode_kind({"source": "branch", "branch": {"base": "bc", "duration": 0}}) == "branch-bc"
    assert heldout.episode_kind({"source": "branch", "branch": {"base": "expert", "duration": 2}}) == "slip-expert"
    scored = {
        "bc-deterministic": (np.array([0.9, 0.2, 0.8, 0.1]), np.array([True, True, False, False])),  # 1 miss, 1 false success
        "branch-bc": (np.array([0.6, 0.4]), np.array([True, False])),  # both right at 0.5
        "expert": (np.array([0.1]), np.array([True])),  # not a decision kind: left out of the error
    }
    rates = heldout.rates_by_kind(scored, 0.5)
    assert rates["by_kind"]["bc-deterministic"] == {"stretches": 4, "real_failures": 2, "real_successes": 2,
                                                    "false_success_rate": 0.5, "miss_rate": 0.5}
    assert rates["decision_error"] == pytest.approx((0.5 + 0.0) / 2)
    assert heldout.rates_by_kind(scored, 0.95)["decision_error"] == pytest.approx((0.5 + 0.5) / 2)  # everything a failure

    validation = load_script("decision_fidelity/outcome_validation.py")

    def trial(group, real):
        success = np.zeros(51, bool)
        success[40] = real
        return Trial(group=group, kind="k", base="bc", start=3, reset_seed=0, frames=np.zeros((51, 3, 4, 4), np.uint8),
                     actions=np.zeros((50, 4), np.float32), success=success, final_distance=0.0)

    trials = [trial("policy", True), trial("policy", False), trial("random", False), trial("branch", True), trial("branch", False)]
    counts = validation.error_counts(trials, np.array([0.2, 0.7, 0.9, 0.8, 0.1]), 0.5)
    assert counts["policy"] == {"trials": 2, "real_successes": 1, "hallucinated": 1, "missed": 1}
    assert counts["random"]["hallucinated"] == 1 and counts["branch"]["hallucinated"] == counts["branch"]["missed"] == 0
    assert counts["errors"] == 3


def test_closeness_verdict_judges_by_the_distance_head_sign():
    from benchmark_scripts import load_script

    validation = load_script("decision_fidelity/outcome_validation.py")
    with pytest.raises(ValueError, match="--distance-head"):
        validation.ClosenessVerdict(OutcomeModel(SMALL))
    config = OutcomeModelConfig(episode_decisions=10, hidden=8, members=2, distance_head=True)
    model = OutcomeModel(config).eval()
    with torch.no_grad():
        for member in model.members:
            member[-1].weight.zero_()
            member[-1].bias.copy_(torch.tensor([5.0, 0.1]))  # every success output says yes
            member[-1].weight[1] = torch.linspace(-1.0, 1.0, 8)  # closeness: hidden units against each other
    count = 200
    states = np.random.default_rng(1).normal(size=(count, 39))
    actions = np.random.default_rng(0).uniform(-1, 1, (count, 7, 4)).astype(np.float32)
    taken, starts = np.full(count, 7), np.full(count, 3)
    features = torch.from_numpy(outcome_features(states, actions, taken, starts, config))
    with torch.no_grad():
        expected = (model.closeness(features) < 0).float().numpy()
    assert 0 < expected.mean() < 1  # both verdicts occur
    verdict = validation.ClosenessVerdict(model).success_probability(states, actions, taken, starts)
    np.testing.assert_array_equal(verdict, expected)
    assert (model.success_probability(states, actions, taken, starts) > 0.99).all()  # the success output would say yes to all
