"""Contact-balanced window sampling: more training windows where a grasp is kept or lost.

The decision-fidelity benchmark found the world model's remaining hallucinations where the hand
moves while the object is within its reach: in reality the object stays behind (dropped, released,
held too weakly) and in the dream it travels with the hand. In uniformly sampled batches such
windows are rare: in the coffee-pull data about 2,000 of 25,000 windows have the hand moving next to
the mug, and only about 160 of them leave the mug behind. Contact-balanced sampling draws a fixed
share of every batch from each of the two groups, so that the model sees the gripper action decide
between them (the "coverage-aware sampling" of Hansen and Wang, arXiv 2606.27326).

The groups come from the low-dimensional ``states`` an episode may carry. Meta-World's observation
starts with the hand position (``states[:, 0:3]``), the gripper opening (``states[:, 3]``) and the
object position (``states[:, 4:7]``), the same layout for every task; the thresholds are in metres.
A window at frame ``t`` (see :mod:`dreamgym.data.windows`) predicts frame ``t+1``, so its group is
decided by the motion from ``t`` to ``t+1``.

A third group, off by default, holds the windows in which the object tips over (its upright axis
turns by more than ``tip_degrees`` in one decision; the object quaternion is ``states[:, 7:11]``,
``x, y, z, w``). Under noisy BC actions the real mug is often knocked over while the dream keeps it
in the gripper (``benchmarks/decision_fidelity/filmstrip.py``); such windows are about 0.6% of the data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
import torch

from dreamgym.data.episode import Episode
from dreamgym.data.windows import shared_sampling_weights

OTHER, OBJECT_FOLLOWS, OBJECT_LEFT_BEHIND, OBJECT_TIPS = 0, 1, 2, 3
GROUP_NAMES = ("other", "object follows the hand", "object left behind", "object tips")
HAND, OBJECT, OBJECT_QUATERNION = slice(0, 3), slice(4, 7), slice(7, 11)


@dataclass(frozen=True)
class ContactSamplingConfig:
    """Thresholds of the window groups and the share of each batch drawn from each contact group.

    :param reach: hand-object distance (m) within which the hand may be holding the object.
    :param min_hand_motion: hand displacement (m per decision) below which the hand counts as still.
    :param follows_below: the object follows when the object-to-hand offset changes by less than
        this fraction of the hand's motion.
    :param left_above: the object is left behind when that offset changes by more than this fraction.
    :param follows_share: share of every batch drawn from "object follows" windows.
    :param left_share: share of every batch drawn from "object left behind" windows.
    :param tip_degrees: the object tips when its upright axis turns by more than this in one decision.
    :param tips_share: share of every batch drawn from "object tips" windows (they win over the other groups;
        with 0 there is no such group).
    """

    reach: float = 0.08
    min_hand_motion: float = 0.004
    follows_below: float = 0.3
    left_above: float = 0.5
    follows_share: float = 0.15
    left_share: float = 0.15
    tip_degrees: float = 10.0
    tips_share: float = 0.0

    def __post_init__(self) -> None:
        for name in ("reach", "min_hand_motion", "follows_below", "left_above", "tip_degrees"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and not isinstance(value, bool) and np.isfinite(value) and value > 0):
                raise ValueError(f"ContactSamplingConfig.{name} must be a positive finite number, got {value!r}.")
        if self.follows_below > self.left_above:
            raise ValueError(
                f"ContactSamplingConfig.follows_below ({self.follows_below}) must not exceed left_above ({self.left_above})."
            )
        for name in ("follows_share", "left_share", "tips_share"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value < 1):
                raise ValueError(f"ContactSamplingConfig.{name} must be a number in [0, 1), got {value!r}.")
        if self.follows_share + self.left_share + self.tips_share >= 1:
            raise ValueError(
                f"follows_share + left_share + tips_share must be below 1 (the rest of each batch is uniform), got "
                f"{self.follows_share} + {self.left_share} + {self.tips_share}."
            )

    def to_dict(self) -> dict:
        return asdict(self)


def contact_groups(episode: Episode, context: int, config: ContactSamplingConfig) -> np.ndarray:
    """The group (:data:`OTHER`, :data:`OBJECT_FOLLOWS`, :data:`OBJECT_LEFT_BEHIND`, :data:`OBJECT_TIPS`) of each window.

    One entry per window, in the order :class:`~dreamgym.data.windows.TransitionWindows` numbers
    them (``t = context-1 .. T-1``).

    :raises ValueError: if the episode has no ``states`` or fewer than 11 state dimensions.
    """
    states = episode.states
    if states is None or states.ndim != 2 or states.shape[1] < 11:
        shape = None if states is None else tuple(states.shape)
        raise ValueError(
            f"Contact-balanced sampling needs Meta-World states (hand xyz, gripper, object xyz and quaternion: at least 11 "
            f"values per frame) in every episode; episode {episode.meta.get('source')!r} seed "
            f"{episode.meta.get('seed')!r} has states of shape {shape}. Record with `dreamgym collect`, "
            f"or train with uniform sampling."
        )
    hand, obj = states[:, HAND], states[:, OBJECT]
    offset = obj - hand
    hand_motion = np.linalg.norm(np.diff(hand, axis=0), axis=1)
    offset_change = np.linalg.norm(np.diff(offset, axis=0), axis=1)
    near = np.linalg.norm(offset, axis=1)[:-1] < config.reach
    moving = near & (hand_motion > config.min_hand_motion)
    groups = np.full(len(hand_motion), OTHER, dtype=np.int8)
    groups[moving & (offset_change < config.follows_below * hand_motion)] = OBJECT_FOLLOWS
    groups[moving & (offset_change > config.left_above * hand_motion)] = OBJECT_LEFT_BEHIND
    if config.tips_share > 0:  # the group exists only when sampled from (so that the other groups stay as they were)
        groups[np.diff(upright_angle_degrees(states[:, OBJECT_QUATERNION])) > config.tip_degrees] = OBJECT_TIPS
    return groups[context - 1 :]


def upright_angle_degrees(quaternions: np.ndarray) -> np.ndarray:
    """Angle between an object's own z axis and the world's z axis, from ``(N, 4)`` quaternions ``x, y, z, w``."""
    x, y, z, w = (quaternions[:, i] for i in range(4))
    norm = x * x + y * y + z * z + w * w
    cosine = np.where(norm > 0, 1.0 - 2.0 * (x * x + y * y) / np.where(norm > 0, norm, 1.0), 1.0)
    return np.degrees(np.arccos(np.clip(cosine, -1.0, 1.0)))


def contact_sampling_weights(
    episodes: Sequence[Episode], context: int, config: ContactSamplingConfig
) -> tuple[torch.Tensor, dict[str, int]]:
    """Per-window sampling weights for :meth:`TransitionWindows.sample`, and the window count per group.

    Each contact group gets its configured share of the probability mass, spread evenly over its
    windows; the rest goes uniformly to all windows. A group with no windows gives its share back.
    """
    groups = np.concatenate([contact_groups(episode, context, config) for episode in episodes])
    counts = {name: int((groups == value).sum()) for value, name in enumerate(GROUP_NAMES)}
    shares = ((OBJECT_FOLLOWS, config.follows_share), (OBJECT_LEFT_BEHIND, config.left_share), (OBJECT_TIPS, config.tips_share))
    return shared_sampling_weights([(groups == value, share) for value, share in shares], len(groups)), counts
