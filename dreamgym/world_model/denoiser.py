"""The EDM-preconditioned denoiser: predicts the next frame from 4 context frames and 4 actions.

    D(x; sigma, ctx) = c_skip(sigma) x + c_out(sigma) F(c_in(sigma) x; c_noise(sigma), ctx)

with sigma_data = 0.5 and frames scaled to [-1, 1] (Karras et al. 2022, as in DIAMOND). F is a
diffusers ``UNet2DModel``: the context frames are concatenated with the noisy frame on the channel
axis, and the action embedding is added to the noise-level embedding, reaching every residual block
through adaptive group norm (``class_embed_type="identity"``, ``resnet_time_scale_shift="scale_shift"``).
Optionally the U-Net runs behind a pixel-unshuffle (``patch_size=2``: half resolution, 4x channels),
which makes it ~4x cheaper on a CPU.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from numbers import Real

import torch
from diffusers import UNet2DModel
from torch import nn

from dreamgym.world_model.actions import ActionEncoder, ActionEncoderConfig

NOISE_EMBEDDING_SCALE = 1000.0
"""c_noise = log(sigma)/4 lies in about [-1.6, 0.4]; it is scaled by this before the sinusoidal
embedding, whose frequencies are made for timesteps in the hundreds."""


def check_positive_number(value, name: str) -> float:
    """``value`` as a finite real number > 0 (booleans and strings refused); ``ValueError`` naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}.")
    return float(value)


@dataclass
class DenoiserConfig:
    """Architecture and training-noise settings of the world model.

    :param image_size: frame height and width in pixels.
    :param context_frames: number of past frames (and actions) conditioning the prediction.
    :param channels: U-Net channel widths per resolution level.
    :param layers_per_block: residual blocks per level.
    :param patch_size: pixel-unshuffle factor (1 = none, 2 = U-Net at half resolution).
    :param sigma_data: EDM's data standard deviation.
    :param train_log_sigma_mean: mean of log(sigma) for training noise levels.
    :param train_log_sigma_std: standard deviation of log(sigma) for training noise levels.
    :param context_noise_max: context frames get Gaussian noise of a std drawn from [0, this] during
        training, so the model tolerates its own imperfect frames in autoregressive rollouts.
    :param action_dropout: share of training examples whose actions are replaced by the null action
        (all-zero encoding), so that the model also learns to predict from the frames alone. A model
        trained with it can be sampled with action guidance (``SamplerConfig.action_guidance``), as
        classifier-free guidance (Ho and Salimans 2022) does with class labels; 0 = never.
    """

    image_size: int = 64
    context_frames: int = 4
    channels: tuple[int, ...] = (64, 64, 128, 128)
    layers_per_block: int = 1
    patch_size: int = 2
    actions: ActionEncoderConfig = field(default_factory=ActionEncoderConfig)
    sigma_data: float = 0.5
    train_log_sigma_mean: float = -0.4
    train_log_sigma_std: float = 1.2
    context_noise_max: float = 0.1
    action_dropout: float = 0.0

    def __post_init__(self) -> None:
        if isinstance(self.actions, dict):
            self.actions = ActionEncoderConfig(**self.actions)
        if not isinstance(self.actions, ActionEncoderConfig):
            raise TypeError(f"actions must be an ActionEncoderConfig or its dict, got {self.actions!r}.")
        self.channels = tuple(int(c) for c in self.channels)
        check_positive_number(self.sigma_data, "sigma_data")
        for name in ("image_size", "context_frames", "layers_per_block", "patch_size"):
            value = getattr(self, name)
            if type(value) is not int or value < 1:
                raise ValueError(f"{name} must be an integer >= 1, got {value!r}.")
        if not self.channels or min(self.channels) < 8:
            raise ValueError(f"channels must be one or more widths >= 8 (multiples of 8), got {self.channels}.")
        if self.patch_size < 1 or self.image_size % self.patch_size:
            raise ValueError(f"patch_size must be >= 1 and divide image_size {self.image_size}, got {self.patch_size}.")
        levels = len(self.channels)
        inner = self.image_size // self.patch_size
        if inner % (2 ** (levels - 1)):
            raise ValueError(
                f"A U-Net with {levels} levels halves the resolution {levels - 1} times; "
                f"{inner}x{inner} (image_size / patch_size) is not divisible by {2 ** (levels - 1)}."
            )
        if any(c % 8 for c in self.channels):
            raise ValueError(f"channel widths must be multiples of 8 (group norm), got {self.channels}.")
        dropout = self.action_dropout
        if isinstance(dropout, bool) or not isinstance(dropout, Real) or not 0 <= dropout < 1:
            raise ValueError(f"action_dropout must be a number in [0, 1), got {dropout!r}.")
        self.action_dropout = float(dropout)
        if self.action_dropout and self.actions.encoding == "linear":
            raise ValueError(
                "action_dropout needs a binned action encoding (two_hot or one_hot): with 'linear' the null action "
                "(all zeros) is the same as the real action 0."
            )
        if self.actions.num_actions != self.context_frames:
            raise ValueError("The action encoder must take as many actions as there are context frames.")

    def to_dict(self) -> dict:
        data = asdict(self)
        if not self.action_dropout:  # configs written before action dropout existed stay byte-identical
            del data["action_dropout"]
        return data


class Denoiser(nn.Module):
    """EDM denoiser ``D(x; sigma, context)`` with the loss used to train it."""

    def __init__(self, config: DenoiserConfig):
        super().__init__()
        self.config = config
        p = config.patch_size
        embedding_dim = 4 * config.channels[0]
        groups = min(32, config.channels[0] // 2)
        self.unet = UNet2DModel(
            sample_size=config.image_size // p,
            in_channels=3 * (config.context_frames + 1) * p * p,
            out_channels=3 * p * p,
            block_out_channels=config.channels,
            layers_per_block=config.layers_per_block,
            down_block_types=("DownBlock2D",) * len(config.channels),
            up_block_types=("UpBlock2D",) * len(config.channels),
            norm_num_groups=groups,
            time_embedding_type="positional",
            class_embed_type="identity",
            resnet_time_scale_shift="scale_shift",
            add_attention=False,
        )
        self.action_encoder = ActionEncoder(config.actions, embedding_dim)

    # -- EDM preconditioning ---------------------------------------------------------------------
    def preconditioning(self, sigma: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """``(c_skip, c_out, c_in, c_noise)`` for noise levels ``sigma`` of shape ``(B,)``."""
        sd = self.config.sigma_data
        c_skip = sd**2 / (sigma**2 + sd**2)
        c_out = sigma * sd / (sigma**2 + sd**2).sqrt()
        c_in = 1.0 / (sigma**2 + sd**2).sqrt()
        c_noise = sigma.log() / 4.0
        return c_skip, c_out, c_in, c_noise

    def raw_network(
        self,
        scaled_noisy: torch.Tensor,
        c_noise: torch.Tensor,
        context: torch.Tensor,
        actions: torch.Tensor,
        actions_hidden: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """F: the U-Net on ``[context frames, scaled noisy frame]`` conditioned on noise level and actions
        (the null action where the boolean ``(B,)`` mask ``actions_hidden`` is True)."""
        batch = scaled_noisy.shape[0]
        stacked = torch.cat([context.reshape(batch, -1, *context.shape[-2:]), scaled_noisy], dim=1)
        p = self.config.patch_size
        if p > 1:
            stacked = nn.functional.pixel_unshuffle(stacked, p)
        action_embedding = self.action_encoder(actions, actions_hidden)
        out = self.unet(stacked, c_noise * NOISE_EMBEDDING_SCALE, class_labels=action_embedding).sample
        return nn.functional.pixel_shuffle(out, p) if p > 1 else out

    def forward(
        self,
        noisy: torch.Tensor,
        sigma: torch.Tensor,
        context: torch.Tensor,
        actions: torch.Tensor,
        actions_hidden: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Denoised estimate of the next frame in [-1, 1] scale.

        :param noisy: ``(B, 3, H, W)`` noisy next frame. :param sigma: ``(B,)`` noise levels.
        :param context: ``(B, T, 3, H, W)`` context frames in [-1, 1]. :param actions: ``(B, T, A)``.
        :param actions_hidden: optional boolean ``(B,)``: predict those rows from the frames alone (null action).
        """
        c_skip, c_out, c_in, c_noise = (c.view(-1, 1, 1, 1) if c.ndim else c for c in self.preconditioning(sigma))
        network_out = self.raw_network(c_in * noisy, c_noise.flatten(), context, actions, actions_hidden)
        return c_skip * noisy + c_out * network_out

    # -- training ----------------------------------------------------------------------------------
    def loss(
        self,
        context: torch.Tensor,
        actions: torch.Tensor,
        target: torch.Tensor,
        generator: torch.Generator | None = None,
        pixel_weights: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """EDM training loss on a batch (frames in [-1, 1]); all noise is drawn from ``generator``.

        :param pixel_weights: optional ``(B, 1, H, W)`` weight per pixel (see :func:`moving_pixel_weights`);
            the loss is then the weighted mean of the squared errors.

        With ``action_dropout`` > 0 and the model in training mode, that share of the batch (drawn last
        from ``generator``, so runs without it draw exactly what they drew before) is trained on the null
        action; in eval mode (validation) every example keeps its actions.
        """
        cfg = self.config
        batch, device = target.shape[0], target.device

        def randn(*shape):
            return torch.randn(*shape, generator=generator, device="cpu").to(device)

        def rand(*shape):
            return torch.rand(*shape, generator=generator, device="cpu").to(device)

        if cfg.context_noise_max > 0:
            context_std = rand(batch, 1, 1, 1, 1) * cfg.context_noise_max
            context = context + context_std * randn(*context.shape)
        sigma = (cfg.train_log_sigma_mean + cfg.train_log_sigma_std * randn(batch)).exp()
        noisy = target + sigma.view(-1, 1, 1, 1) * randn(*target.shape)
        c_skip, c_out, c_in, c_noise = self.preconditioning(sigma)
        c_skip, c_out, c_in = (c.view(-1, 1, 1, 1) for c in (c_skip, c_out, c_in))
        actions_hidden = rand(batch) < cfg.action_dropout if cfg.action_dropout > 0 and self.training else None
        prediction = self.raw_network(c_in * noisy, c_noise, context, actions, actions_hidden)
        network_target = (target - c_skip * noisy) / c_out
        if pixel_weights is None:
            return nn.functional.mse_loss(prediction.float(), network_target.float())
        squared_error = (prediction.float() - network_target.float()).pow(2)
        weights = pixel_weights.float().expand_as(squared_error)
        return (weights * squared_error).sum() / weights.sum()

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())


MOVING_PIXEL_THRESHOLD = 0.1
"""A pixel moves when a channel changes by more than this (in [-1, 1] units, about 13 of 255 grey levels)."""


def moving_pixel_weights(last_context: torch.Tensor, target: torch.Tensor, extra_weight: float) -> torch.Tensor:
    """``(B, 1, H, W)`` loss weights: ``1 + extra_weight`` where the next frame differs from the last
    context frame (and at the 8 neighbours of such a pixel), 1 elsewhere.

    Moving pixels are the arm, the object it carries or leaves behind, and whatever the action
    changed: a small part of a 64x64 frame that decides what happens next.
    """
    changed = (target - last_context).abs().amax(dim=1, keepdim=True) > MOVING_PIXEL_THRESHOLD
    near_changed = nn.functional.max_pool2d(changed.float(), kernel_size=3, stride=1, padding=1)
    return 1.0 + extra_weight * near_changed


def frames_to_model(frames: torch.Tensor) -> torch.Tensor:
    """uint8 frames in [0, 255] -> float in [-1, 1]."""
    return frames.float().div(127.5).sub(1.0)


def frames_to_uint8(values: torch.Tensor) -> torch.Tensor:
    """float in [-1, 1] -> uint8 in [0, 255], rounded exactly like a real frame is stored."""
    return values.clamp(-1.0, 1.0).add(1.0).mul(127.5).round().to(torch.uint8)


def log_normal_sigma_range(config: DenoiserConfig, stds: float = 3.0) -> tuple[float, float]:
    """The noise levels covered by +-``stds`` standard deviations of the training distribution."""
    low = config.train_log_sigma_mean - stds * config.train_log_sigma_std
    high = config.train_log_sigma_mean + stds * config.train_log_sigma_std
    return math.exp(low), math.exp(high)
