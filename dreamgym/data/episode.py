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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from dreamgym.files import atomic_write, read_npz

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
        """Check dtypes, shapes, value ranges and metadata; raise :class:`EpisodeFormatError` if wrong.

        This is the one schema check of the format: :func:`make_episode`, :func:`save_episode` and
        :func:`load_episode` all go through it.
        """
        meta = self.meta if isinstance(self.meta, dict) else {}
        where = f"episode ({meta.get('task', '?')}/{meta.get('source', '?')})"
        problem = _schema_problem(self)
        if problem:
            raise EpisodeFormatError(f"{where}: {problem}")
        return self


def _schema_problem(episode: Episode) -> str | None:
    """What is wrong with ``episode`` (the first problem found), or ``None``."""
    frames, actions = episode.frames, episode.actions
    if not _is_array(frames, np.uint8) or frames.ndim != 4 or frames.shape[1] != 3 or 0 in frames.shape:
        return f"frames must be uint8 of shape (T+1, 3, H, W), got {_describe(frames)}."
    if frames.shape[2] != frames.shape[3]:
        return f"frames are {frames.shape[2]}x{frames.shape[3]} (height x width); expected square frames (H == W)."
    if not _is_array(actions, np.float32) or actions.ndim != 2 or 0 in actions.shape:
        return f"actions must be float32 of shape (T, action_dim) with T >= 1, got {_describe(actions)}."
    steps = actions.shape[0]
    if frames.shape[0] != steps + 1:
        return (f"{frames.shape[0]} frames for {steps} actions; expected T+1 = {steps + 1} frames "
                "(frames[t] -> actions[t] -> frames[t+1]).")
    bad = _first_bad(actions, np.isfinite(actions) & (np.abs(actions) <= 1.0 + 1e-6))
    if bad:
        return f"actions must be finite and within [-1, 1]; {bad}."
    if not _is_array(episode.rewards, np.float32) or episode.rewards.shape != (steps,):
        return f"rewards must be float32 of shape ({steps},), got {_describe(episode.rewards)}."
    bad = _first_bad(episode.rewards, np.isfinite(episode.rewards))
    if bad:
        return f"rewards must be finite; {bad}."
    if not _is_array(episode.success, np.bool_) or episode.success.shape != (steps + 1,):
        return f"success must be bool labels (0 or 1) of shape ({steps + 1},), got {_describe(episode.success)}{_label_values(episode.success)}."
    states = episode.states
    if states is not None:
        if not _is_array(states, np.float64) or states.ndim != 2 or states.shape[0] != steps + 1:
            return f"states must be float64 of shape ({steps + 1}, S), got {_describe(states)}."
        bad = _first_bad(states, np.isfinite(states))
        if bad:
            return f"states must be finite; {bad}."
    return _meta_problem(episode.meta, frames.shape[2])


def _meta_problem(meta: Any, size: int) -> str | None:
    """What is wrong with an episode's ``meta`` (``size``: its frames' width and height), or ``None``."""
    if not isinstance(meta, dict):
        return f"meta must be a JSON object (dict), got {type(meta).__name__}."
    for key, value in meta.items():
        if not isinstance(key, str):
            return f"meta key {key!r} is a {type(key).__name__}; expected string keys (meta is stored as a JSON object)."
        try:
            json.dumps(value, allow_nan=False)
        except (TypeError, ValueError) as problem:
            return (f"meta {key!r} is {value!r}, which is not JSON-serialisable ({problem}); expected JSON values (str, int, "
                    "finite float, bool, None, list, dict).")
    missing = [key for key in REQUIRED_META if key not in meta]
    if missing:
        return f"meta lacks {missing}; required keys are {list(REQUIRED_META)}."
    if type(meta["format_version"]) is not int or meta["format_version"] != FORMAT_VERSION:
        return f"format_version {meta['format_version']!r} is not supported (this dreamgym reads the integer {FORMAT_VERSION})."
    for key in ("task", "source"):
        if not isinstance(meta[key], str) or not meta[key]:
            return f"meta {key!r} is {meta[key]!r}; expected a non-empty string."
    for key in ("width", "height"):
        if key in meta and meta[key] != size:
            return f"meta {key!r} is {meta[key]!r}, but the frames are {size}x{size}; expected {key} {size} (or no {key!r})."
    return None


def _is_array(value: Any, dtype: type) -> bool:
    return isinstance(value, np.ndarray) and value.dtype == dtype


def _describe(value: Any) -> str:
    """``dtype shape`` of an array, or the type of anything else, for messages."""
    if isinstance(value, np.ndarray):
        return f"{value.dtype} {value.shape}"
    return type(value).__name__


def _first_bad(values: np.ndarray, ok: np.ndarray) -> str | None:
    """Where ``ok`` is first false and the value there, e.g. ``"found nan at index (3, 1)"``; ``None`` if all ok."""
    if ok.all():
        return None
    index = tuple(int(i) for i in np.argwhere(~ok)[0])
    return f"found {values[index].item()!r} at index {index if len(index) > 1 else index[0]}"


def _label_values(success: Any) -> str:
    """For a message about non-boolean success labels: the values outside {0, 1}, if any."""
    if not isinstance(success, np.ndarray) or success.dtype == np.bool_ or success.dtype.kind not in "biuf":
        return ""
    outside = np.unique(success[(success != 0) & (success != 1)])
    return f" with values {outside[:5].tolist()} outside {{0, 1}}" if outside.size else ""


def success_labels(success: Any) -> np.ndarray:
    """``success`` as a bool array; numbers must be exactly 0 or 1 (a label of 2 is an error, not ``True``)."""
    array = np.asarray(success)
    if array.dtype != np.bool_:
        if array.dtype.kind not in "biuf" or not np.isin(array, (0, 1)).all():
            raise EpisodeFormatError(f"success labels must be booleans or 0/1, got {_describe(array)}{_label_values(array)}.")
        array = array.astype(bool)
    return array


def make_episode(frames, actions, rewards, success, meta: dict[str, Any], states=None) -> Episode:
    """Build and validate an :class:`Episode` from array-likes, converting dtypes where lossless.

    Numbers become float32 (float64 for states); booleans are refused as actions, rewards or states,
    and success labels must be booleans or exactly 0/1.
    """
    if not isinstance(meta, dict):
        raise EpisodeFormatError(f"meta must be a dict (JSON object) with at least 'task' and 'source', got {type(meta).__name__} {meta!r}.")
    meta = {"format_version": FORMAT_VERSION, **meta}
    frames = np.asarray(frames)
    if frames.dtype != np.uint8:
        raise EpisodeFormatError(f"frames must be uint8 (0-255), got {frames.dtype}; convert them explicitly.")
    return Episode(
        frames=np.ascontiguousarray(frames),
        actions=_numbers("actions", actions, np.float32),
        rewards=_numbers("rewards", rewards, np.float32),
        success=success_labels(success),
        meta=meta,
        states=None if states is None else _numbers("states", states, np.float64),
    ).validate()


def _numbers(name: str, values: Any, dtype: type) -> np.ndarray:
    """``values`` as an array of ``dtype``; refuses booleans, strings and ragged lists."""
    try:
        array = np.asarray(values)
    except ValueError as error:
        raise EpisodeFormatError(f"{name} must be a rectangular array of numbers ({error}).") from None
    if array.dtype.kind not in "iuf":
        raise EpisodeFormatError(f"{name} must be numbers, got {array.dtype} {array.shape}.")
    return array.astype(dtype)


def episode_file(path: Any) -> Path:
    """``path`` as the name of an episode file: it must end in ``.npz`` and not start with ``.``.

    Datasets are the ``*.npz`` files of a folder (hidden ones are temp files), so a file named otherwise
    would be written but never read again; the name is refused rather than changed behind the caller's back.

    :raises TypeError: if ``path`` is not a ``str`` or ``os.PathLike``.
    :raises ValueError: naming the path and a name that would do.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"An episode path must be a str or os.PathLike, got {type(path).__name__} {path!r}.")
    path = Path(path)
    if path.suffix != ".npz" or path.name.startswith("."):
        suggestion = path.with_name(path.name.lstrip(".") or "episode").with_suffix(".npz")
        raise ValueError(
            f"Episode path {path} does not name a .npz file; expected a file name ending in '.npz' and not starting "
            f"with '.' (e.g. {suggestion}): load_episodes reads only those."
        )
    return path


def save_episode(episode: Episode, path: str | Path) -> Path:
    """Validate ``episode`` and write it to ``path`` atomically (temp file + rename): a crash never
    leaves a half-written episode under the final name. Missing folders are created.

    :param path: must end in ``.npz`` (and not start with ``.``): see :func:`episode_file`; ``.npz`` is
        never appended.
    :raises EpisodeFormatError: if the episode breaks the format.
    :raises ValueError: for a path that is not a ``.npz`` file name.
    :raises NotADirectoryError, IsADirectoryError, PermissionError: naming the path, if it cannot be
        written (a folder on the way is a file, the path is a folder, the folder is not writable).
    """
    path = episode_file(path)
    if not isinstance(episode, Episode):
        raise TypeError(f"save_episode needs an Episode (make one with make_episode), got {type(episode).__name__}.")
    episode.validate()
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

    def write(temporary: Path) -> None:
        with open(temporary, "wb") as handle:
            np.savez_compressed(handle, **arrays)
            handle.flush()
            os.fsync(handle.fileno())

    return atomic_write(path, write)


EPISODE_ARRAYS = ("frames", "actions", "rewards", "success", "meta")
"""The arrays every episode file holds (``states`` and ``extra_*`` are optional)."""


def load_episode(path: str | Path, with_states: bool = True) -> Episode:
    """Read and validate one episode file.

    :raises EpisodeFormatError: naming ``path``, if the file is truncated, corrupt or breaks the format.
    :raises FileNotFoundError: if there is no file at ``path``.
    :raises TypeError: if ``path`` is not a ``str`` or ``os.PathLike``.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"An episode path must be a str or os.PathLike, got {type(path).__name__} {path!r}.")
    path = Path(path)
    arrays = read_npz(path, EPISODE_ARRAYS, EpisodeFormatError, "dreamgym episode file", skip=() if with_states else ("states",))
    try:
        meta = json.loads(str(arrays["meta"]))
    except json.JSONDecodeError as error:
        raise EpisodeFormatError(
            f"{path}: 'meta' is not a JSON string ({error}); expected the episode's metadata as a JSON object string."
        ) from None
    episode = Episode(
        frames=arrays["frames"],
        actions=arrays["actions"],
        rewards=arrays["rewards"],
        success=arrays["success"],
        meta=meta,
        states=arrays.get("states"),
        extra={key[len("extra_"):]: value for key, value in arrays.items() if key.startswith("extra_")},
    )
    try:
        return episode.validate()
    except EpisodeFormatError as error:
        raise EpisodeFormatError(f"{path}: {error}") from None


def episode_paths(root: str | Path) -> list[Path]:
    """All episode files under ``root`` (searched recursively), sorted; temp files are skipped."""
    root = Path(root)
    if not root.exists():
        raise FileNotFoundError(f"Dataset folder {root} does not exist.")
    if not root.is_dir():
        raise NotADirectoryError(f"Dataset folder {root} is a file; expected a folder of .npz episode files.")
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
    """Every episode under ``root`` (optionally only ``tasks``, or those whose meta ``keep`` accepts).

    The episodes loaded form one dataset: they must share frame size, action size and length.

    :param tasks: a list (or other collection) of task names, e.g. ``["coffee-pull"]``; ``None``: all tasks.
    :raises TypeError: for ``tasks`` that is a single string or holds anything but strings.
    :raises EpisodeFormatError: for a broken file, or an episode unlike the first (both files named).
    """
    from tqdm.auto import tqdm

    tasks = check_task_names(tasks)

    episodes: list[Episode] = []
    first_path: Path | None = None
    for path in tqdm(episode_paths(root), desc="load episodes", unit="ep", disable=not progress):
        episode = load_episode(path, with_states=with_states)
        if tasks is not None and episode.meta["task"] not in tasks:
            continue
        if keep is not None and not keep(episode.meta):
            continue
        if episodes:
            check_same_layout(episodes[0], first_path, episode, path)
        else:
            first_path = path
        episodes.append(episode)
    return episodes


def check_task_label(task: Any) -> str:
    """``task`` as the label of a dataset's episodes (``meta["task"]``), which also names its folder
    (``<root>/<task>/<source>/``): a non-empty string without path separators, not ``.`` or ``..``.

    Own labels (``"my-task"``) are fine; a label such as ``"../x"`` would write outside the dataset folder.

    :raises ValueError: naming the value and what is expected.
    """
    expected = "a task name such as 'coffee-pull' or your own label: non-empty, without '/' or '\\', not '.' or '..'"
    if not isinstance(task, str) or not task.strip() or any(sep in task for sep in ("/", "\\", os.sep)) or task in (".", ".."):
        raise ValueError(f"task {task!r} is not a usable task label; expected {expected}.")
    return task


def check_task_names(tasks: Any) -> list[str] | None:
    """``tasks`` as a list of task names, or ``None`` (all tasks).

    A single string is refused: ``"coffee-pull"`` would otherwise be read as its characters.

    :raises TypeError: naming the value and what is expected.
    """
    expected = "a list of task names such as ['coffee-pull'], or None for all tasks"
    if tasks is None:
        return None
    if isinstance(tasks, (str, bytes)):
        raise TypeError(f"tasks={tasks!r} is a single {type(tasks).__name__}; expected {expected} (pass [{tasks!r}]).")
    if not isinstance(tasks, (list, tuple, set, frozenset)) or not all(isinstance(task, str) for task in tasks):
        raise TypeError(f"tasks={tasks!r} is not a collection of strings; expected {expected}.")
    return list(tasks)


def episode_layout(episode: Episode) -> str:
    """Frame size, action size and length of an episode, e.g. ``"64x64 frames, 4-D actions, 50 steps"``."""
    height, width = episode.frames.shape[2:]
    return f"{height}x{width} frames, {episode.actions.shape[1]}-D actions, {episode.num_steps} steps"


def check_same_layout(reference: Episode, reference_name: object, episode: Episode, name: object) -> None:
    """Refuse ``episode`` (called ``name``) unless its :func:`episode_layout` is that of ``reference``."""
    if episode_layout(episode) != episode_layout(reference):
        raise EpisodeFormatError(
            f"{name} has {episode_layout(episode)}, but {reference_name} has {episode_layout(reference)}; "
            "all episodes of one dataset must share frame size, action size and length "
            "(record different settings into a separate folder)."
        )
