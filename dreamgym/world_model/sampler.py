"""Sampling the next frame: Karras noise schedule with Euler or Heun steps, batched and seeded.

DIAMOND showed that 3 Euler steps are stable for RL rollouts; that is the default. All randomness
comes from the ``torch.Generator`` passed in, so the same seed gives the same frames.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from numbers import Integral

import torch

from dreamgym.world_model.denoiser import Denoiser, check_positive_number, frames_to_model, frames_to_uint8


@dataclass
class SamplerConfig:
    """:param num_steps: denoising steps (1-10). :param order: 1 = Euler, 2 = Heun.
    :param sigma_min: smallest noise level. :param sigma_max: starting noise level. :param rho: Karras' rho."""

    num_steps: int = 3
    order: int = 1
    sigma_min: float = 2e-3
    sigma_max: float = 5.0
    rho: float = 7.0

    def __post_init__(self) -> None:
        if isinstance(self.num_steps, bool) or not isinstance(self.num_steps, Integral):
            raise ValueError(f"num_steps must be an integer between 1 and 10, got {self.num_steps!r}.")
        if not 1 <= self.num_steps <= 10:
            raise ValueError(f"num_steps must be between 1 and 10, got {self.num_steps}.")
        if isinstance(self.order, bool) or not isinstance(self.order, Integral) or self.order not in (1, 2):
            raise ValueError(f"order must be 1 (Euler) or 2 (Heun), got {self.order!r}.")
        for name in ("sigma_min", "sigma_max", "rho"):
            check_positive_number(getattr(self, name), name)
        if not 0 < self.sigma_min < self.sigma_max:
            raise ValueError(f"Need 0 < sigma_min < sigma_max, got {self.sigma_min} and {self.sigma_max}.")

    def to_dict(self) -> dict:
        return asdict(self)


def noise_generator(device: torch.device, seed: int) -> torch.Generator:
    """A seeded source of sampling noise for models on ``device`` (on the GPU for CUDA, else the CPU)."""
    generator = torch.Generator(device) if device.type == "cuda" else torch.Generator()
    return generator.manual_seed(seed)


def karras_sigmas(config: SamplerConfig) -> torch.Tensor:
    """``num_steps`` noise levels from sigma_max down to sigma_min (Karras et al. 2022, eq. 5), then 0."""
    if config.num_steps == 1:
        sigmas = torch.tensor([config.sigma_max], dtype=torch.float64)
    else:
        ramp = torch.linspace(0, 1, config.num_steps, dtype=torch.float64)
        low, high = config.sigma_min ** (1 / config.rho), config.sigma_max ** (1 / config.rho)
        sigmas = (high + ramp * (low - high)) ** config.rho
    return torch.cat([sigmas, torch.zeros(1, dtype=torch.float64)]).float()


def denoise_from_noise(
    denoiser: Denoiser,
    context: torch.Tensor,
    actions: torch.Tensor,
    noise: torch.Tensor,
    config: SamplerConfig = SamplerConfig(),
) -> torch.Tensor:
    """Integrate the sampler's ODE from ``noise * sigma_max`` down to a clean frame (float, [-1, 1] scale).

    Deterministic given ``noise``; differentiable (the caller decides about gradients), which is what
    distillation (:mod:`dreamgym.world_model.distill`) needs.

    :param context: float ``(B, T, 3, H, W)`` context frames in [-1, 1] (:func:`frames_to_model`).
    :param actions: float ``(B, T, A)``; the last action is the one being taken now.
    :param noise: standard normal ``(B, 3, H, W)`` on the model's device.
    :returns: float ``(B, 3, H, W)``, not yet clamped or quantised.
    """
    batch = noise.shape[0]
    sigmas = karras_sigmas(config).to(noise.device)
    x = noise * sigmas[0]
    for i in range(config.num_steps):
        sigma, next_sigma = sigmas[i], sigmas[i + 1]
        denoised = denoiser(x, sigma.expand(batch), context, actions)
        slope = (x - denoised) / sigma
        x_next = x + slope * (next_sigma - sigma)
        if config.order == 2 and next_sigma > 0:
            denoised_next = denoiser(x_next, next_sigma.expand(batch), context, actions)
            slope_next = (x_next - denoised_next) / next_sigma
            x_next = x + (slope + slope_next) / 2 * (next_sigma - sigma)
        x = x_next
    return x


@torch.no_grad()
def sample_next_frame(
    denoiser: Denoiser,
    context_frames: torch.Tensor,
    context_actions: torch.Tensor,
    config: SamplerConfig = SamplerConfig(),
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Generate the next frame for a batch of contexts.

    :param context_frames: uint8 ``(B, T, 3, H, W)`` on the model's device.
    :param context_actions: float ``(B, T, A)``; the last action is the one being taken now.
    :param generator: source of all noise (on the CPU or the model's device).
    :returns: uint8 ``(B, 3, H, W)``, quantised exactly like real frames.
    """
    device = context_frames.device
    batch, _, channels, height, width = context_frames.shape
    noise_device = generator.device if generator is not None else device
    noise = torch.randn(batch, channels, height, width, generator=generator, device=noise_device).to(device)
    x = denoise_from_noise(denoiser, frames_to_model(context_frames), context_actions.float(), noise, config)
    if not torch.isfinite(x).all():
        raise FloatingPointError(
            "The world model produced NaN or infinite values; its weights or inputs are broken "
            "(check the bundle, the action values and the context frames)."
        )
    return frames_to_uint8(x)
