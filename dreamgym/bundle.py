"""The learned-simulator bundle: one folder per simulator, no pickle, everything validated on load.

::

    envs/coffee-pull/
        manifest.json            format version, tasks, resolution, camera, rendering (how the goal is
                                 drawn), action repeat, episode length, sampler settings, provenance
                                 (data, steps, hardware, time, metrics)
        world_model/config.json  DenoiserConfig
        world_model/model.safetensors

Later components (reward classifier, initial states, policies) get folders of their own and are
listed under ``components`` in the manifest.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file

from dreamgym.world_model.denoiser import Denoiser, DenoiserConfig
from dreamgym.world_model.sampler import SamplerConfig

BUNDLE_FORMAT_VERSION = 2
"""Version 2 added ``rendering``; version 1 manifests are read as Meta-World's default rendering."""
READABLE_FORMAT_VERSIONS = (1, 2)
REQUIRED_MANIFEST_KEYS = ("format_version", "tasks", "image_size", "action_dim", "context_frames", "components")


class BundleError(ValueError):
    """A bundle is missing, malformed or does not match what is asked of it."""


@dataclass
class Manifest:
    """What a bundle is: see the module docstring."""

    tasks: list[str]
    image_size: int
    action_repeat: int
    episode_steps: int
    camera: dict[str, Any]
    rendering: dict[str, Any] | None = None
    action_dim: int = 4
    context_frames: int = 4
    sampler: dict[str, Any] = field(default_factory=lambda: SamplerConfig().to_dict())
    components: dict[str, str] = field(default_factory=lambda: {"world_model": "world_model"})
    provenance: dict[str, Any] = field(default_factory=dict)
    format_version: int = BUNDLE_FORMAT_VERSION

    @classmethod
    def from_dict(cls, data: dict, where: str = "manifest") -> "Manifest":
        missing = [key for key in REQUIRED_MANIFEST_KEYS if key not in data]
        if missing:
            raise BundleError(f"{where}: missing keys {missing}.")
        version = data["format_version"]
        if type(version) is not int or version not in READABLE_FORMAT_VERSIONS:
            raise BundleError(
                f"{where}: format_version {version!r} is not supported; this dreamgym reads the integers "
                f"{list(READABLE_FORMAT_VERSIONS)}."
            )
        if version >= 2 and "rendering" not in data:
            raise BundleError(f"{where}: missing key 'rendering' (required from format version 2).")
        if version == 1:  # recorded before renderings were: Meta-World's own drawing, stated explicitly
            data = {**data, "rendering": {"goal_marker": None}}
        known = set(cls.__dataclass_fields__)
        unknown = set(data) - known
        if unknown:
            raise BundleError(f"{where}: unknown keys {sorted(unknown)}.")
        manifest = cls(**data)
        try:
            manifest.rendering_config()
        except (ValueError, KeyError, TypeError) as error:
            raise BundleError(f"{where}: invalid 'rendering' ({error}).") from error
        return manifest

    def rendering_config(self):
        """The :class:`~dreamgym.tasks.RenderingConfig` the bundle's training frames were rendered with."""
        from dreamgym.tasks import RenderingConfig

        return RenderingConfig.from_dict(self.rendering)

    def check_rendering_matches_tasks(self, where: str = "bundle") -> None:
        """Refuse a bundle whose frames are drawn differently from how dreamgym renders its tasks now.

        A policy trained in such a dream would see one kind of frame there and another in
        ``MetaWorldPixels-<Task>-v0``. Tasks unknown to dreamgym (own data) are not checked.
        """
        from dreamgym.tasks import get_task

        bundle_rendering = self.rendering_config()
        for task in self.tasks:
            try:
                current = get_task(task).rendering
            except ValueError:
                continue
            if current != bundle_rendering:
                raise BundleError(
                    f"{where} was trained on frames with {bundle_rendering.describe()}, but dreamgym now renders "
                    f"{task!r} with {current.describe()}. Retrain or re-export the simulator on data recorded by this "
                    f"version (`dreamgym collect`), or load it with check_rendering=False to study it on its own rendering."
                )


def _write_json_atomic(path: Path, payload: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    with os.fdopen(fd, "w") as handle:
        json.dump(payload, handle, indent=2, sort_keys=True)
    os.replace(tmp, path)


def shipped_bundles_root() -> Path:
    """Where shipped bundles live: ``$DREAMGYM_ENVS`` if set, else the repository's ``envs/`` folder,
    which installs as the data package ``dreamgym_envs`` (so installed wheels find it too)."""
    override = os.environ.get("DREAMGYM_ENVS")
    if override:
        return Path(override)
    try:
        from importlib.resources import files

        return Path(str(files("dreamgym_envs")))
    except ModuleNotFoundError:
        return Path(__file__).resolve().parent.parent / "envs"


def find_bundle(task: str) -> Path:
    """The shipped bundle folder of ``task`` (e.g. ``"coffee-pull"``).

    :raises BundleError: if none ships; the message lists the bundles that do.
    """
    root = shipped_bundles_root()
    folder = root / task
    if not (folder / "manifest.json").is_file():
        available = sorted(p.parent.name for p in root.glob("*/manifest.json")) if root.is_dir() else []
        raise BundleError(f"No learned simulator for {task!r} under {root}; available: {available or 'none'}.")
    return folder


def save_component(folder: str | Path, module: torch.nn.Module, config: dict, component: str) -> Path:
    """Write ``config.json`` and ``model.safetensors`` (weights only, no pickle) of one component."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    state = {name: tensor.detach().cpu().contiguous() for name, tensor in module.state_dict().items()}
    fd, tmp = tempfile.mkstemp(prefix=".model.", suffix=".tmp", dir=folder)
    os.close(fd)
    save_file(state, tmp, metadata={"format": "pt", "dreamgym_component": component})
    os.replace(tmp, folder / "model.safetensors")
    _write_json_atomic(folder / "config.json", config)
    return folder


def _read_component(folder: str | Path, build, device) -> torch.nn.Module:
    """Build a module from ``config.json`` with ``build(dict)`` and load ``model.safetensors`` strictly."""
    folder = Path(folder)
    config_path, weights_path = folder / "config.json", folder / "model.safetensors"
    for path in (config_path, weights_path):
        if not path.is_file():
            raise BundleError(f"Component file {path} is missing.")
    try:
        module = build(json.loads(config_path.read_text()))
    except (TypeError, json.JSONDecodeError) as error:
        raise BundleError(f"{config_path}: not a valid configuration ({error}).") from error
    result = module.load_state_dict(load_file(weights_path, device=str(device)), strict=False)
    if result.missing_keys or result.unexpected_keys:
        raise BundleError(
            f"{weights_path} does not match {config_path}: missing {result.missing_keys[:5]}, "
            f"unexpected {result.unexpected_keys[:5]}."
        )
    return module.to(device).eval()


def save_world_model(folder: str | Path, denoiser: Denoiser) -> Path:
    """Write the world model's ``config.json`` and ``model.safetensors`` into ``folder``."""
    return save_component(folder, denoiser, denoiser.config.to_dict(), "world_model")


def load_world_model(folder: str | Path, device: str | torch.device = "cpu") -> Denoiser:
    """Build a :class:`Denoiser` from ``config.json`` and load ``model.safetensors`` strictly."""
    return _read_component(folder, lambda config: Denoiser(DenoiserConfig(**config)), device)


def save_reward_model(folder: str | Path, classifier) -> Path:
    """Write the reward classifier (its config carries the decision threshold)."""
    return save_component(folder, classifier, classifier.config.to_dict(), "reward_model")


def load_reward_model(folder: str | Path, device: str | torch.device = "cpu"):
    """Build a :class:`~dreamgym.reward.RewardClassifier` and load its weights strictly."""
    from dreamgym.reward.classifier import RewardClassifier, RewardClassifierConfig

    return _read_component(folder, lambda config: RewardClassifier(RewardClassifierConfig(**config)), device)


def save_bundle(folder: str | Path, manifest: Manifest, denoiser: Denoiser) -> Path:
    """Write a complete bundle (manifest + world model)."""
    folder = Path(folder)
    save_world_model(folder / manifest.components["world_model"], denoiser)
    _write_json_atomic(folder / "manifest.json", manifest.__dict__)
    return folder


def read_manifest(folder: str | Path) -> Manifest:
    """Read and validate ``manifest.json`` of a bundle."""
    path = Path(folder) / "manifest.json"
    if not path.is_file():
        raise BundleError(f"{folder} is not a dreamgym bundle: {path} is missing.")
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise BundleError(f"{path}: invalid JSON ({error}).") from error
    return Manifest.from_dict(data, where=str(path))


def load_bundle(folder: str | Path, device: str | torch.device = "cpu") -> tuple[Manifest, Denoiser, SamplerConfig]:
    """Load and cross-check a bundle: the world model must match the manifest's resolution and action size."""
    manifest = read_manifest(folder)
    denoiser = load_world_model(Path(folder) / manifest.components["world_model"], device)
    cfg = denoiser.config
    mismatches = []
    if cfg.image_size != manifest.image_size:
        mismatches.append(f"image_size {cfg.image_size} != manifest {manifest.image_size}")
    if cfg.actions.action_dim != manifest.action_dim:
        mismatches.append(f"action_dim {cfg.actions.action_dim} != manifest {manifest.action_dim}")
    if cfg.context_frames != manifest.context_frames:
        mismatches.append(f"context_frames {cfg.context_frames} != manifest {manifest.context_frames}")
    if mismatches:
        raise BundleError(f"{folder}: world model does not match the manifest: {'; '.join(mismatches)}.")
    return manifest, denoiser, SamplerConfig(**manifest.sampler)
