"""Behaviour cloning, PPO refinement in a (tiny) dream with std clipping, evaluation and saved models."""

import json
import re

import numpy as np
import pytest
import torch
from stable_baselines3 import PPO
from test_dream_sb3 import tiny_simulator

from dreamgym.data.episode import make_episode, save_episode
from dreamgym.policy.bc import BCConfig, action_nll, demonstration_pairs, train_bc
from dreamgym.policy.evaluate import evaluate_dream, evaluate_real, reset_seeds, summarize
from dreamgym.policy.model import actor_critic_parameters, load_policy, new_ppo, save_model
from dreamgym.policy.refine import RefineConfig, refine

BLOCKS = 8


def block_episode(index: int, steps: int = 16):
    """Frames show a bright block at one of 8 columns; the 'expert' action is a function of that column."""
    rng = np.random.default_rng(index)
    columns = rng.integers(0, BLOCKS, steps + 1)
    frames = np.full((steps + 1, 3, 64, 64), 40, np.uint8)
    for t, c in enumerate(columns):
        frames[t, :, 16:48, c * 8 : c * 8 + 8] = 230
    level = columns[:steps] / (BLOCKS - 1) * 2 - 1
    actions = np.stack([level, -level, np.full(steps, 0.5), np.sign(level) * 0.8], 1).astype(np.float32)
    meta = {"task": "coffee-pull", "source": "expert", "index": index, "seed": index}
    return make_episode(frames, actions, np.zeros(steps), np.zeros(steps + 1, bool), meta)


@pytest.fixture
def demo_data(tmp_path):
    for i in range(10):
        save_episode(block_episode(i), tmp_path / "data" / "coffee-pull" / "expert" / f"expert-{i:05d}.npz")
    return tmp_path / "data"


@pytest.fixture
def tiny_bundle(tmp_path):
    path = tmp_path / "bundle"
    tiny_simulator(episode_steps=6).save(path)
    return path


def test_bc_lowers_nll_and_reproduces_expert_actions(demo_data, tmp_path):
    config = BCConfig(data_dir=demo_data, out=tmp_path / "bc" / "bc.zip", steps=400, eval_every=100, shift_pixels=0, tensorboard=False)
    frames, actions = demonstration_pairs([block_episode(i) for i in range(10)])
    untrained = new_ppo(seed=0).policy
    with torch.no_grad():
        nll_before, mse_before = action_nll(untrained, frames, actions)
    summary = train_bc(config, progress=False)
    model = load_policy(config.out)
    with torch.no_grad():
        nll_after, mse_after = action_nll(model.policy, frames, actions)
    assert nll_after < nll_before - 1.0
    assert mse_after < 0.02 < mse_before
    predicted, _ = model.predict(frames[:32].numpy(), deterministic=True)
    np.testing.assert_allclose(predicted, np.clip(actions[:32].numpy(), -1, 1), atol=0.3)
    assert json.loads(config.out.with_suffix(".json").read_text())["best"] == summary["best"]


def test_bc_leaves_the_critic_untouched(demo_data, tmp_path):
    config = BCConfig(data_dir=demo_data, out=tmp_path / "bc.zip", steps=20, eval_every=10, tensorboard=False)
    fresh = new_ppo(seed=0).policy
    train_bc(config, progress=False)
    trained = load_policy(config.out).policy
    actor_before, critic_before = actor_critic_parameters(fresh)
    actor_after, critic_after = actor_critic_parameters(trained)
    assert all(torch.equal(a, b) for a, b in zip(critic_before, critic_after))
    assert not all(torch.equal(a, b) for a, b in zip(actor_before, actor_after))


def test_bc_can_save_the_mean_of_its_late_snapshots(demo_data, tmp_path):
    """By default the saved policy is the mean of the snapshots at the validations from --average-from on;
    --keep best-validated saves the snapshot with the lowest held-out NLL."""
    from dreamgym.data.episode import load_episodes, split_held_out

    config = BCConfig(data_dir=demo_data, out=tmp_path / "swa" / "bc.zip", steps=60, eval_every=20, average_from=20,
                      tensorboard=False)
    summary = train_bc(config, progress=False)
    assert summary["saved"] == "averaged" and summary["averaged"]["steps"] == [20, 40, 60]
    _, held_out = split_held_out(load_episodes(demo_data / "coffee-pull"), config.holdout_every)
    with torch.no_grad():
        nll, _ = action_nll(load_policy(config.out).policy, *demonstration_pairs(held_out))
    assert nll.item() == pytest.approx(summary["averaged"]["nll"], rel=1e-5)
    assert all(abs(h["val_nll"] - nll.item()) > 1e-4 for h in summary["history"])  # none of the snapshots itself
    with pytest.raises(ValueError, match=r"average_from \(--average-from\) must be a step in \[1, steps=60\], got 61"):
        BCConfig(steps=60, average_from=61)
    assert BCConfig(steps=4000).averaged_steps == list(range(2000, 4001, 250))  # default: the second half

    best = BCConfig(data_dir=demo_data, out=tmp_path / "best" / "bc.zip", steps=60, eval_every=20, keep="best-validated",
                    tensorboard=False)
    summary = train_bc(best, progress=False)
    assert summary["saved"] == "best" and summary["averaged"] is None
    with torch.no_grad():
        nll, _ = action_nll(load_policy(best.out).policy, *demonstration_pairs(held_out))
    assert nll.item() == pytest.approx(summary["best"]["nll"], rel=1e-5)
    with pytest.raises(ValueError, match=r"keep \(--keep\) must be one of \('averaged', 'best-validated'\), got 'last'"):
        BCConfig(keep="last")
    with pytest.raises(ValueError, match="average_from .* sets the averaged weights; keep is 'best-validated'"):
        BCConfig(keep="best-validated", average_from=10)


def test_bc_without_demonstrations_is_explained(tmp_path):
    with pytest.raises(FileNotFoundError, match="dreamgym collect"):
        train_bc(BCConfig(data_dir=tmp_path, out=tmp_path / "bc.zip", tensorboard=False), progress=False)
    with pytest.raises(ValueError, match="zip"):
        BCConfig(out=tmp_path / "bc.pt")
    for bad in (dict(shift_pixels=-1), dict(learning_rate=0.0)):
        with pytest.raises(ValueError, match="shift_pixels must be >= 0 and learning_rate > 0"):
            BCConfig(**bad)


def start_model(tmp_path, log_std: float):
    model = new_ppo(seed=0)
    with torch.no_grad():
        model.policy.log_std.fill_(log_std)
    return save_model(model, tmp_path / "start.zip")


def small_refine(tmp_path, tiny_bundle, name, **overrides):
    values = dict(
        bc_model=start_model(tmp_path, 0.5), out_dir=tmp_path / name, bundle=tiny_bundle, iterations=3, num_envs=2,
        n_steps=8, batch_size=8, n_epochs=2, checkpoint_every=1, critic_warmup_iterations=0, ent_coef=0.5,
        actor_learning_rate=0.05, anchor_kl_coef=0.0, success_confirmation=None, reset_mode="episode_start",
        max_episode_steps=None,  # plain PPO unless a test switches a guard on
    )
    values.update(overrides)
    return RefineConfig(**values)


def test_refine_keeps_log_std_clipped_and_the_switch_turns_it_off(tmp_path, tiny_bundle):
    clipped = small_refine(tmp_path, tiny_bundle, "clipped")
    summary = refine(clipped, progress=False)
    history = json.loads((clipped.out_dir / "history.json").read_text())
    assert len(history) == 3 and summary["iterations"] == 3
    assert all(max(h["log_std"]) <= 0.0 for h in history)
    for checkpoint in sorted((clipped.out_dir / "checkpoints").glob("*.zip")):
        assert PPO.load(checkpoint).policy.log_std.max().item() <= 0.0
    refined = PPO.load(clipped.out_dir / "refined.zip")  # a plain SB3 zip
    assert refined.policy.log_std.max().item() <= 0.0

    unclipped = small_refine(tmp_path, tiny_bundle, "unclipped", log_std_max=None)
    refine(unclipped, progress=False)
    assert PPO.load(unclipped.out_dir / "refined.zip").policy.log_std.max().item() > 0.5  # the entropy bonus grew it


def test_critic_warmup_updates_only_the_critic_and_runs_resume(tmp_path, tiny_bundle):
    config = small_refine(tmp_path, tiny_bundle, "warm", iterations=2, critic_warmup_iterations=1, ent_coef=0.0)
    refine(config, progress=False)
    start = PPO.load(config.out_dir / "checkpoints" / "iter_0000.zip").policy
    warmed = PPO.load(config.out_dir / "checkpoints" / "iter_0001.zip").policy
    updated = PPO.load(config.out_dir / "checkpoints" / "iter_0002.zip").policy
    (a0, c0), (a1, c1), (a2, _) = map(actor_critic_parameters, (start, warmed, updated))
    assert all(torch.equal(x, y) for x, y in zip(a0, a1))
    assert not all(torch.equal(x, y) for x, y in zip(c0, c1))
    assert not all(torch.equal(x, y) for x, y in zip(a1, a2))

    longer = small_refine(tmp_path, tiny_bundle, "warm", iterations=3, critic_warmup_iterations=1, ent_coef=0.0)
    longer.bc_model = tmp_path / "missing.zip"  # a resumed run never goes back to its start
    summary = refine(longer, progress=False)
    history = json.loads((config.out_dir / "history.json").read_text())
    assert summary["iterations"] == 3 and [h["iteration"] for h in history] == [1, 2, 3]

    other = small_refine(tmp_path, tiny_bundle, "warm", iterations=4, critic_warmup_iterations=1, ent_coef=0.0,
                         anchor_kl_coef=0.5, n_epochs=3)
    with pytest.raises(ValueError, match=r"refined with other settings than this run asks for \(n_epochs: 2 -> 3; "
                                         r"anchor_kl_coef: 0.0 -> 0.5\)\. .*Only iterations, .* may change on resume"):
        refine(other, progress=False)
    assert len(json.loads((config.out_dir / "history.json").read_text())) == 3  # nothing ran


def test_a_moved_run_folder_resumes(tmp_path, tiny_bundle):
    config = small_refine(tmp_path, tiny_bundle, "before", iterations=2)
    refine(config, progress=False)
    (tmp_path / "before").rename(tmp_path / "after")
    summary = refine(small_refine(tmp_path, tiny_bundle, "after", iterations=3), progress=False)
    history = json.loads((tmp_path / "after" / "history.json").read_text())
    assert summary["iterations"] == 3 and [h["iteration"] for h in history] == [1, 2, 3]
    assert not (tmp_path / "before").exists()


def test_resuming_in_a_changed_bundle_is_refused(tmp_path, tiny_bundle):
    from dreamgym.policy.refine import DREAMS_FILE

    config = small_refine(tmp_path, tiny_bundle, "dreams", iterations=1)
    refine(config, progress=False)
    recorded = json.loads((config.out_dir / DREAMS_FILE).read_text())
    assert list(recorded) == ["bundle"] and recorded["bundle"]["folder"] == str(tiny_bundle)
    assert recorded["bundle"]["files"] and all(len(digest) == 64 for digest in recorded["bundle"]["files"].values())
    refine(small_refine(tmp_path, tiny_bundle, "dreams", iterations=2), progress=False)  # same bundle: resumes

    changed = tiny_simulator(episode_steps=6)  # the same folder re-exported with other world-model weights
    with torch.no_grad():
        next(changed.world_model.parameters()).add_(1.0)
    changed.save(tiny_bundle)
    with pytest.raises(ValueError, match=re.escape(f"refined in other dreams than this run would build (bundle: {tiny_bundle} "
                                                   f"-> {tiny_bundle})")):
        refine(small_refine(tmp_path, tiny_bundle, "dreams", iterations=3), progress=False)
    assert len(json.loads((config.out_dir / "history.json").read_text())) == 2  # nothing ran


def test_bad_refine_settings_are_explained(tmp_path):
    with pytest.raises(ValueError, match="batch_size"):
        RefineConfig(bc_model=tmp_path / "a.zip", out_dir=tmp_path, num_envs=3, n_steps=5, batch_size=4)
    with pytest.raises(ValueError, match="critic_warmup_iterations"):
        RefineConfig(bc_model=tmp_path / "a.zip", out_dir=tmp_path, iterations=2, critic_warmup_iterations=2)
    with pytest.raises(FileNotFoundError, match="train-bc"):
        load_policy(tmp_path / "missing.zip")


def test_saved_models_load_with_identical_actions(tmp_path):
    model = new_ppo(seed=3)
    path = save_model(model, tmp_path / "policy.zip")
    loaded = PPO.load(path)
    observations = np.random.default_rng(0).integers(0, 256, (5, 3, 64, 64), dtype=np.uint8)
    np.testing.assert_array_equal(model.predict(observations, deterministic=True)[0], loaded.predict(observations, deterministic=True)[0])
    for a, b in zip(model.policy.parameters(), loaded.policy.parameters()):
        assert torch.equal(a, b)


def test_saved_models_leave_the_last_rollout_out(tmp_path):
    import zipfile

    model = new_ppo(seed=3)
    model._last_obs = np.zeros((256, 3, 64, 64), np.uint8)  # what 256 worlds leave after a rollout
    model._last_episode_starts = np.ones(256, bool)
    path = save_model(model, tmp_path / "policy.zip")
    assert zipfile.ZipFile(path).getinfo("data").file_size < 200_000  # the observations alone are 3 MB
    loaded = PPO.load(path)
    assert getattr(loaded, "_last_obs", None) is None and getattr(loaded, "_last_episode_starts", None) is None
    assert model._last_obs is not None  # the model that is still training keeps them


def test_dream_evaluation_runs_exactly_the_requested_episodes(tiny_bundle):
    from dreamgym.dream.simulator import LearnedSimulator

    model = new_ppo(seed=0)
    report = evaluate_dream(model, seeds=[0, 1], episodes=3, num_envs=2, simulator=LearnedSimulator.load(tiny_bundle), progress=False)
    assert [len(s["episodes"]) for s in report["per_seed"]] == [3, 3]
    assert all(1 <= e["steps"] <= 6 for s in report["per_seed"] for e in s["episodes"])
    assert 0.0 <= report["mean"] <= 1.0
    # the same worlds from the bundle folder: the same outcomes
    from_folder = evaluate_dream(model, seeds=[0, 1], episodes=3, num_envs=2, bundle=tiny_bundle, progress=False)
    assert from_folder["per_seed"] == report["per_seed"]


def test_evaluation_seeds_and_summary():
    assert reset_seeds(1, 2, 100) == [10_100, 10_101]
    assert summarize([0.5, 0.7]) == pytest.approx({"mean": 0.6, "std": np.std([0.5, 0.7], ddof=1)})
    with pytest.raises(ValueError, match="episodes"):
        reset_seeds(0, 0)


@pytest.mark.metaworld
def test_real_evaluation_on_a_tiny_run(tmp_path):
    model = new_ppo(seed=0)
    report = evaluate_real(model, seeds=[0, 1], episodes=2, video_dir=tmp_path / "videos", videos_per_seed=1, progress=False)
    assert [s["seed"] for s in report["per_seed"]] == [0, 1]
    episodes = [e for s in report["per_seed"] for e in s["episodes"]]
    assert [e["reset_seed"] for e in episodes] == reset_seeds(0, 2) + reset_seeds(1, 2)
    assert all(e["steps"] == 50 or e["success"] for e in episodes)
    assert sorted(p.name for p in (tmp_path / "videos").iterdir()) == ["real-seed0-ep0.mp4", "real-seed1-ep0.mp4"]


@pytest.mark.metaworld
def test_collect_records_bc_policy_rollouts(tmp_path):
    from dreamgym.data.collect import CollectConfig, collect
    from dreamgym.data.episode import episode_paths, load_episode

    policy = save_model(new_ppo(seed=0), tmp_path / "bc.zip")
    config = CollectConfig(
        task="coffee-pull", out_dir=tmp_path / "data", num_expert=0, num_noisy_expert=0, num_random=0, num_bc=2,
        bc_policy=policy, episode_steps=5,
    )
    assert collect(config, progress=False).written == 2
    episodes = [load_episode(p) for p in episode_paths(tmp_path / "data")]
    assert [e.meta["source"] for e in episodes] == ["bc", "bc"]
    assert [e.meta["bc_actions"] for e in episodes] == ["sampled", "sampled"]
    assert not np.array_equal(episodes[0].actions, episodes[1].actions)
    with pytest.raises(ValueError, match="bc_policy"):
        CollectConfig(task="coffee-pull", out_dir=tmp_path, num_bc=1)


@pytest.mark.metaworld
def test_collect_bc_noise_range_acts_with_the_mean_action_plus_drawn_noise(tmp_path):
    from dreamgym.data.collect import CollectConfig, collect
    from dreamgym.data.episode import episode_paths, load_episode
    from dreamgym.policy.model import load_policy

    policy = save_model(new_ppo(seed=0), tmp_path / "bc.zip")
    model = load_policy(policy)

    def record(folder, noise):
        config = CollectConfig(task="coffee-pull", out_dir=tmp_path / folder, num_expert=0, num_noisy_expert=0, num_random=0,
                               num_bc=2, bc_policy=policy, bc_noise_std_range=noise, episode_steps=5)
        collect(config, progress=False)
        return [load_episode(p) for p in episode_paths(tmp_path / folder)]

    for episode in record("deterministic", (0, 0)):
        assert episode.meta["noise_std"] == 0.0 and episode.meta["bc_actions"] == "mean"
        expected = np.stack([np.clip(model.predict(frame, deterministic=True)[0], -1, 1) for frame in episode.frames[:-1]])
        np.testing.assert_allclose(episode.actions, expected, atol=1e-6)
    for episode in record("noisy", (0.2, 0.4)):
        assert 0.2 <= episode.meta["noise_std"] <= 0.4
        mean = np.stack([np.clip(model.predict(frame, deterministic=True)[0], -1, 1) for frame in episode.frames[:-1]])
        assert not np.allclose(episode.actions, mean)
    with pytest.raises(ValueError, match="bc_noise_std_range"):
        CollectConfig(task="coffee-pull", out_dir=tmp_path, num_bc=1, bc_policy=policy, bc_noise_std_range=(0.5, 0.1))


@pytest.mark.metaworld
def test_real_monitoring_is_logged_per_checkpoint_and_kept_apart(tmp_path, tiny_bundle):
    config = small_refine(tmp_path, tiny_bundle, "monitored", iterations=2, checkpoint_every=2, monitor_real_episodes=1)
    summary = refine(config, progress=False)
    monitor = json.loads((config.out_dir / "monitor_real.json").read_text())
    assert [m["iteration"] for m in monitor] == [0, 2] and summary["monitor_real"] == monitor
    assert all(m["layouts"] == "tuning" and 0.0 <= m["real_success_rate"] <= 1.0 for m in monitor)


def test_behaviour_anchor_keeps_the_policy_near_bc(tmp_path, tiny_bundle):
    """Same run with and without the anchor: the anchored policy ends closer to BC (KL logged every update)."""
    free = small_refine(tmp_path, tiny_bundle, "free", log_std_max=None)
    anchored = small_refine(tmp_path, tiny_bundle, "anchored", log_std_max=None, anchor_kl_coef=50.0)
    kl = {}
    for config in (free, anchored):
        refine(config, progress=False)
        history = json.loads((config.out_dir / "history.json").read_text())
        assert all(h["kl_to_bc_last_update"] is not None for h in history[1:])
        kl[config.out_dir.name] = history[-1]["kl_to_bc_last_update"]
    assert kl["anchored"] < 0.5 * kl["free"], kl


def test_demonstration_term_pulls_the_policy_toward_the_demonstrations(tmp_path, tiny_bundle, demo_data):
    """DAPG's term: the same run with the demonstrations' NLL next to PPO ends fitting them better (logged)."""
    frames, actions = demonstration_pairs([block_episode(i) for i in range(10)])
    nll = {}
    for name, coef in (("ppo", 0.0), ("dapg", 5.0)):
        config = small_refine(tmp_path, tiny_bundle, name, demo_nll_coef=coef, data_dir=demo_data, iterations=4,
                              ent_coef=0.0, actor_learning_rate=0.01)
        refine(config, progress=False)
        with torch.no_grad():
            nll[name] = action_nll(load_policy(config.out_dir / "refined.zip").policy, frames, actions)[0].item()
        logged = [h["demo_nll_last_update"] for h in json.loads((config.out_dir / "history.json").read_text())]
        assert all((value is not None) == (coef > 0) for value in logged[1:]), logged  # [0]: before any update
    assert nll["dapg"] < nll["ppo"] - 1.0, nll


def test_demonstration_term_resumes_its_minibatch_stream(tmp_path, tiny_bundle, demo_data):
    """A run stopped after 2 iterations and resumed to 3 ends with the demonstration stream of a run never stopped."""
    def run(name, iterations):
        config = small_refine(tmp_path, tiny_bundle, name, demo_nll_coef=1.0, data_dir=demo_data, iterations=iterations)
        refine(config, progress=False)
        return torch.load(config.out_dir / "resume.pt", weights_only=False)["demo_generator"]

    straight = run("straight", 3)
    stopped = run("resumed", 2)
    resumed = run("resumed", 3)
    assert not torch.equal(stopped, resumed)
    assert torch.equal(straight, resumed)


def test_demonstration_term_without_demonstrations_is_explained(tmp_path, tiny_bundle):
    with pytest.raises(FileNotFoundError, match=r"--demo-nll.*expert.*dreamgym collect"):
        refine(small_refine(tmp_path, tiny_bundle, "none", demo_nll_coef=1.0, data_dir=tmp_path / "nowhere"), progress=False)
    with pytest.raises(ValueError, match="demo_nll_coef \\(--demo-nll\\) must be a finite number >= 0, got -1"):
        small_refine(tmp_path, tiny_bundle, "bad", demo_nll_coef=-1.0)
    with pytest.raises(ValueError, match="demo_sources must name at least one"):
        small_refine(tmp_path, tiny_bundle, "bad", demo_nll_coef=1.0, demo_sources=())


def test_initial_log_std_and_its_own_learning_rate(tmp_path, tiny_bundle):
    config = small_refine(tmp_path, tiny_bundle, "std", initial_log_std=-0.3, log_std_learning_rate=0.0, iterations=2)
    refine(config, progress=False)
    for checkpoint in sorted((config.out_dir / "checkpoints").glob("*.zip")):
        np.testing.assert_allclose(PPO.load(checkpoint).policy.log_std.detach().numpy(), -0.3)
    start, final = (PPO.load(config.out_dir / "checkpoints" / f"iter_000{i}.zip").policy for i in (0, 2))
    assert not torch.equal(start.action_net.weight, final.action_net.weight), "the rest of the actor still learns"
    bc = PPO.load(config.out_dir / "bc_anchor.zip").policy
    np.testing.assert_allclose(bc.log_std.detach().numpy(), 0.5)  # the anchor keeps BC's own std
    with pytest.raises(ValueError, match="anchor_kl_coef must be a finite number >= 0, got -1"):
        small_refine(tmp_path, tiny_bundle, "bad", anchor_kl_coef=-1.0)
    with pytest.raises(ValueError, match="reset_mode must be one of"):
        small_refine(tmp_path, tiny_bundle, "bad", reset_mode="middle")


def test_trust_region_stops_the_epochs_of_an_iteration(tmp_path, tiny_bundle):
    """With a tight target_kl only the first minibatch step of an iteration runs: Adam's first step moves
    no actor weight by more than the learning rate; without it, 4 steps move some weights further."""
    moved = {}
    for name, target_kl in (("free", None), ("trust", 1e-4)):
        config = small_refine(tmp_path, tiny_bundle, name, iterations=1, ent_coef=0.0, target_kl=target_kl)
        refine(config, progress=False)
        before, after = (actor_critic_parameters(PPO.load(config.out_dir / "checkpoints" / f"iter_000{i}.zip").policy)[0]
                         for i in (0, 1))
        moved[name] = max((b - a).abs().max().item() for a, b in zip(before, after))
    lr = config.actor_learning_rate
    assert 0 < moved["trust"] <= lr * 1.001 < 1.5 * lr < moved["free"], moved
    with pytest.raises(ValueError, match="target_kl must be a finite number > 0 or None, got 0"):
        small_refine(tmp_path, tiny_bundle, "bad", target_kl=0.0)


def test_pessimistic_short_horizon_refinement_runs(tmp_path, tiny_bundle):
    config = small_refine(tmp_path, tiny_bundle, "guards", iterations=2, reset_mode="random", max_episode_steps=3,
                          success_confirmation={"rerolls": 2, "horizon": 2}, anchor_kl_coef=1.0)
    summary = refine(config, progress=False)
    assert summary["iterations"] == 2
    assert json.loads((config.out_dir / "config.json").read_text())["success_confirmation"] == {"rerolls": 2, "horizon": 2}


def test_history_tells_predicted_from_confirmed_imagined_successes(tmp_path):
    """The dream's classifier always fires; a judge whose classifier never fires pays none of those successes."""
    from dreamgym.dream.simulator import LearnedSimulator

    def bundle(name, bias):
        simulator = tiny_simulator(episode_steps=6)
        with torch.no_grad():
            simulator.reward_model.head.bias.fill_(bias)
        return simulator.save(tmp_path / name)

    dream, judge = bundle("dream", 20.0), bundle("judge", -20.0)
    assert isinstance(LearnedSimulator.load(judge), LearnedSimulator)
    rates = {}
    for name, confirmation in (("own", {"rerolls": 1, "horizon": 2}), ("judged", {"rerolls": 1, "horizon": 2, "judge": str(judge)})):
        config = small_refine(tmp_path, dream, name, iterations=1, success_confirmation=confirmation)
        refine(config, progress=False)
        record = json.loads((config.out_dir / "history.json").read_text())[-1]
        rates[name] = (record["dream_success_rate"], record["dream_confirmed_success_rate"])
    assert rates == {"own": (1.0, 1.0), "judged": (1.0, 0.0)}


def test_refined_policy_can_be_the_mean_of_the_last_checkpoints(tmp_path, tiny_bundle):
    config = small_refine(tmp_path, tiny_bundle, "averaged", iterations=5, checkpoint_every=2, average_checkpoints=2)
    summary = refine(config, progress=False)
    assert summary["refined_is_average_of"] == ["iter_0004.zip", "iter_0005.zip"]
    weights = [PPO.load(config.out_dir / name).policy.state_dict() for name in
               ("checkpoints/iter_0004.zip", "checkpoints/iter_0005.zip", "refined.zip", "final.zip")]
    moved = False
    for name, value in weights[2].items():
        if value.is_floating_point():
            torch.testing.assert_close(value, (weights[0][name] + weights[1][name]) / 2)
            moved |= not torch.equal(weights[0][name], weights[1][name])
        torch.testing.assert_close(weights[3][name], weights[1][name])  # final.zip: the last policy itself
    assert moved, "the two checkpoints should differ, or the mean proves nothing"
    with pytest.raises(ValueError, match=re.escape("average_checkpoints (--average-checkpoints) must be in [1, 3], the "
                                                   "checkpoints after iteration 0 that 5 iterations with checkpoint_every=2 write; got 4.")):
        small_refine(tmp_path, tiny_bundle, "bad", iterations=5, checkpoint_every=2, average_checkpoints=4)


def test_refined_policy_can_lie_halfway_between_bc_and_the_final_policy(tmp_path, tiny_bundle):
    config = small_refine(tmp_path, tiny_bundle, "halfway", iterations=3, checkpoint_every=3, average_with_start=True)
    summary = refine(config, progress=False)
    assert summary["refined_is_average_of"] == ["iter_0000.zip", "iter_0003.zip"]
    start, final, refined, bc = [PPO.load(config.out_dir / name).policy.state_dict() for name in
                                 ("checkpoints/iter_0000.zip", "final.zip", "refined.zip", "bc_anchor.zip")]
    moved = False
    for name, value in refined.items():
        if value.is_floating_point():
            torch.testing.assert_close(value, (start[name] + final[name]) / 2)
            moved |= not torch.equal(start[name], final[name])
    assert moved, "PPO should have moved the policy, or the mean proves nothing"
    torch.testing.assert_close(start["log_std"], bc["log_std"].clamp(max=0.0))  # iteration 0 is the BC start
    with pytest.raises(ValueError, match=re.escape("average_with_start (--average-with-start) must be True or False, got 'yes'.")):
        small_refine(tmp_path, tiny_bundle, "bad", average_with_start="yes")


def test_policies_of_different_architectures_are_not_averaged(tmp_path):
    from dreamgym.policy.model import average_policies

    small = save_model(new_ppo(seed=0, image_size=48), tmp_path / "small.zip")
    with pytest.raises(ValueError, match="is not a policy of the same architecture as"):
        average_policies([small, start_model(tmp_path, 0.0)])
    with pytest.raises(ValueError, match="needs at least one policy zip"):
        average_policies([])


def test_weight_mean_averages_floats_and_keeps_the_latest_of_the_rest():
    from dreamgym.policy.model import WeightMean

    weights = WeightMean()
    with pytest.raises(ValueError, match="No weights to average"):
        weights.mean()
    weights.add({"w": torch.tensor([1.0, 2.0]), "steps": torch.tensor(3)})
    weights.add({"w": torch.tensor([3.0, 6.0]), "steps": torch.tensor(7)})
    mean = weights.mean()
    torch.testing.assert_close(mean["w"], torch.tensor([2.0, 4.0]))
    assert mean["steps"].item() == 7 and weights.count == 2
    with pytest.raises(ValueError, match="step 9 is not a policy of the same architecture"):
        weights.add({"w": torch.zeros(3), "steps": torch.tensor(9)}, name="step 9")


def test_evaluate_refuses_to_skip_both_worlds(tmp_path, capsys):
    from dreamgym import cli

    (tmp_path / "m.zip").write_bytes(b"")  # --model must exist
    assert cli.main(["evaluate", "--model", str(tmp_path / "m.zip"), "--real-only", "--dream-only"]) == 2
    assert capsys.readouterr().err == "dreamgym evaluate: error: argument --dream-only: not allowed with argument --real-only\n"


def test_refine_cli_defaults_are_the_configs_defaults(tmp_path, monkeypatch):
    """`dreamgym refine` without options runs DreamImitationConfig's defaults (filtered-bc, what the benchmark
    measured); with `--method ppo` exactly RefineConfig's (the benchmarked PPO guards)."""
    from dreamgym import cli
    from dreamgym.policy.dream_imitation import DreamImitationConfig

    bc = start_model(tmp_path, -1.0)
    seen = {}

    def fake_refine(config, progress=True):
        seen["ppo"] = config
        return dict.fromkeys(("iterations", "imagined_transitions", "seconds", "final_log_std",
                              "final_dream_success_rate", "hardware"))

    def fake_imitation(config, progress=True):
        seen["filtered-bc"] = config
        return dict.fromkeys(("imagined_episodes", "confirmed_successes", "kept_pairs", "collect_seconds",
                              "imitation_seconds", "hardware"))

    monkeypatch.setattr("dreamgym.policy.refine.refine", fake_refine)
    monkeypatch.setattr("dreamgym.policy.dream_imitation.refine_by_imitation", fake_imitation)
    assert cli.main(["refine", "--bc-model", str(bc), "--out", str(tmp_path / "run")]) == 0
    assert seen["filtered-bc"].to_dict() == DreamImitationConfig(bc_model=bc, out_dir=tmp_path / "run").to_dict()
    assert cli.main(["refine", "--bc-model", str(bc), "--out", str(tmp_path / "run"), "--method", "ppo"]) == 0
    default = RefineConfig(bc_model=bc, out_dir=tmp_path / "run")
    assert seen["ppo"].to_dict() == default.to_dict()
    assert default.anchor_kl_coef > 0 and default.success_confirmation and default.reset_mode == "random"
    assert cli.main(["refine", "--bc-model", str(bc), "--out", str(tmp_path / "run"), "--imitation-steps", "10",
                     "--num-envs", "8", "--rounds", "2", "--imitation-lr", "1e-3"]) == 0
    chosen = seen["filtered-bc"]
    assert (chosen.steps, chosen.average_from, chosen.num_envs, chosen.rounds, chosen.learning_rate) == (10, 5, 8, 2, 1e-3)
    assert not seen["filtered-bc"].halfway_to_bc  # the imitated policy itself, since session 31
    assert (seen["filtered-bc"].success_signal, seen["filtered-bc"].group_size) == ("outcome", 4)
    assert seen["filtered-bc"].imitation_seeds == 4  # a soup of four clonings since session 33
    assert cli.main(["refine", "--bc-model", str(bc), "--out", str(tmp_path / "run"), "--halfway", "--group-size", "1",
                     "--success-signal", "classifier"]) == 0
    chosen = seen["filtered-bc"]
    assert chosen.halfway_to_bc and chosen.group_size == 1 and chosen.success_signal == "classifier"
    assert chosen.start_decisions is None
    assert cli.main(["refine", "--bc-model", str(bc), "--out", str(tmp_path / "run"), "--start-decisions", "10", "16"]) == 0
    assert seen["filtered-bc"].start_decisions == (10, 16)
