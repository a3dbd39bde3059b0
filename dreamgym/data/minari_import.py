"""Import image datasets in Farama's Minari format into dreamgym's episode format.

Minari episodes hold ``observations`` (T+1 entries), ``actions``, ``rewards``, ``terminations``,
``truncations`` and ``infos``. dreamgym needs uint8 RGB image observations, actions in [-1, 1] and,
for the reward classifier, per-frame success (read from ``infos["success"]`` when present).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from dreamgym.data.episode import (
    Episode,
    EpisodeFormatError,
    check_task_label,
    make_episode,
    save_episode,
    success_labels,
)


def episode_from_minari(data, task: str, source: str) -> Episode:
    """Convert one ``minari.EpisodeData`` (or any object with the same fields) to an :class:`Episode`."""
    where = f"Minari episode {getattr(data, 'id', '?')}"
    observations = np.asarray(data.observations)
    if observations.ndim != 4 or 3 not in (observations.shape[1], observations.shape[-1]):
        raise EpisodeFormatError(
            f"{where}: observations of shape {observations.shape} are not RGB images; expected (T+1, H, W, 3) or (T+1, 3, H, W)."
        )
    if observations.dtype != np.uint8:
        raise EpisodeFormatError(f"{where}: observations are {observations.dtype}; expected uint8 pixels in [0, 255].")
    if observations.shape[1] != 3:  # channel-last -> channel-first
        observations = observations.transpose(0, 3, 1, 2)
    actions = np.asarray(data.actions, dtype=np.float32)
    if actions.ndim != 2:
        raise EpisodeFormatError(f"{where}: actions of shape {actions.shape}; expected (T, action_dim) continuous actions.")
    if np.abs(actions).max(initial=0.0) > 1.0 + 1e-6:
        raise EpisodeFormatError(f"{where}: actions exceed [-1, 1]; rescale them to [-1, 1] before importing.")
    steps = actions.shape[0]
    infos = dict(getattr(data, "infos", None) or {})
    success = np.zeros(steps + 1, dtype=bool)
    has_success = "success" in infos
    if has_success:
        flags = success_labels(np.asarray(infos["success"]).reshape(-1))
        if flags.shape[0] == steps + 1:
            success = flags
        elif flags.shape[0] == steps:  # infos of steps only: the reset frame is not a success
            success[1:] = flags
        else:
            raise EpisodeFormatError(f"{where}: infos['success'] has {flags.shape[0]} entries for {steps} steps.")
    meta = {
        "task": task,
        "source": source,
        "minari_episode_id": int(getattr(data, "id", -1)),
        "success_labels": "infos['success']" if has_success else "missing (all False)",
        "width": int(observations.shape[3]),
        "height": int(observations.shape[2]),
    }
    return make_episode(observations, actions, np.asarray(data.rewards, dtype=np.float32), success, meta)


def import_minari(dataset_id: str, out_dir: str | Path, task: str, progress: bool = True) -> int:
    """Write every episode of the local Minari dataset ``dataset_id`` to
    ``out_dir/<task>/minari/<id>.npz``; return how many were written.

    :raises ValueError: for a task label that is not a folder name (see :func:`check_task_label`).
    :raises FileNotFoundError: naming the dataset id, if no local Minari dataset has it.
    """
    task = check_task_label(task)
    try:
        import minari
    except ImportError as error:
        raise ImportError("Importing Minari datasets needs `pip install 'dreamgym[minari]'`.") from error
    try:
        dataset = minari.load_dataset(dataset_id)
    except FileNotFoundError as error:
        raise FileNotFoundError(
            f"Minari dataset {dataset_id!r} not found locally ({error}); expected the id of a local dataset "
            "(`minari list local`; fetch others with `minari download <id>`)."
        ) from error
    folder = Path(out_dir) / task / "minari"
    count = 0
    for data in tqdm(dataset.iterate_episodes(), total=dataset.total_episodes, desc=f"import {dataset_id}", disable=not progress):
        episode = episode_from_minari(data, task, source=f"minari:{dataset_id}")
        save_episode(episode, folder / f"{dataset_id.replace('/', '_')}-{episode.meta['minari_episode_id']:05d}.npz")
        count += 1
    return count
