"""Training windows for the world model and the reward classifier.

A window at frame ``t`` of an episode is::

    context_frames  = frames[t-3 .. t]          uint8  (4, 3, H, W)
    context_actions = actions[t-3 .. t]         float32 (4, A)   actions[t] is applied at frames[t]
    next_frame      = frames[t+1]               uint8  (3, H, W)
    next_success    = success[t+1]              bool

so the model sees the last 4 frames and the last 4 actions (the newest being the one it must
predict the consequence of). Windows never cross episode boundaries: an episode of ``T`` decisions
gives ``T - 3`` windows (``t = 3 .. T-1``).

All frames are held in one uint8 tensor in memory (1,380 episodes of 51 64x64 frames take 0.85 GB),
so a random batch is a single gather: see :meth:`TransitionWindows.sample`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from numbers import Integral
from pathlib import Path
from typing import Any

import numpy as np
import torch

from dreamgym.data.episode import Episode, EpisodeFormatError, load_episodes

CONTEXT_FRAMES = 4
MAX_BATCH_SIZE = 4096
"""The largest batch :meth:`TransitionWindows.sample` draws and the trainers accept: 4096 windows of 64x64
frames are 250 MB of uint8 context and target frames before the model's float copies (training uses 16-256).
A larger request is refused up front rather than exhausting memory."""


def check_batch_size(batch_size: Any, name: str = "batch_size", minimum: int = 1) -> int:
    """``batch_size`` as an int from ``minimum`` to :data:`MAX_BATCH_SIZE` (booleans refused).

    :raises ValueError: naming ``name``, the value and the allowed range.
    """
    if isinstance(batch_size, bool) or not isinstance(batch_size, Integral) or not minimum <= batch_size <= MAX_BATCH_SIZE:
        raise ValueError(
            f"{name} must be an integer from {minimum} to {MAX_BATCH_SIZE} (dreamgym.data.windows.MAX_BATCH_SIZE), "
            f"got {batch_size!r}."
        )
    return int(batch_size)


def shared_sampling_weights(shares: Sequence[tuple[np.ndarray, float]], num_windows: int) -> torch.Tensor:
    """Per-window sampling weights for :meth:`TransitionWindows.sample` that give groups of windows fixed shares.

    Each ``(members, share)`` pair (a boolean mask over the ``num_windows`` windows) gets ``share`` of the
    probability mass, spread evenly over its windows; a group with no windows gives its share back. The rest
    goes uniformly to all windows, members included.
    """
    weights = np.zeros(num_windows, dtype=np.float64)
    uniform_share = 1.0
    for members, share in shares:
        if members.any() and share > 0:
            weights[members] += share / members.sum()
            uniform_share -= share
    weights += uniform_share / num_windows
    return torch.from_numpy(weights)


class TransitionWindows(torch.utils.data.Dataset):
    """Random access to ``(context_frames, context_actions, next_frame, next_success)`` windows.

    :param episodes: episodes of one frame size and action size, any tasks and sources.
    :param context: number of context frames (and actions).
    """

    def __init__(self, episodes: Sequence[Episode], context: int = CONTEXT_FRAMES):
        if context < 1:
            raise ValueError(f"context must be >= 1, got {context}.")
        if not episodes:
            raise ValueError("TransitionWindows needs at least one episode.")
        self.context = context
        shapes = {ep.frames.shape[1:] for ep in episodes}
        action_dims = {ep.actions.shape[1] for ep in episodes}
        if len(shapes) != 1 or len(action_dims) != 1:
            raise EpisodeFormatError(
                f"All episodes must share one frame shape and action size; found frames {sorted(shapes)} "
                f"and action sizes {sorted(action_dims)}."
            )
        self.frame_shape = tuple(shapes.pop())
        self.action_dim = action_dims.pop()
        self.tasks = sorted({ep.meta["task"] for ep in episodes})
        self.episode_meta = [ep.meta for ep in episodes]

        frames, actions, success, starts, task_ids, episode_ids = [], [], [], [], [], []
        self.episode_offsets: list[tuple[int, int]] = []  # (first frame, number of frames) per episode
        offset = 0
        for number, ep in enumerate(episodes):
            length = ep.frames.shape[0]  # T + 1
            frames.append(ep.frames)
            padded = np.zeros((length, self.action_dim), dtype=np.float32)
            padded[:-1] = ep.actions  # the last frame has no action
            actions.append(padded)
            success.append(ep.success)
            last_frames = np.arange(context - 1, length - 1)  # t such that t-context+1 >= 0 and t+1 < length
            starts.append(offset + last_frames)
            task_ids.append(np.full(len(last_frames), self.tasks.index(ep.meta["task"])))
            episode_ids.append(np.full(len(last_frames), number))
            self.episode_offsets.append((offset, length))
            offset += length
        self.frames = torch.from_numpy(np.concatenate(frames))
        self.actions = torch.from_numpy(np.concatenate(actions))
        self.success = torch.from_numpy(np.concatenate(success))
        self.window_frame = torch.from_numpy(np.concatenate(starts)).long()
        self.window_task = torch.from_numpy(np.concatenate(task_ids)).long()
        self.window_episode = torch.from_numpy(np.concatenate(episode_ids)).long()
        if len(self.window_frame) == 0:
            raise ValueError(f"No episode is long enough for a window of {context} context frames plus a next frame.")
        self._offsets = torch.arange(-context + 1, 1)

    @classmethod
    def from_folder(
        cls,
        root: str | Path,
        tasks: Sequence[str] | None = None,
        keep: Callable[[dict], bool] | None = None,
        context: int = CONTEXT_FRAMES,
        progress: bool = True,
    ) -> "TransitionWindows":
        """Load every episode under ``root`` (optionally only ``tasks``, or those whose meta ``keep`` accepts)."""
        episodes = load_episodes(root, tasks=tasks, keep=keep, progress=progress)
        if not episodes:
            raise ValueError(f"No episodes under {root} match tasks={tasks} and the given filter.")
        return cls(episodes, context=context)

    def __len__(self) -> int:
        return len(self.window_frame)

    def get(self, indices: torch.Tensor) -> dict[str, torch.Tensor]:
        """The windows at ``indices`` (1-D long tensor), batched."""
        t = self.window_frame[indices]
        context_index = t[:, None] + self._offsets
        return {
            "context_frames": self.frames[context_index],
            "context_actions": self.actions[context_index],
            "next_frame": self.frames[t + 1],
            "next_success": self.success[t + 1],
            "task": self.window_task[indices],
        }

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        if not -len(self) <= index < len(self):
            raise IndexError(f"window index {index} out of range for {len(self)} windows")
        batch = self.get(torch.tensor([index % len(self)]))
        return {key: value[0] for key, value in batch.items()}

    def episode(self, number: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Frames ``(T+1, 3, H, W)`` and actions ``(T, A)`` of the ``number``-th loaded episode."""
        first, length = self.episode_offsets[number]
        return self.frames[first : first + length], self.actions[first : first + length - 1]

    def sample(
        self, batch_size: int, generator: torch.Generator | None = None, weights: torch.Tensor | None = None
    ) -> dict[str, torch.Tensor]:
        """A random batch of windows, drawn with replacement (so it may be larger than the dataset).

        :param batch_size: windows to draw, from 1 to :data:`MAX_BATCH_SIZE`; anything else is a ``ValueError``.
        :param weights: optional non-negative sampling weight per window (for example
            :func:`dreamgym.data.contact_windows.contact_sampling_weights`); uniform when ``None``.
        """
        batch_size = check_batch_size(batch_size)
        if weights is None:
            indices = torch.randint(len(self), (batch_size,), generator=generator)
        else:
            if weights.shape != (len(self),) or not torch.isfinite(weights).all() or (weights < 0).any() or weights.sum() <= 0:
                raise ValueError(
                    f"weights must be {len(self)} finite non-negative numbers (one per window) with a positive sum, "
                    f"got shape {tuple(weights.shape)}."
                )
            indices = torch.multinomial(weights, batch_size, replacement=True, generator=generator)
        return self.get(indices)
