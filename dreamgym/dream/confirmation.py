"""Pessimistic success: reward an imagined success only if the dream reproduces it.

The world model is stochastic. When the classifier calls an imagined frame a success, the deciding
stretch (the last ``horizon`` imagined transitions, same actions) is imagined again ``rerolls`` times
from the context before it, with fresh noise. The success counts only if the classifier also fires on
the last frame of every re-imagined stretch. A success that depends on one lucky sample of the world
model (a mug that happens to stay in a loosely closed gripper, a near miss drawn a pixel closer) does
not pay; one that the model reproduces does. This costs ``rerolls * horizon`` extra frames per
predicted success (not per step), so it is cheap when successes are rare.

Re-imagining with the same world model cannot catch what that model believes every time (a failed
grasp it always draws as held). A ``judge`` is a second learned simulator, trained apart from the first:
the stretch is then re-imagined by the judge's world model and scored by the judge's classifier, so a
success pays only where two independently trained dreams agree on it (model-ensemble pessimism).
With a ``horizon`` as long as the imagined episodes, the judge replays the whole episode from its real
start context. Two dreams rarely agree on the exact decision at which the mug arrives, so ``window``
lets a re-imagining confirm with a success on any of its last ``window`` frames (by the decision the
dream called a success, not necessarily at it).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import torch

from dreamgym.world_model.evaluation import autoregressive_rollout
from dreamgym.world_model.sampler import SamplerConfig


@dataclass(frozen=True)
class SuccessConfirmation:
    """How an imagined success is confirmed.

    :param rerolls: independent re-imaginings of the deciding stretch; all must end in success.
    :param horizon: imagined transitions re-imagined before the success frame (fewer if the episode
        is younger than that).
    :param judge: folder of another learned-simulator bundle (same task, frames and actions) whose world
        model and classifier do the re-imagining and judging; ``None``: the dream's own.
    :param window: a re-imagining confirms if the classifier fires on any of its last ``window`` frames
        (1: on the last frame only, the frame of the success being confirmed).
    """

    rerolls: int = 2
    horizon: int = 8
    judge: str | None = None
    window: int = 1

    def __post_init__(self) -> None:
        # Upper bounds: each reroll re-imagines ``horizon`` frames, and every world keeps ``horizon`` past frames.
        for name, most in (("rerolls", 16), ("horizon", 64), ("window", 64)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"SuccessConfirmation.{name} must be an integer >= 1, got {value!r}.")
            if value > most:
                raise ValueError(f"SuccessConfirmation.{name} must be at most {most}, got {value!r}.")
        if self.window > self.horizon:
            raise ValueError(
                f"SuccessConfirmation.window ({self.window}) must be at most its horizon ({self.horizon}): "
                "only re-imagined frames are judged."
            )
        if self.judge is not None and (not isinstance(self.judge, str) or not self.judge):
            raise ValueError(
                f"SuccessConfirmation.judge must be the path of a bundle folder as a string, or None, got {self.judge!r}."
            )

    def to_dict(self) -> dict:
        settings = asdict(self)
        for key, absent in (("judge", None), ("window", 1)):
            if settings[key] == absent:
                del settings[key]  # as written before these settings existed
        return settings

    @classmethod
    def from_dict(cls, data: dict) -> "SuccessConfirmation":
        unknown = sorted(set(data) - {"rerolls", "horizon", "judge", "window"})
        if unknown:
            raise ValueError(
                f"Unknown success-confirmation settings {unknown}; expected 'rerolls', 'horizon', 'judge' and/or 'window'."
            )
        return cls(**data)


def confirmation_from_flags(rerolls: int, horizon: int, window: int = 1, judge: str | Path | None = None) -> dict | None:
    """The settings the ``--confirm-rerolls/-horizon/-window/-judge`` flags of ``dreamgym refine`` and
    ``benchmarks/decision_fidelity/closed_loop.py`` ask for, checked by :class:`SuccessConfirmation`;
    ``None`` with 0 rerolls (confirmation off).

    :raises ValueError: a judge with 0 rerolls, or settings :class:`SuccessConfirmation` refuses.
    """
    if rerolls == 0:
        if judge is not None:
            raise ValueError("--confirm-judge needs --confirm-rerolls >= 1 (0 switches success confirmation off).")
        return None
    return SuccessConfirmation(rerolls=rerolls, horizon=horizon, judge=None if judge is None else str(judge), window=window).to_dict()


def confirm_success(
    simulator,
    context_frames: torch.Tensor,
    actions: torch.Tensor,
    confirmation: SuccessConfirmation,
    sampler: SamplerConfig,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Whether each imagined success is reproduced by every re-imagining.

    :param simulator: the :class:`~dreamgym.dream.simulator.LearnedSimulator` that re-imagines and judges
        (the dream's own, or the confirmation's judge).
    :param context_frames: uint8 ``(B, T, 3, H, W)``: the T frames before the deciding stretch.
    :param actions: ``(B, T - 1 + S, A)``: the actions between those frames, then the S actions of the
        stretch (the last one led to the frame called a success).
    :returns: bool ``(B,)``, True where the classifier fires on one of the last ``confirmation.window``
        frames of every re-imagining.
    """
    if context_frames.shape[0] == 0:
        return torch.zeros(0, dtype=torch.bool, device=context_frames.device)
    k = confirmation.rerolls
    frames = context_frames.repeat_interleave(k, dim=0)
    repeated_actions = actions.repeat_interleave(k, dim=0)
    with torch.no_grad():
        imagined = autoregressive_rollout(simulator.world_model, frames, repeated_actions, sampler, generator)
        judged = imagined[:, -confirmation.window :]  # (B * k, <= window, 3, H, W)
        probability = simulator.reward_model.success_probability(judged.flatten(0, 1)).float().view(judged.shape[:2])
    fired = (probability >= simulator.reward_model.config.threshold).any(dim=1)
    return fired.view(-1, k).all(dim=1)
