"""Fidelity of a world model: PSNR, SSIM and autoregressive rollouts against real trajectories."""

from __future__ import annotations

import numpy as np
import torch
from torch.nn import functional as F

from dreamgym.world_model.denoiser import Denoiser
from dreamgym.world_model.sampler import SamplerConfig, noise_generator, sample_next_frame


def psnr(predicted: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
    """Peak signal-to-noise ratio (dB) per image of uint8 batches ``(..., 3, H, W)``; identical -> inf."""
    error = (predicted.float() - real.float()).pow(2).flatten(-3).mean(-1)
    return 10 * torch.log10(255.0**2 / error)


def _gaussian_window(size: int = 11, sigma: float = 1.5) -> torch.Tensor:
    coords = torch.arange(size, dtype=torch.float64) - (size - 1) / 2
    kernel = torch.exp(-(coords**2) / (2 * sigma**2))
    kernel = kernel / kernel.sum()
    return (kernel[:, None] * kernel[None, :]).float()


def ssim(predicted: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
    """Structural similarity (Wang et al. 2004; 11x11 Gaussian window, sigma 1.5) per image of uint8
    batches ``(B, 3, H, W)``, averaged over channels and pixels."""
    x, y = predicted.float(), real.float()
    channels = x.shape[1]
    window = _gaussian_window().to(x.device).expand(channels, 1, 11, 11)
    conv = lambda image: F.conv2d(image, window, groups=channels)  # noqa: E731  (valid padding)
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    mu_x, mu_y = conv(x), conv(y)
    var_x = conv(x * x) - mu_x**2
    var_y = conv(y * y) - mu_y**2
    cov = conv(x * y) - mu_x * mu_y
    score = ((2 * mu_x * mu_y + c1) * (2 * cov + c2)) / ((mu_x**2 + mu_y**2 + c1) * (var_x + var_y + c2))
    return score.flatten(1).mean(1)


@torch.no_grad()
def autoregressive_rollout(
    denoiser: Denoiser,
    start_frames: torch.Tensor,
    actions: torch.Tensor,
    sampler: SamplerConfig = SamplerConfig(),
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Imagine a batch of trajectories from real starts and given actions.

    :param start_frames: uint8 ``(B, T, 3, H, W)``, the first T real frames.
    :param actions: ``(B, T - 1 + N, A)``: the T-1 actions between the start frames, then N actions to imagine.
    :returns: uint8 ``(B, N, 3, H, W)``, the imagined frames after the start frames.
    """
    context = start_frames.clone()
    history = start_frames.shape[1]
    steps = actions.shape[1] - (history - 1)
    if steps < 1:
        raise ValueError(f"Need more than {history - 1} actions to imagine anything, got {actions.shape[1]}.")
    imagined = []
    for step in range(steps):
        step_actions = actions[:, step : step + history]
        frame = sample_next_frame(denoiser, context, step_actions, sampler, generator)
        imagined.append(frame)
        context = torch.cat([context[:, 1:], frame[:, None]], dim=1)
    return torch.stack(imagined, dim=1)


def rollout_episode(
    denoiser: Denoiser, windows, episode_number: int, steps: int, sampler: SamplerConfig, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Real and imagined frames ``(T + steps, 3, H, W)`` of one stored episode, from its first T frames
    and its real actions (the first T frames of both are the real ones)."""
    frames, actions = windows.episode(episode_number)
    history = windows.context
    steps = min(steps, frames.shape[0] - history)
    device = next(denoiser.parameters()).device
    generator = noise_generator(device, seed)
    imagined = autoregressive_rollout(
        denoiser,
        frames[None, :history].to(device),
        actions[None, : history - 1 + steps].to(device),
        sampler,
        generator,
    )[0].cpu()
    real = frames[: history + steps]
    return real.numpy(), torch.cat([frames[:history], imagined]).numpy()
