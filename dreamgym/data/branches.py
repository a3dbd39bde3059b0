"""Counterfactual branches: follow a policy up to a decision, then act differently from there on.

The real simulator is deterministic under ``reset(seed)``, so a branch is a prefix replay: the same
layout and the same actions up to decision ``at``, then the policy's action changed by a perturbation
for the rest of the episode. Branches put data (``dreamgym collect --branch N``) and measurements
(``benchmarks/decision_fidelity``) exactly where outcomes are decided: a grasp that slips, a pull that
stops short or ends beside the goal.

Perturbations, applied to the base policy's action ``a = (dx, dy, dz, grip)`` from decision ``at`` on
(for ``duration`` decisions when it is set, after which the base policy acts unchanged again):

========== ===========================================================================================
stop       no arm motion (``dx = dy = dz = 0``), the gripper command kept
slow       arm motion halved
weak_grip  the gripper closes with at most 0.2 of its force
release    the gripper opens (``grip = -1``)
lift       ``dz`` raised by 0.6: the arm stays high, so a grasp happens above the object or lifts it
lateral    ``dx`` biased by a constant (``lateral``, drawn per episode): the object ends beside the goal
pull       the scripted expert's pull (``dy = -1``, ``dz = -0.6``, ``grip = 0.7``; ``dx`` kept), whatever the
           grasp: data in which a pull after a failed grasp leaves the object behind (opt-in only:
           not drawn by default and not in the decision-fidelity benchmark's branch set)
========== ===========================================================================================

A short ``release`` (``duration`` 1-3 decisions just after the grasp) is the slip a noisy policy
makes: the gripper re-opens for a moment and closes again, and the object may tip or drop.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

PERTURBATIONS = ("stop", "slow", "weak_grip", "release", "lift", "lateral")
"""The kinds of branch drawn by default and measured by the decision-fidelity benchmark, in a fixed order."""

OPT_IN_PERTURBATIONS = ("pull",)
"""Kinds only drawn when asked for (``dreamgym collect --branch-kinds``)."""

ALL_PERTURBATIONS = PERTURBATIONS + OPT_IN_PERTURBATIONS
"""Every kind of branch."""

EXPERT_PULL = (-1.0, -0.6, 0.7)
"""``dy``, ``dz`` and gripper command of coffee-pull's scripted expert while it pulls the mug."""

LATERAL_BIAS_RANGE = (0.2, 1.2)
"""Magnitude of the ``lateral`` bias on ``dx`` drawn for data. Measured with coffee-pull's scripted
expert: during the pull (decision 18) a bias of 0.3 still succeeds (3-8 cm from the goal), 0.6 lands
around the 7 cm boundary and 1.0 misses by 11-12 cm, like BC's near misses; before the grasp
(decision 10) a bias of 0.6 or more makes the hand miss the mug."""


@dataclass(frozen=True)
class Branch:
    """One counterfactual: from decision ``at`` (0-based) on, ``kind`` changes every action.

    :param kind: one of :data:`ALL_PERTURBATIONS`.
    :param at: first decision whose action is perturbed (``0 <= at``).
    :param lateral: the ``dx`` bias of a ``lateral`` branch (ignored by the other kinds).
    :param duration: decisions the perturbation lasts; 0 (the default) keeps it to the end of the episode.
    """

    kind: str
    at: int
    lateral: float = 0.0
    duration: int = 0

    def __post_init__(self) -> None:
        if self.kind not in ALL_PERTURBATIONS:
            raise ValueError(f"Branch kind must be one of {ALL_PERTURBATIONS}, got {self.kind!r}.")
        if isinstance(self.at, bool) or not isinstance(self.at, (int, np.integer)) or self.at < 0:
            raise ValueError(f"Branch decision 'at' must be an integer >= 0, got {self.at!r}.")
        if not np.isfinite(self.lateral) or abs(self.lateral) > 2:
            raise ValueError(f"Branch lateral bias must be finite and within [-2, 2], got {self.lateral!r}.")
        if isinstance(self.duration, bool) or not isinstance(self.duration, (int, np.integer)) or self.duration < 0:
            raise ValueError(f"Branch duration must be an integer >= 0 (0: to the end of the episode), got {self.duration!r}.")

    def apply(self, action: np.ndarray, decision: int) -> np.ndarray:
        """The action to take at ``decision`` when the base policy proposes ``action`` (clipped to [-1, 1])."""
        if decision < self.at or (self.duration and decision >= self.at + self.duration):
            return action
        changed = np.array(action, dtype=np.float32, copy=True)
        if self.kind == "stop":
            changed[:3] = 0.0
        elif self.kind == "slow":
            changed[:3] *= 0.5
        elif self.kind == "weak_grip":
            changed[3] = min(changed[3], 0.2)
        elif self.kind == "release":
            changed[3] = -1.0
        elif self.kind == "lift":
            changed[2] += 0.6
        elif self.kind == "lateral":
            changed[0] += self.lateral
        elif self.kind == "pull":
            changed[1:] = EXPERT_PULL
        return np.clip(changed, -1.0, 1.0)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def draw(
        cls,
        rng: np.random.Generator,
        at_range: tuple[int, int],
        kinds: tuple[str, ...] = PERTURBATIONS,
        duration_range: tuple[int, int] | None = None,
    ) -> "Branch":
        """A random branch: kind uniform over ``kinds``, ``at`` uniform in ``at_range`` (inclusive), for
        ``lateral`` a bias of random sign and magnitude in :data:`LATERAL_BIAS_RANGE`, and a duration
        uniform in ``duration_range`` (inclusive; ``None``: to the end of the episode).

        With the default ``kinds`` and no ``duration_range`` the draws are those of every earlier release,
        so recorded datasets regenerate identically."""
        kinds = tuple(kinds)
        unknown = [kind for kind in kinds if kind not in ALL_PERTURBATIONS]
        if not kinds or unknown:
            raise ValueError(f"Branch kinds must be a non-empty subset of {ALL_PERTURBATIONS}, got {kinds!r}.")
        kind = kinds[int(rng.integers(len(kinds)))]
        at = int(rng.integers(at_range[0], at_range[1] + 1))
        lateral = float(rng.choice([-1.0, 1.0]) * rng.uniform(*LATERAL_BIAS_RANGE)) if kind == "lateral" else 0.0
        duration = 0 if duration_range is None else int(rng.integers(duration_range[0], duration_range[1] + 1))
        return cls(kind, at, lateral, duration)
