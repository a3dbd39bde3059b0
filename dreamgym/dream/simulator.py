"""A complete learned simulator in memory: world model, reward model, initial states, settings, and
optionally an outcome model (the action-grounded success signal)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import torch

from dreamgym.bundle import (
    SAMPLER_CHOICES,
    BundleError,
    Manifest,
    bundle_folder,
    component_folder,
    load_bundle,
    load_outcome_model,
    load_reward_model,
    save_bundle,
    save_outcome_model,
    save_reward_model,
)
from dreamgym.dream.initial_states import InitialStates
from dreamgym.reward.classifier import RewardClassifier
from dreamgym.reward.outcome import OutcomeModel
from dreamgym.world_model.denoiser import Denoiser
from dreamgym.world_model.sampler import SamplerConfig, check_guidance_supported

REQUIRED_COMPONENTS = ("world_model", "reward_model", "initial_states")


@dataclass
class LearnedSimulator:
    """Everything an imagined environment needs; build it with :meth:`load` or from parts."""

    manifest: Manifest
    world_model: Denoiser
    reward_model: RewardClassifier
    initial_states: InitialStates
    sampler: SamplerConfig
    sampler_name: str = "teacher"
    """Which of the bundle's world models this is: ``"teacher"`` or its one-step student ``"distilled"``."""
    outcome_model: OutcomeModel | None = None
    """The action-grounded success model (:mod:`dreamgym.reward.outcome`), or ``None``; it needs initial states
    that carry simulator states."""

    def __post_init__(self) -> None:
        for name, kind in (("manifest", Manifest), ("world_model", Denoiser), ("reward_model", RewardClassifier),
                           ("initial_states", InitialStates), ("sampler", SamplerConfig)):
            value = getattr(self, name)
            if not isinstance(value, kind):
                raise TypeError(f"LearnedSimulator {name} must be a {kind.__name__}, got {type(value).__name__} {value!r:.80}; "
                                "expected the parts of one simulator (or LearnedSimulator.load(<bundle>)).")
        if self.sampler_name not in SAMPLER_CHOICES:
            raise ValueError(f"LearnedSimulator sampler_name must be one of {list(SAMPLER_CHOICES)}, got {self.sampler_name!r}.")
        check_guidance_supported(self.world_model, self.sampler)
        size = self.manifest.image_size
        problems = []
        if self.reward_model.config.image_size != size:
            problems.append(f"reward model image_size {self.reward_model.config.image_size} != {size}")
        if tuple(self.initial_states.frames.shape[-2:]) != (size, size):
            problems.append(f"initial states are {tuple(self.initial_states.frames.shape[-2:])} frames, not {size}x{size}")
        if self.initial_states.frames.shape[1] < self.manifest.context_frames:
            problems.append(f"initial states hold {self.initial_states.frames.shape[1]} frames, fewer than {self.manifest.context_frames}")
        if self.initial_states.actions.shape[-1] != self.manifest.action_dim:
            problems.append(f"initial-state actions have size {self.initial_states.actions.shape[-1]}, not {self.manifest.action_dim}")
        problems += self._outcome_model_problems()
        if problems:
            raise BundleError(
                "Learned simulator components do not match: " + "; ".join(problems) + "; expected world model, reward "
                "model and initial states of one simulator (the same image size, context and action size)."
            )

    def _outcome_model_problems(self) -> list[str]:
        outcome = self.outcome_model
        if outcome is None:
            return []
        if not isinstance(outcome, OutcomeModel):
            raise TypeError(f"LearnedSimulator outcome_model must be an OutcomeModel or None, got {type(outcome).__name__}.")
        config, states = outcome.config, self.initial_states.states
        problems = []
        if states is None:
            problems.append("the outcome model needs initial states with simulator states, and these have none")
        elif states.shape[-1] != config.state_dim:
            problems.append(f"initial states carry {states.shape[-1]} state values, the outcome model reads {config.state_dim}")
        if config.action_dim != self.manifest.action_dim:
            problems.append(f"outcome model actions have size {config.action_dim}, not {self.manifest.action_dim}")
        if config.episode_decisions != self.manifest.episode_steps:
            problems.append(f"the outcome model knows episodes of {config.episode_decisions} decisions, the bundle {self.manifest.episode_steps}")
        if config.first_start > self.manifest.context_frames - 1:
            problems.append(f"the outcome model judges from decision {config.first_start} on, but contexts end at decision {self.manifest.context_frames - 1}")
        return problems

    @classmethod
    def load(
        cls, folder: str | Path, device: str | torch.device = "cpu", check_rendering: bool = True, sampler: str | None = None
    ) -> "LearnedSimulator":
        """Load and cross-check a bundle that has all of world model, reward model and initial states.

        :param sampler: ``"teacher"`` (the trained world model and its multi-step sampler) or
            ``"distilled"`` (its one-step student, where the bundle has one); ``None``: the bundle's
            ``default_sampler``.

        :param check_rendering: refuse (:class:`BundleError`) a bundle trained on frames rendered
            differently from how dreamgym renders its task now (see
            :meth:`Manifest.check_rendering_matches_tasks`); switch off only to study an old bundle
            next to a real env built with ``rendering=manifest.rendering``.
        """
        from dreamgym.dream.inputs import check_device

        folder, device = bundle_folder(folder), check_device(device)
        manifest, world_model, sampler_config = load_bundle(folder, device, sampler)
        if check_rendering:
            manifest.check_rendering_matches_tasks(where=str(folder))
        missing = [name for name in REQUIRED_COMPONENTS if name not in manifest.components]
        if missing:
            raise BundleError(f"{folder}: the bundle lacks {missing}; an imagined environment needs {list(REQUIRED_COMPONENTS)}.")
        reward_model = load_reward_model(component_folder(folder, manifest, "reward_model"), device)
        initial_states = InitialStates.load(component_folder(folder, manifest, "initial_states"))
        name = manifest.default_sampler if sampler is None else sampler
        outcome_model = None
        if "outcome_model" in manifest.components:
            outcome_model = load_outcome_model(component_folder(folder, manifest, "outcome_model"), device)
        return cls(manifest, world_model, reward_model, initial_states, sampler_config, name, outcome_model)

    def save(self, folder: str | Path) -> Path:
        """Write the whole simulator as a bundle: its world model with its sampler (a distilled student
        loaded with ``sampler="distilled"`` is saved as the bundle's only world model)."""
        folder = Path(folder)
        components = {name: name for name in REQUIRED_COMPONENTS}
        if self.outcome_model is not None:
            components["outcome_model"] = "outcome_model"
            save_outcome_model(folder / "outcome_model", self.outcome_model)
        signal = self.manifest.default_success_signal if self.outcome_model is not None else "classifier"
        manifest = replace(self.manifest, components=components, sampler=self.sampler.to_dict(),
                           distilled_sampler=None, default_sampler="teacher", default_success_signal=signal)
        save_reward_model(folder / "reward_model", self.reward_model)
        self.initial_states.save(folder / "initial_states")
        save_bundle(folder, manifest, self.world_model)  # writes the manifest last
        return folder
