"""Real starting points for imagined episodes, shipped in a bundle as ``initial_states/episodes.npz``.

The file holds real trajectories (lossless, compressed, loaded without pickle)::

    frames   uint8   (M, L, 3, H, W)   the first L frames of M real episodes
    actions  float32 (M, L-1, A)       actions[:, t] led from frames[:, t] to frames[:, t+1]
    states   float32 (M, L, S)         optional: the simulator state at each frame (what an
                                       outcome model, ``dreamgym.reward.outcome``, starts from)

An imagined world starts from ``history`` consecutive real frames and the ``history - 1`` actions
between them: by default the start of an episode (t = 0), or, for the paper's "random reset", any
point of the stored trajectories.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from dreamgym.bundle import BundleError
from dreamgym.data.episode import Episode
from dreamgym.files import atomic_write, read_npz

RESET_MODES = ("episode_start", "random")


@dataclass
class InitialStates:
    """Real trajectories to start imagination from."""

    frames: torch.Tensor
    actions: torch.Tensor
    states: torch.Tensor | None = None

    def __post_init__(self) -> None:
        frames, actions = self.frames, self.actions
        if not isinstance(frames, torch.Tensor) or frames.dtype != torch.uint8 or frames.ndim != 5 or frames.shape[2] != 3:
            raise ValueError(f"initial-state frames must be uint8 (M, L, 3, H, W), got {_describe(frames)}.")
        if frames.shape[0] < 1 or frames.shape[1] < 1 or frames.shape[3] < 1 or frames.shape[4] < 1:
            raise ValueError(f"initial states are empty: frames {tuple(frames.shape)}; expected at least one frame of one episode.")
        if not isinstance(actions, torch.Tensor) or not actions.is_floating_point() or actions.ndim != 3:
            raise ValueError(f"initial-state actions must be floating-point (M, L-1, A), got {_describe(actions)}.")
        if actions.shape[:2] != (frames.shape[0], frames.shape[1] - 1):
            raise ValueError(
                f"initial-state actions must be (M, L-1, A) = ({frames.shape[0]}, {frames.shape[1] - 1}, A), "
                f"got {tuple(actions.shape)}."
            )
        if not torch.isfinite(actions).all():
            index = tuple(int(i) for i in (~torch.isfinite(actions)).nonzero()[0])
            raise ValueError(f"initial-state actions must be finite; found {actions[index].item()} at index {index}.")
        outside = actions.abs() > 1.0 + 1e-6  # the tolerance of the episode format
        if outside.any():
            index = tuple(int(i) for i in outside.nonzero()[0])
            raise ValueError(
                f"initial-state actions must lie in [-1, 1] (the action space); found {actions[index].item()} at index {index}."
            )
        states = self.states
        if states is not None:
            if not isinstance(states, torch.Tensor) or not states.is_floating_point() or states.ndim != 3 or states.shape[:2] != frames.shape[:2]:
                raise ValueError(
                    f"initial-state states must be floating-point (M, L, S) = ({frames.shape[0]}, {frames.shape[1]}, S), got {_describe(states)}."
                )
            if not torch.isfinite(states).all():
                raise ValueError("initial-state states must be finite.")

    @classmethod
    def from_episodes(cls, episodes: list[Episode], length: int) -> "InitialStates":
        """The first ``length`` frames (and the actions between them) of each episode."""
        usable = [ep for ep in episodes if ep.frames.shape[0] >= length]
        if not usable:
            raise ValueError(f"No episode has {length} frames.")
        frames = np.stack([ep.frames[:length] for ep in usable])
        actions = np.stack([ep.actions[: length - 1] for ep in usable]).astype(np.float32)
        states = None
        if all(ep.states is not None for ep in usable):
            states = torch.from_numpy(np.stack([ep.states[:length] for ep in usable]).astype(np.float32))
        return cls(torch.from_numpy(frames), torch.from_numpy(actions), states)

    def draw(self, count: int, history: int, mode: str, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        """Where ``count`` contexts start: stored episode indices and first decisions ``(count,)`` each (for
        :meth:`contexts` and :meth:`outcome_starts`)."""
        if mode not in RESET_MODES:
            raise ValueError(f"Unknown reset mode {mode!r}; choose one of {RESET_MODES}.")
        episodes = torch.randint(self.frames.shape[0], (count,), generator=generator)
        if mode == "episode_start":
            starts = torch.zeros(count, dtype=torch.long)
        else:
            starts = torch.randint(self.frames.shape[1] - history + 1, (count,), generator=generator)
        return episodes, starts

    def outcome_starts(self, episodes, starts, history: int) -> tuple[np.ndarray, np.ndarray]:
        """Where an outcome model starts from for each context of :meth:`contexts`: the simulator state float32
        ``(N, S)`` at its last frame and that frame's decision index int64 ``(N,)`` (the ``"states"`` and
        ``"decisions"`` of a dream env's ``reset(options=...)``).

        :raises ValueError: if these initial states carry no simulator states.
        """
        if self.states is None:
            raise ValueError(
                "These initial states carry no simulator states; an outcome model needs them (re-export the bundle's "
                "initial states from recorded episodes with states: `dreamgym add-outcome-model`)."
            )
        episodes, starts = torch.as_tensor(episodes, dtype=torch.long), torch.as_tensor(starts, dtype=torch.long)
        last = starts + history - 1
        return self.states[episodes, last].numpy(), last.numpy()

    def contexts(self, episodes, starts, history: int) -> tuple[torch.Tensor, torch.Tensor]:
        """The ``history`` frames ``(N, history, 3, H, W)`` of stored episode ``episodes[i]`` from decision ``starts[i]``
        on, and the actions between them ``(N, history-1, A)``."""
        episodes, starts = torch.as_tensor(episodes, dtype=torch.long), torch.as_tensor(starts, dtype=torch.long)
        frame_index = starts[:, None] + torch.arange(history)
        return self.frames[episodes[:, None], frame_index], self.actions[episodes[:, None], frame_index[:, :-1]]

    def save(self, folder: str | Path) -> Path:
        """Write ``folder/episodes.npz`` atomically."""
        folder = Path(folder)

        def write(temporary: Path) -> None:
            with open(temporary, "wb") as handle:
                arrays = {"frames": self.frames.numpy(), "actions": self.actions.numpy()}
                if self.states is not None:
                    arrays["states"] = self.states.numpy()
                np.savez_compressed(handle, **arrays)

        atomic_write(folder / "episodes.npz", write)
        return folder

    @classmethod
    def load(cls, folder: str | Path) -> "InitialStates":
        """Read ``folder/episodes.npz``.

        :raises FileNotFoundError: if it is missing.
        :raises BundleError: naming the file, if it is truncated, corrupt or holds invalid states.
        """
        path = Path(folder) / "episodes.npz"
        arrays = read_npz(path, ("frames", "actions"), BundleError, "dreamgym initial-states file")
        try:
            states = torch.from_numpy(arrays["states"]) if "states" in arrays else None
            return cls(torch.from_numpy(arrays["frames"]), torch.from_numpy(arrays["actions"]), states)
        except TypeError as error:  # an array torch cannot hold (strings): the message is torch's
            raise BundleError(
                f"{path}: {error}; expected uint8 frames (M, L, 3, H, W), floating-point actions (M, L-1, A) "
                "and, optionally, floating-point states (M, L, S)."
            ) from None
        except ValueError as error:
            raise BundleError(f"{path}: {error}") from None


def _describe(value) -> str:
    """``dtype shape`` of a tensor, or the type of anything else, for messages."""
    if isinstance(value, torch.Tensor):
        return f"{value.dtype} {tuple(value.shape)}"
    return type(value).__name__
