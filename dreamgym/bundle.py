"""The learned-simulator bundle: one folder per simulator, no pickle, everything validated on load.

::

    envs/coffee-pull/
        manifest.json            format version, tasks, resolution, camera, rendering (how the goal is
                                 drawn), action repeat, episode length, sampler settings, provenance
                                 (data, steps, hardware, time, metrics)
        world_model/config.json  DenoiserConfig
        world_model/model.safetensors
        distilled_world_model/   optional: a one-step student of the world model's sampler
                                 (``dreamgym distill-world-model``); ``default_sampler`` says which
                                 of ``"teacher"`` and ``"distilled"`` an env uses unless told
        outcome_model/           optional: the action-grounded success model
                                 (``dreamgym add-outcome-model``); ``default_success_signal`` says
                                 whether an env judges success by it (``"outcome"``) or by the frame
                                 classifier (``"classifier"``) unless told

Later components (reward classifier, initial states) get folders of their own and are listed under
``components`` in the manifest. At export the manifest records the sha256 of every component file
(``files``: path relative to the bundle -> hex digest); loading verifies them and refuses a manifest
without ``files`` (re-export it with ``dreamgym export-bundle``, or record the checksums of files you
trust with :func:`record_checksums`). Every component path must stay inside the bundle folder, also
after following symlinks.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from dreamgym.files import atomic_write, atomic_write_json, sha256_file, shipped_bundles_root  # noqa: F401 (re-exported)
from dreamgym.tasks import CameraConfig
from dreamgym.world_model.denoiser import Denoiser, DenoiserConfig
from dreamgym.world_model.sampler import SamplerConfig

BUNDLE_FORMAT_VERSION = 2
"""Version 2 added ``rendering``; version 1 manifests are read as Meta-World's default rendering."""
READABLE_FORMAT_VERSIONS = (1, 2)
REQUIRED_MANIFEST_KEYS = (
    "format_version", "tasks", "image_size", "action_repeat", "episode_steps", "camera", "action_dim",
    "context_frames", "components",
)


SAMPLER_CHOICES = ("teacher", "distilled")
"""Which world model an env samples: the trained one with ``sampler`` (the teacher), or its one-step
student ``distilled_world_model`` with ``distilled_sampler``."""

SUCCESS_SIGNALS = ("classifier", "outcome")
"""How a dream env decides success: the frame classifier on each imagined frame, or the ``outcome_model``
component at the episode's end (:mod:`dreamgym.reward.outcome`)."""


class BundleError(ValueError):
    """A bundle is missing, malformed or does not match what is asked of it."""


def _positive_int(value: Any) -> bool:
    return type(value) is int and value >= 1


def _string_map(value: Any) -> bool:
    return isinstance(value, dict) and all(isinstance(item, str) for item in value.values())


def _task_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(task, str) and task for task in value)


def inside_bundle(relative: Any) -> bool:
    """Whether ``relative`` names a path inside a bundle folder: relative, below it, without ``..``."""
    if not isinstance(relative, str) or not relative.strip() or "\\" in relative:
        return False
    path = PurePosixPath(relative)
    return not path.is_absolute() and ".." not in path.parts and bool(path.parts)


def confined(folder: str | Path, relative: str) -> Path:
    """``folder / relative``, refused unless it resolves (symlinks followed) inside the resolved ``folder``.

    :raises BundleError: naming the path, where it leads and the bundle folder.
    """
    folder = Path(folder)
    path = folder / relative
    root, resolved = folder.resolve(), path.resolve()
    if resolved != root and not resolved.is_relative_to(root):
        raise BundleError(
            f"{path} resolves to {resolved}, outside the bundle folder {root}; expected every component file and "
            "folder inside the bundle (a symlink must not lead out of it)."
        )
    return path


def _is_sha256(value: Any) -> bool:
    return isinstance(value, str) and re.fullmatch("[0-9a-f]{64}", value) is not None


MANIFEST_SCHEMA: dict[str, tuple[Callable[[Any], bool], str]] = {
    "tasks": (_task_list, "a non-empty list of task names (non-empty strings)"),
    "image_size": (_positive_int, "an integer >= 1"),
    "action_repeat": (_positive_int, "an integer >= 1"),
    "episode_steps": (_positive_int, "an integer >= 1"),
    "action_dim": (_positive_int, "an integer >= 1"),
    "context_frames": (_positive_int, "an integer >= 1"),
    "camera": (lambda value: isinstance(value, dict), "a JSON object"),
    "rendering": (lambda value: value is None or isinstance(value, dict), "a JSON object or null"),
    "sampler": (lambda value: isinstance(value, dict), "a JSON object of sampler settings"),
    "distilled_sampler": (lambda value: isinstance(value, dict), "a JSON object of sampler settings"),
    "default_sampler": (lambda value: value in SAMPLER_CHOICES, f"one of {list(SAMPLER_CHOICES)}"),
    "default_success_signal": (lambda value: value in SUCCESS_SIGNALS, f"one of {list(SUCCESS_SIGNALS)}"),
    "components": (_string_map, "a JSON object mapping component names to folder names"),
    "provenance": (lambda value: isinstance(value, dict), "a JSON object"),
    "files": (_string_map, "a JSON object mapping component files to sha256 hex digests"),
}
"""Type (and range) of each manifest key, and what is expected, for error messages."""


def _brief(value: Any, limit: int = 80) -> str:
    """``repr(value)``, shortened for an error message."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _cause(error: Exception) -> str:
    """An exception's message to quote inside another one (without its final full stop)."""
    return str(error).rstrip(".")


def _manifest_problem(data: dict) -> str | None:
    """What is wrong with the keys of a manifest (the first problem found), or ``None``."""
    for key, (valid, expected) in MANIFEST_SCHEMA.items():
        if key in data and not valid(data[key]):
            return f"{key!r} is {_brief(data[key])}; expected {expected}"
    duplicates = sorted({task for task in data["tasks"] if data["tasks"].count(task) > 1})
    if duplicates:
        return f"'tasks' is {_brief(data['tasks'])}, which lists {duplicates} more than once; expected distinct task names"
    try:
        CameraConfig.from_dict(data["camera"])
    except ValueError as error:
        return (f"'camera' is {_brief(data['camera'])}; expected a camera with lookat (3 finite numbers), distance "
                f"(a finite number > 0), azimuth and elevation (finite numbers) ({_cause(error)})")
    components = data["components"]
    if "world_model" not in components:
        return f"'components' is {_brief(components)}; expected an entry 'world_model'"
    for name, folder in components.items():
        if not inside_bundle(folder):
            return f"components[{name!r}] is {folder!r}; expected a folder inside the bundle (a relative path without '..')"
    for path, digest in data.get("files", {}).items():
        if not inside_bundle(path):
            return f"'files' lists {path!r}; expected files inside the bundle (relative paths without '..')"
        if not _is_sha256(digest):
            return f"files[{path!r}] is {_brief(digest)}; expected a sha256 hex digest (64 lowercase hex digits)"
    try:
        SamplerConfig(**data.get("sampler", {}))
    except (TypeError, ValueError) as error:
        return f"'sampler' is {_brief(data['sampler'])}; expected the settings of a SamplerConfig ({_cause(error)})"
    if "distilled_sampler" in data:
        try:
            SamplerConfig(**data["distilled_sampler"])
        except (TypeError, ValueError) as error:
            return (f"'distilled_sampler' is {_brief(data['distilled_sampler'])}; expected the settings of a "
                    f"SamplerConfig ({_cause(error)})")
        if "distilled_world_model" not in components:
            return "'distilled_sampler' is given but 'components' has no 'distilled_world_model'; expected both or neither"
    elif "distilled_world_model" in components:
        return "'components' has a 'distilled_world_model' but there is no 'distilled_sampler'; expected both or neither"
    if data.get("default_sampler") == "distilled" and "distilled_sampler" not in data:
        return "'default_sampler' is 'distilled' but the bundle has no distilled world model; expected 'teacher'"
    if data.get("default_success_signal") == "outcome" and "outcome_model" not in components:
        return "'default_success_signal' is 'outcome' but 'components' has no 'outcome_model'; expected 'classifier'"
    return None


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
    files: dict[str, str] | None = None
    """sha256 of every component file, keyed by its path relative to the bundle; ``None``: not recorded."""
    distilled_sampler: dict[str, Any] | None = None
    """Sampler settings of the ``distilled_world_model`` component; ``None``: the bundle has none."""
    default_sampler: str = "teacher"
    """The world model an env samples unless told otherwise: ``"teacher"`` or ``"distilled"``."""
    default_success_signal: str = "classifier"
    """How an env decides success unless told otherwise: one of :data:`SUCCESS_SIGNALS`."""

    @classmethod
    def from_dict(cls, data: Any, where: str = "manifest") -> "Manifest":
        """Validate ``data`` (a parsed ``manifest.json``) against the schema; :class:`BundleError` if wrong."""
        if not isinstance(data, dict):
            raise BundleError(f"{where}: the manifest is a JSON {type(data).__name__}; expected a JSON object.")
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
            raise BundleError(f"{where}: unknown keys {sorted(unknown)}; expected only the keys {sorted(known)}.")
        problem = _manifest_problem(data)
        if problem:
            raise BundleError(f"{where}: {problem}.")
        manifest = cls(**data)
        try:
            manifest.rendering_config()
        except (ValueError, KeyError, TypeError) as error:
            raise BundleError(f"{where}: invalid 'rendering' ({_cause(error)}).") from error
        return manifest

    def to_dict(self) -> dict[str, Any]:
        """The manifest as written to ``manifest.json`` (without ``files`` while none are recorded)."""
        data = asdict(self)
        absent_values = (("files", None), ("distilled_sampler", None), ("default_sampler", "teacher"), ("default_success_signal", "classifier"))
        for key, absent in absent_values:
            if data[key] == absent:  # written only when present: older manifests stay byte-identical
                del data[key]
        return data

    def sampler_choices(self) -> tuple[str, ...]:
        """The samplers this bundle offers (see :data:`SAMPLER_CHOICES`)."""
        return SAMPLER_CHOICES if self.distilled_sampler is not None else ("teacher",)

    def choose_sampler(self, sampler: str | None, where: str = "bundle") -> tuple[str, SamplerConfig]:
        """``(component name, sampler settings)`` of ``sampler`` (``None``: :attr:`default_sampler`).

        :raises BundleError: for a name this bundle does not offer, listing those it does.
        """
        name = self.default_sampler if sampler is None else sampler
        if name not in self.sampler_choices():
            raise BundleError(
                f"{where}: sampler {name!r} is not available; expected one of {list(self.sampler_choices())}, which this "
                "bundle offers"
                + (" (add a distilled world model with `dreamgym add-distilled-world-model`)" if name == "distilled" else "")
                + "."
            )
        if name == "distilled":
            return "distilled_world_model", SamplerConfig(**self.distilled_sampler)
        return "world_model", SamplerConfig(**self.sampler)

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
                    f"{task!r} with {current.describe()}; expected a bundle trained on frames rendered as dreamgym renders "
                    f"them now. Retrain or re-export the simulator on data recorded by this "
                    f"version (`dreamgym collect`), or load it with check_rendering=False to study it on its own rendering."
                )


def find_bundle(task: str) -> Path:
    """The shipped bundle folder of ``task`` (e.g. ``"coffee-pull"``).

    :raises BundleError: if none ships; the message lists the bundles that do.
    """
    root = shipped_bundles_root()
    folder = root / task
    if not (folder / "manifest.json").is_file():
        available = sorted(p.parent.name for p in root.glob("*/manifest.json")) if root.is_dir() else []
        raise BundleError(
            f"No learned simulator for {task!r} under {root}; expected one of the shipped bundles: {available or 'none'}."
        )
    return folder


def save_component(
    folder: str | Path, module: torch.nn.Module, config: dict, component: str, dtype: torch.dtype | None = None
) -> Path:
    """Write ``config.json`` and ``model.safetensors`` (weights only, no pickle) of one component.

    :param dtype: store floating-point tensors in this dtype (e.g. ``torch.float16``: half the size;
        loading casts them back to the module's dtype); ``None``: as they are.
    """
    folder = Path(folder)
    state = {
        name: (tensor.to(dtype) if dtype is not None and tensor.is_floating_point() else tensor).detach().cpu().contiguous()
        for name, tensor in module.state_dict().items()
    }
    metadata = {"format": "pt", "dreamgym_component": component}
    atomic_write(folder / "model.safetensors", lambda temporary: save_file(state, temporary, metadata=metadata))
    atomic_write_json(folder / "config.json", config, sort_keys=True)
    return folder


def _read_weights(path: Path) -> dict[str, torch.Tensor]:
    """Every tensor of a safetensors file, on the CPU; a truncated or corrupt file is a :class:`BundleError`."""
    try:
        return load_file(path, device="cpu")
    except (SafetensorError, OSError) as error:
        raise BundleError(f"{path}: not a readable safetensors file: truncated or corrupt ({_cause(error)}).") from error


FLOAT_WEIGHT_DTYPES = (torch.float32, torch.float16, torch.bfloat16, torch.float64)
"""Dtypes a floating-point parameter may be stored in (loading casts it to the module's own dtype)."""


def _dtype_name(dtype: torch.dtype) -> str:
    return str(dtype).removeprefix("torch.")


def _dtype_problem(tensor: torch.Tensor, expected: torch.Tensor) -> str | None:
    """What is wrong with a stored tensor's dtype for a module tensor like ``expected``, or ``None``."""
    if expected.is_floating_point():
        if tensor.dtype not in FLOAT_WEIGHT_DTYPES:
            names = ", ".join(_dtype_name(dtype) for dtype in FLOAT_WEIGHT_DTYPES)
            return f"has dtype {_dtype_name(tensor.dtype)}; expected floating-point weights ({names})"
    elif tensor.dtype != expected.dtype:
        return f"has dtype {_dtype_name(tensor.dtype)}; expected {_dtype_name(expected.dtype)}"
    return None


def _check_weights(module: torch.nn.Module, state: dict[str, torch.Tensor], weights_path: Path, config_path: Path) -> None:
    """Refuse weights whose names, shapes or dtypes are not those of ``module``, or that are not finite."""
    expected = module.state_dict()
    missing, unexpected = sorted(set(expected) - set(state)), sorted(set(state) - set(expected))
    if missing or unexpected:
        raise BundleError(
            f"{weights_path} does not match {config_path}: missing {missing[:5]}, unexpected {unexpected[:5]}."
        )
    for name, tensor in state.items():
        if tensor.shape != expected[name].shape:
            raise BundleError(
                f"{weights_path}: tensor {name!r} has shape {tuple(tensor.shape)}, but the model of {config_path} "
                f"needs {tuple(expected[name].shape)}; weights and configuration belong to different models."
            )
        problem = _dtype_problem(tensor, expected[name])
        if problem:
            raise BundleError(f"{weights_path}: tensor {name!r} {problem}; the file is not a dreamgym model of {config_path}.")
        if tensor.is_floating_point() and not torch.isfinite(tensor).all():
            raise BundleError(f"{weights_path}: tensor {name!r} holds NaN or infinite values; expected finite weights (the file is corrupt).")


def _read_component(folder: str | Path, build: Callable[[dict], torch.nn.Module], device) -> torch.nn.Module:
    """Build a module from ``config.json`` with ``build(dict)`` and load ``model.safetensors`` strictly,
    after checking tensor names, shapes and finiteness against it."""
    folder = Path(folder)
    config_path, weights_path = folder / "config.json", folder / "model.safetensors"
    for path in (config_path, weights_path):
        if not path.is_file():
            raise BundleError(f"Component file {path} is missing.")
    try:
        config = json.loads(config_path.read_text())
        if not isinstance(config, dict):
            raise TypeError(f"a JSON {type(config).__name__}, expected a JSON object")
        module = build(config)
    except (TypeError, ValueError) as error:
        raise BundleError(f"{config_path}: not a valid configuration ({_cause(error)}).") from error
    state = _read_weights(weights_path)
    _check_weights(module, state, weights_path, config_path)
    module.load_state_dict(state)
    return module.to(device).eval()


def weights_digest(module: torch.nn.Module) -> str:
    """sha256 of a module's tensors (names, shapes and float32 values, in name order): the same weights
    give the same digest however the file that held them was written."""
    import hashlib

    digest = hashlib.sha256()
    for name, tensor in sorted(module.state_dict().items()):
        values = tensor.detach().cpu().contiguous()
        values = values.float() if values.is_floating_point() else values
        digest.update(f"{name}:{tuple(values.shape)}:{values.dtype}".encode())
        digest.update(values.numpy().tobytes())
    return digest.hexdigest()


def save_world_model(folder: str | Path, denoiser: Denoiser, dtype: torch.dtype | None = None) -> Path:
    """Write the world model's ``config.json`` and ``model.safetensors`` into ``folder`` (``dtype``: see
    :func:`save_component`)."""
    return save_component(folder, denoiser, denoiser.config.to_dict(), "world_model", dtype)


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


def save_outcome_model(folder: str | Path, model) -> Path:
    """Write the outcome model (:class:`~dreamgym.reward.outcome.OutcomeModel`; its config carries the threshold)."""
    return save_component(folder, model, model.config.to_dict(), "outcome_model")


def load_outcome_model(folder: str | Path, device: str | torch.device = "cpu"):
    """Build an :class:`~dreamgym.reward.outcome.OutcomeModel` and load its weights strictly."""
    from dreamgym.reward.outcome import OutcomeModel, OutcomeModelConfig

    return _read_component(folder, lambda config: OutcomeModel(OutcomeModelConfig(**config)), device)


def component_files(folder: str | Path, manifest: Manifest) -> dict[str, Path]:
    """Every file of the bundle's components, keyed by its POSIX path relative to ``folder``.

    Hidden files (such as the temp files of an interrupted write) are not part of a bundle.
    """
    folder = Path(folder)
    files = {}
    for relative in manifest.components.values():
        root = confined(folder, relative)
        for path in sorted(root.rglob("*")) if root.is_dir() else [root]:
            key = path.relative_to(folder).as_posix()
            if path.is_file() and not any(part.startswith(".") for part in PurePosixPath(key).parts):
                files[key] = confined(folder, key)
    return files


def component_folder(folder: str | Path, manifest: Manifest, name: str) -> Path:
    """The folder of component ``name`` (e.g. ``"world_model"``), confined to the bundle (see :func:`confined`)."""
    return confined(folder, manifest.components[name])


def file_checksums(folder: str | Path, manifest: Manifest) -> dict[str, str]:
    """sha256 of every file of the bundle's components (see :func:`component_files`)."""
    return {key: sha256_file(path) for key, path in component_files(folder, manifest).items()}


def verify_checksums(folder: str | Path, manifest: Manifest) -> None:
    """Check every component file against the sha256 recorded in the manifest.

    :raises BundleError: for a manifest that records no checksums (``files``), naming how to add them;
        naming the file that is missing, has no recorded checksum, lies outside the bundle, or whose
        checksum differs.
    """
    folder = Path(folder)
    if manifest.files is None:
        raise BundleError(
            f"{folder / 'manifest.json'} records no sha256 of the component files (no 'files'), so the bundle cannot "
            "be verified; expected a bundle exported by this dreamgym: export it again with `dreamgym export-bundle`, "
            "or record the checksums of files you trust with dreamgym.bundle.record_checksums(folder)."
        )
    unlisted = sorted(set(component_files(folder, manifest)) - set(manifest.files))
    if unlisted:
        raise BundleError(
            f"{folder}: component files {unlisted} have no sha256 in manifest.json 'files'; expected every component "
            "file to be recorded (remove the files, or record them with dreamgym.bundle.record_checksums)."
        )
    for relative, expected in sorted(manifest.files.items()):
        path = confined(folder, relative)
        if not path.is_file():
            raise BundleError(f"{path} is missing; manifest.json records its sha256 as part of the bundle.")
        actual = sha256_file(path)
        if actual != expected:
            raise BundleError(
                f"{path}: sha256 {actual} differs from {expected} recorded in manifest.json; the file is corrupt "
                "or was changed after export (download or export the bundle again)."
            )


def write_manifest(folder: str | Path, manifest: Manifest) -> Path:
    """Record the sha256 of every component file in ``manifest.files`` and write ``manifest.json``.

    Write it last: a folder is a bundle once it has a manifest, and the checksums describe the files
    written before it.
    """
    folder = Path(folder)
    manifest = replace(manifest, files=file_checksums(folder, manifest))
    Manifest.from_dict(manifest.to_dict(), where=f"manifest for {folder}")  # never write one that cannot be read
    atomic_write_json(folder / "manifest.json", manifest.to_dict(), sort_keys=True)
    return folder


def save_bundle(folder: str | Path, manifest: Manifest, denoiser: Denoiser) -> Path:
    """Write a complete bundle (world model, then the manifest with the checksums of every component file)."""
    folder = Path(folder)
    save_world_model(folder / manifest.components["world_model"], denoiser)
    return write_manifest(folder, manifest)


def bundle_folder(folder: Any) -> Path:
    """``folder`` (a ``str`` or ``os.PathLike``) as a ``Path``.

    :raises TypeError: naming the value, for anything else.
    """
    if not isinstance(folder, (str, os.PathLike)):
        raise TypeError(f"A bundle folder must be a str or os.PathLike, got {type(folder).__name__} {folder!r}.")
    return Path(folder)


def _read_manifest_json(folder: str | Path) -> tuple[Path, Any]:
    """The path of a bundle's ``manifest.json`` and its parsed, not yet validated, content."""
    path = bundle_folder(folder) / "manifest.json"
    if Path(folder).is_file():
        raise BundleError(f"{folder} is a file; expected a bundle folder (holding manifest.json).")
    if not path.is_file():
        raise BundleError(f"{folder} is not a dreamgym bundle: {path} is missing.")
    confined(folder, "manifest.json")
    try:
        return path, json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise BundleError(f"{path}: invalid JSON ({_cause(error)}); expected a UTF-8 JSON object.") from error


def read_manifest(folder: str | Path) -> Manifest:
    """Read and validate ``manifest.json`` of a bundle."""
    path, data = _read_manifest_json(folder)
    return Manifest.from_dict(data, where=str(path))


def record_checksums(folder: str | Path) -> Path:
    """Add the sha256 of every component file to the manifest of a bundle exported without them.

    Nothing else in ``manifest.json`` changes. A manifest that already records checksums is verified
    first, so a corrupt file is never blessed. Record checksums only of files you trust.
    """
    folder = Path(folder)
    path, data = _read_manifest_json(folder)
    manifest = Manifest.from_dict(data, where=str(path))
    if manifest.files is not None:
        verify_checksums(folder, manifest)
    atomic_write_json(path, {**data, "files": file_checksums(folder, manifest)}, sort_keys=True)
    return folder


def load_bundle(
    folder: str | Path, device: str | torch.device = "cpu", sampler: str | None = None
) -> tuple[Manifest, Denoiser, SamplerConfig]:
    """Load and cross-check a bundle: every component file must match its recorded sha256, and the
    world model must match the manifest's resolution and action size.

    :param sampler: ``"teacher"`` or ``"distilled"`` (see :data:`SAMPLER_CHOICES`); ``None``: the
        bundle's ``default_sampler``. The world model returned is the one that sampler runs.
    """
    from dreamgym.dream.inputs import check_device

    device = check_device(device)
    manifest = read_manifest(folder)
    verify_checksums(folder, manifest)
    component, sampler_config = manifest.choose_sampler(sampler, where=str(folder))
    denoiser = load_world_model(component_folder(folder, manifest, component), device)
    cfg = denoiser.config
    mismatches = []
    if cfg.image_size != manifest.image_size:
        mismatches.append(f"image_size {cfg.image_size} != manifest {manifest.image_size}")
    if cfg.actions.action_dim != manifest.action_dim:
        mismatches.append(f"action_dim {cfg.actions.action_dim} != manifest {manifest.action_dim}")
    if cfg.context_frames != manifest.context_frames:
        mismatches.append(f"context_frames {cfg.context_frames} != manifest {manifest.context_frames}")
    if mismatches:
        raise BundleError(
            f"{folder}: world model does not match the manifest: {'; '.join(mismatches)}; expected the world model's "
            "config.json and manifest.json to agree (they belong to different simulators)."
        )
    return manifest, denoiser, sampler_config
