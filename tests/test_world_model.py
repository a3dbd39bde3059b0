"""Diffusion world model: action encoders, EDM preconditioning, sampler, bundle, training."""

import json

import numpy as np
import pytest
import torch

from dreamgym.bundle import BundleError, Manifest, load_bundle, load_world_model, save_bundle, save_world_model
from dreamgym.tasks import CameraConfig
from dreamgym.world_model.actions import ActionEncoderConfig, decode_bins, one_hot, two_hot
from dreamgym.world_model.denoiser import Denoiser, DenoiserConfig, frames_to_model, frames_to_uint8
from dreamgym.world_model.evaluation import autoregressive_rollout, psnr, ssim
from dreamgym.world_model.sampler import SamplerConfig, karras_sigmas, sample_next_frame

TINY = dict(image_size=16, channels=(16, 16), patch_size=2)


# -- two-hot ---------------------------------------------------------------------------------------
def test_two_hot_is_lossless_and_sums_to_one():
    actions = torch.rand(1000, 4) * 2 - 1
    encoded = two_hot(actions, 21)
    assert encoded.shape == (1000, 4, 21)
    torch.testing.assert_close(encoded.sum(-1), torch.ones(1000, 4))
    torch.testing.assert_close(decode_bins(encoded), actions, atol=1e-6, rtol=0)
    assert ((encoded > 0).sum(-1) <= 2).all()


def test_two_hot_at_bin_edges_and_out_of_range():
    values = torch.tensor([[-1.0, 1.0, 0.0, 0.1]])  # 0.1 is exactly bin 11 of 21 on [-1, 1]
    encoded = two_hot(values, 21)
    assert encoded[0, 0, 0] == 1 and encoded[0, 1, 20] == 1 and encoded[0, 2, 10] == 1
    torch.testing.assert_close(encoded[0, 3, 11], torch.tensor(1.0))
    clipped = two_hot(torch.tensor([[-3.0, 7.0]]), 21)
    torch.testing.assert_close(clipped, two_hot(torch.tensor([[-1.0, 1.0]]), 21))


def test_two_hot_interpolates_between_neighbours():
    encoded = two_hot(torch.tensor([0.025]), 21)  # a quarter of the way from bin 10 (0.0) to bin 11 (0.1)
    torch.testing.assert_close(encoded[0, 10], torch.tensor(0.75))
    torch.testing.assert_close(encoded[0, 11], torch.tensor(0.25))


def test_one_hot_snaps_to_nearest_bin():
    encoded = one_hot(torch.tensor([0.04, 0.06]), 21)
    assert encoded[0].argmax() == 10 and encoded[1].argmax() == 11


def test_unknown_encoding_and_bad_shapes_are_refused():
    with pytest.raises(ValueError, match="Unknown action encoding 'fast'"):
        ActionEncoderConfig(encoding="fast")
    model = Denoiser(DenoiserConfig(**TINY))
    with pytest.raises(ValueError, match=r"Expected actions of shape \(B, 4, 4\)"):
        model.action_encoder(torch.zeros(2, 3, 4))


# -- configs ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(image_size=64, patch_size=3), "patch_size"),
        (dict(image_size=16, patch_size=2, channels=(16,) * 5), "not divisible"),
        (dict(image_size=16, channels=(12, 16)), "multiples of 8"),
    ],
)
def test_bad_model_configs_are_explained(kwargs, message):
    with pytest.raises(ValueError, match=message):
        DenoiserConfig(**kwargs)


def test_bad_sampler_configs_are_explained():
    with pytest.raises(ValueError, match="between 1 and 10"):
        SamplerConfig(num_steps=0)
    with pytest.raises(ValueError, match="Euler"):
        SamplerConfig(order=3)


# -- EDM -------------------------------------------------------------------------------------------
def test_preconditioning_identities():
    model = Denoiser(DenoiserConfig(**TINY))
    sigma = torch.tensor([1e-3, 0.1, 0.5, 2.0, 80.0], dtype=torch.float64)
    c_skip, c_out, c_in, c_noise = model.preconditioning(sigma)
    sd = model.config.sigma_data
    torch.testing.assert_close(c_in, 1 / torch.sqrt(sigma**2 + sd**2))
    torch.testing.assert_close(c_skip, sd**2 / (sigma**2 + sd**2))
    torch.testing.assert_close(c_out, sigma * sd / torch.sqrt(sigma**2 + sd**2))
    torch.testing.assert_close(c_noise, sigma.log() / 4)
    torch.testing.assert_close(c_skip + c_out**2 / sd**2, torch.ones_like(sigma))
    # unit-variance network target: Var[(x - c_skip (x + sigma n)) / c_out] = 1 for Var[x] = sd^2
    target_variance = ((1 - c_skip) ** 2 * sd**2 + c_skip**2 * sigma**2) / c_out**2
    torch.testing.assert_close(target_variance, torch.ones_like(sigma))
    # unit-variance network input: Var[c_in (x + sigma n)] = 1
    torch.testing.assert_close(c_in**2 * (sd**2 + sigma**2), torch.ones_like(sigma))


def test_karras_sigmas_match_diffusers():
    from diffusers import EDMEulerScheduler

    for steps in (2, 3, 5, 10):
        scheduler = EDMEulerScheduler(sigma_min=2e-3, sigma_max=5.0, sigma_data=0.5, rho=7.0)
        scheduler.set_timesteps(steps)
        torch.testing.assert_close(karras_sigmas(SamplerConfig(num_steps=steps)), scheduler.sigmas.float(), rtol=1e-5, atol=1e-6)


def test_frame_scaling_round_trips():
    frames = torch.randint(0, 256, (2, 3, 8, 8), dtype=torch.uint8)
    assert torch.equal(frames_to_uint8(frames_to_model(frames)), frames)


# -- sampling --------------------------------------------------------------------------------------
def _context(batch=2, size=16, seed=0):
    g = torch.Generator().manual_seed(seed)
    frames = torch.randint(0, 256, (batch, 4, 3, size, size), dtype=torch.uint8, generator=g)
    actions = torch.rand(batch, 4, 4, generator=g) * 2 - 1
    return frames, actions


@pytest.mark.parametrize("order", [1, 2])
def test_sampling_is_seeded_and_uint8(order):
    model = Denoiser(DenoiserConfig(**TINY)).eval()
    frames, actions = _context()
    cfg = SamplerConfig(num_steps=3, order=order)
    a = sample_next_frame(model, frames, actions, cfg, torch.Generator().manual_seed(1))
    b = sample_next_frame(model, frames, actions, cfg, torch.Generator().manual_seed(1))
    c = sample_next_frame(model, frames, actions, cfg, torch.Generator().manual_seed(2))
    assert a.dtype == torch.uint8 and a.shape == (2, 3, 16, 16)
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_non_finite_model_output_is_an_error_not_a_frame():
    model = Denoiser(DenoiserConfig(**TINY)).eval()
    with torch.no_grad():
        model.unet.conv_out.bias.fill_(float("nan"))
    frames, actions = _context()
    with pytest.raises(FloatingPointError, match="NaN or infinite"):
        sample_next_frame(model, frames, actions, SamplerConfig(), torch.Generator().manual_seed(0))


def test_rollout_shapes():
    model = Denoiser(DenoiserConfig(**TINY)).eval()
    frames, _ = _context()
    actions = torch.zeros(2, 3 + 5, 4)
    out = autoregressive_rollout(model, frames, actions, SamplerConfig(num_steps=1), torch.Generator().manual_seed(0))
    assert out.shape == (2, 5, 3, 16, 16) and out.dtype == torch.uint8


# -- metrics ---------------------------------------------------------------------------------------
def test_psnr_and_ssim():
    real = torch.randint(0, 256, (2, 3, 32, 32), dtype=torch.uint8)
    assert torch.isinf(psnr(real, real)).all()
    torch.testing.assert_close(ssim(real, real), torch.ones(2))
    flat = torch.full((2, 3, 32, 32), 128, dtype=torch.uint8)
    slightly, badly = ((flat.float() + torch.randn(flat.shape) * s).clamp(0, 255).to(torch.uint8) for s in (2, 30))
    assert (psnr(badly, flat) < 20).all() and (psnr(slightly, flat) > 40).all()
    assert (ssim(badly, flat) < 0.3).all() and (ssim(slightly, flat) > 0.7).all()


# -- bundle ----------------------------------------------------------------------------------------
def _manifest(**overrides):
    values = dict(tasks=["coffee-pull"], image_size=16, action_repeat=3, episode_steps=50, camera=CameraConfig().to_dict())
    values.update(overrides)
    return Manifest(**values)


def test_bundle_round_trip_gives_identical_samples(tmp_path):
    model = Denoiser(DenoiserConfig(**TINY)).eval()
    torch.nn.init.normal_(model.unet.conv_out.weight, std=0.1)  # make the output depend on the weights
    save_bundle(tmp_path / "bundle", _manifest(), model)
    manifest, loaded, sampler = load_bundle(tmp_path / "bundle")
    frames, actions = _context()
    a = sample_next_frame(model, frames, actions, sampler, torch.Generator().manual_seed(3))
    b = sample_next_frame(loaded, frames, actions, sampler, torch.Generator().manual_seed(3))
    assert torch.equal(a, b) and manifest.tasks == ["coffee-pull"]
    assert not list((tmp_path / "bundle").rglob("*.pt")) and not list((tmp_path / "bundle").rglob("*.pkl"))


def test_bundle_errors(tmp_path):
    with pytest.raises(BundleError, match="manifest.json is missing"):
        load_bundle(tmp_path)
    model = Denoiser(DenoiserConfig(**TINY))
    save_bundle(tmp_path / "b", _manifest(image_size=64), model)
    with pytest.raises(BundleError, match="image_size 16 != manifest 64"):
        load_bundle(tmp_path / "b")
    manifest_path = tmp_path / "b" / "manifest.json"
    data = json.loads(manifest_path.read_text())
    data["format_version"] = 7
    manifest_path.write_text(json.dumps(data))
    with pytest.raises(BundleError, match="format_version 7 is not supported"):
        load_bundle(tmp_path / "b")


def test_weights_that_do_not_match_config_are_refused(tmp_path):
    save_world_model(tmp_path / "wm", Denoiser(DenoiserConfig(**TINY)))
    config = json.loads((tmp_path / "wm" / "config.json").read_text())
    config["channels"] = [32, 32]
    (tmp_path / "wm" / "config.json").write_text(json.dumps(config))
    with pytest.raises(BundleError, match=r"model.safetensors: tensor '.*' has shape \(64,\), but the model of .*config.json needs \(128,\)"):
        load_world_model(tmp_path / "wm")


# -- training --------------------------------------------------------------------------------------
def _tiny_dataset(folder, episodes=4, steps=12, size=16):
    """Frames with a moving bright square whose motion is set by the action: learnable in a few steps."""
    from dreamgym.data.episode import make_episode, save_episode

    rng = np.random.default_rng(0)
    for index in range(episodes):
        x = 4
        frames, actions = [], []
        for t in range(steps + 1):
            frame = np.zeros((3, size, size), np.uint8)
            frame[:, 6:10, x : x + 4] = 255
            frames.append(frame)
            if t < steps:
                action = np.array([rng.choice([-1.0, 1.0]), 0, 0, 0], np.float32)
                actions.append(action)
                x = int(np.clip(x + action[0], 0, size - 4))
        meta = {"task": "toy", "source": "random", "index": index, "camera": CameraConfig().to_dict(), "action_repeat": 1,
                "episode_steps": steps, "width": size, "height": size}
        save_episode(make_episode(np.stack(frames), np.stack(actions), np.zeros(steps), np.zeros(steps + 1, bool), meta), folder / f"{index}.npz")


def _train_config(tmp_path, out, steps, **overrides):
    from dreamgym.world_model.train import TrainConfig

    values = dict(
        data=tmp_path / "data", out_dir=out, model=DenoiserConfig(**TINY), steps=steps, batch_size=8,
        learning_rate=1e-3, warmup_steps=5, checkpoint_every=5, eval_every=1000, log_every=5, holdout_every=4,
        rollout_steps=3, ema_decay=0.9,
    )
    values.update(overrides)
    return TrainConfig(**values)


def test_resumed_training_ends_where_uninterrupted_training_ends(tmp_path):
    from dreamgym.world_model.train import train_world_model

    _tiny_dataset(tmp_path / "data")
    train_world_model(_train_config(tmp_path, tmp_path / "full", 10), progress=False)
    train_world_model(_train_config(tmp_path, tmp_path / "split", 5), progress=False)  # "killed" after 5 steps
    (tmp_path / "split").rename(tmp_path / "moved")  # a moved run folder resumes too
    train_world_model(_train_config(tmp_path, tmp_path / "moved", 10), progress=False)  # resumed
    full = torch.load(tmp_path / "full" / "checkpoint.pt", weights_only=True)
    split = torch.load(tmp_path / "moved" / "checkpoint.pt", weights_only=True)
    assert full["step"] == split["step"] == 10
    for name, tensor in full["model"].items():
        torch.testing.assert_close(split["model"][name], tensor, rtol=0, atol=0, msg=name)


def test_rerunning_a_finished_run_keeps_its_summary(tmp_path):
    import json

    from dreamgym.world_model.train import train_world_model

    _tiny_dataset(tmp_path / "data")
    first = train_world_model(_train_config(tmp_path, tmp_path / "run", 3), progress=False)
    again = train_world_model(_train_config(tmp_path, tmp_path / "run", 3), progress=False)
    assert again["final_loss_mean_last_100"] == first["final_loss_mean_last_100"] is not None
    assert json.loads((tmp_path / "run" / "summary.json").read_text())["final_loss_mean_last_100"] == first["final_loss_mean_last_100"]


def test_resuming_with_other_settings_is_refused_naming_each(tmp_path):
    from dreamgym.world_model.train import train_world_model

    _tiny_dataset(tmp_path / "data")
    train_world_model(_train_config(tmp_path, tmp_path / "run", 2), progress=False)
    with pytest.raises(ValueError, match=r"learning_rate: 0.001 -> 0.01; batch_size|batch_size: 8 -> 4.*learning_rate: 0.001 -> 0.01"):
        train_world_model(_train_config(tmp_path, tmp_path / "run", 4, learning_rate=1e-2, batch_size=4), progress=False)
    train_world_model(_train_config(tmp_path, tmp_path / "run", 4, eval_every=500), progress=False)  # longer: allowed
    assert torch.load(tmp_path / "run" / "checkpoint.pt", weights_only=True)["step"] == 4


def test_settings_newer_than_a_checkpoint_resume_only_at_their_defaults(tmp_path):
    """A checkpoint written before a setting existed was trained with that setting's default."""
    import json

    from dreamgym.world_model.train import train_world_model

    _tiny_dataset(tmp_path / "data")
    train_world_model(_train_config(tmp_path, tmp_path / "run", 2), progress=False)
    path = tmp_path / "run" / "checkpoint.pt"
    state = torch.load(path, weights_only=True)
    old_config = json.loads(state["config"])
    for newer in ("window_sampling", "moving_pixel_weight"):
        del old_config[newer]
    del old_config["contact_sampling"]["tips_share"]  # a nested setting newer than the checkpoint
    state["config"] = json.dumps(old_config)
    torch.save(state, path)
    with pytest.raises(ValueError, match=r"moving_pixel_weight: None -> 2.0"):
        train_world_model(_train_config(tmp_path, tmp_path / "run", 3, moving_pixel_weight=2.0), progress=False)
    from dreamgym.data.contact_windows import ContactSamplingConfig

    with pytest.raises(ValueError, match=r"contact_sampling: .*'tips_share': 0.1"):
        train_world_model(_train_config(tmp_path, tmp_path / "run", 3, contact_sampling=ContactSamplingConfig(tips_share=0.1)), progress=False)
    train_world_model(_train_config(tmp_path, tmp_path / "run", 3), progress=False)
    assert torch.load(path, weights_only=True)["step"] == 3


def test_training_with_moving_pixel_weight_and_contact_sampling(tmp_path):
    from dreamgym.world_model.train import train_world_model

    _tiny_dataset(tmp_path / "data")
    summary = train_world_model(_train_config(tmp_path, tmp_path / "moving", 3, moving_pixel_weight=4.0), progress=False)
    assert summary["steps"] == 3 and np.isfinite(summary["final_loss_mean_last_100"])
    # the toy episodes carry no simulator states: contact sampling says so before training
    with pytest.raises(ValueError, match="needs Meta-World states"):
        train_world_model(_train_config(tmp_path, tmp_path / "contact", 3, window_sampling="contact"), progress=False)


def test_training_with_branch_onset_sampling(tmp_path):
    from dreamgym.data.episode import load_episode, save_episode
    from dreamgym.world_model.train import train_world_model

    _tiny_dataset(tmp_path / "data")
    # the toy episodes hold no counterfactual branch: the sampling says so before training
    with pytest.raises(ValueError, match=r"branch-onset found no counterfactual branch.*dreamgym collect --branch"):
        train_world_model(_train_config(tmp_path, tmp_path / "none", 3, window_sampling="branch-onset"), progress=False)
    path = tmp_path / "data" / "0.npz"
    episode = load_episode(path)
    episode.meta["branch"] = {"base": "expert", "kind": "stop", "at": 6, "lateral": 0.0, "duration": 0}
    save_episode(episode, path)
    summary = train_world_model(_train_config(tmp_path, tmp_path / "onset", 3, window_sampling="branch-onset"), progress=False)
    assert summary["steps"] == 3 and np.isfinite(summary["final_loss_mean_last_100"])


def test_fine_tuning_starts_from_the_given_weights(tmp_path):
    from dreamgym.world_model.train import train_world_model

    _tiny_dataset(tmp_path / "data")
    train_world_model(_train_config(tmp_path, tmp_path / "source", 5), progress=False)
    source = load_world_model(tmp_path / "source" / "world_model")
    # learning rate 0: the fine-tuned weights (and their EMA) must stay exactly the source's
    train_world_model(_train_config(tmp_path, tmp_path / "tuned", 3, learning_rate=0.0, init_from=tmp_path / "source" / "world_model"), progress=False)
    tuned = load_world_model(tmp_path / "tuned" / "world_model")
    for name, tensor in source.state_dict().items():
        torch.testing.assert_close(tuned.state_dict()[name], tensor, rtol=0, atol=0, msg=name)
    other = dict(TINY, channels=(8, 8))
    with pytest.raises(ValueError, match="leave the architecture flags out"):
        train_world_model(_train_config(tmp_path, tmp_path / "bad", 1, model=DenoiserConfig(**other),
                                        init_from=tmp_path / "source" / "world_model"), progress=False)
    with pytest.raises(FileNotFoundError, match="neither a bundle"):
        train_world_model(_train_config(tmp_path, tmp_path / "none", 1, init_from=tmp_path / "data"), progress=False)


@pytest.mark.slow
def test_tiny_model_overfits_tiny_dataset(tmp_path):
    from dreamgym.data.windows import TransitionWindows
    from dreamgym.world_model.train import train_world_model

    _tiny_dataset(tmp_path / "data")
    config = _train_config(tmp_path, tmp_path / "run", 300, holdout_every=1000, ema_decay=0.95)
    windows = TransitionWindows.from_folder(tmp_path / "data", progress=False)
    batch = windows.get(torch.arange(len(windows)))
    untrained = Denoiser(config.model).eval()
    before_loss = untrained.loss(frames_to_model(batch["context_frames"]), batch["context_actions"], frames_to_model(batch["next_frame"]), torch.Generator().manual_seed(0)).item()
    before = psnr(sample_next_frame(untrained, batch["context_frames"], batch["context_actions"], SamplerConfig(), torch.Generator().manual_seed(0)), batch["next_frame"]).mean()
    train_world_model(config, progress=False)
    trained = load_world_model(tmp_path / "run" / "world_model")
    after_loss = trained.loss(frames_to_model(batch["context_frames"]), batch["context_actions"], frames_to_model(batch["next_frame"]), torch.Generator().manual_seed(0)).item()
    after = psnr(sample_next_frame(trained, batch["context_frames"], batch["context_actions"], SamplerConfig(), torch.Generator().manual_seed(0)), batch["next_frame"]).mean()
    assert after_loss < before_loss / 5, (before_loss, after_loss)
    assert after > before + 10, (before, after)


@pytest.mark.slow
def test_two_cpu_processes_train_data_parallel(tmp_path):
    """accelerate + torchrun: 2 CPU processes, gradients all-reduced, replicas identical at the end."""
    import subprocess
    import sys

    _tiny_dataset(tmp_path / "data")
    command = [
        sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "-m", "dreamgym.cli",
        "train-world-model", "--data", str(tmp_path / "data"), "--out", str(tmp_path / "run"), "--steps", "4",
        "--batch-size", "4", "--size", "16", "--channels", "16", "16", "--checkpoint-every", "2",
        "--eval-every", "4", "--no-progress",
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    # both ranks print their summary at the same moment into one pipe: read JSON objects, not lines
    decoder, summaries, at = json.JSONDecoder(), [], done.stdout.find('{"steps"')
    while at >= 0:
        summary, end = decoder.raw_decode(done.stdout, at)
        summaries.append(summary)
        at = done.stdout.find('{"steps"', end)
    assert len(summaries) == 2
    assert all(s["processes"] == 2 and s["replicas_in_sync"] for s in summaries)
    assert (tmp_path / "run" / "world_model" / "model.safetensors").exists()


def test_export_bundle_from_a_training_run(tmp_path):
    from dreamgym.export import export_bundle
    from dreamgym.world_model.train import train_world_model

    _tiny_dataset(tmp_path / "data")
    with pytest.raises(FileNotFoundError, match="not a finished training run"):
        export_bundle(tmp_path / "nothing", tmp_path / "bundle")
    train_world_model(_train_config(tmp_path, tmp_path / "run", 2), progress=False)
    export_bundle(tmp_path / "run", tmp_path / "bundle", metrics={"psnr_1": 30.0}, notes="test")
    manifest, denoiser, sampler = load_bundle(tmp_path / "bundle")
    assert manifest.tasks == ["toy"] and manifest.image_size == 16 and manifest.episode_steps == 12
    assert manifest.provenance["metrics"] == {"psnr_1": 30.0}
    assert manifest.provenance["data"]["episodes_total"] == 4 and manifest.provenance["training"]["steps_trained"] == 2
    # a weights-only export from the latest full-state checkpoint (e.g. of a run still training)
    export_bundle(tmp_path / "run", tmp_path / "from_checkpoint", from_checkpoint=True)
    manifest, from_checkpoint, _ = load_bundle(tmp_path / "from_checkpoint")
    assert manifest.provenance["training"]["exported_from"].startswith("checkpoint")
    for name, tensor in denoiser.state_dict().items():  # the finished run exports the same EMA weights
        torch.testing.assert_close(from_checkpoint.state_dict()[name], tensor, msg=name)
    assert manifest.provenance["model"]["parameters"] == denoiser.num_parameters()


def test_learning_rate_warms_up_holds_and_anneals_at_the_end():
    from dreamgym.world_model.train import TrainConfig, learning_rate_factor

    factors = [learning_rate_factor(step, 4, 20, 8) for step in range(21)]
    assert factors[:4] == [0.25, 0.5, 0.75, 1.0] and set(factors[4:13]) == {1.0}
    assert all(a > b for a, b in zip(factors[12:20], factors[13:20]))  # the last 8 steps fall
    assert factors[16] == pytest.approx(0.5) and 0 < factors[19] < 0.05 and factors[20] == 0.0
    assert [learning_rate_factor(step, 4, 20, 0) for step in (3, 19, 20)] == [1.0, 1.0, 1.0]
    with pytest.raises(ValueError, match="lr_decay_steps must be an integer from 0 to steps"):
        TrainConfig(data="d", out_dir="o", steps=10, lr_decay_steps=11)


def test_a_constant_rate_run_may_be_resumed_with_an_anneal(tmp_path):
    from dreamgym.world_model.train import train_world_model

    _tiny_dataset(tmp_path / "data")
    train_world_model(_train_config(tmp_path, tmp_path / "run", 5), progress=False)
    train_world_model(_train_config(tmp_path, tmp_path / "run", 10, lr_decay_steps=5), progress=False)
    state = torch.load(tmp_path / "run" / "checkpoint.pt", weights_only=True)
    assert state["step"] == 10
    assert state["optimizer"]["param_groups"][0]["lr"] == pytest.approx(0.0, abs=1e-12)  # annealed to 0 at the end


def test_a_time_limit_stops_the_run_exports_it_and_a_rerun_resumes(tmp_path):
    import json

    from dreamgym.export import export_bundle
    from dreamgym.world_model.train import train_world_model

    _tiny_dataset(tmp_path / "data")
    summary = train_world_model(_train_config(tmp_path, tmp_path / "run", 10, time_limit_s=0.0), progress=False)
    assert summary["steps"] == 1 and summary["steps_planned"] == 10 and summary["stopped_by_time_limit"]
    assert torch.load(tmp_path / "run" / "checkpoint.pt", weights_only=True)["step"] == 1  # checkpointed where it stopped
    assert json.loads((tmp_path / "run" / "summary.json").read_text())["steps"] == 1
    export_bundle(tmp_path / "run", tmp_path / "bundle")  # a stopped run is a finished one, with its steps
    assert load_bundle(tmp_path / "bundle")[0].provenance["training"]["steps_trained"] == 1
    summary = train_world_model(_train_config(tmp_path, tmp_path / "run", 10), progress=False)  # resumed, no limit
    assert summary["steps"] == 10 and not summary["stopped_by_time_limit"]
    assert torch.load(tmp_path / "run" / "checkpoint.pt", weights_only=True)["step"] == 10
    with pytest.raises(ValueError, match="time_limit_s must be a number of seconds >= 0"):
        _train_config(tmp_path, tmp_path / "other", 10, time_limit_s=-1.0)
