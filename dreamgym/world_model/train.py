"""``dreamgym train-world-model``: train the diffusion world model on recorded episodes.

* Data: :class:`~dreamgym.data.TransitionWindows` over any tasks; 1 in ``holdout_every`` episodes
  (by episode index) is held out for validation.
* AdamW with linear warm-up, optionally a cosine anneal to 0 over the last ``lr_decay_steps``
  (:func:`learning_rate_factor`), gradient clipping, EMA weights (the EMA weights are what ships).
* Devices and processes through Hugging Face ``accelerate``: ``accelerate launch --num_processes N
  -m dreamgym.cli train-world-model ...`` trains data-parallel on N GPUs, and ``torchrun
  --nproc_per_node 2 -m dreamgym.cli train-world-model ...`` on 2 CPU processes (gloo); each process
  draws its own batch (effective batch = N x batch_size) and the run checks at the end that all
  replicas hold identical weights. bf16 autocast is used where a CUDA GPU is present.
* Every random draw comes from generators seeded by (seed, step, process), so a run that is killed
  and resumed from its checkpoint ends exactly where an uninterrupted run ends.
* Full-state checkpoints (model, EMA, optimizer, scheduler, step) are written atomically to
  ``out_dir/checkpoint.pt`` every ``checkpoint_every`` steps; a rerun with the same ``out_dir``
  resumes. The weights-only world model is exported to ``out_dir/world_model/`` (safetensors).
* ``time_limit_s``: stop early, after the step at which this process has trained that long (a
  lease on a GPU machine ends at a fixed time). The run then checkpoints, evaluates and exports as
  at its last step; the summary says where it stopped, and a rerun resumes from there.
* Fine-tuning: ``init_from`` (a bundle or a ``world_model/`` folder) starts a new run from those
  weights (the EMA starts there too) with a fresh optimizer; the architecture is the source's (its
  ``action_dropout``, a training setting, may differ).
* TensorBoard (``out_dir/tensorboard``): loss, learning rate, validation loss and one-step PSNR,
  predicted-vs-real frame grids, and an autoregressive rollout (as a filmstrip and an MP4 file).
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm

from dreamgym.data.branch_windows import BranchOnsetSamplingConfig, branch_onset_sampling_weights
from dreamgym.data.contact_windows import ContactSamplingConfig, contact_sampling_weights
from dreamgym.data.episode import load_episodes, split_held_out
from dreamgym.data.windows import TransitionWindows, check_batch_size
from dreamgym.runs import hardware_description, recent_loss, resume_training_state, save_training_state
from dreamgym.world_model.denoiser import Denoiser, DenoiserConfig, frames_to_model, moving_pixel_weights
from dreamgym.world_model.evaluation import psnr, rollout_episode
from dreamgym.world_model.sampler import SamplerConfig, sample_next_frame

WINDOW_SAMPLINGS = ("uniform", "contact", "branch-onset")
"""How training windows are drawn: uniformly, contact-balanced (:mod:`dreamgym.data.contact_windows`), or with a
share of every batch from the first windows of counterfactual branches (:mod:`dreamgym.data.branch_windows`)."""


@dataclass
class TrainConfig:
    """Settings of one world-model training run (see the module docstring)."""

    data: Path
    out_dir: Path
    tasks: list[str] | None = None
    model: DenoiserConfig = field(default_factory=DenoiserConfig)
    steps: int = 8000
    batch_size: int = 32
    learning_rate: float = 3e-4
    weight_decay: float = 1e-2
    warmup_steps: int = 200
    lr_decay_steps: int = 0
    grad_clip: float = 1.0
    ema_decay: float = 0.999
    seed: int = 0
    holdout_every: int = 10
    checkpoint_every: int = 250
    log_every: int = 25
    eval_every: int = 500
    rollout_steps: int = 20
    compile: bool = False
    torch_threads: int | None = None
    time_limit_s: float | None = None
    init_from: Path | None = None
    window_sampling: str = "uniform"
    contact_sampling: ContactSamplingConfig = field(default_factory=ContactSamplingConfig)
    branch_onset_sampling: BranchOnsetSamplingConfig = field(default_factory=BranchOnsetSamplingConfig)
    moving_pixel_weight: float = 0.0

    def __post_init__(self) -> None:
        self.data, self.out_dir = Path(self.data), Path(self.out_dir)
        self.init_from = Path(self.init_from) if self.init_from is not None else None
        if isinstance(self.model, dict):
            self.model = DenoiserConfig(**self.model)
        if isinstance(self.contact_sampling, dict):
            self.contact_sampling = ContactSamplingConfig(**self.contact_sampling)
        if isinstance(self.branch_onset_sampling, dict):
            self.branch_onset_sampling = BranchOnsetSamplingConfig(**self.branch_onset_sampling)
        if self.window_sampling not in WINDOW_SAMPLINGS:
            raise ValueError(f"window_sampling must be one of {WINDOW_SAMPLINGS}, got {self.window_sampling!r}.")
        weight = self.moving_pixel_weight
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not 0 <= weight <= 100:
            raise ValueError(f"moving_pixel_weight must be a number from 0 to 100 (0 = unweighted loss), got {weight!r}.")
        for name in ("steps", "batch_size", "checkpoint_every", "log_every", "eval_every", "holdout_every"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}.")
        if type(self.lr_decay_steps) is not int or not 0 <= self.lr_decay_steps <= self.steps:
            raise ValueError(f"lr_decay_steps must be an integer from 0 to steps ({self.steps}), got {self.lr_decay_steps!r}.")
        check_batch_size(self.batch_size)
        limit = self.time_limit_s
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, (int, float)) or not 0 <= limit < math.inf):
            raise ValueError(f"time_limit_s must be a number of seconds >= 0 (None = no limit), got {limit!r}.")
        if not 0 <= self.ema_decay < 1:
            raise ValueError(f"ema_decay must be in [0, 1), got {self.ema_decay}.")

    def to_dict(self) -> dict:
        data = asdict(self)
        data["data"], data["out_dir"] = str(self.data), str(self.out_dir)
        data["init_from"] = str(self.init_from) if self.init_from is not None else None
        data["contact_sampling"] = self.contact_sampling.to_dict()
        if self.window_sampling == "branch-onset":
            data["branch_onset_sampling"] = self.branch_onset_sampling.to_dict()
        else:  # configs of runs without it stay as they were written before it existed
            del data["branch_onset_sampling"]
        return data


def world_model_folder(path: str | Path) -> Path:
    """The ``world_model/`` folder of a bundle, or ``path`` itself if it already is one.

    :raises FileNotFoundError: if neither a bundle nor a world-model folder is there.
    :raises BundleError: if a bundle's manifest is invalid or a file differs from its recorded sha256.
    """
    path = Path(path)
    if (path / "manifest.json").is_file():
        from dreamgym.bundle import component_folder, read_manifest, verify_checksums

        manifest = read_manifest(path)
        verify_checksums(path, manifest)
        return component_folder(path, manifest, "world_model")
    if (path / "config.json").is_file() and (path / "model.safetensors").is_file():
        return path
    raise FileNotFoundError(f"{path} is neither a bundle (manifest.json) nor a world-model folder (config.json + model.safetensors).")


def initial_world_model(path: str | Path) -> Denoiser:
    """The world model a fine-tuning run starts from (see :func:`world_model_folder`)."""
    from dreamgym.bundle import load_world_model

    return load_world_model(world_model_folder(path))


RESUMABLE_CHANGES = (
    "steps", "checkpoint_every", "log_every", "eval_every", "rollout_steps", "compile", "torch_threads", "lr_decay_steps",
    "time_limit_s",
)
"""Settings a resumed run may change: how long and how visibly it trains, and the learning rate's final
anneal (a run trained at a constant rate may be resumed with more steps and an anneal at their end). A moved
or renamed run folder resumes too (:data:`dreamgym.runs.RUN_FOLDER_SETTING`)."""


def learning_rate_factor(step: int, warmup_steps: int, total_steps: int, decay_steps: int) -> float:
    """Multiplier of the base learning rate at ``step`` (0-based): a linear warm-up over ``warmup_steps``,
    constant, then over the last ``decay_steps`` of ``total_steps`` a cosine anneal to 0 (none if 0)."""
    factor = min(1.0, (step + 1) / max(1, warmup_steps))
    decay_start = total_steps - decay_steps
    if decay_steps and step >= decay_start:
        progress = min(1.0, (step - decay_start) / decay_steps)
        factor *= 0.5 * (1.0 + math.cos(math.pi * progress))
    return factor


def step_generator(seed: int, step: int, process: int, stream: int) -> torch.Generator:
    """A generator for one purpose (``stream``) at one step of one process: resumable by construction."""
    return torch.Generator().manual_seed(((seed * 1_000_003 + step) * 97 + process) * 7 + stream)


class _LossModule(torch.nn.Module):
    """Wraps the denoiser so that data-parallel wrappers see the loss as ``forward``."""

    def __init__(self, denoiser: Denoiser):
        super().__init__()
        self.denoiser = denoiser

    def forward(self, context, actions, target, generator, pixel_weights=None):
        return self.denoiser.loss(context, actions, target, generator, pixel_weights)


def train_world_model(config: TrainConfig, progress: bool = True) -> dict:
    """Train (or resume) a world model; return a summary with losses, timing and hardware."""
    from accelerate import Accelerator
    from diffusers.training_utils import EMAModel
    from torch.utils.tensorboard import SummaryWriter

    if config.torch_threads:
        torch.set_num_threads(config.torch_threads)
    use_cuda = torch.cuda.is_available()
    accelerator = Accelerator(mixed_precision="bf16" if use_cuda else "no", cpu=not use_cuda)
    device, rank, is_main = accelerator.device, accelerator.process_index, accelerator.is_main_process
    config.out_dir.mkdir(parents=True, exist_ok=True)

    contact = config.window_sampling == "contact"
    episodes = load_episodes(config.data, tasks=config.tasks, progress=progress and is_main, with_states=contact)
    train_episodes, val_episodes = split_held_out(episodes, config.holdout_every)
    if not train_episodes:
        raise ValueError(
            f"No training episodes under {config.data} for tasks={config.tasks}; expected dreamgym episode files "
            f"(.npz, written by `dreamgym collect` or `dreamgym import-minari`) of those tasks (None = any task)."
        )
    train_windows = TransitionWindows(train_episodes, context=config.model.context_frames)
    val_windows = TransitionWindows(val_episodes, context=config.model.context_frames) if val_episodes else None
    sampling_weights = None
    if contact:
        sampling_weights, group_counts = contact_sampling_weights(train_episodes, config.model.context_frames, config.contact_sampling)
        if is_main:
            print(f"contact-balanced sampling: training windows per group {group_counts}")
    elif config.window_sampling == "branch-onset":
        sampling_weights, onset_count = branch_onset_sampling_weights(
            train_episodes, config.model.context_frames, config.branch_onset_sampling
        )
        if onset_count == 0:
            raise ValueError(
                f"--window-sampling branch-onset found no counterfactual branch among the training episodes under "
                f"{config.data}; record some with `dreamgym collect --branch N`, or sample uniformly."
            )
        if is_main:
            print(f"branch-onset sampling: {onset_count} of {len(train_windows)} training windows are branch onsets")
    if val_windows is None and is_main:
        print(f"note: no episode index is held out with holdout_every={config.holdout_every}; validation is skipped")
    if train_windows.frame_shape[-1] != config.model.image_size:
        raise ValueError(
            f"Data frames are {train_windows.frame_shape[-1]}px but the model expects image_size={config.model.image_size}."
        )

    torch.manual_seed(config.seed)  # identical initial weights in every process
    denoiser = Denoiser(config.model)
    checkpoint_path = config.out_dir / "checkpoint.pt"
    if config.init_from is not None and not checkpoint_path.exists():
        source = initial_world_model(config.init_from)
        if replace(source.config, action_dropout=config.model.action_dropout) != config.model:
            raise ValueError(
                f"--init-from {config.init_from} has model {source.config.to_dict()}, the run asks for "
                f"{config.model.to_dict()}; leave the architecture flags out when fine-tuning."
            )
        denoiser.load_state_dict(source.state_dict())
        if is_main:
            print(f"fine-tuning from {config.init_from}")
    ema = EMAModel(denoiser.parameters(), decay=config.ema_decay)
    optimizer = torch.optim.AdamW(denoiser.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay)
    scheduler = torch.optim.lr_scheduler.LambdaLR(  # a plain function: a resumed run applies its own steps and anneal
        optimizer, lambda step: learning_rate_factor(step, config.warmup_steps, config.steps, config.lr_decay_steps)
    )

    start_step, elapsed_before = resume_training_state(
        checkpoint_path, config, denoiser, ema, optimizer, scheduler, RESUMABLE_CHANGES, done="trained", redo="train"
    )
    if start_step and is_main:
        print(f"resuming from {checkpoint_path} at step {start_step}")
    ema.to(device)

    loss_module = _LossModule(denoiser)
    if config.compile:
        loss_module = torch.compile(loss_module)
    loss_module, optimizer = accelerator.prepare(loss_module, optimizer)
    writer = SummaryWriter(str(config.out_dir / "tensorboard")) if is_main else None
    if writer and start_step == 0:
        writer.add_text("config", f"```\n{json.dumps(config.to_dict(), indent=2)}\n```")
        writer.add_scalar("model/parameters", denoiser.num_parameters(), 0)

    def save_checkpoint(step: int, elapsed: float) -> None:
        if not is_main:
            return
        # the denoiser holds the same parameters the (possibly wrapped) loss module trains
        save_training_state(checkpoint_path, denoiser, ema, optimizer, scheduler, step, elapsed, hardware_description(device), config)

    losses: list[float] = []
    start_time = time.perf_counter()
    bar = tqdm(total=config.steps, initial=start_step, desc="train world model", unit="step", disable=not (progress and is_main))
    done = start_step
    for step in range(start_step, config.steps):
        loss_module.train()
        batch = train_windows.sample(config.batch_size, step_generator(config.seed, step, rank, 0), sampling_weights)
        context = frames_to_model(batch["context_frames"].to(device))
        target = frames_to_model(batch["next_frame"].to(device))
        actions = batch["context_actions"].to(device)
        pixel_weights = moving_pixel_weights(context[:, -1], target, config.moving_pixel_weight) if config.moving_pixel_weight else None
        with accelerator.autocast():
            loss = loss_module(context, actions, target, step_generator(config.seed, step, rank, 1), pixel_weights)
        if not torch.isfinite(loss):
            raise FloatingPointError(f"Training loss became {loss.item()} at step {step}; lower the learning rate.")
        accelerator.backward(loss)
        if config.grad_clip:
            accelerator.clip_grad_norm_(loss_module.parameters(), config.grad_clip)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        ema.step(denoiser.parameters())
        losses.append(loss.item())
        bar.update(1)
        done = step + 1
        if writer and done % config.log_every == 0:
            writer.add_scalar("train/loss", float(np.mean(losses[-config.log_every :])), done)
            writer.add_scalar("train/lr", scheduler.get_last_lr()[0], done)
            bar.set_postfix(loss=f"{np.mean(losses[-config.log_every:]):.4f}")
        out_of_time = _time_is_up(accelerator, config.time_limit_s, time.perf_counter() - start_time)
        last = done == config.steps or out_of_time
        if done % config.checkpoint_every == 0 or last:
            save_checkpoint(done, elapsed_before + time.perf_counter() - start_time)
        if writer and val_windows is not None and (done % config.eval_every == 0 or last):
            metrics = evaluate_during_training(denoiser, ema, val_windows, config, writer, done, device)
            bar.write(f"step {done}: " + ", ".join(f"{k} {v:.4f}" for k, v in metrics.items()))
        if out_of_time:
            bar.write(f"stopping after step {done} of {config.steps}: the time limit of {config.time_limit_s:g} s is reached")
            break
    bar.close()
    accelerator.wait_for_everyone()
    replicas_in_sync = _replicas_in_sync(accelerator, denoiser)
    elapsed = elapsed_before + time.perf_counter() - start_time
    summary = {
        "steps": done,
        "steps_planned": config.steps,
        "stopped_by_time_limit": done < config.steps,
        "final_loss_mean_last_100": recent_loss(losses, 100, config.out_dir, "final_loss_mean_last_100"),
        "wall_time_s": round(elapsed, 1),
        "hardware": hardware_description(device),
        "processes": accelerator.num_processes,
        "replicas_in_sync": replicas_in_sync,
        "parameters": denoiser.num_parameters(),
    }
    if is_main:
        from dreamgym.bundle import save_world_model

        with ema_weights(ema, denoiser):
            save_world_model(config.out_dir / "world_model", denoiser)
        (config.out_dir / "summary.json").write_text(json.dumps(summary, indent=2))
        writer.close()
    accelerator.wait_for_everyone()
    # with several processes, tear the process group down before exit: left to interpreter shutdown, a rank
    # sometimes aborted ("terminate called without an active exception") after training had finished
    accelerator.end_training()
    return summary


def _time_is_up(accelerator, limit_s: float | None, elapsed_s: float) -> bool:
    """Whether the run stops here for its time limit; with several processes, all stop at the same step."""
    if limit_s is None:
        return False
    up = elapsed_s >= limit_s
    if accelerator.num_processes > 1:  # one process out of time stops them all
        flag = torch.tensor([float(up)], device=accelerator.device)
        up = bool(accelerator.reduce(flag, reduction="max").item())
    return up


def _replicas_in_sync(accelerator, model: torch.nn.Module) -> bool:
    """In data-parallel training every process must end with identical weights; check a checksum."""
    checksum = torch.stack([p.detach().double().sum() for p in model.parameters()]).sum().reshape(1)
    gathered = accelerator.gather(checksum.to(accelerator.device)).cpu()
    if not torch.allclose(gathered, gathered[0].expand_as(gathered), rtol=1e-9, atol=0):
        raise RuntimeError(f"Data-parallel replicas diverged (weight checksums {gathered.tolist()}).")
    return True


class ema_weights:
    """Context manager: temporarily swap the EMA weights into ``model``."""

    def __init__(self, ema, model: torch.nn.Module):
        self.ema, self.model = ema, model

    def __enter__(self):
        self.ema.store(self.model.parameters())
        self.ema.copy_to(self.model.parameters())
        return self.model

    def __exit__(self, *exc):
        self.ema.restore(self.model.parameters())


@torch.no_grad()
def evaluate_during_training(denoiser, ema, val_windows, config: TrainConfig, writer, step: int, device) -> dict:
    """Validation loss and one-step PSNR on a fixed held-out batch, image grid and a rollout video."""
    from dreamgym.media import grid, side_by_side, to_hwc, upscale, write_video

    batch = val_windows.get(torch.linspace(0, len(val_windows) - 1, 16).long())
    context_u8 = batch["context_frames"].to(device)
    actions = batch["context_actions"].to(device)
    with ema_weights(ema, denoiser):
        denoiser.eval()
        loss = denoiser.loss(frames_to_model(context_u8), actions, frames_to_model(batch["next_frame"].to(device)), torch.Generator().manual_seed(0))
        predicted = sample_next_frame(denoiser, context_u8, actions, SamplerConfig(), torch.Generator(device).manual_seed(0) if device.type == "cuda" else torch.Generator().manual_seed(0))
        episode_number = int(val_windows.window_episode[0])
        real, imagined = rollout_episode(denoiser, val_windows, episode_number, config.rollout_steps, SamplerConfig(), seed=0)
    one_step_psnr = psnr(predicted.cpu(), batch["next_frame"]).mean().item()
    rollout_psnr = psnr(torch.from_numpy(imagined[-1]), torch.from_numpy(real[-1])).item()
    writer.add_scalar("val/loss", loss.item(), step)
    writer.add_scalar("val/psnr_1_step", one_step_psnr, step)
    writer.add_scalar(f"val/psnr_rollout_{config.rollout_steps}_steps", rollout_psnr, step)
    pairs = torch.stack([batch["next_frame"][:8], predicted.cpu()[:8]], dim=1).flatten(0, 1).numpy()
    writer.add_image("val/real_vs_predicted", grid(upscale(to_hwc(pairs), 2), columns=8), step, dataformats="HWC")
    strip = side_by_side([real, imagined])
    writer.add_image("val/rollout_real_vs_imagined", grid(to_hwc(strip[:: max(1, len(strip) // 8)]), columns=8), step, dataformats="HWC")
    write_video(config.out_dir / "rollouts" / f"step{step:06d}.mp4", strip, fps=8)
    return {"val_loss": loss.item(), "psnr_1_step": one_step_psnr, "psnr_rollout": rollout_psnr}


def parameter_count_m(config: DenoiserConfig) -> float:
    """Parameters of a world model with ``config``, in millions."""
    return Denoiser(config).num_parameters() / 1e6


__all__ = ["TrainConfig", "parameter_count_m", "train_world_model"]
