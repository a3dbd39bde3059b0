"""The counting of the closed-loop decision-fidelity benchmark (benchmarks/decision_fidelity/closed_loop.py)."""

from __future__ import annotations

import json

import pytest
from benchmark_scripts import load_script


@pytest.fixture(scope="module")
def closed_loop():
    return load_script("decision_fidelity/closed_loop.py")


def _trial(real, dream, decided=False):
    return {"reset_seed": 0, "decided_before_start": decided, "real_success": real, "dream_successes": dream}


def test_summary_counts_every_imagined_episode_against_its_layouts_real_outcome(closed_loop):
    trials = [
        _trial(False, [True, True]),   # a real failure imagined as success twice
        _trial(False, [False, True]),  # once
        _trial(True, [True, False]),   # a real success missed once
        _trial(True, [True, True]),
        _trial(True, [False, False], decided=True),  # succeeded before the dream starts: left out
    ]
    summary = closed_loop.summarize(trials)
    assert summary["layouts"] == 4 and summary["decided_before_start"] == 1 and summary["dream_seeds"] == 2
    assert (summary["real_failures"], summary["hallucinated_episodes"]) == (2, 3)
    assert (summary["real_successes"], summary["missed_episodes"]) == (2, 1)
    assert summary["hallucination_rate"] == pytest.approx(0.75)
    assert summary["missed_rate"] == pytest.approx(0.25)
    assert summary["agreement"] == pytest.approx(4 / 8)
    assert summary["real_success"] == 0.5 and summary["dream_success"] == pytest.approx(6 / 8)


def test_summary_without_real_failures_has_no_hallucination_rate(closed_loop):
    summary = closed_loop.summarize([_trial(True, [True]), _trial(True, [False])])
    assert summary["hallucination_rate"] is None and summary["missed_rate"] == 0.5


def test_table_lists_each_result_with_episode_counts(closed_loop, tmp_path):
    summary = closed_loop.summarize([_trial(False, [True, True]), _trial(True, [True, False])])
    result = {"label": "x", "bundle": "envs/coffee-pull", "sampler": "teacher", "denoising_steps": 10,
              "policy": "bc.zip", "start": 18, "summary": summary}
    (tmp_path / "closed-loop-x.json").write_text(json.dumps(result))
    table = closed_loop.write_table(tmp_path).read_text()
    assert "| x | envs/coffee-pull | teacher, 10 steps | bc.zip | 18 | 2 x 2 | 0.50 | 0.75 | 2 / 2 | 1 / 2 | 25% |" in table


    result["success_confirmation"] = {"rerolls": 1, "horizon": 47, "judge": "runs/judge"}
    (tmp_path / "closed-loop-x.json").write_text(json.dumps(result))
    table = closed_loop.write_table(tmp_path).read_text()
    assert "| teacher, 10 steps, successes confirmed by judge runs/judge (1 x 47 transitions) | bc.zip |" in table


@pytest.mark.parametrize("judge_fires", [True, False, None])
def test_imagined_successes_a_judge_rejects_count_as_failures(closed_loop, tmp_path, judge_fires):
    """The dream's classifier always fires; with a confirmation, the judge's decides what counts."""
    import numpy as np
    import torch

    from dreamgym.bundle import Manifest
    from dreamgym.dream.initial_states import InitialStates
    from dreamgym.dream.simulator import LearnedSimulator
    from dreamgym.reward.classifier import RewardClassifier, RewardClassifierConfig
    from dreamgym.tasks import CameraConfig
    from dreamgym.world_model.denoiser import Denoiser, DenoiserConfig
    from dreamgym.world_model.sampler import SamplerConfig

    size = 16
    torch.manual_seed(0)

    def simulator(fires):
        classifier = RewardClassifier(RewardClassifierConfig(image_size=size, channels=(8, 8))).eval()
        with torch.no_grad():
            classifier.head.bias.fill_(20.0 if fires else -20.0)
        manifest = Manifest(tasks=["toy"], image_size=size, action_repeat=3, episode_steps=8, camera=CameraConfig().to_dict())
        return LearnedSimulator(manifest, Denoiser(DenoiserConfig(image_size=size, channels=(16, 16))).eval(), classifier,
                                InitialStates(torch.zeros(2, 6, 3, size, size, dtype=torch.uint8), torch.zeros(2, 5, 4)),
                                SamplerConfig(num_steps=1))

    class StandStill:
        def predict(self, observations, deterministic=True):
            return np.zeros((len(observations), 4), np.float32), None

    frames = [np.zeros((3, size, size), np.uint8)] * 4
    trials = [{"frames": frames, "actions": np.zeros((3, 4), np.float32), "real_frames": frames, "real_actions": []}]
    confirmation = None if judge_fires is None else {
        "rerolls": 1, "horizon": 4, "judge": str(simulator(judge_fires).save(tmp_path / "judge"))}
    closed_loop.imagine(StandStill(), trials, simulator(True), dream_seeds=2, success_confirmation=confirmation)
    expected = judge_fires is not False
    assert trials[0]["dream_successes"] == [expected, expected]
    assert trials[0]["first_success_dream"] == ([4, 4] if expected else [None, None])


@pytest.fixture(scope="module")
def outcome_probe():
    return load_script("decision_fidelity/outcome_probe.py")


def test_outcome_probe_windows_stack_the_last_four_frames_of_their_own_episode(outcome_probe):
    import torch

    # two episodes of 3 and 5 frames, flat; every frame's pixels hold its flat index
    frames = torch.arange(8, dtype=torch.uint8).view(8, 1, 1, 1).expand(8, 3, 2, 2).contiguous()
    index = torch.tensor([[0, 0], [0, 2], [3, 1], [3, 4]])  # (episode start, frame in episode)
    stacked = outcome_probe.windows(frames, index)
    assert stacked.shape == (4, 12, 2, 2)
    firsts = stacked[:, ::3, 0, 0].tolist()  # channel 0 of each of the 4 frames in the window
    assert firsts == [[0, 0, 0, 0], [0, 0, 1, 2], [3, 3, 3, 4], [4, 5, 6, 7]]  # young windows repeat the first frame


def test_outcome_probe_auc(outcome_probe):
    assert outcome_probe.auc([0.9, 0.8], [0.1, 0.2]) == 1.0
    assert outcome_probe.auc([0.1], [0.9]) == 0.0
    assert outcome_probe.auc([0.5], [0.5]) == 0.5
    assert outcome_probe.auc([], [0.5]) is None




@pytest.fixture(scope="module")
def training_trend():
    return load_script("decision_fidelity/training_trend.py")


def test_training_trend_pools_the_three_seeds_and_reads_the_open_loop_groups(training_trend, tmp_path):
    (tmp_path / "closed_loop").mkdir()
    for seed, (failures, hallucinated, missed) in enumerate([(2, 3, 0), (1, 0, 1), (5, 6, 2)]):
        summary = {"real_failures": failures, "real_successes": 10 - failures, "dream_seeds": 2,
                   "hallucinated_episodes": hallucinated, "missed_episodes": missed}
        path = tmp_path / "closed_loop" / f"closed-loop-run-bc-seed{seed}-teacher.json"
        path.write_text(json.dumps({"summary": summary}))
    groups = {"policy_noise": {"hallucination_rate": 0.25}, "branches": {"agreement": 0.8}}
    (tmp_path / "results-run.json").write_text(json.dumps({"summary": groups}))
    point = training_trend.fidelity_point("run", folder=tmp_path)
    assert point["closed_loop_counts"] == {"hallucinated": 9, "failures": 16, "missed": 3, "successes": 44}
    assert point["closed_loop_hallucinated"] == pytest.approx(9 / 16)
    assert point["closed_loop_missed"] == pytest.approx(3 / 44)
    assert (point["noisy_bc_hallucinated"], point["branch_agreement"]) == (0.25, 0.8)
    with pytest.raises(FileNotFoundError, match="results-other.json"):
        (tmp_path / "closed_loop" / "closed-loop-other-bc-seed0-teacher.json").write_text(
            (tmp_path / "closed_loop" / "closed-loop-run-bc-seed0-teacher.json").read_text())
        for seed in (1, 2):
            (tmp_path / "closed_loop" / f"closed-loop-other-bc-seed{seed}-teacher.json").write_text(
                (tmp_path / "closed_loop" / f"closed-loop-run-bc-seed{seed}-teacher.json").read_text())
        training_trend.fidelity_point("other", folder=tmp_path)


@pytest.mark.parametrize("text", ["yellow", "yellow=", "=4000", "yellow=4k"])
def test_training_trend_refuses_a_run_without_its_steps(training_trend, text):
    with pytest.raises(ValueError, match="LABEL=STEPS"):
        training_trend.parse_run(text)
    assert training_trend.parse_run("yellow-4000=4000") == ("yellow-4000", 4000)
