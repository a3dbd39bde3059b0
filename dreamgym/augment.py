"""Image augmentation shared by the trainers of the reward classifier and of the BC policy."""

from __future__ import annotations

import torch


def random_shift(frames: torch.Tensor, shift: int, generator: torch.Generator) -> torch.Tensor:
    """Shift each frame by up to ``shift`` pixels (edge-replicated padding, then a random crop)."""
    if shift == 0:
        return frames
    batch, _, height, width = frames.shape
    padded = torch.nn.functional.pad(frames.float(), (shift,) * 4, mode="replicate").to(torch.uint8)
    offsets = torch.randint(0, 2 * shift + 1, (batch, 2), generator=generator)
    return torch.stack([padded[i, :, y : y + height, x : x + width] for i, (y, x) in enumerate(offsets.tolist())])
