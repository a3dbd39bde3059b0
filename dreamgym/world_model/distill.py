"""``dreamgym distill-world-model``: a one-step world model distilled from the multi-step sampler.

The teacher is a trained world model with its sampler (3 Euler steps by default). Its sampler is a
deterministic map from the initial noise (and the context) to the next frame, so a student can learn
that map directly (knowledge distillation of a diffusion sampler, Luhman & Luhman 2021):

    student D_s(sigma_max * z; sigma_max, context)  ~=  teacher_sampler(z, context)

The student has the teacher's architecture and starts from its weights; one Euler step from
``sigma_max`` to 0 returns exactly ``D_s(sigma_max * z; sigma_max, context)``, so the distilled model
is sampled with ``SamplerConfig(num_steps=1)`` and costs one network call per frame instead of three.

* Data: the teacher's training data (:class:`~dreamgym.data.TransitionWindows`); only contexts and
  actions are used, targets come from the teacher. 1 in ``holdout_every`` episodes is held out.
* Loss: mean squared error to the teacher's output in [-1, 1] scale; AdamW, warm-up, gradient
  clipping, EMA weights (what is exported), as in :mod:`dreamgym.world_model.train`.
* Resumable: full-state checkpoints every ``checkpoint_every`` steps (``out_dir/checkpoint.pt``,
  written atomically); every random draw comes from generators seeded by (seed, step), so a resumed
  run ends exactly where an uninterrupted one ends. A resume with other settings is refused.
* TensorBoard: loss and, every ``eval_every`` steps, the held-out PSNR of the student against the
  teacher and against the real next frame (the teacher's own PSNR to the real frame next to it).
* Output: ``out_dir/world_model/`` (config + safetensors), ``out_dir/sampler.json`` (the one-step
  sampler) and ``out_dir/summary.json`` (with the digest of the teacher's weights, :func:`~dreamgym.bundle.weights_digest`);
  ``dreamgym add-distilled-world-model`` adds the student to the teacher's bundle.
"""

from __future__ import annotations

import copy
import json
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm

from dreamgym.data.episode import load_episodes, split_held_out
from dreamgym.data.windows import TransitionWindows, check_batch_size
from dreamgym.files import atomic_write_json
from dreamgym.runs import hardware_description, recent_loss, resume_training_state, save_training_state
from dreamgym.world_model.denoiser import Denoiser, frames_to_model
from dreamgym.world_model.evaluation import psnr
from dreamgym.world_model.sampler import SamplerConfig, check_guidance_supported, denoise_from_noise
from dreamgym.world_model.train import ema_weights, step_generator, world_model_folder

RESUMABLE_CHANGES = ("steps", "checkpoint_every", "log_every", "eval_every", "eval_windows", "torch_threads")
"""Settings a resumed distillation may change: how long and how visibly it runs, not what it learns (a moved run
folder resumes too, :data:`dreamgym.runs.RUN_FOLDER_SETTING`)."""


@dataclass
class DistillConfig:
    """Settings of one distillation run (see the module docstring).

    :param data: dataset root the teacher was trained on. :param teacher: a bundle or ``world_model/``
    folder; its sampler settings are the bundle's (or ``teacher_sampler``'s for a bare folder).
    """

    data: Path
    teacher: Path
    out_dir: Path
    tasks: list[str] | None = None
    steps: int = 1000
    batch_size: int = 16
    learning_rate: float = 5e-5
    weight_decay: float = 0.0
    warmup_steps: int = 50
    grad_clip: float = 1.0
    ema_decay: float = 0.995
    seed: int = 0
    holdout_every: int = 10
    checkpoint_every: int = 100
    log_every: int = 10
    eval_every: int = 250
    eval_windows: int = 64
    teacher_sampler: dict | None = None
    torch_threads: int | None = None

    def __post_init__(self) -> None:
        self.data, self.teacher, self.out_dir = Path(self.data), Path(self.teacher), Path(self.out_dir)
        check_batch_size(self.batch_size)
        for name in ("steps", "checkpoint_every", "log_every", "eval_every", "holdout_every", "eval_windows"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be an integer >= 1, got {value!r}.")
        if not (isinstance(self.learning_rate, (int, float)) and 0 < self.learning_rate < 1):
            raise ValueError(f"learning_rate must be a number in (0, 1), got {self.learning_rate!r}.")
        if not 0 <= self.ema_decay < 1:
            raise ValueError(f"ema_decay must be in [0, 1), got {self.ema_decay!r}.")
        if self.teacher_sampler is not None:
            SamplerConfig(**self.teacher_sampler)  # refuses bad settings with a clear message

    def to_dict(self) -> dict:
        data = asdict(self)
        for name in ("data", "teacher", "out_dir"):
            data[name] = str(data[name])
        return data


def load_teacher(config: DistillConfig) -> tuple[Denoiser, SamplerConfig]:
    """The frozen teacher world model and the sampler that defines its outputs."""
    from dreamgym.bundle import load_world_model, read_manifest

    folder = world_model_folder(config.teacher)
    if config.teacher_sampler is not None:
        sampler = SamplerConfig(**config.teacher_sampler)
    elif (config.teacher / "manifest.json").is_file():
        sampler = SamplerConfig(**read_manifest(config.teacher).sampler)
    else:
        sampler = SamplerConfig()
    if sampler.num_steps == 1 and sampler.order == 1:
        raise ValueError(f"The teacher's sampler already takes a single step ({sampler.to_dict()}); nothing to distil.")
    teacher = load_world_model(folder)
    check_guidance_supported(teacher, sampler)
    teacher.eval().requires_grad_(False)
    return teacher, sampler


def student_sampler(teacher_sampler: SamplerConfig) -> SamplerConfig:
    """The one-step sampler of a student of a teacher sampled with ``teacher_sampler``."""
    return SamplerConfig(num_steps=1, order=1, sigma_min=teacher_sampler.sigma_min, sigma_max=teacher_sampler.sigma_max, rho=teacher_sampler.rho)


def teacher_targets(teacher: Denoiser, sampler: SamplerConfig, context, actions, noise) -> torch.Tensor:
    """What the teacher's sampler makes of ``noise`` (clamped to the frame range, no gradient)."""
    with torch.no_grad():
        return denoise_from_noise(teacher, context, actions, noise, sampler).clamp(-1.0, 1.0)


def distillation_batch(windows: TransitionWindows, batch_size: int, generator: torch.Generator):
    """Contexts, actions and the standard-normal noise of one batch, all drawn from ``generator``."""
    batch = windows.sample(batch_size, generator)
    context = frames_to_model(batch["context_frames"])
    noise = torch.randn(batch_size, *context.shape[-3:], generator=generator)
    return context, batch["context_actions"].float(), noise, batch["next_frame"]


def distill_world_model(config: DistillConfig, progress: bool = True) -> dict:
    """Distil (or resume distilling) a one-step world model; return a summary (losses, PSNRs, timing)."""
    from diffusers.training_utils import EMAModel
    from torch.utils.tensorboard import SummaryWriter

    if config.torch_threads:
        torch.set_num_threads(config.torch_threads)
    config.out_dir.mkdir(parents=True, exist_ok=True)
    teacher, sampler = load_teacher(config)
    episodes = load_episodes(config.data, tasks=config.tasks, progress=progress)
    train_episodes, val_episodes = split_held_out(episodes, config.holdout_every)
    if not train_episodes:
        raise ValueError(
            f"No training episodes under {config.data} for tasks={config.tasks}; expected dreamgym episode files (.npz, "
            "`dreamgym collect`) of those tasks, the data the teacher was trained on."
        )
    if episodes[0].frames.shape[-1] != teacher.config.image_size:
        raise ValueError(
            f"{config.data} holds {episodes[0].frames.shape[-1]}px frames, the teacher expects {teacher.config.image_size}px."
        )
    train_windows = TransitionWindows(train_episodes, context=teacher.config.context_frames)
    val_windows = TransitionWindows(val_episodes or train_episodes, context=teacher.config.context_frames)

    student = copy.deepcopy(teacher).requires_grad_(True).train()
    # the student learns the (possibly guided) sampler's output, never the null action: it cannot be guided itself
    student.config = replace(teacher.config, action_dropout=0.0)
    ema = EMAModel(student.parameters(), decay=config.ema_decay)
    optimizer = torch.optim.AdamW(student.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay)
    warmup = max(1, config.warmup_steps)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: min(1.0, (step + 1) / warmup))
    one_step = student_sampler(sampler)

    checkpoint_path = config.out_dir / "checkpoint.pt"
    start_step, elapsed_before = resume_training_state(
        checkpoint_path, config, student, ema, optimizer, scheduler, RESUMABLE_CHANGES, done="distilled", redo="distil"
    )
    if start_step:
        print(f"resuming from {checkpoint_path} at step {start_step}")

    writer = SummaryWriter(str(config.out_dir / "tensorboard"))
    if start_step == 0:
        writer.add_text("config", f"```\n{json.dumps(config.to_dict(), indent=2)}\n```")

    def save_checkpoint(step: int, elapsed: float) -> None:
        save_training_state(checkpoint_path, student, ema, optimizer, scheduler, step, elapsed,
                            hardware_description(torch.device("cpu")), config)

    losses: list[float] = []
    metrics: dict[str, float] = {}
    start_time = time.perf_counter()
    bar = tqdm(total=config.steps, initial=start_step, desc="distil world model", unit="step", disable=not progress)
    for step in range(start_step, config.steps):
        context, actions, noise, _ = distillation_batch(train_windows, config.batch_size, step_generator(config.seed, step, 0, 0))
        target = teacher_targets(teacher, sampler, context, actions, noise)
        prediction = denoise_from_noise(student, context, actions, noise, one_step)
        loss = torch.nn.functional.mse_loss(prediction, target)
        if not torch.isfinite(loss):
            raise FloatingPointError(f"Distillation loss became {loss.item()} at step {step}; lower the learning rate.")
        loss.backward()
        torch.nn.utils.clip_grad_norm_(student.parameters(), config.grad_clip)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        ema.step(student.parameters())
        losses.append(loss.item())
        bar.update(1)
        done = step + 1
        if done % config.log_every == 0:
            writer.add_scalar("train/loss", float(np.mean(losses[-config.log_every :])), done)
            bar.set_postfix(loss=f"{np.mean(losses[-config.log_every:]):.5f}")
        if done % config.checkpoint_every == 0 or done == config.steps:
            save_checkpoint(done, elapsed_before + time.perf_counter() - start_time)
        if done % config.eval_every == 0 or done == config.steps:
            with ema_weights(ema, student):
                metrics = heldout_psnr(student, teacher, sampler, val_windows, config.eval_windows)
            for name, value in metrics.items():
                writer.add_scalar(f"val/{name}", value, done)
            bar.write(f"step {done}: " + ", ".join(f"{k} {v:.2f}" for k, v in metrics.items()))
    bar.close()

    from dreamgym.bundle import save_world_model, weights_digest

    with ema_weights(ema, student):
        student.eval()
        if not metrics:  # resumed after the last step: measure what is exported
            metrics = heldout_psnr(student, teacher, sampler, val_windows, config.eval_windows)
        save_world_model(config.out_dir / "world_model", student)
    atomic_write_json(config.out_dir / "sampler.json", one_step.to_dict())
    summary = {
        "steps": config.steps,
        "final_loss_mean_last_50": recent_loss(losses, 50, config.out_dir, "final_loss_mean_last_50"),
        "heldout": metrics,
        "teacher": str(config.teacher),
        "teacher_weights_sha256": weights_digest(teacher),
        "teacher_sampler": sampler.to_dict(),
        "student_sampler": one_step.to_dict(),
        "wall_time_s": round(elapsed_before + time.perf_counter() - start_time, 1),
        "hardware": hardware_description(torch.device("cpu")),
    }
    atomic_write_json(config.out_dir / "summary.json", summary)
    writer.close()
    return summary


@torch.no_grad()
def heldout_psnr(student: Denoiser, teacher: Denoiser, sampler: SamplerConfig, windows: TransitionWindows, count: int) -> dict[str, float]:
    """One-step PSNR (dB) on ``count`` fixed held-out windows: student vs teacher, and each vs reality."""
    from dreamgym.world_model.denoiser import frames_to_uint8

    indices = torch.linspace(0, len(windows) - 1, min(count, len(windows))).long()
    batch = windows.get(indices)
    context, actions = frames_to_model(batch["context_frames"]), batch["context_actions"].float()
    noise = torch.randn(len(indices), *context.shape[-3:], generator=torch.Generator().manual_seed(0))
    teacher_frames = frames_to_uint8(denoise_from_noise(teacher, context, actions, noise, sampler))
    student_frames = frames_to_uint8(denoise_from_noise(student, context, actions, noise, student_sampler(sampler)))
    real = batch["next_frame"]
    return {
        "psnr_student_vs_teacher": psnr(student_frames, teacher_frames).mean().item(),
        "psnr_student_vs_real": psnr(student_frames, real).mean().item(),
        "psnr_teacher_vs_real": psnr(teacher_frames, real).mean().item(),
    }


__all__ = ["DistillConfig", "distill_world_model", "student_sampler"]
