"""Action encoders: how continuous actions condition the world model (World4RL's ablation).

``two_hot`` (the default, World4RL's contribution) spreads each action dimension over its two
nearest of ``K`` evenly spaced bins on [-1, 1]; it is lossless (``decode(encode(a)) == a``) and
differentiable. ``one_hot`` snaps to the nearest bin; ``linear`` feeds the raw values. Whatever the
encoding, an MLP maps the encoded last-4 actions to the U-Net's conditioning vector.
"""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Integral

import torch
from torch import nn

ENCODINGS = ("two_hot", "one_hot", "linear")


def bin_centers(num_bins: int, device=None) -> torch.Tensor:
    """``num_bins`` evenly spaced values from -1 to 1."""
    return torch.linspace(-1.0, 1.0, num_bins, device=device)


def two_hot(actions: torch.Tensor, num_bins: int = 21) -> torch.Tensor:
    """Two-hot encode ``(..., D)`` actions into ``(..., D, num_bins)``; values are clipped to [-1, 1].

    For ``b_k <= a <= b_{k+1}``: weight ``(b_{k+1} - a) / (b_{k+1} - b_k)`` on bin ``k`` and
    ``(a - b_k) / (b_{k+1} - b_k)`` on bin ``k+1``; all other bins are 0, and the weights sum to 1.
    """
    if num_bins < 2:
        raise ValueError(f"two_hot needs at least 2 bins, got {num_bins}.")
    position = (actions.clamp(-1.0, 1.0) + 1.0) / 2.0 * (num_bins - 1)  # in [0, num_bins - 1]
    lower = position.floor().clamp(max=num_bins - 2)
    upper_weight = position - lower
    encoded = torch.zeros(*actions.shape, num_bins, dtype=actions.dtype, device=actions.device)
    encoded.scatter_(-1, lower.long().unsqueeze(-1), (1.0 - upper_weight).unsqueeze(-1))
    encoded.scatter_add_(-1, (lower.long() + 1).unsqueeze(-1), upper_weight.unsqueeze(-1))
    return encoded


def one_hot(actions: torch.Tensor, num_bins: int = 21) -> torch.Tensor:
    """Encode ``(..., D)`` actions as the one-hot of the nearest of ``num_bins`` bins."""
    index = ((actions.clamp(-1.0, 1.0) + 1.0) / 2.0 * (num_bins - 1)).round().long()
    return nn.functional.one_hot(index, num_bins).to(actions.dtype)


def decode_bins(encoded: torch.Tensor) -> torch.Tensor:
    """Inverse of :func:`two_hot`: ``sum_k t[k] * b_k`` over the last axis."""
    return (encoded * bin_centers(encoded.shape[-1], encoded.device)).sum(-1)


@dataclass
class ActionEncoderConfig:
    """:param encoding: ``two_hot``, ``one_hot`` or ``linear``. :param num_bins: K for the binned encodings."""

    encoding: str = "two_hot"
    num_bins: int = 21
    action_dim: int = 4
    num_actions: int = 4

    def __post_init__(self) -> None:
        if self.encoding not in ENCODINGS:
            raise ValueError(f"Unknown action encoding {self.encoding!r}; choose one of {ENCODINGS}.")
        if isinstance(self.num_bins, bool) or not isinstance(self.num_bins, Integral) or self.num_bins < 2:
            raise ValueError(f"num_bins must be an integer >= 2, got {self.num_bins!r}.")

    @property
    def encoded_size(self) -> int:
        per_dim = 1 if self.encoding == "linear" else self.num_bins
        return self.num_actions * self.action_dim * per_dim


class ActionEncoder(nn.Module):
    """``(B, num_actions, action_dim)`` actions -> ``(B, embedding_dim)`` conditioning vector."""

    def __init__(self, config: ActionEncoderConfig, embedding_dim: int):
        super().__init__()
        self.config = config
        self.mlp = nn.Sequential(
            nn.Linear(config.encoded_size, embedding_dim), nn.SiLU(), nn.Linear(embedding_dim, embedding_dim)
        )

    def encode(self, actions: torch.Tensor) -> torch.Tensor:
        """The fixed (not learned) encoding, flattened to ``(B, encoded_size)``."""
        expected = (self.config.num_actions, self.config.action_dim)
        if actions.shape[1:] != expected:
            raise ValueError(f"Expected actions of shape (B, {expected[0]}, {expected[1]}), got {tuple(actions.shape)}.")
        if self.config.encoding == "two_hot":
            encoded = two_hot(actions, self.config.num_bins)
        elif self.config.encoding == "one_hot":
            encoded = one_hot(actions, self.config.num_bins)
        else:
            encoded = actions.clamp(-1.0, 1.0)
        return encoded.flatten(1)

    def forward(self, actions: torch.Tensor, hidden: torch.Tensor | None = None) -> torch.Tensor:
        """The conditioning vector; rows where the boolean ``(B,)`` mask ``hidden`` is True get the
        *null action* instead: an all-zero encoding, which no real action has (a binned encoding sums
        to 1 per dimension). See ``DenoiserConfig.action_dropout`` and ``SamplerConfig.action_guidance``."""
        encoded = self.encode(actions)
        if hidden is not None:
            encoded = encoded * (~hidden).to(encoded.dtype).unsqueeze(1)
        return self.mlp(encoded)
