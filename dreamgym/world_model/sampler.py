"""Sampling the next frame: Karras noise schedule with Euler or Heun steps, batched and seeded.

DIAMOND showed that 3 Euler steps are stable for RL rollouts; that is the default. All randomness
comes from the ``torch.Generator`` passed in, so the same seed gives the same frames.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from numbers import Integral, Real

import torch

from dreamgym.world_model.denoiser import Denoiser, check_positive_number, frames_to_model, frames_to_uint8


@dataclass
class SamplerConfig:
    """:param num_steps: denoising steps (1-10). :param order: 1 = Euler, 2 = Heun.
    :param sigma_min: smallest noise level. :param sigma_max: starting noise level. :param rho: Karras' rho.
    :param action_guidance: weight ``w`` of action guidance, ``D = D_null + w (D_actions - D_null)``
        (classifier-free guidance with the actions as the condition; from 0 to 10). 1 (the default)
        is plain conditional sampling; ``w`` > 1 exaggerates what the actions change beyond what the
        frames alone predict, at twice the network calls. Needs a world model trained with
        ``DenoiserConfig.action_dropout`` > 0, which knows the null action."""

    num_steps: int = 3
    order: int = 1
    sigma_min: float = 2e-3
    sigma_max: float = 5.0
    rho: float = 7.0
    action_guidance: float = 1.0

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
        guidance = self.action_guidance
        if isinstance(guidance, bool) or not isinstance(guidance, Real) or not 0 <= guidance <= 10:
            raise ValueError(f"action_guidance must be a number from 0 to 10 (1 = no guidance), got {guidance!r}.")
        self.action_guidance = float(guidance)

    def to_dict(self) -> dict:
        data = asdict(self)
        if self.action_guidance == 1.0:  # manifests written before action guidance existed stay byte-identical
            del data["action_guidance"]
        return data


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


def check_guidance_supported(denoiser: Denoiser, config: SamplerConfig) -> None:
    """Refuse action guidance for a world model that never learned the null action."""
    if config.action_guidance != 1.0 and denoiser.config.action_dropout == 0:
        raise ValueError(
            f"action_guidance={config.action_guidance:g} needs a world model trained with action dropout "
            "(train-world-model --action-dropout, e.g. 0.1); this one was not, so it cannot predict without actions. "
            "Use action_guidance=1."
        )


def guided_denoiser_output(
    denoiser: Denoiser, x: torch.Tensor, sigma: torch.Tensor, context: torch.Tensor, actions: torch.Tensor, guidance: float
) -> torch.Tensor:
    """``D(x; sigma)`` with action guidance ``guidance`` (one batched network call of twice the size if != 1)."""
    batch = x.shape[0]
    if guidance == 1.0:
        return denoiser(x, sigma.expand(batch), context, actions)
    hidden = torch.arange(2 * batch, device=x.device) >= batch
    both = denoiser(
        torch.cat([x, x]), sigma.expand(2 * batch), torch.cat([context, context]), torch.cat([actions, actions]), hidden
    )
    with_actions, without_actions = both[:batch], both[batch:]
    return without_actions + guidance * (with_actions - without_actions)


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
    check_guidance_supported(denoiser, config)
    guidance = config.action_guidance
    sigmas = karras_sigmas(config).to(noise.device)
    x = noise * sigmas[0]
    for i in range(config.num_steps):
        sigma, next_sigma = sigmas[i], sigmas[i + 1]
        denoised = guided_denoiser_output(denoiser, x, sigma, context, actions, guidance)
        slope = (x - denoised) / sigma
        x_next = x + slope * (next_sigma - sigma)
        if config.order == 2 and next_sigma > 0:
            denoised_next = guided_denoiser_output(denoiser, x_next, next_sigma, context, actions, guidance)
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
