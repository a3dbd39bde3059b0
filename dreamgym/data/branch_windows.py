"""Branch-onset window sampling: more training windows where a branch's action departs from its policy.

The decision-fidelity benchmark's remaining errors are "action-marginalised" (Hansen and Wang, arXiv
2606.27326): the real gripper re-opens or weakens and the mug stays behind, while the imagined mug
follows the arm as it does in most of the data. A counterfactual branch (:mod:`dreamgym.data.branches`)
holds exactly the moment the model gets wrong: up to decision ``at`` the frames are those of the base
policy, and from ``at`` on the action differs. In those first windows after ``at`` the context frames
look like countless windows in which the grasp holds, so only the actions tell the model what happens
next. Uniform sampling draws them rarely (4 windows of about 47 in a branch episode, a few percent of
the data); this sampling gives them a fixed share of every batch.

A window at frame ``t`` (see :mod:`dreamgym.data.windows`) predicts frame ``t+1`` from the actions up to
``actions[t]``; it is an onset window when ``at <= t < at + decisions``: its newest action is one of the
first ``decisions`` perturbed ones, or (for a short perturbation) the return to the policy right after it.
Episodes without a branch in their ``meta`` have no onset windows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from numbers import Integral, Real

import numpy as np
import torch

from dreamgym.data.episode import Episode
from dreamgym.data.windows import shared_sampling_weights


@dataclass(frozen=True)
class BranchOnsetSamplingConfig:
    """Which windows count as a branch's onset and how much of every batch they get.

    :param share: share of every batch drawn (uniformly) from onset windows; the rest is uniform over all
        windows. In ``(0, 1)``.
    :param decisions: windows per branch counted as its onset, from the first perturbed decision on (>= 1).
    """

    share: float = 0.3
    decisions: int = 4

    def __post_init__(self) -> None:
        if isinstance(self.share, bool) or not isinstance(self.share, Real) or not 0 < self.share < 1:
            raise ValueError(f"BranchOnsetSamplingConfig.share must be a number in (0, 1), got {self.share!r}.")
        if isinstance(self.decisions, bool) or not isinstance(self.decisions, Integral) or self.decisions < 1:
            raise ValueError(f"BranchOnsetSamplingConfig.decisions must be an integer >= 1, got {self.decisions!r}.")

    def to_dict(self) -> dict:
        return asdict(self)


def branch_onset_windows(episode: Episode, context: int, decisions: int) -> np.ndarray:
    """A boolean per window of ``episode`` (in :class:`~dreamgym.data.windows.TransitionWindows` order,
    ``t = context-1 .. T-1``): whether the window is one of its branch's first ``decisions`` (see the module
    docstring). All false for an episode that is not a branch.

    :raises ValueError: if the episode's ``meta["branch"]`` is present but has no integer ``at``.
    """
    num_decisions = len(episode.actions)
    t = np.arange(context - 1, num_decisions)
    branch = episode.meta.get("branch")
    if not branch:
        return np.zeros(len(t), dtype=bool)
    at = branch.get("at") if isinstance(branch, dict) else None
    if isinstance(at, bool) or not isinstance(at, Integral) or at < 0:
        raise ValueError(
            f"Episode {episode.meta.get('source')!r} seed {episode.meta.get('seed')!r} has meta['branch'] = {branch!r}; "
            f"expected a dict with the first perturbed decision 'at' (an integer >= 0), as `dreamgym collect --branch` writes."
        )
    return (t >= at) & (t < at + decisions)


def branch_onset_sampling_weights(
    episodes: Sequence[Episode], context: int, config: BranchOnsetSamplingConfig
) -> tuple[torch.Tensor, int]:
    """Per-window sampling weights for :meth:`TransitionWindows.sample`, and the number of onset windows.

    The onset windows share ``config.share`` of the probability mass evenly; the rest goes uniformly to
    all windows (onset windows included). With no onset window at all the weights are uniform.
    """
    onset = np.concatenate([branch_onset_windows(episode, context, config.decisions) for episode in episodes])
    return shared_sampling_weights([(onset, config.share)], len(onset)), int(onset.sum())
