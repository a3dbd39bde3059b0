"""A small CNN that says whether a frame shows the task solved (World4RL's reward classifier).

Trained from scratch (no pretrained backbone can be downloaded here). The decision threshold is part
of the config, so it travels with the weights in the bundle.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from numbers import Real

import torch
from torch import nn

from dreamgym.world_model.denoiser import frames_to_model


@dataclass
class RewardClassifierConfig:
    """:param image_size: frame size. :param channels: widths of the stride-2 conv levels.
    :param threshold: success when the predicted probability is at least this."""

    image_size: int = 64
    channels: tuple[int, ...] = (32, 64, 64, 128)
    threshold: float = 0.5

    def __post_init__(self) -> None:
        self.channels = tuple(int(c) for c in self.channels)
        if not self.channels or any(c < 8 or c % 8 for c in self.channels):
            raise ValueError(f"channels must be non-empty positive multiples of 8, got {self.channels}.")
        if type(self.image_size) is not int or self.image_size < 1:
            raise ValueError(f"image_size must be an integer >= 1, got {self.image_size!r}.")
        threshold = self.threshold
        if isinstance(threshold, bool) or not isinstance(threshold, Real) or not 0.0 < threshold < 1.0:
            raise ValueError(f"threshold must be a number in (0, 1) (exclusive), got {threshold!r}.")

    def to_dict(self) -> dict:
        return asdict(self)


class RewardClassifier(nn.Module):
    """``uint8 (B, 3, H, W)`` frames -> success logits ``(B,)``."""

    def __init__(self, config: RewardClassifierConfig):
        super().__init__()
        self.config = config
        layers, width = [], 3
        for channels in config.channels:
            layers += [nn.Conv2d(width, channels, 3, stride=2, padding=1), nn.GroupNorm(8, channels), nn.SiLU()]
            width = channels
        self.features = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.head = nn.Linear(width, 1)

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        if frames.dtype != torch.uint8 or frames.ndim != 4 or frames.shape[1] != 3:
            raise ValueError(f"Expected uint8 frames of shape (B, 3, H, W), got {frames.dtype} {tuple(frames.shape)}.")
        return self.head(self.features(frames_to_model(frames))).squeeze(-1)

    @torch.no_grad()
    def success_probability(self, frames: torch.Tensor) -> torch.Tensor:
        """Probability that each frame shows success."""
        return torch.sigmoid(self(frames))

    @torch.no_grad()
    def predict(self, frames: torch.Tensor) -> torch.Tensor:
        """Boolean success decision at the configured threshold."""
        return self.success_probability(frames) >= self.config.threshold
