"""The controls of the refinement benchmark: rewards shuffled among imagined worlds
(benchmarks/policy/null_reward_refine.py) and behaviour cloning continued without PPO
(benchmarks/policy/continued_bc.py)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from benchmark_scripts import load_script
from stable_baselines3.common.vec_env import DummyVecEnv
from test_policy import demo_data, start_model, tiny_bundle  # noqa: F401  (fixtures)

from dreamgym.policy.model import load_policy


def _module(name: str):
    return load_script(f"policy/{name}.py")


class _IndexedRewards(DummyVecEnv):
    """Environment i always earns reward i, so a permutation shows in the rewards returned."""

    def step_wait(self):
        observations, _, dones, infos = super().step_wait()
        return observations, np.arange(self.num_envs, dtype=np.float32), dones, infos


def test_shuffled_rewards_keep_every_reward_but_not_its_world():
    import gymnasium as gym

    shuffled = _module("null_reward_refine").ShuffledRewards(
        _IndexedRewards([lambda: gym.make("CartPole-v1")] * 6), seed=0)
    shuffled.reset()
    orders = []
    for _ in range(5):
        _, rewards, _, _ = shuffled.step(np.zeros(6, dtype=np.int64))
        assert sorted(rewards.tolist()) == list(range(6))  # the same rewards ...
        orders.append(rewards.tolist())
    assert any(order != list(range(6)) for order in orders)  # ... given to other worlds


def test_continued_bc_fits_the_demonstrations_better_and_averages_its_snapshots(tmp_path, demo_data):  # noqa: F811
    from dreamgym.data.episode import load_episodes
    from dreamgym.policy.bc import action_nll, demonstration_pairs

    start = start_model(tmp_path, -1.0)
    summary = _module("continued_bc").continue_bc(start, tmp_path / "continued", demo_data, steps=30, save_at=[10, 30],
                                                  learning_rate=1e-3, batch_size=16, coef=1.0, seed=0)
    frames, actions = demonstration_pairs(load_episodes(demo_data / "coffee-pull"))
    with torch.no_grad():
        before = action_nll(load_policy(start).policy, frames, actions)[0].item()
        after = action_nll(load_policy(tmp_path / "continued" / "final.zip").policy, frames, actions)[0].item()
    assert after < before - 0.5, (before, after)
    snapshots = [load_policy(tmp_path / "continued" / f"step_{s:04d}.zip").policy.log_std for s in (10, 30)]
    averaged = load_policy(tmp_path / "continued" / "averaged.zip").policy.log_std
    torch.testing.assert_close(averaged, (snapshots[0] + snapshots[1]) / 2)
    assert json.loads((tmp_path / "continued" / "summary.json").read_text())["steps"] == summary["steps"] == 30


def _evaluation(path: Path, successes: list[int]) -> None:
    episodes = [{"reset_seed": k, "success": bool(s), "first_success_step": 20 if s else None} for k, s in enumerate(successes)]
    path.write_text(json.dumps({"real": {"per_seed": [{"episodes": episodes}]}}))


def _report_folder(tmp_path: Path, bc_successes: list[int]) -> Path:
    """A ``dream-filtered-bc`` results folder beside a ``gpu-scale`` one holding BC policy ``b1``'s evaluation."""
    folder, scale = tmp_path / "dream-filtered-bc", tmp_path / "gpu-scale"
    folder.mkdir()
    scale.mkdir()
    _evaluation(scale / "cpu-confirm-bc-b1.json", bc_successes)
    return folder


def _confirmation_run(folder: Path, name: str, successes: list[int]) -> None:
    _evaluation(folder / f"cpu-confirm-{name}.json", successes)
    history = [{"dream_success_rate": 0.5, "dream_confirmed_success_rate": 0.2}] * 2
    (folder / f"cpu-history-confirm-{name}.json").write_text(json.dumps(history))


def test_confirmation_report_pairs_each_run_with_its_bc_and_its_null(tmp_path):
    report = _module("gpu_scale_report")
    _evaluation(tmp_path / "cpu-confirm-bc-aa.json", [1, 1, 0, 0, 0, 1])
    _confirmation_run(tmp_path, "aa-4-20-5-it12-ppo0-refine", [1, 0, 1, 1, 0, 1])
    _confirmation_run(tmp_path, "aa-4-20-5-it12-ppo0-null", [1, 0, 0, 1, 0, 0])
    _evaluation(tmp_path / "cpu-confirm-bc-bb.json", [0, 0, 0, 0, 0, 0])
    _confirmation_run(tmp_path, "bb-4-20-5-it12-ppo0-refine", [1, 0, 0, 0, 0, 0])  # no null for this BC
    _confirmation_run(tmp_path, "aa-4-20-5-it12-ppo1-refine", [1, 1, 1, 0, 0, 1])  # another PPO seed
    rows = {(r["bc"], r["ppo"], r["kind"]): r for r in report.confirmation_rows(tmp_path)}

    refine = rows[("aa", "0", "refine")]
    assert (refine["gained"], refine["lost"]) == (2, 1)
    assert refine["shared_with_null"] == 2  # layouts 1 (lost) and 3 (gained) changed the same way in the null
    assert (refine["above_null"], refine["below_null"]) == (2, 0)  # layouts 2 and 5 solved only by the run
    assert (rows[("aa", "0", "null")]["gained"], rows[("aa", "0", "null")]["lost"]) == (1, 2)
    assert "above_null" not in rows[("bb", "0", "refine")]

    over_bcs = rows[("all (aa, bb)", "0", "refine")]  # PPO seed 0 over both BC policies
    assert (over_bcs["layouts"], over_bcs["gained"], over_bcs["lost"]) == (12, 3, 1)
    assert "above_null" not in over_bcs  # one of its runs has no null to compare with
    over_seeds = rows[("aa", "all (0, 1)", "refine")]  # BC aa over its two PPO seeds
    assert (over_seeds["layouts"], over_seeds["gained"], over_seeds["lost"]) == (12, 3, 1)
    assert not any(key[0].startswith("all") and key[1] == "1" for key in rows)  # a single run is not pooled
    table = report.confirmation_markdown(list(report.confirmation_rows(tmp_path)))
    assert "| aa | 4,20,5 | 12 | 0 | dream | last checkpoint | 0.500 | 0.667 | +16.7 | 2 / 1 |" in table and "2 / 0 (0.5) |" in table
    assert "| all (aa, bb) | 4,20,5 | 12 | 0 | dream | last checkpoint | 0.250 | 0.417 | +16.7 | 3 / 1 | 0.62 |  |  |  |  |" in table


def test_confirmation_report_keeps_halfway_policies_apart_and_pairs_them_with_halfway_nulls(tmp_path):
    report = _module("gpu_scale_report")
    _evaluation(tmp_path / "cpu-confirm-bc-aa.json", [1, 1, 0, 0])
    _confirmation_run(tmp_path, "aa-4-20-5-it12-ppo0-refine", [1, 0, 1, 1])
    _confirmation_run(tmp_path, "aa-4-20-5-it12-ppo0-null", [0, 0, 0, 0])
    _evaluation(tmp_path / "cpu-confirm-aa-4-20-5-it12-ppo0-refine-half.json", [1, 1, 1, 0])  # the run's history serves
    _evaluation(tmp_path / "cpu-confirm-aa-4-20-5-it12-ppo0-null-half.json", [1, 1, 0, 0])
    rows = {(r["kind"], r["policy"]): r for r in report.confirmation_rows(tmp_path)}

    assert set(rows) == {("refine", "last"), ("null", "last"), ("refine", "half"), ("null", "half")}  # nothing pooled
    assert (rows[("refine", "half")]["gained"], rows[("refine", "half")]["lost"]) == (1, 0)
    assert (rows[("refine", "half")]["above_null"], rows[("refine", "half")]["below_null"]) == (1, 0)  # its own null
    assert (rows[("refine", "last")]["above_null"], rows[("refine", "last")]["below_null"]) == (3, 0)
    assert "| aa | 4,20,5 | 12 | 0 | dream | halfway to BC | 0.500 | 0.750 | +25.0 | 1 / 0 |" in report.confirmation_markdown(
        list(rows.values()))


def test_confirmation_report_refuses_runs_on_other_layouts_than_their_bc(tmp_path):
    report = _module("gpu_scale_report")
    _evaluation(tmp_path / "cpu-confirm-bc-aa.json", [1, 0, 1])
    _confirmation_run(tmp_path, "aa-4-20-5-it12-ppo0-refine", [1, 0])
    with pytest.raises(ValueError, match="cpu-confirm-aa-4-20-5-it12-ppo0-refine.json was evaluated on other layouts"):
        report.confirmation_rows(tmp_path)


def test_filtered_bc_null_keeps_as_many_episodes_without_looking_at_the_outcome():
    select = _module("dream_filtered_bc").select_episodes
    success = np.array([True, False, False, True, False, False, False, True])
    assert select(success, "success", seed=0).tolist() == [0, 3, 7]
    draws = [select(success, "random", seed=seed) for seed in range(20)]
    assert all(len(draw) == 3 and len(set(draw.tolist())) == 3 for draw in draws)
    assert any(not success[draw].all() for draw in draws)  # the null keeps failures too



def test_filtered_bc_benchmark_runs_the_filter_and_its_null_on_the_same_imagined_episodes(tmp_path, tiny_bundle, demo_data):  # noqa: F811
    from dreamgym.policy.dream_imitation import DreamImitationConfig

    module = _module("dream_filtered_bc")
    config = DreamImitationConfig(bc_model=start_model(tmp_path, -1.0), out_dir=tmp_path / "run", bundle=tiny_bundle,
                                  rounds=2, num_envs=4, success_confirmation={"rerolls": 1, "horizon": 2},
                                  steps=4, average_from=2, snapshot_every=2, data_dir=demo_data,
                                  success_signal="classifier", group_size=1, imitation_seeds=1)  # the benchmark's settings
    success, null = module.run(config, ("success", "random"), progress=False)
    assert success["kept_episodes"] == null["kept_episodes"] == success["confirmed_successes"]
    assert success["kept_confirmed_successes"] == success["kept_episodes"]
    assert load_policy(tmp_path / "run" / "random" / "policy.zip") is not None
    with pytest.raises(ValueError, match="--selection"):
        module.run(config, ("best",), progress=False)
    # the filtered arm is what `dreamgym refine` (filtered-bc) writes from the same settings
    from dreamgym.policy.dream_imitation import refine_by_imitation

    shipped = DreamImitationConfig(**{**config.to_dict(), "out_dir": tmp_path / "refine"})
    refine_by_imitation(shipped, progress=False)
    arm = load_policy(tmp_path / "run" / "success" / "policy.zip").policy.state_dict()
    refined = load_policy(tmp_path / "refine" / "filtered.zip").policy.state_dict()
    assert arm.keys() == refined.keys() and all(torch.equal(arm[k], refined[k]) for k in arm)


def test_filtered_bc_report_pairs_each_arm_with_bc_and_its_null(tmp_path):
    folder = _report_folder(tmp_path, bc_successes=[1, 0, 0, 1])
    _evaluation(folder / "real-b1-s0-success.json", [1, 1, 1, 0])
    _evaluation(folder / "real-b1-s0-random.json", [1, 0, 1, 1])
    _evaluation(folder / "halfway-b1-s0-success.json", [1, 1, 0, 1])
    (folder / "summary-b1-s0-success.json").write_text(json.dumps(
        {"confirmed_successes": 3, "imagined_episodes": 8, "kept_episodes": 3, "kept_pairs": 40}))
    rows = _module("dream_filtered_bc_report").rows(folder)
    assert len(rows) == 1
    row = rows[0]
    assert (row["bc"], row["filtered"], row["null"], row["halfway"]) == (2, 3, 3, 3)
    assert row["filtered_vs_bc"] == (2, 1) and row["null_vs_bc"] == (1, 0) and row["filtered_vs_null"] == (1, 1)
    assert row["halfway_vs_bc"] == (1, 0) and row["dream"] == "3/8" and row["pairs"] == "episode"


def test_pooled_filtered_bc_imitates_every_runs_confirmed_successes_from_bc(tmp_path, tiny_bundle, demo_data):  # noqa: F811
    from dreamgym.policy.dream_imitation import DreamImitationConfig, collect_imagined_episodes

    bc = start_model(tmp_path, -1.0)
    runs, confirmed = [tmp_path / "round1", tmp_path / "round2"], 0
    for seed, run in enumerate(runs):
        config = DreamImitationConfig(bc_model=bc, out_dir=run, bundle=tiny_bundle, rounds=1, num_envs=4, seed=seed,
                                      success_confirmation={"rerolls": 1, "horizon": 2}, data_dir=demo_data,
                                      success_signal="classifier", group_size=1)
        confirmed += int(collect_imagined_episodes(config, progress=False)["success"].sum())
    assert confirmed > 0
    module = _module("dream_filtered_bc_pooled")
    assert module.main(["--bc-model", str(bc), "--runs", *map(str, runs), "--out", str(tmp_path / "pooled"),
                        "--steps", "4", "--data", str(demo_data), "--no-progress"]) == 0
    summary = json.loads((tmp_path / "pooled" / "summary.json").read_text())
    assert summary["imagined_episodes"] == 8 and summary["kept_episodes"] == summary["kept_confirmed_successes"] == confirmed
    assert summary["config"]["bc_model"] == str(bc) and load_policy(tmp_path / "pooled" / "policy.zip") is not None
    with pytest.raises(SystemExit):
        module.main(["--bc-model", str(bc), "--runs", str(tmp_path / "missing"), "--out", str(tmp_path / "x")])
    assert module.main(["--bc-model", str(bc), "--runs", *map(str, runs), "--out", str(tmp_path / "null"), "--steps", "4",
                        "--data", str(demo_data), "--selection", "random", "--no-progress"]) == 0
    null = json.loads((tmp_path / "null" / "summary.json").read_text())
    assert null["selection"] == "random" and null["kept_episodes"] == confirmed


def test_filtered_bc_report_puts_pooled_rounds_next_to_the_chain_they_pool(tmp_path):
    folder = _report_folder(tmp_path, bc_successes=[1, 0, 0, 1])
    _evaluation(folder / "round2-real-b1-s0-late-success.json", [1, 1, 0, 0])
    _evaluation(folder / "round2-halfway-b1-s0-late-success.json", [1, 1, 0, 1])
    _evaluation(folder / "pooled-real-b1-s0-late.json", [1, 1, 1, 1])
    report = _module("dream_filtered_bc_report")
    assert report.pooled_markdown(folder) == ""  # the pooled halfway is not evaluated yet
    _evaluation(folder / "pooled-halfway-b1-s0-late.json", [1, 0, 1, 1])
    (folder / "pooled-summary-b1-s0-late.json").write_text(json.dumps({"kept_episodes": 5, "imagined_episodes": 16}))
    row = report.pooled_markdown(folder).strip().splitlines()[-1]
    assert row == ("| b1 seed 0 | 0.500 | 0.500 (+0.0) | 1.000 (+50.0) | 2 / 0 (p=0.50) | 5/16 | 0.750 (+25.0) "
                   "| 0.750 (+25.0) |")


def test_filtered_bc_report_puts_one_pass_on_both_seeds_next_to_each_seed(tmp_path):
    folder = _report_folder(tmp_path, bc_successes=[1, 0, 0, 0])
    for seed, (filtered, halfway) in enumerate((([1, 1, 0, 0], [1, 0, 0, 0]), ([1, 1, 1, 0], [1, 1, 0, 0]))):
        _evaluation(folder / f"real-b1-s{seed}-late-success.json", filtered)
        _evaluation(folder / f"halfway-b1-s{seed}-late-success.json", halfway)
    _evaluation(folder / "seeds01-real-b1-late.json", [1, 1, 1, 1])
    report = _module("dream_filtered_bc_report")
    assert report.seeds01_markdown(folder) == ""  # its halfway is not evaluated yet
    _evaluation(folder / "seeds01-halfway-b1-late.json", [1, 1, 1, 0])
    (folder / "seeds01-summary-b1-late.json").write_text(json.dumps({"kept_episodes": 9, "imagined_episodes": 32}))
    row = report.seeds01_markdown(folder).strip().splitlines()[-1]
    assert row == ("| b1 | 0.250 | 0.500 (+25.0) | 0.750 (+50.0) | 1.000 (+75.0) | 9/32 | 0.250 (+0.0) | 0.500 (+25.0) "
                   "| 0.750 (+50.0) |")


def test_filtered_bc_report_spreads_the_imitation_seeds_and_their_soup(tmp_path):
    folder = _report_folder(tmp_path, bc_successes=[1, 0, 0, 0])
    _evaluation(folder / "real-b1-s0-late-success.json", [1, 1, 0, 0])
    _evaluation(folder / "halfway-b1-s0-late-success.json", [1, 0, 0, 0])
    _evaluation(folder / "imitation-seed1-real-b1-s0-late.json", [1, 1, 1, 1])
    _evaluation(folder / "imitation-soup-real-b1-s0-late.json", [1, 1, 1, 0])
    _evaluation(folder / "imitation-soup-halfway-b1-s0-late.json", [1, 1, 0, 0])
    report = _module("dream_filtered_bc_report")
    assert report.imitation_seeds_markdown(folder) == ""  # imitation seed 2 is not evaluated yet
    _evaluation(folder / "imitation-seed2-real-b1-s0-late.json", [0, 0, 0, 0])
    row = report.imitation_seeds_markdown(folder).strip().splitlines()[-1]
    assert row == ("| b1 | 0.250 | 0.500 (+25.0) | 1.000 (+75.0) | 0.000 (-25.0) | 100.0 | 0.750 (+50.0) | 0.250 (+0.0) "
                   "| 0.500 (+25.0) |")


def test_filtered_bc_report_gives_the_default_over_imagination_and_imitation_seeds(tmp_path):
    folder = _report_folder(tmp_path, bc_successes=[1, 0, 0, 0])
    report = _module("dream_filtered_bc_report")
    for imagination in (0, 1):
        for arm, successes in (("real", [1, 1, 0, 0]), ("halfway", [1, 0, 0, 0])):
            _evaluation(folder / f"{arm}-b1-s{imagination}-late-success.json", successes)
            _evaluation(folder / f"imitation-seed{imagination + 1}-{arm}-b1-s{imagination}-late.json", successes)
            if (imagination, arm) != (1, "halfway"):
                _evaluation(folder / f"imitation-seed{imagination + 2}-{arm}-b1-s{imagination}-late.json", [1, 1, 1, 1])
    assert report.seed_grid_markdown(folder) == ""  # one halfway draw is missing
    _evaluation(folder / "imitation-seed3-halfway-b1-s1-late.json", [1, 1, 1, 0])
    row, mean = report.seed_grid_markdown(folder).strip().splitlines()[-2:]
    assert row == ("| b1 | 0.250 | +25.0 / +25.0 / +75.0 / +25.0 / +25.0 / +75.0 | **+41.7** (sd 25.8) "
                   "| +0.0 / +0.0 / +75.0 / +0.0 / +0.0 / +50.0 | **+20.8** (sd 33.2) |")
    assert mean == "| mean of the policies | | | **+41.7** | | **+20.8** |"


def test_filtered_bc_report_sets_the_filter_against_its_null_over_the_same_draws(tmp_path):
    folder = _report_folder(tmp_path, bc_successes=[1, 0, 0, 0])
    report = _module("dream_filtered_bc_report")
    for imagination in (0, 1):
        stem = f"b1-s{imagination}-late"
        _evaluation(folder / f"real-{stem}-success.json", [1, 1, 0, 0])
        _evaluation(folder / f"real-{stem}-random.json", [1, 0, 0, 0])
        for k in (1, 2):
            _evaluation(folder / f"imitation-seed{imagination + k}-real-{stem}.json", [1, 1, 1, 0])
            if (imagination, k) != (1, 2):
                _evaluation(folder / f"null-seed{imagination + k}-real-{stem}.json", [0, 1, 0, 0])
    assert report.null_grid_markdown(folder) == ""  # one null draw is missing
    _evaluation(folder / "null-seed3-real-b1-s1-late.json", [0, 1, 0, 0])
    row, mean = report.null_grid_markdown(folder).strip().splitlines()[-2:]
    assert row == ("| b1 | 50.0 / 75.0 / 75.0 / 50.0 / 75.0 / 75.0 | 25.0 / 25.0 / 25.0 / 25.0 / 25.0 / 25.0 "
                   "| **+41.7** | 10 / 0 |")
    assert mean == "| mean of the policies | | | **+41.7** | |"


def test_pooled_filtered_bc_keeps_only_episodes_from_the_named_start_sources():
    select = _module("dream_filtered_bc_pooled").select_from_sources
    episodes = {"success": np.array([True, True, False, True, False, True])}
    sources = np.array(["expert", "bc", "expert", "branch", "random", "random"])
    assert select(episodes, "success", 0, None, None).tolist() == [0, 1, 3, 5]
    assert select(episodes, "success", 0, sources, ["expert", "branch"]).tolist() == [0, 3]
    null = select(episodes, "random", 0, sources, ["expert", "branch"])
    assert len(null) == 2 and set(null.tolist()) <= {0, 2, 3}  # as many, drawn among the same starts only


def test_start_sources_tabulates_the_dreams_precision_by_where_each_episode_started(tmp_path):
    module = _module("dream_start_sources")
    assert module.source_of_seed(3) == "expert" and module.source_of_seed(300_007) == "bc"
    assert module.source_of_seed(400_120) == "branch"
    with pytest.raises(ValueError, match="no source"):
        module.source_of_seed(1_000_000_000)
    replay = {"dream_success": [True, True, False, True, True], "real_success": [True, False, True, False, False],
              "start_seed": [1, 2, 3, 300_000, 200_001]}
    (tmp_path / "replay.json").write_text(json.dumps(replay))
    assert module.main([str(tmp_path / "replay.json"), "--out", str(tmp_path / "out.json")]) == 0
    table = json.loads((tmp_path / "out.json").read_text())["replay.json"]
    assert table["expert"] == {"episodes": 3, "confirmed": 2, "real": 2, "confirmed_and_real": 1, "precision": 0.5,
                               "recall": 0.5}
    assert table["bc"]["precision"] == 0.0 and table["bc"]["recall"] is None
    assert table["noisy_expert"]["episodes"] == 0 and table["all"]["confirmed"] == 4
    del replay["start_seed"]
    (tmp_path / "old.json").write_text(json.dumps(replay))
    with pytest.raises(SystemExit):
        module.main([str(tmp_path / "old.json")])


@pytest.mark.parametrize(("prefix", "table", "described"), [
    ("sources", "start_sources_markdown", "expert, branch"), ("judged", "judged_markdown", "--judged-by")])
def test_filtered_bc_report_compares_a_restricted_filter_with_the_default_over_the_same_draws(tmp_path, prefix, table,
                                                                                                described):
    folder = _report_folder(tmp_path, bc_successes=[1, 0, 0, 0])
    markdown = getattr(_module("dream_filtered_bc_report"), table)
    for imagination in (0, 1):
        stem = f"b1-s{imagination}-late"
        for arm in ("real", "halfway"):
            _evaluation(folder / f"{arm}-{stem}-success.json", [1, 1, 0, 0])
            for k in (1, 2):
                _evaluation(folder / f"imitation-seed{imagination + k}-{arm}-{stem}.json", [1, 1, 0, 0])
            for k in (0, 1, 2):
                if (imagination, arm, k) != (1, "halfway", 2):
                    _evaluation(folder / f"{prefix}-seed{imagination + k}-{arm}-{stem}.json", [1, 1, 1, 0])
                (folder / f"{prefix}-seed{imagination + k}-summary-{stem}.json").write_text(
                    json.dumps({"kept_episodes": 5 + imagination, "start_sources": ["expert", "branch"]}))
    assert markdown(folder) == ""  # one draw is missing
    _evaluation(folder / f"{prefix}-seed3-halfway-b1-s1-late.json", [1, 0, 1, 0])
    text = markdown(folder)
    row, mean = text.strip().splitlines()[-2:]
    assert described in text
    assert row == ("| b1 | 0.250 | 5 / 6 | **+25.0** (sd 0.0) | **+50.0** (sd 0.0) | **+25.0** (sd 0.0) | **+45.8** (sd 10.2) "
                   "| 6 / 1 |")
    assert mean == "| mean of the policies | | | | | **+25.0** | **+45.8** | |"


def test_pooled_filtered_bc_subsample_keeps_as_many_as_asked_among_the_selected():
    subsample = _module("dream_filtered_bc_pooled").subsample
    kept = np.array([2, 5, 7, 11, 13])
    assert subsample(kept, None, 0) is kept
    draw = subsample(kept, 3, 0)
    assert len(draw) == 3 and set(draw.tolist()) <= set(kept.tolist()) and draw.tolist() == sorted(draw.tolist())
    for count in (0, 6):
        with pytest.raises(ValueError, match="--subsample"):
            subsample(kept, count, 0)


def test_filtered_bc_report_sets_expert_like_starts_against_as_many_episodes_drawn_from_all(tmp_path):
    folder = _report_folder(tmp_path, bc_successes=[1, 0, 0, 0])
    report = _module("dream_filtered_bc_report")
    stem = "b1-s1-late"
    (folder / f"summary-{stem}-success.json").write_text(json.dumps({"kept_episodes": 9}))
    for prefix, kept in (("sources-seed1", 4), ("subsample-seed1", 4)):
        (folder / f"{prefix}-summary-{stem}.json").write_text(json.dumps({"kept_episodes": kept}))
    for arm, successes in (("real", [1, 1, 0, 0]), ("halfway", [1, 0, 0, 0])):
        _evaluation(folder / f"{arm}-{stem}-success.json", successes)
        _evaluation(folder / f"sources-seed1-{arm}-{stem}.json", [1, 1, 1, 1])
    _evaluation(folder / f"subsample-seed1-real-{stem}.json", [0, 0, 0, 0])
    assert report.subsample_markdown(folder) == ""  # the drawn arm's halfway is not evaluated yet
    _evaluation(folder / f"subsample-seed1-halfway-{stem}.json", [1, 0, 1, 0])
    row = report.subsample_markdown(folder).strip().splitlines()[-1]
    assert row == ("| b1, seed 1 | 0.250 | 9 / 4 / 4 | 0.500 (+25.0) | 1.000 (+75.0) | 0.000 (-25.0) | 0.250 (+0.0) "
                   "| 1.000 (+75.0) | 0.500 (+25.0) |")


def test_filtered_bc_report_sets_expert_like_starts_against_their_count_control_over_six_draws(tmp_path):
    folder = _report_folder(tmp_path, bc_successes=[1, 0, 0, 0])
    report = _module("dream_filtered_bc_report")
    for imagination in (0, 1):
        stem = f"b1-s{imagination}-late"
        _evaluation(folder / f"halfway-{stem}-success.json", [1, 0, 0, 0])
        _evaluation(folder / f"real-{stem}-success.json", [1, 0, 0, 0])  # names the BC policies the report covers
        for k in (1, 2):
            _evaluation(folder / f"imitation-seed{imagination + k}-halfway-{stem}.json", [1, 0, 0, 0])
        for k in (0, 1, 2):
            for arm in ("real", "halfway"):
                _evaluation(folder / f"sources-seed{imagination + k}-{arm}-{stem}.json", [1, 1, 0, 0])
                if (imagination, k, arm) != (1, 2, "real"):
                    _evaluation(folder / f"subsample-seed{imagination + k}-{arm}-{stem}.json", [0, 0, 1, 1])
    assert report.subsample_grid_markdown(folder) == ""  # one drawn policy is not evaluated yet
    _evaluation(folder / "subsample-seed3-real-b1-s1-late.json", [0, 0, 1, 1])
    row, mean = report.subsample_grid_markdown(folder).strip().splitlines()[-2:]
    assert row == ("| b1 | 0.250 | **+25.0** (sd 0.0) | **+25.0** (sd 0.0) | **+0.0** (sd 0.0) | **+25.0** (sd 0.0) "
                   "| **+25.0** (sd 0.0) | 12 / 12 |")
    assert mean == "| mean of the policies | | | | **+0.0** | **+25.0** | **+25.0** | |"


def test_judge_verdicts_keep_what_every_reimagining_confirmed_and_refuse_mismatched_reports(tmp_path):
    module = _module("dream_filtered_bc_pooled")
    runs = [tmp_path / "a", tmp_path / "b"]
    reports = []
    for run, fired in zip(runs, ([[1], [0], [-1]], [[1, 1], [1, 0]])):
        report = tmp_path / f"{run.name}.json"
        report.write_text(json.dumps({"run": str(run), "fired": fired}))
        reports.append(report)
    lengths = np.ones(5, int)
    assert module.judge_verdicts(reports, runs, lengths).tolist() == [True, False, False, True, False]
    with pytest.raises(ValueError, match="order of --runs"):
        module.judge_verdicts(reports[::-1], runs, lengths)
    with pytest.raises(ValueError, match="one per run"):
        module.judge_verdicts(reports[:1], runs, lengths)
    with pytest.raises(ValueError, match="runs hold 6"):
        module.judge_verdicts(reports, runs, np.ones(6, int))
    reports[0].write_text(json.dumps({"run": str(runs[0])}))
    with pytest.raises(ValueError, match="not a dream_episode_rescore.py report"):
        module.judge_verdicts(reports, runs, lengths)


def test_judge_table_reads_what_each_reimagining_kept_against_the_real_replay(tmp_path):
    table = _module("dream_judge_table")
    run = tmp_path / "b1-s0-late"
    run.mkdir()
    (run / "real_replay.json").write_text(json.dumps({"dream_success": [True, True, True, False],
                                                      "real_success": [True, False, False, True]}))
    (tmp_path / "judge-rescore-b1.json").write_text(json.dumps({"run": str(run), "fired": [[1], [0], [1], [-1]]}))
    (tmp_path / "self-rescore-b1.json").write_text(json.dumps({"run": str(run), "fired": [[1], [1], [0], [-1]]}))
    assert table.row(tmp_path / "judge-rescore-b1.json") == (
        "| b1-s0-late | 3, 0.33 | 2, 0.50 | 2, 0.50 | 1, 1.00 | 1, 0.00 |")
    (tmp_path / "judge-rescore-b1.json").write_text(json.dumps({"run": str(run), "fired": [[1], [0], [1], [1]]}))
    with pytest.raises(ValueError, match="did not confirm"):
        table.row(tmp_path / "judge-rescore-b1.json")


def test_filtered_bc_probe_arm_keeps_the_confirmed_successes_the_probe_agrees_with():
    select = _module("dream_filtered_bc").select_episodes
    success = np.array([True, False, True, True])
    probe = np.array([True, True, False, True])
    assert select(success, "success-and-probe", seed=0, probe_success=probe).tolist() == [0, 3]
    with pytest.raises(ValueError, match="--probe-scores"):
        select(success, "success-and-probe", seed=0)
