"""Validation of what callers hand the imagined environments: settings, seeds, actions, reset contexts.

One layer for :class:`~dreamgym.dream.env.DreamWorldEnv` and
:class:`~dreamgym.dream.vector_env.DreamWorldVectorEnv`. Every function takes a ``worlds`` argument:
``None`` for the single env (its messages talk about unbatched shapes such as ``(4,)``), the number of
worlds for the vector env (``(N, 4)``). Bad values raise ``ValueError`` naming the value and what is
expected; bad seeds raise gymnasium's own ``gymnasium.error.Error``, as every gymnasium env does.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from numbers import Integral
from typing import Any

import numpy as np
import torch

from dreamgym.spaces import ACTION_DIM, as_array, check_action, check_real_array, check_seed  # noqa: F401 (check_seed: re-exported)

CONTEXT_KEYS = ("frames", "actions")
"""The keys of ``reset(options=...)``: a caller's own context to start from."""
OUTCOME_START_KEYS = ("states", "decisions")
"""Optional keys of ``reset(options=...)`` next to a context: the simulator state at its last frame and that
frame's decision index in its real episode, which an env judged by an outcome model needs."""


def check_positive_int(value: Any, name: str, optional: bool = False) -> int | None:
    """``value`` as an ``int >= 1`` (``None`` passes when ``optional``); booleans are refused."""
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
        expected = "an integer >= 1" + (" or None" if optional else "")
        raise ValueError(f"{name} must be {expected}, got {value!r}.")
    return int(value)


def check_choice(value: Any, name: str, allowed: Sequence[str]) -> str:
    """``value`` if it is one of the strings ``allowed``.

    :raises ValueError: naming the value and the allowed ones.
    """
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(f"{name} must be one of {list(allowed)}, got {value!r}.")
    return value


class Checked:
    """An attribute checked on every assignment (in ``__init__`` and later, e.g. by SB3's ``set_attr``).

    ``check(value, name)`` returns the value to store or raises; ``reward_mode = Checked(...)`` in a class
    body makes ``env.reward_mode = "typo"`` an error instead of a silently different env.
    """

    def __init__(self, check: Callable[[Any, str], Any]):
        self.check = check

    def __set_name__(self, owner: type, name: str) -> None:
        self.name, self.storage = name, f"_checked_{name}"

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        return self if instance is None else getattr(instance, self.storage)

    def __set__(self, instance: Any, value: Any) -> None:
        setattr(instance, self.storage, self.check(value, self.name))


def choice(allowed: Sequence[str]) -> Checked:
    """A :class:`Checked` attribute that must be one of the strings ``allowed``."""
    return Checked(lambda value, name: check_choice(value, name, allowed))


def _is_index(value: Any) -> bool:
    return isinstance(value, Integral) and not isinstance(value, (bool, np.bool_))


def check_indices(indices: Any, num_envs: int) -> list[int]:
    """SB3's ``indices`` argument as a list: ``None`` (every world), one int, or an iterable of ints in ``[0, num_envs)``.

    :raises TypeError: for anything that is not an int or an iterable of ints (booleans included).
    :raises ValueError: for an index out of range, naming it.
    """
    expected = f"None, an integer from 0 to {num_envs - 1}, or an iterable of such integers"
    if indices is None:
        return list(range(num_envs))
    if _is_index(indices):
        chosen = [indices]
    elif isinstance(indices, Iterable) and not isinstance(indices, (str, bytes, Mapping)):
        chosen = list(indices)
        if not all(_is_index(index) for index in chosen):
            raise TypeError(f"indices {indices!r} holds a value that is not an integer; expected {expected}.")
    else:
        raise TypeError(f"indices is {type(indices).__name__} {indices!r}; expected {expected}.")
    outside = [int(index) for index in chosen if not 0 <= index < num_envs]
    if outside:
        raise ValueError(f"indices {outside} out of range for {num_envs} worlds; expected {expected}.")
    return [int(index) for index in chosen]


def check_all_indices(indices: Any, num_envs: int, action: str) -> None:
    """Refuse ``indices`` (see :func:`check_indices`) unless they name every world: ``action`` acts on all of them.

    :raises ValueError: naming the indices and saying that ``None`` (all worlds) is expected.
    """
    chosen = check_indices(indices, num_envs)
    if sorted(set(chosen)) != list(range(num_envs)):
        raise ValueError(
            f"indices {indices!r} name only some of the {num_envs} worlds, but {action} acts on all of them at once "
            "(they are one batched env); expected indices=None."
        )


def check_vec_env_options(options: Any, num_envs: int) -> Mapping | None:
    """SB3's ``set_options`` argument as the options of the vector env's next ``reset(options=...)``, or ``None``.

    The worlds reset together from one batched context, so the options are one dict for all of them;
    SB3's list of per-world dicts is accepted only when every dict is empty (no options).

    :raises TypeError: for anything but ``None``, a dict or a list of dicts.
    :raises ValueError: for a list of another length or with per-world options.
    """
    expected = (f"None or one dict {{'frames': ({num_envs}, ...), 'actions': ({num_envs}, ...)}} for all "
                f"{num_envs} worlds (they reset together from one batched context)")
    if options is None or isinstance(options, Mapping):
        return options or None
    if not isinstance(options, (list, tuple)) or not all(isinstance(item, Mapping) for item in options):
        raise TypeError(f"set_options({_brief(options)}) is refused; expected {expected}.")
    if len(options) != num_envs or any(options):
        raise ValueError(f"set_options() got a list of {len(options)} per-world dicts {_brief(options)}; expected {expected}.")
    return None


def _brief(value: Any, limit: int = 80) -> str:
    """``repr(value)``, shortened for an error message (arrays of frames are long)."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def check_device(device: Any) -> torch.device:
    """``device`` (a string such as ``"cpu"`` or ``"cuda:0"``, or a ``torch.device``) as a usable ``torch.device``.

    :raises ValueError: naming the value, for a non-string, an unknown device string, or an accelerator that
        this machine does not have (``"cuda"`` without CUDA, ``"mps"`` without MPS).
    """
    expected = "a device string such as 'cpu', 'cuda' or 'cuda:0' (or a torch.device)"
    if isinstance(device, torch.device):
        parsed = device
    elif isinstance(device, str):
        try:
            parsed = torch.device(device)
        except (RuntimeError, ValueError) as problem:
            raise ValueError(f"device {device!r} is not a known device ({problem}); expected {expected}.") from None
    else:
        raise ValueError(f"device must be a string, got {type(device).__name__} {device!r}; expected {expected}.")
    if parsed.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device {device!r} needs CUDA, but torch.cuda.is_available() is False on this machine; expected 'cpu' here."
        )
    if parsed.type == "cuda" and parsed.index is not None and parsed.index >= torch.cuda.device_count():
        raise ValueError(
            f"device {device!r} names GPU {parsed.index}, but this machine has {torch.cuda.device_count()} CUDA device(s)."
        )
    if parsed.type == "mps" and not torch.backends.mps.is_available():
        raise ValueError(f"device {device!r} needs Apple MPS, which is not available on this machine; expected 'cpu' here.")
    if parsed.type not in ("cpu", "cuda", "mps"):
        raise ValueError(f"device {device!r} is not supported; expected {expected}.")
    return parsed


def check_task(task: Any) -> str:
    """``task`` as the canonical name of a known Meta-World task (e.g. ``"coffee-pull"``).

    Names with path separators (``"../envs/coffee-pull"``) are refused: the name picks a shipped bundle
    folder, and must not reach outside the bundles folder.

    :raises ValueError: naming the value and what is expected.
    """
    expected = "the name of a known Meta-World task such as 'coffee-pull' (pass bundle=<folder> for other bundles)"
    if not isinstance(task, str):
        raise ValueError(f"task must be a string, got {type(task).__name__} {task!r}; expected {expected}.")
    if not task.strip() or any(sep in task for sep in ("/", "\\", os.sep)) or task.strip() in (".", ".."):
        raise ValueError(f"task {task!r} is not a task name; expected {expected}.")
    from dreamgym.tasks import get_task

    try:
        return get_task(task).name
    except ValueError as problem:
        raise ValueError(f"task {task!r} is not a known task; expected {expected}. ({problem})") from None


def check_bundle(bundle: Any) -> Any:
    """``bundle``: ``None`` or a folder path (``str`` or ``os.PathLike``)."""
    if bundle is not None and not isinstance(bundle, (str, os.PathLike)):
        raise ValueError(
            f"bundle must be a folder path (str or os.PathLike) or None, got {type(bundle).__name__} {bundle!r}."
        )
    return bundle


def _batched(shape: tuple[int, ...], worlds: int | None) -> tuple[int, ...]:
    return shape if worlds is None else (worlds, *shape)


def _per_world(worlds: int | None) -> str:
    return "" if worlds is None else f" for each of the {worlds} worlds"


def check_step_action(action: Any, worlds: int | None) -> np.ndarray:
    """One action ``(4,)`` (single env) or one per world ``(N, 4)``, as float32 clipped to [-1, 1]."""
    if worlds is None:
        return check_action(action, (ACTION_DIM,), "Action")
    return check_action(action, (worlds, ACTION_DIM), "The batch of actions", f" (one action{_per_world(worlds)})")


def check_context(
    frames: Any, actions: Any, history: int, frame_shape: tuple[int, ...], worlds: int | None
) -> tuple[np.ndarray, np.ndarray]:
    """A caller's starting context: ``history`` uint8 frames and the ``history - 1`` actions between them.

    :param frame_shape: one frame's shape ``(3, H, W)``.
    :param worlds: ``None`` for unbatched ``(history, 3, H, W)`` / ``(history - 1, 4)``; else the leading size.
    :returns: frames (uint8) and actions (float32, clipped to [-1, 1]) of the batched or unbatched shape.
    """
    frames_shape = _batched((history, *frame_shape), worlds)
    frames_expected = f"uint8 frames of shape {frames_shape}: {history} consecutive frames{_per_world(worlds)}"
    if worlds is None:
        frames_expected += " (no leading batch axis for the single env)"
    frame_array = as_array(frames, "options['frames']", frames_expected)
    if frame_array.dtype != np.uint8:
        raise ValueError(f"options['frames'] has dtype {frame_array.dtype}; expected {frames_expected}.")
    if frame_array.shape != frames_shape:
        raise ValueError(f"options['frames'] has shape {frame_array.shape}; expected {frames_expected}.")

    actions_shape = _batched((history - 1, ACTION_DIM), worlds)
    actions_expected = (
        f"real numbers (float or int) of shape {actions_shape}: the {history - 1} actions between the {history} frames"
        f"{_per_world(worlds)}, in [-1, 1] (clipped)"
    )
    action_array = check_real_array(actions, "options['actions']", actions_shape, actions_expected)
    return frame_array, np.clip(action_array, -1.0, 1.0)


def context_from_options(
    options: Any, history: int, frame_shape: tuple[int, ...], worlds: int | None
) -> tuple[np.ndarray, np.ndarray] | None:
    """The validated context in ``reset(options=...)``, or ``None`` when no options are given.

    ``options`` must be ``None``, empty, or a mapping with the keys ``"frames"`` and ``"actions"`` (and
    optionally :data:`OUTCOME_START_KEYS`, checked by :func:`outcome_start_from_options`): a misspelt or
    unsupported key would otherwise be ignored and the worlds start somewhere else.
    """
    if options is None or (isinstance(options, Mapping) and not options):
        return None
    expected = "a dict with both 'frames' and 'actions' (or no options)"
    if not isinstance(options, Mapping):
        raise ValueError(f"reset(options=...) is a {type(options).__name__}; expected {expected}.")
    unknown = sorted(str(key) for key in options if key not in CONTEXT_KEYS + OUTCOME_START_KEYS)
    if unknown:
        raise ValueError(f"reset(options=...) has unknown keys {unknown}; expected {expected}.")
    missing = [key for key in CONTEXT_KEYS if key not in options]
    if missing:
        raise ValueError(f"reset(options=...) lacks {missing}; expected {expected}.")
    given = [key for key in OUTCOME_START_KEYS if key in options]
    if len(given) == 1:
        raise ValueError(f"reset(options=...) gives {given[0]!r} without {[k for k in OUTCOME_START_KEYS if k not in given][0]!r}; "
                         "expected both (the simulator state at the context's last frame and that frame's decision index in "
                         "its episode) or neither.")
    return check_context(options["frames"], options["actions"], history, frame_shape, worlds)


def outcome_start_from_options(
    options: Any, state_dim: int, worlds: int | None, first_decision: int, last_decision: int
) -> tuple[np.ndarray, np.ndarray] | None:
    """The validated ``options["states"]`` (float32 ``(N, state_dim)``) and ``options["decisions"]`` (int64 ``(N,)``)
    of a ``reset(options=...)`` that gives a context, or ``None`` when neither is given (``worlds=None``: one world,
    no leading axis, returned with one).

    :raises ValueError: if only one of them is given, or either has the wrong shape, values or range.
    """
    if not isinstance(options, Mapping) or not any(key in options for key in OUTCOME_START_KEYS):
        return None
    lead = () if worlds is None else (worlds,)
    expected_states = f"real numbers of shape {lead + (state_dim,)}: the simulator state at each context's last frame"
    expected_decisions = (f"integers of shape {lead} in [{first_decision}, {last_decision}]: the decision index of each "
                          "context's last frame in its real episode")
    missing = [key for key in OUTCOME_START_KEYS if key not in options]
    if missing:
        raise ValueError(f"reset(options=...) lacks {missing}; 'states' ({expected_states}) and 'decisions' "
                         f"({expected_decisions}) come together.")
    states = check_real_array(options["states"], "options['states']", lead + (state_dim,), expected_states)
    decisions = as_array(options["decisions"], "options['decisions']", expected_decisions)
    if not np.issubdtype(decisions.dtype, np.integer) or decisions.shape != lead:
        raise ValueError(f"options['decisions'] is {decisions.dtype} {decisions.shape}; expected {expected_decisions}.")
    if (decisions < first_decision).any() or (decisions > last_decision).any():
        raise ValueError(f"options['decisions'] holds {decisions.tolist()}; expected {expected_decisions}.")
    if worlds is None:
        return states[None], decisions.astype(np.int64)[None]
    return states, decisions.astype(np.int64)
