"""Decision fidelity: do the dream and reality agree on *outcomes* under the actions a policy takes?

PSNR says how alike frames look; a learned simulator is used to decide whether actions succeed. This
module measures that directly. A :class:`Trial` is one real episode (a policy, the policy with action
noise, random actions, or a counterfactual :class:`~dreamgym.data.branches.Branch` of a base policy)
and the decision ``start`` from which the dream must predict it: the dream gets the 4 real frames up
to ``start`` and then the same actions as reality, open loop. Real outcome: success in any real frame
after ``start``; dream outcome: the success classifier fires on any imagined frame, or, for a simulator
judged by its outcome model (``success_signal="outcome"``, :func:`judge_trials_by_outcome`), that model's
verdict on the real state at ``start`` and the actions after it, as a dream env with that signal judges an
episode at its end. Trials whose outcome was decided before ``start`` (success already reached) are left out.

Per group of trials: outcome agreement, **near-miss hallucination rate** (real failures imagined as
successes), missed-success rate, the classifier's own verdict on the *real* frames (so a wrong dream
outcome can be blamed on the world model or the classifier), and drift: the first decision at which
an imagined frame's PSNR against the real one falls below a threshold.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
import torch

from dreamgym.data.branches import Branch
from dreamgym.reward.outcome import padded_actions
from dreamgym.world_model.evaluation import autoregressive_rollout, psnr
from dreamgym.world_model.sampler import noise_generator

Act = Callable[[np.ndarray, dict, int], np.ndarray]
"""``act(frame, info, decision) -> action``: how a trial chooses its actions in the real env."""


@dataclass
class Trial:
    """One real episode and the decision from which the dream has to predict its outcome.

    :param group: what produced the actions (``"policy"``, ``"policy_noise"``, ``"random"``, ``"branch"``).
    :param kind: finer label (for branches the perturbation, e.g. ``"lateral"``).
    :param base: the policy before any branch (``"bc"``, ``"expert"``, ``"random"``).
    :param start: the dream's context is real frames ``start - 3 .. start``; the first imagined
        frame follows action ``start``.
    :param frames: uint8 ``(T + 1, 3, H, W)`` real frames; ``actions`` ``(T, 4)``; ``success`` ``(T + 1,)``.
    :param final_distance: object-goal distance (m) at the end of the real episode.
    :param states: float ``(T + 1, S)`` real simulator states, or ``None`` where not recorded.
    """

    group: str
    kind: str
    base: str
    start: int
    reset_seed: int
    frames: np.ndarray
    actions: np.ndarray
    success: np.ndarray
    final_distance: float
    branch: dict | None = None
    dream: dict = field(default_factory=dict)
    states: np.ndarray | None = None

    @property
    def decided_before_start(self) -> bool:
        return bool(self.success[: self.start + 1].any())

    @property
    def real_outcome(self) -> bool:
        return bool(self.success[self.start + 1 :].any())


def record_real_trial(env, act: Act, reset_seed: int, **labels) -> Trial:
    """Run ``act`` for a whole episode of ``env`` (a ``MetaWorldPixelEnv`` that does not terminate on
    success) from ``reset(seed=reset_seed)``; ``labels`` are the :class:`Trial` fields besides the data."""
    frame, info = env.reset(seed=reset_seed)
    frames, actions, success, states = [frame], [], [info["success"]], [info["state"]]
    for decision in range(env.episode_steps):
        action = np.clip(np.asarray(act(frame, info, decision), dtype=np.float32), -1.0, 1.0)
        frame, _, terminated, truncated, info = env.step(action)
        frames.append(frame)
        actions.append(action)
        success.append(info["success"])
        states.append(info["state"])
        if terminated or truncated:
            break
    state = info["state"]  # Meta-World layout: object position at 4:7, goal at 36:39
    return Trial(
        frames=np.stack(frames), actions=np.stack(actions), success=np.array(success, dtype=bool),
        final_distance=float(np.linalg.norm(state[4:7] - state[36:39])), reset_seed=reset_seed,
        states=np.stack(states).astype(np.float64), **labels,
    )


def policy_act(model, deterministic: bool = True, noise_std: float = 0.0, rng: np.random.Generator | None = None) -> Act:
    """An SB3 policy's actions, optionally with Gaussian noise of ``noise_std`` added (drawn from ``rng``)."""
    if noise_std > 0 and rng is None:
        raise ValueError("policy_act with noise_std > 0 needs rng, a numpy Generator.")

    def act(frame, info, decision):
        action = model.predict(frame, deterministic=deterministic)[0]
        return action + rng.normal(0.0, noise_std, size=action.shape) if noise_std > 0 else action

    return act


def expert_act(expert) -> Act:
    """A scripted expert's actions (it reads the simulator state in ``info``)."""
    return lambda frame, info, decision: expert(info["state"])


def random_act(rng: np.random.Generator) -> Act:
    """Uniform random actions in [-1, 1]."""
    return lambda frame, info, decision: rng.uniform(-1.0, 1.0, size=4)


def branch_act(base: Act, branch: Branch) -> Act:
    """``base`` up to ``branch.at``, then ``base`` perturbed by ``branch``."""
    return lambda frame, info, decision: branch.apply(np.asarray(base(frame, info, decision), np.float32), decision)


@torch.no_grad()
def imagine_trials(simulator, trials: list[Trial], seed: int = 0, batch_size: int = 64, progress=None) -> None:
    """Replay every trial's real actions in the dream from its real context at ``start``; store in
    ``trial.dream`` the imagined success probabilities, the classifier's probabilities on the real
    frames after ``start`` and the per-frame PSNR of imagined against real frames."""
    history = simulator.manifest.context_frames
    device = next(simulator.world_model.parameters()).device
    generator = noise_generator(device, seed)
    by_shape: dict[tuple[int, int], list[Trial]] = {}
    for trial in trials:
        if trial.start < history - 1:
            raise ValueError(f"Trial start {trial.start} leaves fewer than {history} real context frames.")
        by_shape.setdefault((trial.start, trial.actions.shape[0]), []).append(trial)
    for (start, _length), group in by_shape.items():
        for i in range(0, len(group), batch_size):
            chunk = group[i : i + batch_size]
            context = torch.from_numpy(np.stack([t.frames[start - history + 1 : start + 1] for t in chunk])).to(device)
            actions = torch.from_numpy(np.stack([t.actions[start - history + 1 :] for t in chunk])).to(device)
            imagined = autoregressive_rollout(simulator.world_model, context, actions, simulator.sampler, generator)
            real = torch.from_numpy(np.stack([t.frames[start + 1 :] for t in chunk])).to(device)
            dream_p = simulator.reward_model.success_probability(imagined.flatten(0, 1)).view(len(chunk), -1)
            real_p = simulator.reward_model.success_probability(real.flatten(0, 1)).view(len(chunk), -1)
            frame_psnr = psnr(imagined, real).clamp(max=60.0)
            for j, trial in enumerate(chunk):
                trial.dream = {
                    "success_probability": dream_p[j].cpu().numpy(),
                    "real_frames_success_probability": real_p[j].cpu().numpy(),
                    "psnr": frame_psnr[j].cpu().numpy(),
                    "last_imagined_frame": imagined[j, -1].cpu().numpy(),
                    "imagined_frames": imagined[j].cpu().numpy(),
                }
            if progress is not None:
                progress.update(len(chunk))


def confirm_trials(simulator, trials: list[Trial], confirmation, seed: int = 0) -> None:
    """Pessimistic dream outcomes: for every trial whose imagined replay fired the classifier, re-imagine
    the stretch before its first imagined success (:func:`dreamgym.dream.confirmation.confirm_success`,
    the check a ``success_confirmation`` dream env applies); stores ``trial.dream["confirmed"]``."""
    from dreamgym.dream.confirmation import confirm_success

    history = simulator.manifest.context_frames
    threshold = float(simulator.reward_model.config.threshold)
    device = next(simulator.world_model.parameters()).device
    generator = noise_generator(device, seed)
    for trial in trials:
        dream = trial.dream
        fired = fired_frames(dream["success_probability"], threshold)
        if not fired.size:
            dream["confirmed"] = False
            continue
        k = int(fired[0])  # imagined frame k follows action start + k
        span = min(k + 1, confirmation.horizon)
        real_context = trial.frames[trial.start - history + 1 : trial.start + 1]
        frames = np.concatenate([real_context, dream["imagined_frames"][:k]])  # frames before the success frame
        first = len(frames) - (span - 1) - history
        context = torch.from_numpy(frames[first : first + history][None]).to(device)
        action_start = trial.start - history + 1 + first
        actions = torch.from_numpy(trial.actions[action_start : trial.start + k + 1][None]).float().to(device)
        dream["confirmed"] = bool(confirm_success(simulator, context, actions, confirmation, simulator.sampler, generator)[0])


def judge_trials_by_outcome(simulator, trials: list[Trial]) -> None:
    """The simulator's outcome model's verdict on every trial, stored as ``trial.dream["outcome_probability"]``:
    from the real state at ``start`` and all the actions after it (to the real episode's end), as a dream env
    with ``success_signal="outcome"`` judges an episode. Needs ``trial.states``.

    :raises ValueError: if the simulator has no outcome model or a trial has no states.
    """
    model = simulator.outcome_model
    if model is None:
        raise ValueError("This simulator has no outcome model (`dreamgym add-outcome-model`); judge its trials by the classifier.")
    missing = [i for i, trial in enumerate(trials) if trial.states is None]
    if missing:
        raise ValueError(f"Trials {missing[:5]} carry no simulator states; the outcome model starts from the state at each trial's start.")
    if not trials:
        return
    actions, taken = padded_actions([trial.actions[trial.start :] for trial in trials], model.config)
    probability = model.success_probability(
        np.stack([trial.states[trial.start] for trial in trials]), actions, taken, np.array([trial.start for trial in trials])
    )
    for trial, p in zip(trials, probability):
        trial.dream["outcome_probability"] = float(p)
        trial.dream["outcome_threshold"] = float(model.config.threshold)


def fired_frames(probabilities: np.ndarray, threshold: float, success_frames: int = 1) -> np.ndarray:
    """Indices of the frames at which a success is declared: the classifier's probability has been at least
    ``threshold`` on this frame and the ``success_frames - 1`` frames before it."""
    if isinstance(success_frames, bool) or not isinstance(success_frames, (int, np.integer)) or success_frames < 1:
        raise ValueError(f"success_frames must be an integer >= 1, got {success_frames!r}.")
    above = np.asarray(probabilities) >= threshold
    if success_frames == 1:
        return np.flatnonzero(above)
    runs = np.convolve(above.astype(int), np.ones(success_frames, dtype=int), mode="full")[: len(above)]
    return np.flatnonzero(runs >= success_frames)


def trial_record(trial: Trial, threshold: float, drift_psnr: float, success_frames: int = 1) -> dict:
    """What the benchmark keeps of one imagined trial (JSON-friendly).

    :param success_frames: frames in a row on which the classifier must fire for a success, in the dream and
        in the classifier-on-real-frames check (1: the first frame it fires on)."""
    dream = trial.dream
    if not dream:
        raise ValueError("imagine_trials() has not been run on this trial.")
    below = np.flatnonzero(dream["psnr"] < drift_psnr)
    dream_fired = fired_frames(dream["success_probability"], threshold, success_frames)
    real_fired = np.flatnonzero(trial.success[trial.start + 1 :])
    classifier_success = bool(dream_fired.size) and dream.get("confirmed", True)
    judged_by_outcome = "outcome_probability" in dream
    record = {
        "group": trial.group, "kind": trial.kind, "base": trial.base, "start": trial.start,
        "reset_seed": trial.reset_seed, "branch": trial.branch,
        "real_success": trial.real_outcome,
        "dream_success": (dream["outcome_probability"] >= dream["outcome_threshold"]) if judged_by_outcome else classifier_success,
        "dream_success_unconfirmed": bool(dream_fired.size),
        "classifier_on_real_frames": bool(fired_frames(dream["real_frames_success_probability"], threshold, success_frames).size),
        "first_success_real": int(trial.start + 1 + real_fired[0]) if real_fired.size else None,
        "first_success_dream": int(trial.start + 1 + dream_fired[0]) if dream_fired.size else None,
        "first_drift_decision": int(trial.start + 1 + below[0]) if below.size else None,
        "psnr_mean": round(float(dream["psnr"].mean()), 2),
        "final_object_goal_distance_m": round(trial.final_distance, 4),
    }
    if judged_by_outcome:
        record["dream_success_classifier"] = classifier_success
        record["outcome_probability"] = round(dream["outcome_probability"], 4)
    return record


def outcome_summary(records: Iterable[dict]) -> dict:
    """Agreement, hallucination and miss rates of a set of :func:`trial_record` results."""
    records = list(records)
    real = np.array([r["real_success"] for r in records], dtype=bool)
    dream = np.array([r["dream_success"] for r in records], dtype=bool)
    on_real = np.array([r["classifier_on_real_frames"] for r in records], dtype=bool)
    failures, successes = int((~real).sum()), int(real.sum())
    drift = [r["first_drift_decision"] - r["start"] for r in records if r["first_drift_decision"] is not None]

    def rate(count: int, total: int) -> float | None:
        return round(count / total, 4) if total else None

    return {
        "trials": len(records),
        "real_successes": successes,
        "real_failures": failures,
        "dream_successes": int(dream.sum()),
        "agreement": rate(int((real == dream).sum()), len(records)),
        "hallucinated": int((dream & ~real).sum()),
        "hallucination_rate": rate(int((dream & ~real).sum()), failures),
        "missed": int((real & ~dream).sum()),
        "missed_rate": rate(int((real & ~dream).sum()), successes),
        "classifier_on_real_frames_agreement": rate(int((real == on_real).sum()), len(records)),
        "drifted_trials": len(drift),
        "median_steps_to_drift": float(np.median(drift)) if drift else None,
    }


def group_summaries(records: list[dict]) -> dict:
    """:func:`outcome_summary` of each group of trials the benchmark reports: the policy, the noisy policy,
    random actions, all branches, and branches by kind, by base policy and by branch decision."""

    def select(**match):
        return [r for r in records if all(r[k] == v for k, v in match.items())]

    branch = select(group="branch")
    return {
        "policy": outcome_summary(select(group="policy")),
        "policy_noise": outcome_summary(select(group="policy_noise")),
        "random": outcome_summary(select(group="random")),
        "branches": outcome_summary(branch),
        "branches_by_kind": {k: outcome_summary([r for r in branch if r["kind"] == k]) for k in sorted({r["kind"] for r in branch})},
        "branches_by_base": {b: outcome_summary([r for r in branch if r["base"] == b]) for b in sorted({r["base"] for r in branch})},
        "branches_by_decision": {str(a): outcome_summary([r for r in branch if r["start"] == a]) for a in sorted({r["start"] for r in branch})},
    }
