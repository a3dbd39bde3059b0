"""One-step distillation of the world model's sampler (dreamgym.world_model.distill)."""

from __future__ import annotations

import json

import pytest
import torch

from dreamgym.bundle import load_world_model
from dreamgym.world_model.denoiser import frames_to_model
from dreamgym.world_model.sampler import SamplerConfig, denoise_from_noise, sample_next_frame
from tests.test_world_model import _tiny_dataset, _train_config


@pytest.fixture(scope="module")
def teacher_run(tmp_path_factory):
    """A tiny world model trained for a few steps on the moving-square data, and that data."""
    from dreamgym.world_model.train import train_world_model

    root = tmp_path_factory.mktemp("teacher")
    _tiny_dataset(root / "data")
    train_world_model(_train_config(root, root / "teacher", 20, holdout_every=1000), progress=False)
    return root


def _config(root, out, steps, **overrides):
    from dreamgym.world_model.distill import DistillConfig

    values = dict(data=root / "data", teacher=root / "teacher" / "world_model", out_dir=out, steps=steps,
                  batch_size=8, learning_rate=1e-3, warmup_steps=2, checkpoint_every=5, log_every=5,
                  eval_every=1000, eval_windows=8, holdout_every=4, ema_decay=0.5)
    values.update(overrides)
    return DistillConfig(**values)


def test_sample_next_frame_is_the_quantised_ode_solution_of_its_noise():
    from dreamgym.world_model.denoiser import Denoiser, DenoiserConfig, frames_to_uint8
    from tests.test_world_model import TINY

    torch.manual_seed(0)
    denoiser = Denoiser(DenoiserConfig(**TINY)).eval()
    size = TINY["image_size"]
    frames = torch.randint(0, 256, (3, 4, 3, size, size), dtype=torch.uint8)
    actions = torch.rand(3, 4, 4) * 2 - 1
    sampled = sample_next_frame(denoiser, frames, actions, SamplerConfig(), torch.Generator().manual_seed(5))
    noise = torch.randn(3, 3, size, size, generator=torch.Generator().manual_seed(5))
    with torch.no_grad():
        solved = denoise_from_noise(denoiser, frames_to_model(frames), actions, noise, SamplerConfig())
    assert torch.equal(sampled, frames_to_uint8(solved))


def test_one_step_sampling_returns_the_denoiser_output_at_sigma_max():
    from dreamgym.world_model.denoiser import Denoiser, DenoiserConfig
    from tests.test_world_model import TINY

    torch.manual_seed(0)
    denoiser = Denoiser(DenoiserConfig(**TINY)).eval()
    size = TINY["image_size"]
    context = torch.rand(2, 4, 3, size, size) * 2 - 1
    actions = torch.rand(2, 4, 4) * 2 - 1
    noise = torch.randn(2, 3, size, size)
    one_step = SamplerConfig(num_steps=1)
    with torch.no_grad():
        out = denoise_from_noise(denoiser, context, actions, noise, one_step)
        direct = denoiser(noise * one_step.sigma_max, torch.full((2,), one_step.sigma_max), context, actions)
    torch.testing.assert_close(out, direct)


def test_distillation_brings_the_one_step_student_closer_to_the_teacher(teacher_run, tmp_path):
    from dreamgym.world_model.distill import distill_world_model

    summary = distill_world_model(_config(teacher_run, tmp_path / "student", 30, eval_every=30), progress=False)
    student = load_world_model(tmp_path / "student" / "world_model")
    assert json.loads((tmp_path / "student" / "sampler.json").read_text())["num_steps"] == 1
    assert summary["teacher_sampler"]["num_steps"] == 3
    # the same comparison with the undistilled teacher sampled in one step
    from dreamgym.data.windows import TransitionWindows
    from dreamgym.world_model.distill import heldout_psnr, load_teacher

    teacher, sampler = load_teacher(_config(teacher_run, tmp_path / "unused", 1))
    windows = TransitionWindows.from_folder(teacher_run / "data", progress=False)
    before = heldout_psnr(teacher, teacher, sampler, windows, 16)["psnr_student_vs_teacher"]
    after = heldout_psnr(student, teacher, sampler, windows, 16)["psnr_student_vs_teacher"]
    assert after > before + 1.0, (before, after)


def test_resumed_distillation_ends_where_an_uninterrupted_one_ends(teacher_run, tmp_path):
    from dreamgym.world_model.distill import distill_world_model

    distill_world_model(_config(teacher_run, tmp_path / "full", 6, checkpoint_every=3), progress=False)
    distill_world_model(_config(teacher_run, tmp_path / "before", 3, checkpoint_every=3), progress=False)
    (tmp_path / "before").rename(tmp_path / "split")  # a moved run folder resumes too
    distill_world_model(_config(teacher_run, tmp_path / "split", 6, checkpoint_every=3), progress=False)
    full = torch.load(tmp_path / "full" / "checkpoint.pt", weights_only=True)
    split = torch.load(tmp_path / "split" / "checkpoint.pt", weights_only=True)
    assert full["step"] == split["step"] == 6
    for name, tensor in full["model"].items():
        torch.testing.assert_close(split["model"][name], tensor, rtol=0, atol=0, msg=name)
    with pytest.raises(ValueError, match=r"learning_rate: 0.001 -> 0.01.*new --out folder"):
        distill_world_model(_config(teacher_run, tmp_path / "split", 8, checkpoint_every=3, learning_rate=1e-2), progress=False)


def test_bad_distillation_settings_are_refused(teacher_run, tmp_path):
    from dreamgym.world_model.distill import distill_world_model

    with pytest.raises(ValueError, match=r"batch_size must be an integer from 1 to 4096.*got 0"):
        _config(teacher_run, tmp_path / "x", 5, batch_size=0)
    with pytest.raises(ValueError, match=r"learning_rate must be a number in \(0, 1\), got 2"):
        _config(teacher_run, tmp_path / "x", 5, learning_rate=2)
    with pytest.raises(ValueError, match="already takes a single step"):
        distill_world_model(_config(teacher_run, tmp_path / "x", 5, teacher_sampler={"num_steps": 1}), progress=False)
    with pytest.raises(FileNotFoundError, match="neither a bundle"):
        distill_world_model(_config(teacher_run, tmp_path / "x", 5, teacher=teacher_run / "data"), progress=False)


def test_cli_distills_and_reports_bad_arguments_in_one_line(teacher_run, tmp_path, capsys):
    from dreamgym.cli import main

    code = main(["distill-world-model", "--teacher", str(teacher_run / "teacher" / "world_model"), "--data",
                 str(teacher_run / "data"), "--out", str(tmp_path / "cli"), "--steps", "2", "--batch-size", "4",
                 "--no-progress"])
    assert code == 0
    assert (tmp_path / "cli" / "world_model" / "model.safetensors").is_file()
    assert main(["distill-world-model", "--teacher", str(tmp_path / "missing"), "--out", str(tmp_path / "y")]) == 2
    assert "missing" in capsys.readouterr().err


def test_a_guided_teacher_gives_a_student_that_cannot_be_guided(tmp_path):
    """The student learns the guided sampler's output; it never learned the null action itself."""
    import dataclasses

    from dreamgym.bundle import save_world_model
    from dreamgym.world_model.distill import distill_world_model

    _tiny_dataset(tmp_path / "data")
    from dreamgym.world_model.denoiser import Denoiser, DenoiserConfig
    from tests.test_world_model import TINY

    torch.manual_seed(0)
    save_world_model(tmp_path / "plain", Denoiser(DenoiserConfig(**TINY)))
    guided = SamplerConfig(action_guidance=2.0).to_dict()
    with pytest.raises(ValueError, match="needs a world model trained with action dropout"):
        distill_world_model(_config(tmp_path, tmp_path / "refused", 1, teacher=tmp_path / "plain", teacher_sampler=guided),
                            progress=False)
    teacher = Denoiser(dataclasses.replace(DenoiserConfig(**TINY), action_dropout=0.2))
    save_world_model(tmp_path / "teacher" / "world_model", teacher)
    distill_world_model(_config(tmp_path, tmp_path / "student", 2, teacher_sampler=guided), progress=False)
    student = load_world_model(tmp_path / "student" / "world_model")
    assert student.config.action_dropout == 0.0
    assert json.loads((tmp_path / "student" / "summary.json").read_text())["teacher_sampler"]["action_guidance"] == 2.0
