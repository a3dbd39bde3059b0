"""``dreamgym refine --method filtered-bc`` (dreamgym.policy.dream_imitation): imagined episodes collected
resumably, the confirmed successes imitated next to the demonstrations, settings checked."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
import torch
from test_policy import demo_data, start_model, tiny_bundle  # noqa: F401  (fixtures)

from dreamgym.dream.initial_states import InitialStates
from dreamgym.policy.bc import action_nll
from dreamgym.policy.dream_imitation import (
    GRASP_MARGIN,
    IMITATION_SEED_STEP,
    LATE_STARTS,
    PASS_SEED_STEP,
    DreamImitationConfig,
    collect_imagined_episodes,
    draw_starts,
    imitate,
    outcome_probabilities,
    refine_by_imitation,
    success_weights,
    until_grasp,
)
from dreamgym.policy.model import load_policy


def _config(tmp_path, tiny_bundle, demo_data, **overrides):  # noqa: F811
    values = dict(bc_model=start_model(tmp_path, -1.0), out_dir=tmp_path / "run", bundle=tiny_bundle, rounds=2, num_envs=3,
                  success_confirmation={"rerolls": 1, "horizon": 2}, steps=40, average_from=20, snapshot_every=10,
                  learning_rate=1e-3, data_dir=demo_data, passes=1, success_signal="classifier", group_size=1, halfway_to_bc=True,
                  imitation_seeds=1)
    values.update(overrides)
    return DreamImitationConfig(**values)


def test_collection_stores_every_round_and_resumes_without_replaying(tmp_path, tiny_bundle, demo_data):  # noqa: F811
    config = _config(tmp_path, tiny_bundle, demo_data)
    config.out_dir.mkdir()
    episodes = collect_imagined_episodes(config, progress=False)
    assert int(episodes["rounds"]) == 2 and len(episodes["success"]) == 6
    assert len(episodes["frames"]) == len(episodes["actions"]) == episodes["lengths"].sum()
    assert episodes["frames"].dtype == np.uint8 and np.abs(episodes["actions"]).max() <= 1
    assert episodes["lengths"].max() <= 6  # the tiny bundle's episodes are 6 decisions long
    again = collect_imagined_episodes(config, progress=False)  # every round stored: nothing replayed
    np.testing.assert_array_equal(again["round_seconds"], episodes["round_seconds"])
    more = collect_imagined_episodes(_config(tmp_path, tiny_bundle, demo_data, rounds=3), progress=False)
    np.testing.assert_array_equal(more["frames"][: len(episodes["frames"])], episodes["frames"])
    assert len(more["success"]) == 9


def test_collection_starts_from_the_drawn_real_contexts_and_records_them(tmp_path, tiny_bundle, demo_data):  # noqa: F811
    initial = InitialStates.load(tiny_bundle / "initial_states")
    length, history = initial.frames.shape[1], 4
    config = _config(tmp_path, tiny_bundle, demo_data, rounds=1, num_envs=4, start_decisions=(1, length - history))
    config.out_dir.mkdir()
    episodes = collect_imagined_episodes(config, progress=False)
    decisions, trajectories = episodes["start_decision"], episodes["start_trajectory"]
    assert ((decisions >= 1) & (decisions <= length - history)).all()
    first = np.concatenate([[0], np.cumsum(episodes["lengths"])[:-1]])
    for offset, trajectory, decision in zip(first, trajectories, decisions):  # each world saw the context's last frame first
        np.testing.assert_array_equal(episodes["frames"][offset], initial.frames[trajectory, decision + history - 1].numpy())
    late = _config(tmp_path, tiny_bundle, demo_data, out_dir=tmp_path / "late", start_decisions=(0, length - history + 1))
    late.out_dir.mkdir()
    with pytest.raises(ValueError, match="reach past the bundle's stored trajectories"):
        collect_imagined_episodes(late, progress=False)
    # the default: decisions 10-16, cut to what the stored trajectories hold
    generator = torch.Generator().manual_seed(0)
    _, decisions = draw_starts(initial, 50, history, None, generator)
    assert set(decisions.tolist()) <= set(range(min(LATE_STARTS[0], length - history), min(LATE_STARTS[1], length - history) + 1))
    long = InitialStates(torch.zeros(2, 21, 3, 8, 8, dtype=torch.uint8), torch.zeros(2, 20, 4))
    assert set(draw_starts(long, 400, history, None, generator)[1].tolist()) == set(range(LATE_STARTS[0], LATE_STARTS[1] + 1))


def test_imitation_fits_the_kept_episodes_only_and_averages_its_snapshots(tmp_path, tiny_bundle, demo_data):  # noqa: F811
    config = _config(tmp_path, tiny_bundle, demo_data)
    lengths = np.array([3, 4, 5])
    frames = np.random.default_rng(0).integers(0, 255, (12, 3, 64, 64), dtype=np.uint8)
    actions = np.tile(np.array([[0.9, -0.9, 0.5, 0.9]], np.float32), (12, 1))
    actions[3:] = -actions[3:]  # only the first episode's actions are worth imitating
    episodes = {"frames": frames, "actions": actions, "lengths": lengths, "success": np.array([True, False, False]),
                "round_seconds": np.array([1.0])}
    summary = imitate(config, episodes, np.array([0]), tmp_path / "out.zip", progress=False)
    assert summary["kept_pairs"] == 3 and summary["kept_confirmed_successes"] == 1
    assert summary["averaged_snapshots"] == 3  # steps 20, 30, 40
    kept = torch.from_numpy(frames[:3]), torch.from_numpy(actions[:3])
    dropped = torch.from_numpy(frames[3:]), torch.from_numpy(actions[3:])
    with torch.no_grad():
        before = [action_nll(load_policy(config.bc_model).policy, *pairs)[0].item() for pairs in (kept, dropped)]
        after = [action_nll(load_policy(tmp_path / "out.zip").policy, *pairs)[0].item() for pairs in (kept, dropped)]
    assert after[0] < before[0] - 0.5 and after[1] > after[0] + 1.0, (before, after)
    with pytest.raises(ValueError, match="confirmed no success"):
        imitate(config, episodes, np.array([], dtype=np.int64), tmp_path / "none.zip", progress=False)


def test_refine_by_imitation_writes_refined_zip_and_refuses_other_settings_on_resume(tmp_path, tiny_bundle, demo_data):  # noqa: F811
    config = _config(tmp_path, tiny_bundle, demo_data, steps=4, average_from=2, snapshot_every=2)
    summary = refine_by_imitation(config, progress=False)  # the tiny dream's classifier fires (and confirms) at once
    assert summary["method"] == "filtered-bc" and summary["refined"] == "halfway between BC and filtered.zip"
    bc, imitated, refined = (load_policy(path).policy.state_dict() for path in
                             (config.bc_model, config.out_dir / "filtered.zip", config.out_dir / "refined.zip"))
    torch.testing.assert_close(refined["log_std"], (bc["log_std"] + imitated["log_std"]) / 2)
    assert not torch.equal(imitated["log_std"], bc["log_std"])
    assert summary["confirmed_successes"] == summary["kept_episodes"] == 6
    assert json.loads((config.out_dir / "summary.json").read_text())["kept_pairs"] == summary["kept_pairs"]
    with pytest.raises(ValueError, match="num_envs: 3 -> 5"):
        refine_by_imitation(_config(tmp_path, tiny_bundle, demo_data, num_envs=5), progress=False)
    with pytest.raises(ValueError, match=r"start_decisions: None -> \[1, 2\]"):
        refine_by_imitation(_config(tmp_path, tiny_bundle, demo_data, start_decisions=(1, 2)), progress=False)
    # a folder written before start_decisions existed was collected from episode starts: it resumes as such only
    stored = json.loads((config.out_dir / "config.json").read_text())
    del stored["start_decisions"]
    (config.out_dir / "config.json").write_text(json.dumps(stored))
    with pytest.raises(ValueError, match=r"start_decisions: \[0, 0\] -> None"):
        refine_by_imitation(config, progress=False)
    config = _config(tmp_path, tiny_bundle, demo_data, steps=4, average_from=2, snapshot_every=2, start_decisions=(0, 0))
    assert refine_by_imitation(config, progress=False)["kept_episodes"] == 6  # resumed: nothing imagined anew


def test_a_second_pass_acts_with_the_first_pass_policy_and_refined_is_halfway_from_bc(tmp_path, tiny_bundle, demo_data):  # noqa: F811
    config = _config(tmp_path, tiny_bundle, demo_data, steps=4, average_from=2, snapshot_every=2, passes=2, seed=3)
    summary = refine_by_imitation(config, progress=False)
    first, second = summary["passes"]
    assert first["acting_policy"] == str(config.bc_model) and first["seed"] == 3
    assert second["acting_policy"] == str(config.out_dir / "filtered.zip") and second["seed"] == 3 + PASS_SEED_STEP
    assert summary["refined"] == "halfway between BC and pass-2/filtered.zip"
    stored = json.loads((config.out_dir / "pass-2" / "config.json").read_text())
    assert stored["bc_model"] == str(config.out_dir / "filtered.zip") and stored["seed"] == 5
    bc, pass1, pass2, refined = (load_policy(path).policy.state_dict() for path in (
        config.bc_model, config.out_dir / "filtered.zip", config.out_dir / "pass-2" / "filtered.zip", config.out_dir / "refined.zip"))
    assert not torch.equal(pass2["log_std"], pass1["log_std"])  # pass 2 imitated on from pass 1's weights
    torch.testing.assert_close(refined["log_std"], (bc["log_std"] + pass2["log_std"]) / 2)
    resumed = refine_by_imitation(config, progress=False)  # both passes' episodes are stored: nothing imagined anew
    assert resumed["imagined_episodes"] == summary["imagined_episodes"] and resumed["passes"][1]["collect_seconds"] == second["collect_seconds"]
    # pass 2's episodes came from the policy pass 1 imitated: other imitation settings are refused before anything runs
    before = (config.out_dir / "filtered.zip").read_bytes()
    with pytest.raises(ValueError, match=r"pass-2 holds imagined episodes of other settings \(steps: 4 -> 6"):
        refine_by_imitation(_config(tmp_path, tiny_bundle, demo_data, steps=6, average_from=2, snapshot_every=2, passes=2, seed=3),
                            progress=False)
    assert (config.out_dir / "filtered.zip").read_bytes() == before


@pytest.mark.parametrize("overrides, message", [
    ({"num_envs": 0}, "num_envs must be an integer >= 1"),
    ({"rounds": 1.5}, "rounds must be an integer >= 1"),
    ({"passes": 0}, "passes must be an integer >= 1"),
    ({"batch_size": 7}, "batch_size must be an even number"),
    ({"steps": 10, "average_from": 20}, "average_from must be a step in"),
    ({"learning_rate": float("nan")}, "learning_rate must be a finite number"),
    ({"success_confirmation": None}, "success_confirmation is required"),
    ({"success_confirmation": {"rerolls": 0, "horizon": 2}}, "rerolls must be an integer >= 1"),
    ({"demo_sources": ()}, "demo_sources must name"),
    ({"pairs": "pull"}, "pairs must be one of"),
    ({"halfway_to_bc": "yes"}, "halfway_to_bc must be True or False"),
    ({"start_decisions": (3, 1)}, "start_decisions must be two integers"),
    ({"start_decisions": (0, 1.5)}, "start_decisions must be two integers"),
    ({"group_size": 0}, "group_size must be an integer >= 1"),
    ({"imitation_seeds": 0}, "imitation_seeds must be an integer >= 1"),
    ({"success_threshold": 1.0, "success_signal": "outcome"}, "success_threshold must be a probability strictly between"),
    ({"success_threshold": True, "success_signal": "outcome"}, "success_threshold must be a probability strictly between"),
    ({"success_threshold": 0.9, "success_signal": "classifier"}, "success_threshold applies to the outcome model"),
    ({"num_envs": 6, "group_size": 4}, "must be a multiple of group_size"),
])
def test_config_names_bad_values(tmp_path, overrides, message):
    with pytest.raises(ValueError, match=message):
        DreamImitationConfig(bc_model=tmp_path / "bc.zip", out_dir=tmp_path / "run", **overrides)


def test_missing_demonstrations_are_named(tmp_path, tiny_bundle, demo_data):  # noqa: F811
    config = _config(tmp_path, tiny_bundle, tmp_path / "nowhere")
    episodes = {"frames": np.zeros((2, 3, 64, 64), np.uint8), "actions": np.zeros((2, 4), np.float32),
                "lengths": np.array([2]), "success": np.array([True]), "round_seconds": np.array([1.0])}
    with pytest.raises(FileNotFoundError, match="No \\['expert'\\] episodes under"):
        imitate(config, episodes, np.array([0]), tmp_path / "out.zip", progress=False)


def test_until_grasp_keeps_the_approach_and_the_closing_decisions():
    actions = np.full((12, 4), -0.8, np.float32)
    assert until_grasp(actions) == 12  # never closes: the whole episode
    actions[5:, 3] = 0.7  # the first closing command at decision 5
    assert until_grasp(actions) == 5 + GRASP_MARGIN + 1
    assert until_grasp(actions[:6]) == 6  # the episode ends before the margin does


def test_imitation_until_grasp_counts_only_those_pairs(tmp_path, tiny_bundle, demo_data):  # noqa: F811
    config = _config(tmp_path, tiny_bundle, demo_data, pairs="until-grasp", steps=4, average_from=2, snapshot_every=2)
    actions = np.full((20, 4), -0.8, np.float32)
    actions[2:10, 3] = 0.9  # episode 0 (decisions 0-9) closes at decision 2
    episodes = {"frames": np.zeros((20, 3, 64, 64), np.uint8), "actions": actions, "lengths": np.array([10, 10]),
                "success": np.array([True, True]), "round_seconds": np.array([1.0])}
    summary = imitate(config, episodes, np.array([0, 1]), tmp_path / "out.zip", progress=False)
    assert summary["kept_pairs"] == (2 + GRASP_MARGIN + 1) + 10  # episode 1 never closes: all of it


def test_collection_judged_by_the_outcome_model_starts_it_from_the_contexts_real_states(tmp_path, tiny_bundle, demo_data):  # noqa: F811
    from dataclasses import replace

    from dreamgym.dream.simulator import LearnedSimulator
    from dreamgym.reward.outcome import OutcomeModel, OutcomeModelConfig

    simulator = LearnedSimulator.load(tiny_bundle, check_rendering=False)
    outcome = OutcomeModel(OutcomeModelConfig(episode_decisions=6, hidden=8, members=1)).eval()
    with torch.no_grad():
        outcome.members[0][-1].weight.zero_()
        outcome.members[0][-1].bias.fill_(5.0)  # every episode a success
    initial = simulator.initial_states
    states = torch.randn(*initial.frames.shape[:2], 39)
    with_outcome = replace(simulator, initial_states=replace(initial, states=states), outcome_model=outcome)
    with_outcome.save(tmp_path / "outcome-bundle")
    config = _config(tmp_path, tmp_path / "outcome-bundle", demo_data, rounds=1, num_envs=3, start_decisions=(0, 1),
                     success_signal="outcome")
    config.out_dir.mkdir()
    episodes = collect_imagined_episodes(config, progress=False)
    assert episodes["success"].all()
    # judged at the real episode's end: 6 decisions minus the context's last decision
    np.testing.assert_array_equal(episodes["lengths"], 6 - (episodes["start_decision"] + 3))
    with pytest.raises(ValueError, match="success_signal must be one of"):
        _config(tmp_path, tiny_bundle, demo_data, success_signal="frames")


def test_groups_repeat_each_start_and_weigh_a_success_by_the_share_of_its_group_that_failed():
    initial = InitialStates(torch.zeros(5, 21, 3, 8, 8, dtype=torch.uint8), torch.zeros(5, 20, 4))
    trajectories, decisions = draw_starts(initial, 12, 4, None, torch.Generator().manual_seed(0), group_size=4)
    assert len(trajectories) == len(decisions) == 12
    for group in range(3):  # four episodes in a row from one start
        assert len(set(zip(trajectories[4 * group: 4 * group + 4], decisions[4 * group: 4 * group + 4]))) == 1
    success = np.array([1, 1, 1, 1,  1, 0, 0, 0,  0, 0, 0, 0,  1, 1, 0, 0], bool)
    np.testing.assert_allclose(success_weights(success, 4), [0, 0, 0, 0, 0.75, 0, 0, 0, 0, 0, 0, 0, 0.5, 0.5, 0, 0])
    np.testing.assert_array_equal(success_weights(success, 1), success.astype(float))  # no groups: every success counts once
    with pytest.raises(ValueError, match="do not split into groups of 3"):
        success_weights(success, 3)


def test_imitation_draws_pairs_in_proportion_to_the_episode_weights(tmp_path, tiny_bundle, demo_data):  # noqa: F811
    config = _config(tmp_path, tiny_bundle, demo_data, steps=40, average_from=20, snapshot_every=10)
    frames = np.random.default_rng(0).integers(0, 255, (8, 3, 64, 64), dtype=np.uint8)
    actions = np.tile(np.array([[0.9, -0.9, 0.5, 0.9]], np.float32), (8, 1))
    actions[4:] = -actions[4:]  # two kept episodes that disagree; the first weighs 99 times the second
    episodes = {"frames": frames, "actions": actions, "lengths": np.array([4, 4]), "success": np.array([True, True]),
                "round_seconds": np.array([1.0])}
    summary = imitate(config, episodes, np.array([0, 1]), tmp_path / "out.zip", progress=False, weights=np.array([0.99, 0.01]))
    assert summary["kept_weight"] == 1.0
    heavy, light = [(torch.from_numpy(frames[rows]), torch.from_numpy(actions[rows])) for rows in (slice(0, 4), slice(4, 8))]
    with torch.no_grad():
        policy = load_policy(tmp_path / "out.zip").policy
        assert action_nll(policy, *heavy)[0].item() < action_nll(policy, *light)[0].item() - 1.0
    with pytest.raises(ValueError, match="one number > 0 per kept episode"):
        imitate(config, episodes, np.array([0, 1]), tmp_path / "bad.zip", progress=False, weights=np.array([1.0, 0.0]))


def test_refine_with_groups_names_starts_that_teach_nothing_and_refuses_a_resume_without_groups(tmp_path, tiny_bundle, demo_data):  # noqa: F811
    config = _config(tmp_path, tiny_bundle, demo_data, num_envs=4, group_size=2, steps=4, average_from=2, snapshot_every=2)
    with pytest.raises(ValueError, match="no success has an advantage over its group"):  # the tiny dream confirms every episode
        refine_by_imitation(config, progress=False)
    assert json.loads((config.out_dir / "config.json").read_text())["group_size"] == 2
    with pytest.raises(ValueError, match="group_size: 2 -> 1"):
        refine_by_imitation(_config(tmp_path, tiny_bundle, demo_data, num_envs=4), progress=False)


def test_imitation_seeds_average_independent_clonings_and_the_first_is_the_single_one(tmp_path, tiny_bundle, demo_data):  # noqa: F811
    rng = np.random.default_rng(1)
    episodes = {"frames": rng.integers(0, 255, (8, 3, 64, 64), dtype=np.uint8),
                "actions": rng.uniform(-1, 1, (8, 4)).astype(np.float32), "lengths": np.array([4, 4]),
                "success": np.array([True, True]), "round_seconds": np.array([1.0])}
    single = _config(tmp_path, tiny_bundle, demo_data, steps=10, average_from=5, snapshot_every=5)
    policies = {}
    for name, seed in (("first", single.seed), ("second", single.seed + IMITATION_SEED_STEP)):
        imitate(_config(tmp_path, tiny_bundle, demo_data, steps=10, average_from=5, snapshot_every=5, seed=seed), episodes,
                np.array([0, 1]), tmp_path / f"{name}.zip", progress=False)
        policies[name] = load_policy(tmp_path / f"{name}.zip").policy.state_dict()
    soup = _config(tmp_path, tiny_bundle, demo_data, steps=10, average_from=5, snapshot_every=5, imitation_seeds=2)
    summary = imitate(soup, episodes, np.array([0, 1]), tmp_path / "soup.zip", progress=False)
    assert summary["averaged_snapshots"] == 4 and summary["imitation_seeds"] == 2 and len(summary["histories"]) == 2
    averaged = load_policy(tmp_path / "soup.zip").policy.state_dict()
    name = "action_net.weight"
    assert not torch.allclose(policies["first"][name], policies["second"][name])  # the clonings differ ...
    for key, value in averaged.items():  # ... and the soup is their mean (each the mean of its own two snapshots)
        if value.is_floating_point():
            torch.testing.assert_close(value, (policies["first"][key] + policies["second"][key]) / 2)


def _outcome_bundle(tmp_path, tiny_bundle):  # noqa: F811
    """The tiny bundle with initial states that carry random simulator states and an outcome model whose verdicts
    depend on the actions taken (random weights)."""
    from dreamgym.dream.simulator import LearnedSimulator
    from dreamgym.reward.outcome import OutcomeModel, OutcomeModelConfig

    simulator = LearnedSimulator.load(tiny_bundle, check_rendering=False)
    torch.manual_seed(3)
    outcome = OutcomeModel(OutcomeModelConfig(episode_decisions=6, hidden=8, members=1)).eval()
    with torch.no_grad():
        outcome.members[0][-1].weight.mul_(40.0)  # verdicts spread over (0, 1), not all near one half
    initial = simulator.initial_states
    states = torch.randn(*initial.frames.shape[:2], 39)
    replace(simulator, initial_states=replace(initial, states=states), outcome_model=outcome).save(tmp_path / "outcome-bundle")
    return tmp_path / "outcome-bundle"


def test_outcome_probabilities_reproduce_the_dreams_verdicts_and_a_threshold_keeps_the_confident_successes(
        tmp_path, tiny_bundle, demo_data):  # noqa: F811
    bundle = _outcome_bundle(tmp_path, tiny_bundle)
    config = _config(tmp_path, bundle, demo_data, rounds=2, num_envs=8, start_decisions=(0, 1), success_signal="outcome",
                     steps=4, average_from=2, snapshot_every=2)
    config.out_dir.mkdir()
    episodes = collect_imagined_episodes(config, progress=False)
    probability = outcome_probabilities(config, episodes)
    assert probability.shape == (16,) and 0 < episodes["success"].sum() < 16, probability
    np.testing.assert_array_equal(probability >= 0.5, episodes["success"])  # the dream's own verdicts, recomputed
    threshold = float(np.sort(probability[episodes["success"]])[1] + 1e-6)  # drops the two least confident successes
    strict = replace(config, success_threshold=threshold)
    summary = refine_by_imitation(strict, progress=False)
    assert summary["passes"][0]["successes_at_threshold"] == int(episodes["success"].sum()) - 2
    assert summary["passes"][0]["success_threshold"] == threshold
    assert summary["kept_episodes"] == int(episodes["success"].sum()) - 2
    tampered = dict(episodes, success=~episodes["success"])
    with pytest.raises(ValueError, match="disagree with the outcome model"):
        outcome_probabilities(config, tampered)
    with pytest.raises(ValueError, match="hold no starts"):
        outcome_probabilities(config, {k: v for k, v in episodes.items() if not k.startswith("start_")})
