"""Turn a finished world-model training run into a learned-simulator bundle with its provenance."""

from __future__ import annotations

import datetime
import json
from collections import Counter
from dataclasses import replace
from pathlib import Path

import torch

from dreamgym.bundle import Manifest, load_world_model, save_bundle
from dreamgym.data.episode import is_holdout, load_episodes, split_held_out
from dreamgym.tasks import RenderingConfig
from dreamgym.world_model.sampler import SamplerConfig, check_guidance_supported


def export_bundle(
    run_dir: str | Path,
    out_dir: str | Path,
    metrics: dict | None = None,
    notes: str = "",
    reward_run: str | Path | None = None,
    initial_state_frames: int = 51,
    from_checkpoint: bool = False,
    sampler: SamplerConfig | None = None,
) -> Path:
    """Write ``out_dir`` (manifest + world model) from ``run_dir`` (the trainer's output folder).

    The camera, action repeat and episode length are read from the training episodes, which must all
    agree; the provenance records data, training settings, hardware and wall time from the run. With
    ``reward_run`` (a ``train-reward`` output folder) the bundle also gets the reward classifier and, as
    initial states, the first ``initial_state_frames`` frames of every training episode: then it is a
    complete learned simulator that ``DreamWorld-<Task>-v0`` can run. With ``from_checkpoint`` the EMA
    weights of the latest full-state checkpoint are exported (the run need not be finished).
    ``sampler`` is the bundle's sampler (default: ``SamplerConfig()``); action guidance is refused
    for a world model trained without action dropout.
    """
    if metrics is not None and not isinstance(metrics, dict):
        raise TypeError(f"metrics must be a dict (a JSON object of named metrics) or None, got {type(metrics).__name__} {metrics!r}.")
    run_dir, out_dir = Path(run_dir), Path(out_dir)
    required = ("checkpoint.pt",) if from_checkpoint else ("summary.json", "world_model/model.safetensors", "checkpoint.pt")
    for name in required:
        if not (run_dir / name).exists():
            raise FileNotFoundError(f"{run_dir} is not a finished training run: {name} is missing.")
    checkpoint = torch.load(run_dir / "checkpoint.pt", map_location="cpu", weights_only=True)
    train_config = json.loads(checkpoint["config"])
    if from_checkpoint:
        denoiser, summary = _ema_weights_from_checkpoint(checkpoint, train_config)
    else:
        denoiser = load_world_model(run_dir / "world_model")
        summary = json.loads((run_dir / "summary.json").read_text())
    sampler = SamplerConfig() if sampler is None else sampler
    check_guidance_supported(denoiser, sampler)
    tasks = train_config["tasks"]
    episodes = load_episodes(train_config["data"], tasks=tasks)
    metas = [episode.meta for episode in episodes]
    settings = {
        (m["task"], m["action_repeat"], m["episode_steps"], m["width"], json.dumps(m["camera"], sort_keys=True),
         json.dumps(RenderingConfig.from_dict(m.get("rendering")).to_dict(), sort_keys=True))
        for m in metas
    }
    if len(settings) != 1:
        raise ValueError(f"Training episodes disagree on task/camera/rendering/action repeat/length: {sorted(settings)[:4]}.")
    task, action_repeat, episode_steps, width, camera, rendering = settings.pop()
    held_out = sum(is_holdout(m, train_config["holdout_every"]) for m in metas)
    manifest = Manifest(
        tasks=[task],
        image_size=width,
        action_repeat=action_repeat,
        episode_steps=episode_steps,
        camera=json.loads(camera),
        rendering=json.loads(rendering),
        sampler=sampler.to_dict(),
        provenance={
            "created": datetime.date.today().isoformat(),
            "data": {
                "episodes_total": len(metas),
                "episodes_held_out_for_validation": held_out,
                "by_source": dict(Counter(m["source"] for m in metas)),
                "simulator": metas[0].get("simulator", "unknown"),
                "recorded_with": f"dreamgym collect ({episode_steps} decisions per episode; episodes per source in by_source)",
            },
            "training": {
                **{key: train_config[key] for key in ("batch_size", "learning_rate", "ema_decay", "seed")},
                "steps_planned": train_config["steps"],
                "steps_trained": summary["steps"],
                "initialised_from": train_config.get("init_from"),
                "exported_from": "checkpoint (training still running or interrupted)" if from_checkpoint else "finished run",
            },
            "model": {"parameters": summary["parameters"], **train_config["model"]},
            "hardware": summary["hardware"],
            "processes": summary["processes"],
            "wall_time_s": summary["wall_time_s"],
            "final_train_loss": summary["final_loss_mean_last_100"],
            "metrics": metrics or {},
            "notes": notes,
        },
    )
    if reward_run is None:
        return save_bundle(out_dir, manifest, denoiser)
    return _save_complete_simulator(
        out_dir, manifest, denoiser, Path(reward_run), train_config, episodes, initial_state_frames
    )


def _ema_weights_from_checkpoint(checkpoint: dict, train_config: dict):
    """The EMA weights stored in a full-state training checkpoint, and a summary of the run so far."""
    from diffusers.training_utils import EMAModel

    from dreamgym.world_model.denoiser import Denoiser, DenoiserConfig
    from dreamgym.world_model.train import hardware_description

    denoiser = Denoiser(DenoiserConfig(**train_config["model"]))
    ema = EMAModel(denoiser.parameters())
    ema.load_state_dict(checkpoint["ema"])
    ema.copy_to(denoiser.parameters())
    summary = {
        "steps": int(checkpoint["step"]),
        "parameters": denoiser.num_parameters(),
        "hardware": checkpoint.get(
            "hardware",
            f"not recorded in the checkpoint; exported on {hardware_description(torch.device('cpu'))}",
        ),
        "processes": 1,
        "wall_time_s": round(float(checkpoint["elapsed_s"]), 1),
        "final_loss_mean_last_100": None,
    }
    return denoiser.eval(), summary


REWARD_PROVENANCE_KEYS = ("threshold", "heldout_real_frames", "heldout_imagined_frames", "train_frames", "wall_time_s")
"""What a bundle's provenance records of its reward classifier (from ``train-reward``'s summary)."""


def _reward_model_and_provenance(reward_run: Path):
    """The reward classifier of a ``train-reward`` folder or of a complete bundle, and what is known of it."""
    from dreamgym.bundle import component_folder, load_reward_model, read_manifest, verify_checksums

    if (reward_run / "manifest.json").is_file():  # a complete bundle: reuse its classifier and its provenance
        manifest = read_manifest(reward_run)
        verify_checksums(reward_run, manifest)
        if "reward_model" not in manifest.components:
            raise FileNotFoundError(f"{reward_run} is a bundle without a reward classifier; pass a train-reward folder or a complete bundle.")
        provenance = {**manifest.provenance.get("reward_model", {}), "from_bundle": str(reward_run)}
        return load_reward_model(component_folder(reward_run, manifest, "reward_model")), provenance
    summary_path = reward_run / "reward_summary.json"
    provenance = None
    if summary_path.exists():
        reward_summary = json.loads(summary_path.read_text())
        provenance = {key: reward_summary.get(key) for key in REWARD_PROVENANCE_KEYS}
    return load_reward_model(reward_run / "reward_model"), provenance


def _save_complete_simulator(out_dir, manifest, denoiser, reward_run: Path, train_config, all_episodes, frames: int) -> Path:
    from dreamgym.dream.initial_states import InitialStates
    from dreamgym.dream.simulator import LearnedSimulator

    reward_model, reward_provenance = _reward_model_and_provenance(reward_run)
    episodes, _ = split_held_out(all_episodes, train_config["holdout_every"])
    initial_states = InitialStates.from_episodes(episodes, frames)
    if reward_provenance is not None:
        manifest.provenance["reward_model"] = reward_provenance
    manifest.provenance["initial_states"] = {"episodes": len(episodes), "frames_per_episode": frames, "from": "training episodes (not held out)"}
    simulator = LearnedSimulator(manifest, denoiser, reward_model, initial_states, SamplerConfig(**manifest.sampler))
    return simulator.save(out_dir)


def replace_reward_model(bundle_dir: str | Path, reward_run: str | Path, notes: str = "") -> Path:
    """Give an existing complete bundle the reward classifier of ``reward_run`` (a ``train-reward`` folder).

    Only ``reward_model/`` and the manifest are rewritten; world model and initial states stay
    byte-identical. The manifest's reward provenance is replaced, ``notes`` is appended to the
    provenance notes, and the checksums are recorded again. Use it when only the reward classifier was retrained.
    """
    from dreamgym.bundle import component_folder, read_manifest, save_reward_model, write_manifest
    from dreamgym.dream.simulator import LearnedSimulator

    bundle_dir, reward_run = Path(bundle_dir), Path(reward_run)
    LearnedSimulator.load(bundle_dir)  # refuse to patch anything but a complete, loadable bundle
    manifest = read_manifest(bundle_dir)
    reward_model, reward_provenance = _reward_model_and_provenance(reward_run)
    provenance = dict(manifest.provenance)
    if reward_provenance is not None:
        provenance["reward_model"] = reward_provenance
    if notes:
        provenance["notes"] = f"{provenance.get('notes', '')} {notes}".strip()
    save_reward_model(component_folder(bundle_dir, manifest, "reward_model"), reward_model)
    write_manifest(bundle_dir, replace(manifest, provenance=provenance))
    LearnedSimulator.load(bundle_dir)  # the patched bundle must load
    return bundle_dir


def add_distilled_world_model(
    bundle_dir: str | Path, distill_run: str | Path, make_default: bool = True, half_precision: bool = True, notes: str = ""
) -> Path:
    """Add the one-step student of ``distill_run`` (a ``distill-world-model`` folder) to a complete bundle.

    The student must have been distilled from this bundle's world model (the digest of the teacher's
    weights recorded by the run, :func:`~dreamgym.bundle.weights_digest`, must match the bundle's). It goes to ``distilled_world_model/`` (in
    float16 with ``half_precision``: half the size; the weights measured are the ones stored), its
    sampler to the manifest's ``distilled_sampler``, and with ``make_default`` it becomes the bundle's
    ``default_sampler`` (the teacher stays selectable with ``sampler="teacher"``). Everything else stays
    byte-identical; the checksums are recorded again.
    """
    from dreamgym.bundle import (
        BundleError,
        load_world_model,
        read_manifest,
        save_world_model,
        weights_digest,
        write_manifest,
    )
    from dreamgym.dream.simulator import LearnedSimulator

    bundle_dir, distill_run = Path(bundle_dir), Path(distill_run)
    teacher = LearnedSimulator.load(bundle_dir, sampler="teacher").world_model  # only a complete, loadable bundle is extended
    manifest = read_manifest(bundle_dir)
    for name in ("summary.json", "sampler.json", "world_model/model.safetensors"):
        if not (distill_run / name).is_file():
            raise FileNotFoundError(f"{distill_run} is not a finished distill-world-model run: {name} is missing.")
    summary = json.loads((distill_run / "summary.json").read_text())
    teacher_digest = weights_digest(teacher)
    if summary.get("teacher_weights_sha256") != teacher_digest:
        raise BundleError(
            f"{distill_run} was distilled from a world model with weights digest {summary.get('teacher_weights_sha256')}, "
            f"but {bundle_dir}'s world model has {teacher_digest}; expected a student of this bundle's world model "
            "(run dreamgym distill-world-model --teacher <this bundle>)."
        )
    learned = summary.get("teacher_sampler")
    if learned is not None and SamplerConfig(**learned) != SamplerConfig(**manifest.sampler):
        raise BundleError(
            f"{distill_run} learned the outputs of the teacher sampled with {learned}, but {bundle_dir} samples that "
            f"world model with {manifest.sampler}; expected a student of this bundle's sampler (distil again with "
            "--teacher <this bundle>)."
        )
    sampler = SamplerConfig(**json.loads((distill_run / "sampler.json").read_text()))
    student = load_world_model(distill_run / "world_model")
    save_world_model(bundle_dir / "distilled_world_model", student, torch.float16 if half_precision else None)
    provenance = dict(manifest.provenance)
    provenance["distilled_world_model"] = {
        key: summary.get(key) for key in ("steps", "heldout", "teacher_sampler", "wall_time_s", "hardware")
    } | {"stored_as": "float16" if half_precision else "float32"}
    if notes:
        provenance["notes"] = f"{provenance.get('notes', '')} {notes}".strip()
    components = {**manifest.components, "distilled_world_model": "distilled_world_model"}
    write_manifest(bundle_dir, replace(
        manifest, components=components, distilled_sampler=sampler.to_dict(),
        default_sampler="distilled" if make_default else "teacher", provenance=provenance,
    ))
    for choice in ("teacher", "distilled"):
        LearnedSimulator.load(bundle_dir, sampler=choice)  # the extended bundle must load both ways
    return bundle_dir


def add_outcome_model(
    bundle_dir: str | Path, outcome_run: str | Path, data: str | Path, make_default: bool = True, notes: str = ""
) -> Path:
    """Add the outcome model of ``outcome_run`` (a ``train-outcome`` folder) to a complete bundle.

    The outcome model starts from the real simulator state of each imagined episode's start context, so the
    bundle's initial states are rebuilt from the training episodes (not held out) of ``data``, with their states
    and as many frames per episode as before. ``data`` should be the data the bundle's world model was trained
    on. With ``make_default`` the outcome model becomes the bundle's ``default_success_signal``. World models and
    the reward classifier stay byte-identical; the checksums are recorded again. Everything is loaded and checked
    before the first file is written, but the two components and the manifest are written one after the other: a
    run stopped between them leaves a bundle whose checksums refuse it (restore the folder, e.g. with ``git checkout``
    for a shipped one, and run again). The new initial states also change where classifier-judged episodes start.
    """
    from dreamgym.bundle import component_folder, load_outcome_model, read_manifest, save_outcome_model, write_manifest
    from dreamgym.dream.initial_states import InitialStates
    from dreamgym.dream.simulator import LearnedSimulator

    bundle_dir, outcome_run = Path(bundle_dir), Path(outcome_run)
    current = LearnedSimulator.load(bundle_dir)  # only a complete, loadable bundle is extended
    manifest = read_manifest(bundle_dir)
    for name in ("outcome_summary.json", "outcome_model/model.safetensors"):
        if not (outcome_run / name).is_file():
            raise FileNotFoundError(f"{outcome_run} is not a finished train-outcome run: {name} is missing.")
    outcome_model = load_outcome_model(outcome_run / "outcome_model")
    holdout_every = int(manifest.provenance.get("training", {}).get("holdout_every", 10))
    episodes = load_episodes(data, manifest.tasks, with_states=True)
    training, _ = split_held_out(episodes, holdout_every)
    length = current.initial_states.frames.shape[1]
    initial_states = InitialStates.from_episodes(training, length)
    if initial_states.states is None:
        raise ValueError(f"The episodes under {data} carry no simulator states; record them with `dreamgym collect`.")
    if tuple(initial_states.frames.shape[2:]) != tuple(current.initial_states.frames.shape[2:]):
        raise ValueError(
            f"The episodes under {data} have frames {tuple(initial_states.frames.shape[2:])}, the bundle "
            f"{tuple(current.initial_states.frames.shape[2:])}; expected the data the bundle was trained on."
        )
    LearnedSimulator(manifest, current.world_model, current.reward_model, initial_states, current.sampler,
                     current.sampler_name, outcome_model)  # refuse parts that do not fit together before writing
    summary = json.loads((outcome_run / "outcome_summary.json").read_text())
    save_outcome_model(bundle_dir / "outcome_model", outcome_model)
    initial_states.save(component_folder(bundle_dir, manifest, "initial_states"))
    provenance = dict(manifest.provenance)
    provenance["outcome_model"] = {
        key: summary.get(key) for key in ("episodes", "training_stretches", "heldout", "wall_time_s", "hardware")
    } | {"data": summary.get("config", {}).get("data"), "epochs": summary.get("config", {}).get("epochs")}
    provenance["initial_states"] = {
        "episodes": len(initial_states.frames), "frames_per_episode": length,
        "from": f"training episodes (not held out) of {data}, with simulator states (dreamgym add-outcome-model)",
    }
    if notes:
        provenance["notes"] = f"{provenance.get('notes', '')} {notes}".strip()
    components = {**manifest.components, "outcome_model": "outcome_model"}
    signal = "outcome" if make_default else manifest.default_success_signal
    write_manifest(bundle_dir, replace(manifest, components=components, provenance=provenance, default_success_signal=signal))
    LearnedSimulator.load(bundle_dir)  # the extended bundle must load
    return bundle_dir
