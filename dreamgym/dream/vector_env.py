"""``DreamWorldVectorEnv``: N imagined Meta-World episodes advanced by one batched model call.

Observations and actions are those of the real twin ``MetaWorldPixels-<Task>-v0``: uint8 ``(3, H, W)``
frames and ``Box(-1, 1, (4,), float32)`` actions, so one policy runs in both. Each step two-hot
encodes the action, samples the next frame of every world with the diffusion world model (a few
Euler steps, one batched call), and scores it with the success classifier:

* reward: 1.0 when the classifier says success (``reward_mode="sparse"``), or its probability
  (``reward_mode="probability"``); ``info["success_probability"]`` always carries the probability;
* terminated at predicted success; truncated after ``max_episode_steps`` decisions;
* optional pessimism (``success_confirmation``): a predicted success pays only if re-imagining the
  last few transitions reproduces it (:mod:`dreamgym.dream.confirmation`), with this dream's world model
  or with a second, independently trained one (``judge``); one that does not still
  ends the episode, with reward 0 (the dream cannot vouch for the outcome, and going on would only
  re-test the same success every step); ``info["unconfirmed_success"]`` flags those;
* ``success_signal="outcome"`` (where the bundle has an outcome model, :mod:`dreamgym.reward.outcome`):
  success is not read off the frames; an episode runs to the end of its real episode (or
  ``max_episode_steps``) and is then judged by the outcome model from the real simulator state of its
  start context and the actions taken since: reward 1 (``"sparse"``) or the predicted probability
  (``"probability"``) on that last step, terminated if judged a success, else truncated;
  ``info["outcome_probability"]`` carries the judgement (NaN for worlds still running);
* autoreset in the same step (``AutoresetMode.SAME_STEP``): a finished world's last frame goes to
  ``info["final_obs"]`` (mask ``info["_final_obs"]``) and the returned observation is already the
  first frame of its next episode.

Worlds start from real 4-frame contexts of the bundle (``reset_mode="episode_start"``: starts of real
episodes; ``"random"``: any point of stored real trajectories), or from the caller's own context:
``reset(options={"frames": uint8 (N, 4, 3, H, W), "actions": float32 (N, 3, 4)})`` where
``actions[:, i]`` led from ``frames[:, i]`` to ``frames[:, i + 1]`` (with the outcome signal also
``"states"``: float ``(N, S)``, the simulator state at the last context frame, and ``"decisions"``: int ``(N,)``,
that frame's decision index in its real episode). All randomness comes from
generators seeded by ``reset(seed=...)``. Settings (also when set later), actions, contexts and seeds are
checked by :mod:`dreamgym.dream.inputs`, the same layer as the single env's. After ``close()``, ``reset``,
``step`` and ``render`` raise ``RuntimeError``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import torch
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from dreamgym.bundle import SUCCESS_SIGNALS
from dreamgym.dream.confirmation import SuccessConfirmation, confirm_success
from dreamgym.dream.initial_states import RESET_MODES
from dreamgym.dream.inputs import (
    Checked,
    check_bundle,
    check_device,
    check_positive_int,
    check_seed,
    check_step_action,
    check_task,
    choice,
    context_from_options,
    outcome_start_from_options,
)
from dreamgym.dream.simulator import LearnedSimulator
from dreamgym.media import grid, to_hwc
from dreamgym.spaces import (
    ACTION_DIM,
    BEFORE_RESET,
    action_space,
    check_open,
    check_render_mode,
    check_reset_done,
    image_space,
)
from dreamgym.world_model.sampler import SamplerConfig, noise_generator, sample_next_frame

REWARD_MODES = ("sparse", "probability")
OUTPUTS = ("numpy", "torch")


class DreamWorldVectorEnv(VectorEnv):
    """A batch of imagined worlds (see the module docstring).

    :param num_envs: worlds advanced together.
    :param bundle: bundle folder; default: the shipped bundle of ``task``.
    :param task: task whose shipped bundle to use when ``bundle`` is not given.
    :param simulator: an already loaded :class:`LearnedSimulator` (overrides ``bundle``).
    :param device: ``"cpu"``, ``"cuda"``, ...; the models run there.
    :param sampler: ``"distilled"`` (the bundle's one-step student of its world model) or
        ``"teacher"`` (the world model with its multi-step sampler); default: the bundle's
        ``default_sampler``. Only when the env loads the bundle (not with ``simulator``).
    :param denoising_steps: Euler steps per frame of the teacher (default: the bundle's setting, 3).
    :param reset_mode: ``"episode_start"`` or ``"random"``.
    :param reward_mode: ``"sparse"`` or ``"probability"``.
    :param max_episode_steps: decisions before truncation (default: the bundle's episode length).
    :param output: ``"numpy"`` (default) or ``"torch"`` (tensors stay on ``device``).
    :param success_confirmation: pessimistic success (a :class:`SuccessConfirmation` or its dict);
        ``None``: every predicted success counts. Only with the classifier signal.
    :param success_signal: ``"classifier"`` (the frame classifier on every imagined frame) or ``"outcome"`` (the
        bundle's outcome model at the episode's end); default: ``"classifier"`` with a ``success_confirmation``
        (which re-tests the classifier's successes), else the bundle's ``default_success_signal``.
    """

    metadata = {"render_modes": ["rgb_array"], "render_fps": 10, "autoreset_mode": AutoresetMode.SAME_STEP}
    # Settings checked whenever they are set, also after construction (e.g. through SB3's ``set_attr``).
    reset_mode = choice(RESET_MODES)
    reward_mode = choice(REWARD_MODES)
    output = choice(OUTPUTS)
    max_episode_steps = Checked(check_positive_int)

    def __init__(
        self,
        num_envs: int = 1,
        bundle: str | Path | None = None,
        task: str = "coffee-pull",
        simulator: LearnedSimulator | None = None,
        device: str | torch.device = "cpu",
        denoising_steps: int | None = None,
        reset_mode: str = "episode_start",
        reward_mode: str = "sparse",
        max_episode_steps: int | None = None,
        render_mode: str | None = None,
        output: str = "numpy",
        success_confirmation: SuccessConfirmation | dict | None = None,
        sampler: str | None = None,
        success_signal: str | None = None,
    ):
        num_envs = check_positive_int(num_envs, "num_envs")
        max_episode_steps = check_positive_int(max_episode_steps, "max_episode_steps", optional=True)
        denoising_steps = check_positive_int(denoising_steps, "denoising_steps", optional=True)
        self.reset_mode, self.reward_mode, self.output = reset_mode, reward_mode, output
        self.render_mode = check_render_mode(render_mode, self.metadata, type(self).__name__)
        self.device = check_device(device)
        bundle = check_bundle(bundle)
        if simulator is not None and not isinstance(simulator, LearnedSimulator):
            raise ValueError(
                f"simulator must be a LearnedSimulator (LearnedSimulator.load(<bundle>)) or None, "
                f"got {type(simulator).__name__} {simulator!r}."
            )
        if simulator is None and bundle is None:
            task = check_task(task)
        elif not isinstance(task, str):
            raise ValueError(f"task must be a string naming a task, got {type(task).__name__} {task!r}.")
        if simulator is None:
            from dreamgym.bundle import find_bundle

            simulator = LearnedSimulator.load(bundle if bundle is not None else find_bundle(task), self.device, sampler=sampler)
        elif sampler is not None:
            raise ValueError(
                f"sampler={sampler!r} chooses which world model the env loads from a bundle; the given simulator "
                "already holds one (choose it with LearnedSimulator.load(bundle, sampler=...))."
            )
        else:
            simulator.world_model.to(self.device).eval()
            simulator.reward_model.to(self.device).eval()
        # channels-last weights: the U-Net's convolutions run faster that way (oneDNN on CPUs, cuDNN on GPUs)
        simulator.world_model.to(memory_format=torch.channels_last)
        self.simulator = simulator
        manifest = simulator.manifest
        if denoising_steps is not None and simulator.sampler_name == "distilled":
            raise ValueError(
                f"denoising_steps={denoising_steps} sets the teacher's sampler, but this env samples the distilled "
                "one-step world model; pass sampler='teacher' to choose the number of denoising steps."
            )
        self.sampler = simulator.sampler if denoising_steps is None else SamplerConfig(
            **{**simulator.sampler.to_dict(), "num_steps": denoising_steps}
        )
        self.history = manifest.context_frames
        self.max_episode_steps = manifest.episode_steps if max_episode_steps is None else max_episode_steps
        if isinstance(success_confirmation, dict):
            success_confirmation = SuccessConfirmation.from_dict(success_confirmation)
        if success_confirmation is not None and not isinstance(success_confirmation, SuccessConfirmation):
            raise ValueError(f"success_confirmation must be a SuccessConfirmation, a dict or None, got {success_confirmation!r}.")
        self.success_confirmation = success_confirmation
        self._success_signal = self._check_success_signal(success_signal)
        self._judge = None if success_confirmation is None or success_confirmation.judge is None else (
            self._load_judge(success_confirmation.judge)
        )

        self.num_envs = num_envs
        size = manifest.image_size
        self.single_observation_space = image_space(size, size)
        self.single_action_space = action_space()
        self.observation_space = batch_space(self.single_observation_space, num_envs)
        self.action_space = batch_space(self.single_action_space, num_envs)

        self._frames = torch.zeros(num_envs, self.history, 3, size, size, dtype=torch.uint8, device=self.device)
        self._actions = torch.zeros(num_envs, self.history - 1, ACTION_DIM, device=self.device)
        self._steps = torch.zeros(num_envs, dtype=torch.long)
        # With the outcome signal: where each world's open-loop stretch starts and the actions taken since.
        outcome = simulator.outcome_model
        self._start_states = np.zeros((num_envs, outcome.config.state_dim if outcome else 0), dtype=np.float32)
        self._start_decisions = np.zeros(num_envs, dtype=np.int64)
        self._taken = np.zeros((num_envs, outcome.config.max_actions if outcome else 0, ACTION_DIM), dtype=np.float32)
        # With success confirmation: the last ``horizon`` imagined transitions before the context, kept
        # so a predicted success can be re-imagined from the frames before its deciding stretch.
        lookback = success_confirmation.horizon if success_confirmation else 0
        self._trace_frames = torch.zeros(num_envs, lookback, 3, size, size, dtype=torch.uint8, device=self.device)
        self._trace_actions = torch.zeros(num_envs, lookback, ACTION_DIM, device=self.device)
        self._context_generator = torch.Generator()
        self._noise_generator = noise_generator(self.device, 0)  # reseeded just below
        self._seeded(np.random.SeedSequence().entropy % 2**63)
        self._pending_reset: str | None = BEFORE_RESET

    # -- helpers -------------------------------------------------------------------------------
    def _load_judge(self, folder: str) -> LearnedSimulator:
        """The confirmation's judge: another bundle that sees the same frames and takes the same actions."""
        judge = LearnedSimulator.load(check_bundle(folder), self.device)
        # compared as written to manifest.json (a camera's tuple reads back as a list)
        ours, theirs = (json.loads(json.dumps(manifest.to_dict())) for manifest in (self.simulator.manifest, judge.manifest))
        different = [
            f"{name} {theirs[name]!r} (the dream's: {ours[name]!r})"
            for name in ("tasks", "image_size", "action_repeat", "action_dim", "context_frames", "camera", "rendering")
            if ours[name] != theirs[name]
        ]
        if different:
            raise ValueError(
                f"success_confirmation judge {folder} does not imagine the same world as this dream: "
                + "; ".join(different) + "; expected a bundle of the same task, rendering, camera and action setup."
            )
        judge.world_model.to(memory_format=torch.channels_last)
        return judge

    @property
    def success_signal(self) -> str:
        """``"classifier"`` or ``"outcome"``: how this env decides success (chosen at construction)."""
        return self._success_signal

    @success_signal.setter
    def success_signal(self, value) -> None:
        raise ValueError(f"success_signal is chosen when the env is made (it decides what each world keeps); got "
                         f"{value!r} for an env made with {self._success_signal!r}: make a new env instead.")

    def _check_success_signal(self, success_signal: str | None) -> str:
        simulator = self.simulator
        if success_signal is None:  # a confirmation re-tests the classifier's successes: it implies that signal
            success_signal = "classifier" if self.success_confirmation is not None else simulator.manifest.default_success_signal
        signal = success_signal
        if not isinstance(signal, str) or signal not in SUCCESS_SIGNALS:
            raise ValueError(f"success_signal must be one of {list(SUCCESS_SIGNALS)} or None, got {success_signal!r}.")
        if signal == "outcome" and simulator.outcome_model is None:
            raise ValueError(
                "success_signal='outcome' needs a bundle with an outcome model (`dreamgym add-outcome-model`); this one "
                "has none: use success_signal='classifier'."
            )
        if signal == "outcome" and self.success_confirmation is not None:
            raise ValueError("success_confirmation re-imagines frames the classifier called a success; it applies only "
                             "with success_signal='classifier', not 'outcome'.")
        return signal

    def _seeded(self, seed: int) -> None:
        self._context_generator.manual_seed(int(seed))
        self._noise_generator.manual_seed(int(seed) + 1)

    def _output(self, tensor: torch.Tensor):
        return tensor if self.output == "torch" else tensor.cpu().numpy()

    def _flags(self, flags: torch.Tensor):
        """Boolean per-world flags (held on the CPU) in the requested output form."""
        return flags.to(self.device) if self.output == "torch" else flags.numpy()

    def _draw_contexts(self, worlds: list[int]) -> tuple[torch.Tensor, torch.Tensor]:
        """Real contexts for ``worlds`` (indices); with the outcome signal also their start states and decisions."""
        initial_states = self.simulator.initial_states
        episodes, starts = initial_states.draw(len(worlds), self.history, self.reset_mode, self._context_generator)
        frames, actions = initial_states.contexts(episodes, starts, self.history)
        if self.success_signal == "outcome":
            self._start_outcome_stretch(worlds, *initial_states.outcome_starts(episodes, starts, self.history))
        return frames.to(self.device), actions.to(self.device)

    def _start_outcome_stretch(self, worlds: list[int], states: np.ndarray, decisions: np.ndarray) -> None:
        self._start_states[worlds] = states
        self._start_decisions[worlds] = decisions
        self._taken[worlds] = 0.0

    def _judge_outcomes(self, ended: np.ndarray, taken: np.ndarray) -> np.ndarray:
        """The outcome model's success probability for every world, NaN for those not in ``ended`` (bool ``(N,)``),
        after ``taken`` actions since each world's start."""
        probability = np.full(self.num_envs, np.nan, dtype=np.float32)
        if ended.any():
            taken = np.minimum(taken, self._taken.shape[1])
            probability[ended] = self.simulator.outcome_model.success_probability(
                self._start_states[ended], self._taken[ended], taken[ended], self._start_decisions[ended]
            )
        return probability

    # -- gymnasium API -------------------------------------------------------------------------
    def check_options(self, options: Any) -> tuple[np.ndarray, np.ndarray] | None:
        """The validated context of ``reset(options=...)`` (frames and actions), or ``None`` without options.

        :raises ValueError: naming the key, value and expected shape (see :func:`~dreamgym.dream.inputs.context_from_options`).
        """
        return context_from_options(options, self.history, self.single_observation_space.shape, self.num_envs)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        """Start every world from a real context (or the one in ``options``); see the module docstring."""
        check_open(self.closed, type(self).__name__, "reset")
        if check_seed(seed) is not None:
            self._seeded(seed % 2**63)  # torch generators take 64-bit seeds; gymnasium allows any size
        context = self.check_options(options)
        if context is None:
            frames, actions = self._draw_contexts(list(range(self.num_envs)))
        else:
            frames, actions = (torch.from_numpy(array).to(self.device) for array in context)
            start = self._outcome_start(options)
            if start is not None:
                self._start_outcome_stretch(list(range(self.num_envs)), *start)
        self._frames.copy_(frames)
        self._actions.copy_(actions)
        self._steps.zero_()
        self._pending_reset = None
        return self._output(self._frames[:, -1]), {}

    def _outcome_start(self, options: dict) -> tuple[np.ndarray, np.ndarray] | None:
        """The checked start states and decisions of a caller's context (required with the outcome signal)."""
        if self.success_signal != "outcome":
            return None
        config = self.simulator.outcome_model.config
        start = outcome_start_from_options(options, config.state_dim, self.num_envs, config.first_start, config.episode_decisions - 1)
        if start is None:
            raise ValueError(
                "This env judges success with its outcome model (success_signal='outcome'), which starts from the simulator "
                "state at the context's last frame: reset(options=...) needs 'states' (N, "
                f"{config.state_dim}) and 'decisions' (N,) next to 'frames' and 'actions' (or use success_signal='classifier')."
            )
        return start

    def step(self, actions):
        check_open(self.closed, type(self).__name__, "step")
        check_reset_done(self._pending_reset, type(self).__name__)  # worlds that finish restart by themselves
        actions = torch.from_numpy(check_step_action(actions, self.num_envs)).to(self.device)
        context_actions = torch.cat([self._actions, actions[:, None]], dim=1)
        with torch.no_grad():
            next_frames = sample_next_frame(self.simulator.world_model, self._frames, context_actions, self.sampler, self._noise_generator)
            probability = self.simulator.reward_model.success_probability(next_frames).float()
        outcome = None
        if self.success_signal == "outcome":
            taken = self._steps.numpy().copy()  # a copy: _steps is incremented in place below
            room = taken < self._taken.shape[1]
            self._taken[room, taken[room]] = actions.cpu().numpy()[room]
            steps_after = taken + 1
            ended = (steps_after >= self.max_episode_steps) | (self._start_decisions + steps_after >= self.simulator.manifest.episode_steps)
            outcome = self._judge_outcomes(ended, steps_after)
            outcome_t = torch.from_numpy(outcome).to(self.device)
            success = outcome_t >= self.simulator.outcome_model.config.threshold  # NaN compares False
            ended_t = torch.from_numpy(ended).to(self.device)
        else:
            success = probability >= self.simulator.reward_model.config.threshold
        unconfirmed = torch.zeros_like(success)
        if self.success_confirmation is not None and success.any():
            worlds = success.nonzero().flatten()
            unconfirmed[worlds] = ~self._confirm(worlds, actions)
            success = success & ~unconfirmed
        if outcome is not None:
            reward = success.float() if self.reward_mode == "sparse" else torch.nan_to_num(outcome_t, nan=0.0)
        else:
            reward = success.float() if self.reward_mode == "sparse" else probability * ~unconfirmed
        self._steps += 1
        if self.success_confirmation is not None:
            self._trace_frames = torch.cat([self._trace_frames[:, 1:], self._frames[:, :1]], dim=1)
            self._trace_actions = torch.cat([self._trace_actions[:, 1:], context_actions[:, :1]], dim=1)
        terminated = (success | unconfirmed).cpu()  # an unconfirmed success ends the episode unrewarded
        truncated = (self._steps >= self.max_episode_steps) & ~terminated
        if outcome is not None:
            truncated = ended_t.cpu() & ~terminated
        self._frames = torch.cat([self._frames[:, 1:], next_frames[:, None]], dim=1)
        self._actions = torch.cat([self._actions[:, 1:], actions[:, None]], dim=1)

        observations = next_frames.clone()
        infos: dict[str, Any] = {"success_probability": self._output(probability)}
        if self.success_confirmation is not None:
            infos["unconfirmed_success"] = self._flags(unconfirmed.cpu())
        if outcome is not None:
            infos["outcome_probability"] = self._output(outcome_t)
            infos["_outcome_probability"] = self._flags(torch.from_numpy(ended))  # the worlds judged on this step
        done = (terminated | truncated).nonzero().flatten().tolist()
        if done:
            frames, context_actions_new = self._draw_contexts(done)
            index = torch.tensor(done, device=self.device)
            self._frames[index] = frames
            self._actions[index] = context_actions_new
            self._steps[done] = 0
            observations[index] = frames[:, -1]
            final_frames = next_frames.cpu().numpy()
            for i in done:
                final_info = {"success_probability": float(probability[i])}
                if outcome is not None:
                    final_info["outcome_probability"] = float(outcome[i])
                infos = self._add_info(infos, {"final_obs": final_frames[i], "final_info": final_info}, i)
        return (
            self._output(observations),
            self._output(reward),
            self._flags(terminated),
            self._flags(truncated),
            infos,
        )

    def _confirm(self, worlds: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        """Re-imagine the deciding stretch of each world in ``worlds`` (see :mod:`dreamgym.dream.confirmation`).

        The stretch is the last ``min(horizon, steps so far + 1)`` transitions, ending with ``actions``.
        """
        confirmation = self.success_confirmation
        frames = torch.cat([self._trace_frames, self._frames], dim=1)  # (N, L + H, ...)
        # actions[:, j] leads from frames[:, j] to frames[:, j + 1]; the last one to the new frame.
        all_actions = torch.cat([self._trace_actions, self._actions, actions[:, None]], dim=1)  # (N, L + H, A)
        lookback = confirmation.horizon
        spans = torch.clamp(self._steps[worlds.cpu()] + 1, max=lookback)
        confirmed = torch.zeros(len(worlds), dtype=torch.bool, device=self.device)
        judge, sampler = (self.simulator, self.sampler) if self._judge is None else (self._judge, self._judge.sampler)
        for span in spans.unique().tolist():
            members = (spans == span).nonzero().flatten().to(self.device)
            chosen = worlds[members]
            first = lookback + 1 - span  # index of the oldest context frame of the stretch
            context = frames[chosen, first : first + self.history]
            stretch_actions = all_actions[chosen, first:]
            confirmed[members] = confirm_success(judge, context, stretch_actions, confirmation, sampler, self._noise_generator)
        return confirmed

    def current_frames(self) -> np.ndarray:
        """Every world's current frame as uint8 ``(N, H, W, 3)`` (for videos and SB3's ``get_images``)."""
        return to_hwc(self._frames[:, -1].cpu().numpy())

    def render(self) -> np.ndarray | None:
        """All worlds' current frames tiled into one ``(H', W', 3)`` picture."""
        check_open(self.closed, type(self).__name__, "render")
        if self.render_mode != "rgb_array":
            return None
        return grid(self.current_frames(), columns=int(np.ceil(np.sqrt(self.num_envs))))
