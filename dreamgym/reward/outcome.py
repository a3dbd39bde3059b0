"""An action-grounded success model: does an episode succeed, given where it starts and the actions taken?

The frame classifier judges one imagined frame, so it can only be as right as the world model's pixels. The
decision-fidelity benchmark shows those pixels are *action-marginalised* where the outcome is decided: the
imagined mug follows the hand whether or not the gripper holds it, and a near miss is drawn as a success.
The recorded data hold the answer the pixels lose (``benchmarks/decision_fidelity/state_outcome_probe.py``):
a small network reading Meta-World's state at the start of an open-loop stretch (hand, gripper, object
pose, goal) and the actions after it judges real outcomes far better than any world model trained on the
same episodes.

:class:`OutcomeModel` is that network, trained by :mod:`dreamgym.reward.outcome_train` and shipped in a bundle
as the ``outcome_model`` component. A dream env with ``success_signal="outcome"`` judges each imagined
episode by it at the episode's end, from the real state of its start context and the actions the policy
took since (the frames still come from the world model). It predicts *whether the task is solved at some step
within the given actions*, the label of a real episode.

Inputs (:func:`outcome_features`): the start state's hand position and gripper opening, object position and
quaternion, goal position, the hand-to-object and object-to-goal offsets, the actions since the start
(zero-padded to a fixed length, with a mask saying which are given), their running sums over the hand's
three axes (where the hand is driven), and the share of the real episode left at the start. With
``motion_features`` it also reads how the hand and the object moved over the step before the start (Meta-World's
observation carries the previous step) and the hand's running path weighted by the gripper command clipped to
[0, 1] (how far a held object is carried, and how firmly), so a release or a weak grip part-way through the
actions is visible in where the path stops counting. With ``carried_offset`` it reads, at every step, where the object
would stand from the goal if it followed the hand while the gripper closes (the start's object-to-goal offset less
``hand_step`` times that gripper-weighted path) and that distance, the quantity success is decided on; the
network then only has to learn when the guess is wrong, not the geometry.

With ``distance_head`` every member has a second output, trained next to the success label to regress how close
the object comes to the goal within the stretch (:func:`closeness_target`: the log of the closest object-to-goal
distance over ``distance_scale``, zero at coffee-pull's 7 cm success radius). The label says only *whether* an
episode succeeds; the distance says by how much it missed, the information a near miss 9 cm from the goal and a
success 6 cm from it differ in. Judgements read the success output alone (``success_probability``);
:meth:`OutcomeModel.closeness` reads the second.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from numbers import Real

import numpy as np
import torch
from torch import nn

STATE_PARTS = ((0, 4), (4, 11), (36, 39))
"""Slices of Meta-World's 39-value observation read by the model: hand position and gripper opening, the
first object's position and quaternion, the goal position."""
HAND_STEP = 0.025
"""Metres the hand moves per decision per unit of action along x and y in coffee-pull (least squares over 5-decision
stretches of deterministic-BC episodes, session 30: 0.0249 in x, 0.0254 in y; residual 1.2 and 2.2 cm)."""
PREVIOUS_HAND, PREVIOUS_OBJECT = slice(18, 21), slice(22, 25)
"""Where Meta-World's observation keeps the previous step's hand and first-object positions."""


@dataclass
class OutcomeModelConfig:
    """:param state_dim: length of the simulator state vector (Meta-World: 39).
    :param action_dim: action size.
    :param episode_decisions: decisions in a real episode (the model sees at most ``episode_decisions -
        first_start`` actions).
    :param first_start: the earliest decision an open-loop stretch starts from (the last frame of the first
        4-frame context is decision 3).
    :param hidden: width of the two hidden layers.
    :param members: independently trained networks (different initialisation and batch order) whose success
        probabilities are averaged: a deep ensemble, steadier than one network on a few hundred episodes.
    :param threshold: success when the predicted probability is at least this.
    :param motion_features: also read the hand's and object's motion over the step before the start and the
        gripper-weighted hand path (see the module docstring); off for models trained before session 30.
    :param carried_offset: also read the object-to-goal offset and distance the object would have at every step if
        it followed the hand while the gripper closes (see the module docstring); off for models trained before session 30.
    :param hand_step: metres per decision per unit of action used for that guess (:data:`HAND_STEP`).
    :param distance_head: every member also regresses :func:`closeness_target` (see the module docstring); off for models
        trained before session 31.
    :param distance_scale: metres the closeness target is measured in (coffee-pull's success radius, 0.07).
    """

    state_dim: int = 39
    action_dim: int = 4
    episode_decisions: int = 50
    first_start: int = 3
    hidden: int = 256
    members: int = 5
    threshold: float = 0.5
    motion_features: bool = False
    carried_offset: bool = False
    hand_step: float = HAND_STEP
    distance_head: bool = False
    distance_scale: float = 0.07

    def __post_init__(self) -> None:
        for name in ("state_dim", "action_dim", "episode_decisions", "hidden", "members"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"OutcomeModelConfig.{name} must be an integer >= 1, got {value!r}.")
        if self.state_dim < STATE_PARTS[-1][1]:
            raise ValueError(f"OutcomeModelConfig.state_dim must be at least {STATE_PARTS[-1][1]} (Meta-World's layout), got {self.state_dim}.")
        if isinstance(self.first_start, bool) or not isinstance(self.first_start, int) or not 0 <= self.first_start < self.episode_decisions:
            raise ValueError(f"OutcomeModelConfig.first_start must be an integer in [0, episode_decisions), got {self.first_start!r}.")
        threshold = self.threshold
        if isinstance(threshold, bool) or not isinstance(threshold, Real) or not 0.0 < threshold < 1.0:
            raise ValueError(f"OutcomeModelConfig.threshold must be a number in (0, 1) (exclusive), got {threshold!r}.")
        for name in ("motion_features", "carried_offset", "distance_head"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"OutcomeModelConfig.{name} must be true or false, got {getattr(self, name)!r}.")
        if isinstance(self.hand_step, bool) or not isinstance(self.hand_step, Real) or not self.hand_step > 0:
            raise ValueError(f"OutcomeModelConfig.hand_step must be a number > 0 (metres per decision), got {self.hand_step!r}.")
        if isinstance(self.distance_scale, bool) or not isinstance(self.distance_scale, Real) or not self.distance_scale > 0:
            raise ValueError(f"OutcomeModelConfig.distance_scale must be a number > 0 (metres), got {self.distance_scale!r}.")

    @property
    def max_actions(self) -> int:
        """The most actions one judgement reads: from ``first_start`` to the real episode's end."""
        return self.episode_decisions - self.first_start

    @property
    def feature_dim(self) -> int:
        picked = sum(stop - start for start, stop in STATE_PARTS)
        motion = 6 + self.max_actions * 3 if self.motion_features else 0
        carried = self.max_actions * 4 + 1 if self.carried_offset else 0
        return picked + 6 + self.max_actions * (self.action_dim + 1 + 3) + 1 + motion + carried

    def to_dict(self) -> dict:
        return asdict(self)


def outcome_features(
    start_states: np.ndarray, actions: np.ndarray, taken: np.ndarray, start_decisions: np.ndarray, config: OutcomeModelConfig
) -> np.ndarray:
    """The model's inputs for N open-loop stretches, float32 ``(N, config.feature_dim)``.

    :param start_states: ``(N, state_dim)`` simulator state at the stretch's start (the last context frame).
    :param actions: ``(N, K, action_dim)`` the actions from the start on; only the first ``taken[i]`` of row i are
        read, and at most ``config.max_actions`` (later ones fall after the real episode's end).
    :param taken: ``(N,)`` how many actions of each row were taken (0 is accepted but lies outside what the model
        was trained on: every training stretch has at least one action).
    :param start_decisions: ``(N,)`` the decision index of each start (``first_start`` .. ``episode_decisions``).
    """
    states = np.asarray(start_states, dtype=np.float64)
    actions = np.asarray(actions, dtype=np.float32)
    taken = np.asarray(taken).reshape(-1)
    starts = np.asarray(start_decisions).reshape(-1)
    count = states.shape[0] if states.ndim == 2 else -1
    problems = []
    if states.ndim != 2 or states.shape[1] != config.state_dim:
        problems.append(f"start_states must be (N, {config.state_dim}), got {states.shape}")
    if actions.ndim != 3 or actions.shape[0] != count or actions.shape[2] != config.action_dim:
        problems.append(f"actions must be (N, K, {config.action_dim}) with N = {count}, got {actions.shape}")
    if taken.shape != (count,) or starts.shape != (count,):
        problems.append(f"taken and start_decisions must hold N = {count} integers, got {taken.shape} and {starts.shape}")
    if problems:
        raise ValueError("outcome_features: " + "; ".join(problems) + ".")
    if (taken < 0).any() or (taken > actions.shape[1]).any():
        raise ValueError(f"outcome_features: taken must lie in [0, {actions.shape[1]}] (the actions given), got {taken.tolist()}.")
    if (starts < config.first_start).any() or (starts > config.episode_decisions).any():
        raise ValueError(
            f"outcome_features: start_decisions must lie in [{config.first_start}, {config.episode_decisions}], got {starts.tolist()}."
        )
    if not np.isfinite(states).all() or not np.isfinite(actions).all():
        raise ValueError("outcome_features: start_states and actions must be finite.")
    capacity = config.max_actions
    mask = np.arange(capacity)[None, :] < np.minimum(taken, capacity)[:, None]
    future = np.zeros((count, capacity, config.action_dim), dtype=np.float32)
    width = min(capacity, actions.shape[1])
    future[:, :width] = actions[:, :width]
    future *= mask[:, :, None]
    path = np.cumsum(future[:, :, :3], axis=1)
    picked = np.concatenate([states[:, start:stop] for start, stop in STATE_PARTS], axis=1)
    offsets = np.concatenate([states[:, 4:7] - states[:, 0:3], states[:, 36:39] - states[:, 4:7]], axis=1)
    left = ((config.episode_decisions - starts) / config.episode_decisions)[:, None]
    parts = [picked, offsets, future.reshape(count, -1), mask, path.reshape(count, -1), left]
    if config.motion_features or config.carried_offset:
        grip_path = np.cumsum(future[:, :, :3] * np.clip(future[:, :, 3:4], 0.0, 1.0), axis=1)
    if config.motion_features:
        moved = np.concatenate([states[:, 0:3] - states[:, PREVIOUS_HAND], states[:, 4:7] - states[:, PREVIOUS_OBJECT]], axis=1)
        parts += [moved, grip_path.reshape(count, -1)]
    if config.carried_offset:
        offset = (states[:, None, 36:39] - states[:, None, 4:7]) - config.hand_step * grip_path  # (N, K, 3)
        distance = np.linalg.norm(offset, axis=2)  # past the taken actions the path stands still, and so does the guess
        parts += [offset.reshape(count, -1), distance, distance.min(axis=1, keepdims=True)]
    return np.concatenate(parts, axis=1).astype(np.float32)


def padded_actions(sequences, config: OutcomeModelConfig) -> tuple[np.ndarray, np.ndarray]:
    """The ``actions`` and ``taken`` arguments of :meth:`OutcomeModel.success_probability` for stretches whose actions
    are ``sequences`` (one ``(T_i, action_dim)`` array each): float32 ``(N, max_actions, action_dim)`` zero-padded, and
    per stretch how many it holds (at most ``config.max_actions``; later ones fall after the real episode's end)."""
    actions = np.zeros((len(sequences), config.max_actions, config.action_dim), dtype=np.float32)
    taken = np.zeros(len(sequences), dtype=np.int64)
    for index, sequence in enumerate(sequences):
        kept = np.asarray(sequence)[: config.max_actions]
        actions[index, : len(kept)] = kept
        taken[index] = len(kept)
    return actions, taken


def closeness_target(states: np.ndarray, config: OutcomeModelConfig) -> float:
    """The distance head's target for a stretch whose states after each action are ``states`` ``(k, state_dim)``:
    ``log(closest object-to-goal distance / config.distance_scale)``, negative inside the success radius."""
    closest = float(np.linalg.norm(states[:, 4:7] - states[:, 36:39], axis=1).min())
    return float(np.log(max(closest, 1e-4) / config.distance_scale))


class OutcomeModel(nn.Module):
    """:func:`outcome_features` rows -> success logits ``(N,)``: standardised inputs, then ``config.members``
    2-hidden-layer ReLU MLPs whose probabilities are averaged (the logit of that average is returned). With
    ``config.distance_head`` each member has a second output, the closeness estimate (:meth:`closeness`)."""

    def __init__(self, config: OutcomeModelConfig):
        super().__init__()
        self.config = config
        width = config.feature_dim
        self.register_buffer("feature_mean", torch.zeros(width))
        self.register_buffer("feature_std", torch.ones(width))
        self.members = nn.ModuleList(
            nn.Sequential(nn.Linear(width, config.hidden), nn.ReLU(), nn.Linear(config.hidden, config.hidden), nn.ReLU(),
                          nn.Linear(config.hidden, 2 if config.distance_head else 1))
            for _ in range(config.members)
        )

    def set_standardisation(self, features: np.ndarray) -> None:
        """Standardise inputs by the mean and spread of ``features`` (the training rows); a column that does not vary
        is only centred."""
        features = torch.as_tensor(features, dtype=torch.float32)
        spread = features.std(0) if len(features) > 1 else torch.zeros(features.shape[1])
        self.feature_mean.copy_(features.mean(0))
        self.feature_std.copy_(torch.where(spread > 1e-6, spread + 1e-6, torch.ones_like(spread)))

    def member_outputs(self, features: torch.Tensor, member: int | None = None) -> torch.Tensor:
        """Raw outputs ``(members, N, outputs)`` of every member, or ``(N, outputs)`` of one ``member``: column 0 the
        success logit, column 1 (with ``config.distance_head``) the closeness estimate."""
        if features.ndim != 2 or features.shape[1] != self.config.feature_dim:
            raise ValueError(f"Expected outcome features (N, {self.config.feature_dim}), got {tuple(features.shape)}.")
        inputs = (features - self.feature_mean) / self.feature_std
        if member is not None:
            return self.members[member](inputs)
        return torch.stack([net(inputs) for net in self.members])

    def member_logits(self, features: torch.Tensor, member: int | None = None) -> torch.Tensor:
        """Success logits ``(members, N)`` of every member, or ``(N,)`` of one ``member``."""
        return self.member_outputs(features, member)[..., 0]

    def closeness(self, features: torch.Tensor) -> torch.Tensor:
        """The members' mean closeness estimate ``(N,)`` (:func:`closeness_target`'s scale).

        :raises ValueError: if the model has no distance head.
        """
        if not self.config.distance_head:
            raise ValueError("This outcome model has no distance head (trained without OutcomeModelConfig.distance_head).")
        return self.member_outputs(features)[..., 1].mean(0)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        probability = torch.sigmoid(self.member_logits(features)).mean(0).clamp(1e-6, 1 - 1e-6)
        return torch.log(probability) - torch.log1p(-probability)

    @torch.no_grad()
    def success_probability(
        self, start_states: np.ndarray, actions: np.ndarray, taken: np.ndarray, start_decisions: np.ndarray
    ) -> np.ndarray:
        """Probability, per stretch, that the task is solved at some step within its ``taken`` actions (see
        :func:`outcome_features` for the arguments)."""
        features = outcome_features(start_states, actions, taken, start_decisions, self.config)
        device = self.feature_mean.device
        return torch.sigmoid(self(torch.from_numpy(features).to(device))).cpu().numpy()
