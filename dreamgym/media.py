"""Pictures people look at: videos of rollouts and contact sheets of frames (imageio)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import imageio.v3 as iio
import numpy as np


def to_hwc(frames: np.ndarray) -> np.ndarray:
    """``(..., 3, H, W)`` channel-first uint8 -> ``(..., H, W, 3)``."""
    frames = np.asarray(frames)
    if frames.dtype != np.uint8 or frames.shape[-3] != 3:
        raise ValueError(f"Expected uint8 frames of shape (..., 3, H, W), got {frames.dtype} {frames.shape}.")
    return np.moveaxis(frames, -3, -1)


def upscale(images: np.ndarray, factor: int) -> np.ndarray:
    """Nearest-neighbour upscaling of ``(..., H, W, C)`` images, so 64x64 frames are visible."""
    return images.repeat(factor, axis=-3).repeat(factor, axis=-2) if factor > 1 else images


def grid(images: np.ndarray, columns: int, pad: int = 2, value: int = 255) -> np.ndarray:
    """Tile ``(N, H, W, 3)`` images into one picture with ``columns`` columns and white padding."""
    count, height, width, channels = images.shape
    rows = -(-count // columns)
    canvas = np.full((rows * (height + pad) + pad, columns * (width + pad) + pad, channels), value, np.uint8)
    for i, image in enumerate(images):
        r, c = divmod(i, columns)
        y, x = pad + r * (height + pad), pad + c * (width + pad)
        canvas[y : y + height, x : x + width] = image
    return canvas


def write_video(path: str | Path, frames: np.ndarray, fps: int = 10, scale: int = 4) -> Path:
    """Write ``(T, 3, H, W)`` uint8 frames as an MP4 (or GIF, by suffix), upscaled ``scale`` times."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    images = upscale(to_hwc(frames), scale)
    if path.suffix.lower() == ".gif":
        iio.imwrite(path, images, duration=1000 / fps, loop=0)
    else:
        iio.imwrite(path, images, fps=fps, codec="libx264", macro_block_size=1)
    return path


def side_by_side(videos: Sequence[np.ndarray], pad: int = 2) -> np.ndarray:
    """Join equally long ``(T, 3, H, W)`` videos left to right with a white gap: ``(T, 3, H, W_total)``."""
    length = min(len(v) for v in videos)
    parts = []
    for i, video in enumerate(videos):
        parts.append(video[:length])
        if i < len(videos) - 1:
            parts.append(np.full((length, 3, video.shape[2], pad), 255, np.uint8))
    return np.concatenate(parts, axis=3)
