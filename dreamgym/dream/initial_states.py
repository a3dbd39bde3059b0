"""Real starting points for imagined episodes, shipped in a bundle as ``initial_states/episodes.npz``.

The file holds real trajectories (lossless, compressed, loaded without pickle)::

    frames   uint8   (M, L, 3, H, W)   the first L frames of M real episodes
    actions  float32 (M, L-1, A)       actions[:, t] led from frames[:, t] to frames[:, t+1]

An imagined world starts from ``history`` consecutive real frames and the ``history - 1`` actions
between them: by default the start of an episode (t = 0), or, for the paper's "random reset", any
point of the stored trajectories.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from dreamgym.data.episode import Episode

RESET_MODES = ("episode_start", "random")


@dataclass
class InitialStates:
    """Real trajectories to start imagination from."""

    frames: torch.Tensor
    actions: torch.Tensor

    def __post_init__(self) -> None:
        if self.frames.dtype != torch.uint8 or self.frames.ndim != 5 or self.frames.shape[2] != 3:
            raise ValueError(f"initial-state frames must be uint8 (M, L, 3, H, W), got {self.frames.dtype} {tuple(self.frames.shape)}.")
        if self.actions.shape[:2] != (self.frames.shape[0], self.frames.shape[1] - 1):
            raise ValueError(
                f"initial-state actions must be (M, L-1, A) = ({self.frames.shape[0]}, {self.frames.shape[1] - 1}, A), "
                f"got {tuple(self.actions.shape)}."
            )

    @classmethod
    def from_episodes(cls, episodes: list[Episode], length: int) -> "InitialStates":
        """The first ``length`` frames (and the actions between them) of each episode."""
        usable = [ep for ep in episodes if ep.frames.shape[0] >= length]
        if not usable:
            raise ValueError(f"No episode has {length} frames.")
        frames = np.stack([ep.frames[:length] for ep in usable])
        actions = np.stack([ep.actions[: length - 1] for ep in usable]).astype(np.float32)
        return cls(torch.from_numpy(frames), torch.from_numpy(actions))

    def sample(
        self, count: int, history: int, mode: str, generator: torch.Generator
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``count`` contexts: frames ``(count, history, 3, H, W)`` and actions ``(count, history-1, A)``."""
        if mode not in RESET_MODES:
            raise ValueError(f"Unknown reset mode {mode!r}; choose one of {RESET_MODES}.")
        episodes = torch.randint(self.frames.shape[0], (count,), generator=generator)
        if mode == "episode_start":
            starts = torch.zeros(count, dtype=torch.long)
        else:
            starts = torch.randint(self.frames.shape[1] - history + 1, (count,), generator=generator)
        frame_index = starts[:, None] + torch.arange(history)
        action_index = starts[:, None] + torch.arange(history - 1)
        return self.frames[episodes[:, None], frame_index], self.actions[episodes[:, None], action_index]

    def save(self, folder: str | Path) -> Path:
        """Write ``folder/episodes.npz`` atomically."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".episodes.", suffix=".tmp", dir=folder)
        with os.fdopen(fd, "wb") as handle:
            np.savez_compressed(handle, frames=self.frames.numpy(), actions=self.actions.numpy())
        os.replace(tmp, folder / "episodes.npz")
        return folder

    @classmethod
    def load(cls, folder: str | Path) -> "InitialStates":
        path = Path(folder) / "episodes.npz"
        if not path.is_file():
            raise FileNotFoundError(f"Initial states file {path} is missing.")
        with np.load(path, allow_pickle=False) as archive:
            return cls(torch.from_numpy(archive["frames"]), torch.from_numpy(archive["actions"]))
