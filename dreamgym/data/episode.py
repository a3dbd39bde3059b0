"""The dataset format: one episode per ``.npz`` file.

An episode of ``T`` decisions is stored as a NumPy ``.npz`` archive (zip-deflated, lossless) with:

============  ========================  ==============================================================
key           dtype, shape              meaning
============  ========================  ==============================================================
``frames``    uint8 ``(T+1, 3, H, W)``  RGB frames, channel-first, upright; ``frames[0]`` is the reset
``actions``   float32 ``(T, 4)``        ``actions[t]`` was applied at ``frames[t]`` and led to
                                        ``frames[t+1]``; values in [-1, 1]
``rewards``   float32 ``(T,)``          reward received for ``actions[t]``
``success``   bool ``(T+1,)``           whether the task is solved in ``frames[t]``
``states``    float64 ``(T+1, S)``      optional low-dimensional simulator state per frame
``meta``      JSON string (0-d array)   at least ``format_version``, ``task`` and ``source``; dreamgym's
                                        collector also writes ``seed``, ``camera``, ``action_repeat``,
                                        ``width``, ``height``, ``episode_steps``, ``noise_std``
============  ========================  ==============================================================

``source`` labels where the actions came from: ``expert``, ``noisy_expert`` (stand-in for BC rollouts
until a BC policy exists), ``bc``, ``random``, or anything of the user's own. Episodes may have any
length ``T >= 1``; a dataset folder may hold many tasks and sources. Write your own data with
:func:`save_episode`; it validates everything and writes atomically.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

FORMAT_VERSION = 1
REQUIRED_META = ("format_version", "task", "source")


class EpisodeFormatError(ValueError):
    """An episode (in memory or on disk) does not follow the dataset format."""


@dataclass
class Episode:
    """One recorded trajectory. See the module docstring for the meaning and shape of each field."""

    frames: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray
    success: np.ndarray
    meta: dict[str, Any]
    states: np.ndarray | None = None
    extra: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def num_steps(self) -> int:
        """Number of decisions ``T`` (one fewer than the number of frames)."""
        return int(self.actions.shape[0])

    def validate(self) -> "Episode":
        """Check dtypes, shapes, value ranges and metadata; raise :class:`EpisodeFormatError` if wrong."""
        where = f"episode ({self.meta.get('task', '?')}/{self.meta.get('source', '?')})"
        frames, actions = self.frames, self.actions
        if frames.dtype != np.uint8 or frames.ndim != 4 or frames.shape[1] != 3:
            raise EpisodeFormatError(
                f"{where}: frames must be uint8 of shape (T+1, 3, H, W), got {frames.dtype} {frames.shape}."
            )
        if actions.ndim != 2 or actions.shape[0] < 1:
            raise EpisodeFormatError(f"{where}: actions must have shape (T, action_dim) with T >= 1, got {actions.shape}.")
        steps = actions.shape[0]
        if frames.shape[0] != steps + 1:
            raise EpisodeFormatError(
                f"{where}: {frames.shape[0]} frames for {steps} actions; expected T+1 = {steps + 1} frames "
                "(frames[t] -> actions[t] -> frames[t+1])."
            )
        if not np.all(np.isfinite(actions)) or np.abs(actions).max() > 1.0 + 1e-6:
            raise EpisodeFormatError(f"{where}: actions must be finite and within [-1, 1].")
        if self.rewards.shape != (steps,):
            raise EpisodeFormatError(f"{where}: rewards must have shape ({steps},), got {self.rewards.shape}.")
        if self.success.shape != (steps + 1,):
            raise EpisodeFormatError(f"{where}: success must have shape ({steps + 1},), got {self.success.shape}.")
        if self.states is not None and (self.states.ndim != 2 or self.states.shape[0] != steps + 1):
            raise EpisodeFormatError(f"{where}: states must have shape ({steps + 1}, S), got {self.states.shape}.")
        missing = [key for key in REQUIRED_META if key not in self.meta]
        if missing:
            raise EpisodeFormatError(f"{where}: meta lacks {missing}; required keys are {list(REQUIRED_META)}.")
        if self.meta["format_version"] != FORMAT_VERSION:
            raise EpisodeFormatError(
                f"{where}: format_version {self.meta['format_version']} is not supported (this dreamgym reads {FORMAT_VERSION})."
            )
        return self


def make_episode(frames, actions, rewards, success, meta: dict[str, Any], states=None) -> Episode:
    """Build and validate an :class:`Episode` from array-likes, converting dtypes where lossless."""
    meta = {"format_version": FORMAT_VERSION, **meta}
    frames = np.asarray(frames)
    if frames.dtype != np.uint8:
        raise EpisodeFormatError(f"frames must be uint8 (0-255), got {frames.dtype}; convert them explicitly.")
    return Episode(
        frames=np.ascontiguousarray(frames),
        actions=np.asarray(actions, dtype=np.float32),
        rewards=np.asarray(rewards, dtype=np.float32),
        success=np.asarray(success, dtype=bool),
        meta=meta,
        states=None if states is None else np.asarray(states, dtype=np.float64),
    ).validate()


def save_episode(episode: Episode, path: str | Path) -> Path:
    """Validate ``episode`` and write it to ``path`` atomically (temp file + rename): a crash never
    leaves a half-written episode under the final name."""
    episode.validate()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays = {
        "frames": episode.frames,
        "actions": episode.actions,
        "rewards": episode.rewards,
        "success": episode.success,
        "meta": np.array(json.dumps(episode.meta, sort_keys=True)),
    }
    if episode.states is not None:
        arrays["states"] = episode.states
    for key, value in episode.extra.items():
        arrays[f"extra_{key}"] = value
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            np.savez_compressed(handle, **arrays)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return path


def load_episode(path: str | Path, with_states: bool = True) -> Episode:
    """Read and validate one episode file."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as archive:
            keys = set(archive.files)
            missing = {"frames", "actions", "rewards", "success", "meta"} - keys
            if missing:
                raise EpisodeFormatError(f"{path}: missing arrays {sorted(missing)}.")
            episode = Episode(
                frames=archive["frames"],
                actions=archive["actions"],
                rewards=archive["rewards"],
                success=archive["success"],
                meta=json.loads(str(archive["meta"])),
                states=archive["states"] if with_states and "states" in keys else None,
                extra={k[len("extra_"):]: archive[k] for k in keys if k.startswith("extra_")},
            )
    except (zipfile.BadZipFile, OSError, ValueError, json.JSONDecodeError) as error:
        if isinstance(error, EpisodeFormatError):
            raise
        raise EpisodeFormatError(f"{path}: not a readable dreamgym episode file ({error}).") from error
    try:
        return episode.validate()
    except EpisodeFormatError as error:
        raise EpisodeFormatError(f"{path}: {error}") from None


def episode_paths(root: str | Path) -> list[Path]:
    """All episode files under ``root`` (searched recursively), sorted; temp files are skipped."""
    root = Path(root)
    if not root.exists():
        raise FileNotFoundError(f"Dataset folder {root} does not exist.")
    return sorted(p for p in root.rglob("*.npz") if not p.name.startswith("."))


def is_holdout(meta: dict, holdout_every: int) -> bool:
    """Whether an episode is held out for validation: deterministic in its ``index`` (1 in ``holdout_every``)."""
    return int(meta.get("index", 0)) % holdout_every == holdout_every - 1


def split_held_out(episodes: list[Episode], holdout_every: int) -> tuple[list[Episode], list[Episode]]:
    """``(training, held_out)`` episodes by :func:`is_holdout`."""
    training = [ep for ep in episodes if not is_holdout(ep.meta, holdout_every)]
    held_out = [ep for ep in episodes if is_holdout(ep.meta, holdout_every)]
    return training, held_out


def load_episodes(
    root: str | Path,
    tasks: Sequence[str] | None = None,
    keep: Callable[[dict], bool] | None = None,
    with_states: bool = False,
    progress: bool = False,
) -> list[Episode]:
    """Every episode under ``root`` (optionally only ``tasks``, or those whose meta ``keep`` accepts)."""
    from tqdm.auto import tqdm

    episodes = []
    for path in tqdm(episode_paths(root), desc="load episodes", unit="ep", disable=not progress):
        episode = load_episode(path, with_states=with_states)
        if tasks is not None and episode.meta["task"] not in tasks:
            continue
        if keep is not None and not keep(episode.meta):
            continue
        episodes.append(episode)
    return episodes
