"""Counterfactual branches, the goal marker, rendering checks and the decision-fidelity measurements."""

import json

import numpy as np
import pytest
import torch

from dreamgym.bundle import BundleError, Manifest, read_manifest
from dreamgym.data.branches import PERTURBATIONS, Branch
from dreamgym.decision_fidelity import Trial, fired_frames, imagine_trials, outcome_summary, trial_record
from dreamgym.tasks import CameraConfig, GoalMarker, RenderingConfig, get_task

BASE_ACTION = np.array([0.3, -0.4, -0.5, 0.7], np.float32)


@pytest.mark.parametrize(
    "branch, expected",
    [
        (Branch("stop", 2), [0.0, 0.0, 0.0, 0.7]),
        (Branch("slow", 2), [0.15, -0.2, -0.25, 0.7]),
        (Branch("weak_grip", 2), [0.3, -0.4, -0.5, 0.2]),
        (Branch("release", 2), [0.3, -0.4, -0.5, -1.0]),
        (Branch("lift", 2), [0.3, -0.4, 0.1, 0.7]),
        (Branch("lateral", 2, lateral=0.9), [1.0, -0.4, -0.5, 0.7]),  # 0.3 + 0.9 clipped to 1
        (Branch("pull", 2), [0.3, -1.0, -0.6, 0.7]),
    ],
)
def test_branch_changes_actions_only_from_its_decision(branch, expected):
    np.testing.assert_array_equal(branch.apply(BASE_ACTION, 1), BASE_ACTION)
    np.testing.assert_allclose(branch.apply(BASE_ACTION, 2), expected, atol=1e-6)
    np.testing.assert_allclose(branch.apply(BASE_ACTION, 40), expected, atol=1e-6)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"kind": "teleport", "at": 3}, "kind must be one of"),
        ({"kind": "stop", "at": -1}, "integer >= 0"),
        ({"kind": "stop", "at": 2.5}, "integer >= 0"),
        ({"kind": "stop", "at": True}, "integer >= 0"),
        ({"kind": "lateral", "at": 3, "lateral": float("nan")}, "finite"),
        ({"kind": "release", "at": 3, "duration": -1}, "duration must be an integer >= 0"),
        ({"kind": "release", "at": 3, "duration": 1.5}, "duration must be an integer >= 0"),
    ],
)
def test_bad_branches_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Branch(**kwargs)


def test_drawn_branches_are_reproducible_and_cover_every_kind():
    draws = [Branch.draw(np.random.default_rng(seed), (4, 30)) for seed in range(200)]
    assert draws == [Branch.draw(np.random.default_rng(seed), (4, 30)) for seed in range(200)]
    assert {b.kind for b in draws} == set(PERTURBATIONS)
    assert all(4 <= b.at <= 30 for b in draws)
    lateral = [b.lateral for b in draws if b.kind == "lateral"]
    assert all(0.2 <= abs(v) <= 1.2 for v in lateral) and min(lateral) < 0 < max(lateral)


def test_a_branch_with_a_duration_gives_control_back_to_the_base_policy():
    slip = Branch("release", 5, duration=2)
    assert [slip.apply(BASE_ACTION, d)[3] for d in range(4, 9)] == pytest.approx([0.7, -1.0, -1.0, 0.7, 0.7])


def test_drawn_branches_keep_the_old_draws_and_can_be_restricted():
    """The default draw consumes the generator exactly as before durations existed (recorded datasets
    regenerate identically): the same kind, decision and bias, and no duration."""
    for seed in range(50):
        rng = np.random.default_rng(seed)
        kind = PERTURBATIONS[int(rng.integers(len(PERTURBATIONS)))]
        at = int(rng.integers(4, 31))
        drawn = Branch.draw(np.random.default_rng(seed), (4, 30))
        assert (drawn.kind, drawn.at, drawn.duration) == (kind, at, 0)
    slips = [Branch.draw(np.random.default_rng(seed), (16, 26), ("release",), (1, 3)) for seed in range(100)]
    assert {b.kind for b in slips} == {"release"}
    assert {b.duration for b in slips} == {1, 2, 3} and all(16 <= b.at <= 26 for b in slips)
    with pytest.raises(ValueError, match="subset of"):
        Branch.draw(np.random.default_rng(0), (4, 30), ("release", "teleport"))


def _trial(success, start=3, steps=8):
    return Trial(group="branch", kind="stop", base="expert", start=start, reset_seed=1,
                 frames=np.zeros((steps + 1, 3, 8, 8), np.uint8), actions=np.zeros((steps, 4), np.float32),
                 success=np.array(success, bool), final_distance=0.1)


def test_trial_record_reads_outcomes_and_drift():
    trial = _trial([0, 0, 0, 0, 0, 0, 1, 1, 0])
    assert not trial.decided_before_start and trial.real_outcome
    trial.dream = {"success_probability": np.array([0.1, 0.2, 0.3, 0.95, 0.1]),
                   "real_frames_success_probability": np.array([0.0, 0.0, 0.97, 0.99, 0.0]),
                   "psnr": np.array([30.0, 25.0, 19.0, 15.0, 14.0])}
    record = trial_record(trial, threshold=0.9, drift_psnr=20.0)
    assert record["real_success"] and record["dream_success"] and record["classifier_on_real_frames"]
    assert record["first_success_real"] == 6 and record["first_success_dream"] == 7
    assert record["first_drift_decision"] == 6  # third imagined frame, after decision start=3
    assert _trial([0, 0, 1, 0, 0, 0, 0, 0, 0]).decided_before_start


def test_success_frames_needs_the_classifier_to_fire_on_frames_in_a_row():
    probabilities = np.array([0.95, 0.1, 0.92, 0.97, 0.99, 0.2])
    assert fired_frames(probabilities, 0.9).tolist() == [0, 2, 3, 4]
    assert fired_frames(probabilities, 0.9, success_frames=2).tolist() == [3, 4]
    assert fired_frames(probabilities, 0.9, success_frames=3).tolist() == [4]
    assert fired_frames(probabilities, 0.9, success_frames=4).size == 0
    with pytest.raises(ValueError, match="success_frames must be an integer >= 1"):
        fired_frames(probabilities, 0.9, success_frames=0)

    trial = _trial([0, 0, 0, 0, 0, 0, 1, 1, 0])  # real success at decision 6
    trial.dream = {"success_probability": np.array([0.95, 0.2, 0.91, 0.93, 0.1]),
                   "real_frames_success_probability": np.array([0.0, 0.0, 0.97, 0.1, 0.0]),
                   "psnr": np.full(5, 30.0)}
    single = trial_record(trial, threshold=0.9, drift_psnr=20.0)
    assert single["first_success_dream"] == 4 and single["classifier_on_real_frames"]
    double = trial_record(trial, threshold=0.9, drift_psnr=20.0, success_frames=2)
    assert double["dream_success"] and double["first_success_dream"] == 7  # frames 2 and 3 in a row
    assert not double["classifier_on_real_frames"]  # a single real frame fired


def test_outcome_summary_counts_hallucinations_and_misses():
    def record(real, dream, on_real, drift=None):
        return {"real_success": real, "dream_success": dream, "classifier_on_real_frames": on_real,
                "first_drift_decision": drift, "start": 3}

    records = [record(False, True, False, 10), record(False, False, False), record(False, False, True),
               record(True, True, True, 7), record(True, False, True)]
    summary = outcome_summary(records)
    assert summary["trials"] == 5 and summary["real_failures"] == 3 and summary["real_successes"] == 2
    assert summary["hallucinated"] == 1 and summary["hallucination_rate"] == round(1 / 3, 4)
    assert summary["missed"] == 1 and summary["missed_rate"] == 0.5
    assert summary["agreement"] == 0.6 and summary["classifier_on_real_frames_agreement"] == 0.8
    assert summary["median_steps_to_drift"] == 5.5
    assert outcome_summary([])["agreement"] is None


def test_imagine_trials_scores_every_imagined_frame():
    from dreamgym.dream.initial_states import InitialStates
    from dreamgym.dream.simulator import LearnedSimulator
    from dreamgym.reward.classifier import RewardClassifier, RewardClassifierConfig
    from dreamgym.world_model.denoiser import Denoiser, DenoiserConfig
    from dreamgym.world_model.sampler import SamplerConfig

    torch.manual_seed(0)
    size = 16
    simulator = LearnedSimulator(
        Manifest(tasks=["toy"], image_size=size, action_repeat=3, episode_steps=8, camera=CameraConfig().to_dict()),
        Denoiser(DenoiserConfig(image_size=size, channels=(16, 16))).eval(),
        RewardClassifier(RewardClassifierConfig(image_size=size, channels=(8, 8))).eval(),
        InitialStates(torch.zeros(2, 6, 3, size, size, dtype=torch.uint8), torch.zeros(2, 5, 4)),
        SamplerConfig(num_steps=1),
    )
    rng = np.random.default_rng(0)
    trials = []
    for start in (3, 3, 5):
        trial = _trial([0] * 9, start=start)
        trial.frames = rng.integers(0, 256, (9, 3, size, size), dtype=np.uint8)
        trial.actions = rng.uniform(-1, 1, (8, 4)).astype(np.float32)
        trials.append(trial)
    imagine_trials(simulator, trials, seed=0)
    for trial in trials:
        imagined = 8 - trial.start
        assert trial.dream["success_probability"].shape == (imagined,)
        assert trial.dream["psnr"].shape == (imagined,) and np.isfinite(trial.dream["psnr"]).all()
        assert trial.dream["last_imagined_frame"].shape == (3, size, size)
    with pytest.raises(ValueError, match="fewer than 4 real context frames"):
        imagine_trials(simulator, [_trial([0] * 9, start=2)])


def test_rendering_round_trips_and_rejects_bad_input():
    rendering = get_task("coffee-pull").rendering
    assert rendering.goal_marker == GoalMarker("mug_goal", 0.07)
    assert RenderingConfig.from_dict(rendering.to_dict()) == rendering
    assert RenderingConfig.from_dict(None) == RenderingConfig()
    with pytest.raises(ValueError, match="key 'goal_marker' and optionally 'body_colors'"):
        RenderingConfig.from_dict({"goal_marker": None, "shadows": True})
    with pytest.raises(ValueError, match="key 'goal_marker' and optionally 'body_colors'"):
        RenderingConfig.from_dict({"body_colors": []})
    with pytest.raises(ValueError, match="radius"):
        GoalMarker("mug_goal", radius=0.0)


def _manifest_dict(**overrides):
    values = dict(tasks=["coffee-pull"], image_size=64, action_repeat=3, episode_steps=50, camera=CameraConfig().to_dict(),
                  rendering=get_task("coffee-pull").rendering.to_dict(), format_version=2,
                  components={"world_model": "world_model"}, action_dim=4, context_frames=4)
    values.update(overrides)
    return {k: v for k, v in values.items() if v is not ...}


def _write_manifest(folder, data):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "manifest.json").write_text(json.dumps(data))
    return folder


def test_manifest_versions_and_rendering_check(tmp_path):
    current = read_manifest(_write_manifest(tmp_path / "v2", _manifest_dict()))
    current.check_rendering_matches_tasks()
    legacy = read_manifest(_write_manifest(tmp_path / "v1", _manifest_dict(format_version=1, rendering=...)))
    assert legacy.rendering_config() == RenderingConfig() and legacy.rendering == {"goal_marker": None}
    with pytest.raises(BundleError, match=r"1 cm sphere.*disc of radius 0.07 m.*check_rendering=False"):
        legacy.check_rendering_matches_tasks()
    # a task dreamgym does not know is not checked
    read_manifest(_write_manifest(tmp_path / "own", _manifest_dict(tasks=["my-task"], rendering=None))).check_rendering_matches_tasks()
    with pytest.raises(BundleError, match="missing key 'rendering'"):
        read_manifest(_write_manifest(tmp_path / "bad", _manifest_dict(rendering=...)))
    with pytest.raises(BundleError, match=r"format_version '1' is not supported"):
        read_manifest(_write_manifest(tmp_path / "str", _manifest_dict(format_version="1")))
    with pytest.raises(BundleError, match="invalid 'rendering'"):
        read_manifest(_write_manifest(tmp_path / "junk", _manifest_dict(rendering={"goal_marker": {"site": "x"}})))


@pytest.mark.metaworld
def test_looking_up_an_unknown_task_leaves_rendering_working():
    """get_task lists Meta-World's tasks for its error; that import must not start mujoco without a GL backend."""
    import subprocess
    import sys

    script = (
        "from dreamgym.tasks import get_task\n"
        "try:\n    get_task('my-task')\nexcept ValueError:\n    pass\n"
        "from dreamgym.real import MetaWorldPixelEnv\n"
        "env = MetaWorldPixelEnv('coffee-pull'); frame, _ = env.reset(seed=0); env.close(); print(int(frame.max()))"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and int(done.stdout.split()[-1]) > 0, done.stderr[-2000:]


@pytest.mark.metaworld
def test_goal_marker_changes_pixels_not_physics():
    from dreamgym.decision_fidelity import record_real_trial
    from dreamgym.real import MetaWorldPixelEnv, ScriptedExpert

    expert = ScriptedExpert("coffee-pull")
    trials = {}
    for name, rendering in (("disc", None), ("sphere", RenderingConfig())):
        env = MetaWorldPixelEnv("coffee-pull", episode_steps=30, rendering=rendering)
        assert env.rendering == (rendering or get_task("coffee-pull").rendering)
        states = []

        def act(frame, info, decision, states=states):
            states.append(info["state"])
            return expert(info["state"])

        trial = record_real_trial(env, act, 1_900_000_000, group="t", kind="t", base="expert", start=3)
        trials[name] = (trial, np.stack(states))
        env.close()
    (disc, disc_states), (sphere, sphere_states) = trials["disc"], trials["sphere"]
    np.testing.assert_array_equal(disc_states, sphere_states)  # identical physics, step for step
    np.testing.assert_array_equal(disc.success, sphere.success)
    differing = (disc.frames[0] != sphere.frames[0]).any(axis=0).sum()
    assert 40 <= differing <= 200, differing  # the disc, ~14 x 11 px, instead of a 2-4 px dot


@pytest.mark.metaworld
def test_body_color_changes_pixels_not_physics():
    from dreamgym.decision_fidelity import record_real_trial
    from dreamgym.real import MetaWorldPixelEnv, ScriptedExpert
    from dreamgym.tasks import BodyColor

    expert = ScriptedExpert("coffee-pull")
    disc = GoalMarker("mug_goal", 0.07)
    runs = {}
    for name, rendering in (("white", RenderingConfig(disc)), ("yellow", RenderingConfig(disc, (BodyColor("mug", (1, 0.85, 0, 1)),)))):
        env = MetaWorldPixelEnv("coffee-pull", episode_steps=25, rendering=rendering)
        states = []

        def act(frame, info, decision, states=states):
            states.append(info["state"])
            return expert(info["state"])

        runs[name] = (record_real_trial(env, act, 1_900_000_002, group="t", kind="t", base="expert", start=3), np.stack(states))
        env.close()
    (white, white_states), (yellow, yellow_states) = runs["white"], runs["yellow"]
    np.testing.assert_array_equal(white_states, yellow_states)  # identical physics, step for step
    differing = (white.frames[0] != yellow.frames[0]).any(axis=0)
    assert 4 <= differing.sum() <= 60, differing.sum()  # the mug: a few pixels at 64x64
    red, green, blue = yellow.frames[0][:, differing].astype(int)
    assert (red - blue).mean() > 80 and (green - blue).mean() > 50  # drawn yellow where it was white
    with pytest.raises(ValueError, match=r"Body colour names body 'cup', which is not in this Meta-World model; its bodies are \["):
        MetaWorldPixelEnv("coffee-pull", rendering=RenderingConfig(disc, (BodyColor("cup", (1, 1, 0, 1)),)))


@pytest.mark.metaworld
def test_a_branch_is_a_prefix_replay():
    from dreamgym.decision_fidelity import branch_act, expert_act, record_real_trial
    from dreamgym.real import MetaWorldPixelEnv, ScriptedExpert

    env = MetaWorldPixelEnv("coffee-pull", episode_steps=20)
    act = expert_act(ScriptedExpert("coffee-pull"))
    labels = dict(group="t", kind="t", base="expert", start=3)
    plain = record_real_trial(env, act, 1_900_000_001, **labels)
    branched = record_real_trial(env, branch_act(act, Branch("release", 8)), 1_900_000_001, **labels)
    env.close()
    np.testing.assert_array_equal(plain.frames[:9], branched.frames[:9])
    np.testing.assert_array_equal(plain.actions[:8], branched.actions[:8])
    assert (branched.actions[8:, 3] == -1).all() and not (plain.actions[8:, 3] == -1).all()


@pytest.mark.metaworld
def test_collect_records_branches_with_their_description(tmp_path):
    from dreamgym.data.collect import CollectConfig, collect
    from dreamgym.data.episode import episode_paths, load_episode

    config = CollectConfig(task="coffee-pull", out_dir=tmp_path, num_expert=0, num_noisy_expert=0, num_random=0,
                           num_branch=3, episode_steps=12, branch_at_range=(4, 8))
    collect(config, progress=False)
    episodes = [load_episode(p) for p in episode_paths(tmp_path)]
    assert [e.meta["source"] for e in episodes] == ["branch"] * 3
    for episode in episodes:
        branch = episode.meta["branch"]
        assert branch["base"] == "expert" and branch["kind"] in PERTURBATIONS and 4 <= branch["at"] <= 8
        assert episode.meta["rendering"] == get_task("coffee-pull").rendering.to_dict()
    with pytest.raises(ValueError, match="branch_at_range"):
        CollectConfig(task="coffee-pull", out_dir=tmp_path, num_branch=1, branch_at_range=(10, 60))
    CollectConfig(task="coffee-pull", out_dir=tmp_path, episode_steps=12)  # the range matters only with branches


@pytest.mark.metaworld
def test_collect_cli_records_short_branches_of_the_chosen_kinds(tmp_path, capsys):
    from dreamgym import cli
    from dreamgym.data.episode import episode_paths, load_episode

    code = cli.main(["collect", "--out", str(tmp_path), "--expert", "0", "--noisy-expert", "0", "--random", "0",
                     "--branch", "2", "--steps", "12", "--branch-at", "4", "6", "--branch-kinds", "release",
                     "--branch-duration", "1", "2", "--no-progress"])
    assert code == 0, capsys.readouterr().err
    episodes = [load_episode(p) for p in episode_paths(tmp_path)]
    assert len(episodes) == 2
    for episode in episodes:
        branch = episode.meta["branch"]
        assert branch["kind"] == "release" and 4 <= branch["at"] <= 6 and 1 <= branch["duration"] <= 2
        np.testing.assert_array_equal(episode.actions[branch["at"] : branch["at"] + branch["duration"], 3], -1.0)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"branch_kinds": ("release", "teleport")}, r"branch_kinds \(--branch-kinds\)"),
        ({"branch_kinds": ("release", "release")}, "distinct"),
        ({"branch_kinds": ()}, "branch_kinds"),
        ({"branch_kinds": "release"}, "tuple of perturbation names"),
        ({"branch_duration_range": (0, 2)}, r"branch_duration_range \(--branch-duration\)"),
        ({"branch_duration_range": (3, 1)}, "fewest <= most"),
    ],
)
def test_collect_config_refuses_bad_branch_settings(tmp_path, kwargs, message):
    from dreamgym.data.collect import CollectConfig

    with pytest.raises(ValueError, match=message):
        CollectConfig(task="coffee-pull", out_dir=tmp_path, num_branch=1, **kwargs)


@pytest.mark.parametrize("k, span", [(0, 1), (2, 3), (4, 3)])
def test_confirm_trials_re_imagines_the_stretch_before_the_first_imagined_success(monkeypatch, k, span):
    """Frames value-coded by episode index (real t, imagined 100 + t): the confirmation gets the 4 frames
    before the stretch and the actions from the first of them up to the one that led to the success frame."""
    import dreamgym.dream.confirmation as confirmation_module
    from dreamgym.decision_fidelity import confirm_trials
    from dreamgym.dream.confirmation import SuccessConfirmation

    start, steps, threshold = 3, 10, 0.9
    trial = _trial([0] * (steps + 1), start=start, steps=steps)
    trial.frames = np.stack([np.full((3, 8, 8), t, np.uint8) for t in range(steps + 1)])
    trial.actions = np.arange(steps, dtype=np.float32)[:, None].repeat(4, 1)
    imagined = np.stack([np.full((3, 8, 8), 100 + start + 1 + j, np.uint8) for j in range(steps - start)])
    probability = np.zeros(steps - start)
    probability[k] = 0.95
    trial.dream = {"success_probability": probability, "imagined_frames": imagined}
    seen = {}

    def fake_confirm(simulator, context, actions, confirmation, sampler, generator=None):
        seen["context"], seen["actions"] = context[0, :, 0, 0, 0].tolist(), actions[0, :, 0].tolist()
        return torch.tensor([False])

    monkeypatch.setattr(confirmation_module, "confirm_success", fake_confirm)
    simulator = type("Sim", (), {"manifest": Manifest(tasks=["toy"], image_size=8, action_repeat=3, episode_steps=10, camera=CameraConfig().to_dict()),
                                 "reward_model": type("R", (), {"config": type("C", (), {"threshold": threshold})()})(),
                                 "world_model": torch.nn.Linear(1, 1), "sampler": None})()
    confirm_trials(simulator, [trial], SuccessConfirmation(rerolls=2, horizon=3))
    success_frame = start + 1 + k  # episode index of the imagined success frame
    first = success_frame - span - 3  # oldest context frame of the stretch
    expected = [t if t <= start else 100 + t for t in range(first, first + 4)]
    assert seen["context"] == expected
    assert seen["actions"] == list(range(first, success_frame))
    trial.dream.update(psnr=np.full(steps - start, 30.0), real_frames_success_probability=np.zeros(steps - start))
    record = trial_record(trial, threshold, drift_psnr=20.0)
    assert record["dream_success_unconfirmed"] and not record["dream_success"], "an unconfirmed success is no success"
