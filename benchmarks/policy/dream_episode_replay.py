"""Replay imagined episodes in real Meta-World: does the dream's confirmed success hold in reality?

``dreamgym refine --method filtered-bc`` imitates the imagined episodes whose success the dream confirms.
Every imagined episode starts from a real 4-frame context of the bundle (``initial_states``), a stretch of a
recorded episode whose seed is in the dataset. This script finds that episode (by its first frame) and the decision
the context starts at for each imagined one (exact frame match), resets the real simulator with its seed, plays the
bundle's stored actions up to the end of the context and then the imagined episode's actions open loop, and records
whether reality succeeds on any of those steps, and the real state at the imagined start.

Diagnostic only: the real steps taken here never feed back into refinement. The per-episode table is what
``dream_filtered_bc.py --selection real success-and-real`` (oracle filters) and the confusion of the dream's filter use.

    python benchmarks/policy/dream_episode_replay.py runs/dream-filtered-bc/bv0s18-s0 --data data
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from dreamgym.bundle import find_bundle, read_manifest
from dreamgym.dream.initial_states import InitialStates
from dreamgym.files import atomic_write_json


def frame_key(frames: np.ndarray) -> str:
    return hashlib.sha1(np.ascontiguousarray(frames).tobytes()).hexdigest()


def recorded_starts(data_dir: Path, task: str, context: int) -> dict[str, dict]:
    """Recorded episodes by the hash of their first frame (the layout ``reset(seed)`` draws): seed, source, their
    actions and states, and the hash of their first ``context`` frames.

    A bundle's stored trajectory is found by its first frame, not by its whole context: a dataset recorded again on
    another machine has the same layouts and the same expert and random episodes, but a BC policy's actions differ in
    the last digits there, so its later frames may differ."""
    starts = {}
    for path in sorted((data_dir / task).glob("*/*.npz")):
        with np.load(path, allow_pickle=False) as episode:
            meta = json.loads(str(episode["meta"]))
            starts.setdefault(frame_key(episode["frames"][:1]), {
                "seed": int(meta["seed"]), "source": meta["source"], "file": str(path),
                "actions": episode["actions"].astype(np.float32), "states": episode["states"],
                "context_key": frame_key(episode["frames"][:context]),
            })
    return starts


def start_of_each_episode(episodes: dict, initial: InitialStates, context: int) -> tuple[np.ndarray, np.ndarray]:
    """For each imagined episode, the bundle trajectory it started from and the decision its context starts at
    (its first frame is the last of the ``context`` frames; 0 for runs started at first frames); -1 where no unique match."""
    frames = initial.frames.numpy()
    by_frame: dict[str, list[tuple[int, int]]] = {}
    for index in range(frames.shape[0]):
        for start in range(frames.shape[1] - context + 1):
            by_frame.setdefault(frame_key(frames[index, start + context - 1]), []).append((index, start))
    first = np.concatenate([[0], np.cumsum(episodes["lengths"])[:-1]])
    found = []
    for offset in first:
        candidates = by_frame.get(frame_key(episodes["frames"][offset]), [])
        # identical frames at several decisions of one trajectory (an arm at rest) are the same state: take the first
        found.append(candidates[0] if len({index for index, _ in candidates}) == 1 else (-1, -1))
    found = np.array(found).reshape(-1, 2)
    return found[:, 0], found[:, 1]


def object_geometry(states: np.ndarray) -> dict:
    """Where the object went in a real replay, from Meta-World's 39-D states (hand 0:3, object 4:7, goal 36:39), in cm:
    the object's distance to the goal at the end and at its closest, how far the object moved at most, and the
    hand's distance to the object at the end."""
    hand, obj, goal = states[:, 0:3], states[:, 4:7], states[:, 36:39]
    to_goal = np.linalg.norm(obj - goal, axis=1)
    return {"object_to_goal_end_cm": round(100 * float(to_goal[-1]), 2), "object_to_goal_min_cm": round(100 * float(to_goal.min()), 2),
            "object_moved_max_cm": round(100 * float(np.linalg.norm(obj - obj[0], axis=1).max()), 2),
            "hand_to_object_end_cm": round(100 * float(np.linalg.norm(hand[-1] - obj[-1])), 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run", type=Path, help="a filtered-bc run folder holding imagined_episodes.npz")
    parser.add_argument("--data", type=Path, default=Path("data"), help="dataset root the bundle's starts came from")
    parser.add_argument("--task", default="coffee-pull")
    parser.add_argument("--out", type=Path, default=None, help="JSON to write (default: <run>/real_replay.json)")
    args = parser.parse_args()

    from dreamgym.real.metaworld_env import MetaWorldPixelEnv

    episodes = dict(np.load(args.run / "imagined_episodes.npz"))
    bundle = find_bundle(args.task)
    context_length = read_manifest(bundle).context_frames
    initial = InitialStates.load(bundle / "initial_states")
    start_index, start_step = start_of_each_episode(episodes, initial, context_length)
    if (start_index < 0).any():
        raise SystemExit(f"{int((start_index < 0).sum())} imagined episodes start from no unique bundle context.")
    recorded = recorded_starts(args.data, args.task, context_length)
    contexts = [recorded.get(frame_key(initial.frames[i, :1].numpy())) for i in range(initial.frames.shape[0])]
    # the recorded episode is the bundle's own where its whole first context matches (its states can be checked)
    same_recording = [c is not None and c["context_key"] == frame_key(initial.frames[i, :context_length].numpy())
                      for i, c in enumerate(contexts)]
    missing = sorted({int(i) for i in start_index if contexts[i] is None})
    if missing:
        raise SystemExit(f"{len(missing)} bundle contexts match the first frame of no recorded episode under {args.data}/{args.task}.")

    env = MetaWorldPixelEnv(args.task, episode_steps=200, render_mode=None)
    bounds = np.concatenate([[0], np.cumsum(episodes["lengths"])])
    real_success, first_success, context_error, geometry, start_states = [], [], [], [], []
    for episode, (start, step0) in enumerate(tqdm(zip(start_index, start_step), total=len(start_index), desc="real replays",
                                                  unit="episode", mininterval=10)):
        context = contexts[start]
        _, info = env.reset(seed=context["seed"])
        states = [info["state"]]
        # the bundle's stored decisions up to the imagined start (the actions that made its context frames)
        for action in initial.actions[start, : step0 + context_length - 1].numpy():
            _, _, _, _, info = env.step(action)
            states.append(info["state"])
        if same_recording[start]:
            context_error.append(float(np.abs(np.array(states) - context["states"][: step0 + context_length]).max()))
        start_states.append(np.round(np.asarray(info["state"], dtype=float), 6).tolist())
        first, trajectory = None, [info["state"]]
        for step, action in enumerate(episodes["actions"][bounds[episode]:bounds[episode + 1]], start=1):
            _, _, _, _, info = env.step(action)
            trajectory.append(info["state"])
            if info["success"] and first is None:
                first = step
        real_success.append(first is not None)
        first_success.append(first)
        geometry.append(object_geometry(np.array(trajectory)))
    env.close()
    dream = episodes["success"].astype(bool)
    real = np.array(real_success)
    result = {
        "run": str(args.run),
        "episodes": int(len(real)),
        "max_context_state_error": float(max(context_error)) if context_error else None,
        "contexts_checked_against_recorded_states": len(context_error),
        "confusion": {"dream_and_real": int((dream & real).sum()), "dream_only": int((dream & ~real).sum()),
                      "real_only": int((~dream & real).sum()), "neither": int((~dream & ~real).sum())},
        "precision": float((dream & real).sum() / max(1, dream.sum())),
        "real_success_rate": float(real.mean()),
        "dream_success": dream.tolist(),
        "real_success": real.tolist(),
        "real_first_success": first_success,
        "start_context": start_index.tolist(),
        "start_step": start_step.tolist(),
        "real_geometry": geometry,
        "start_seed": [contexts[i]["seed"] for i in start_index],
        "start_state": start_states,
    }
    out = args.out or args.run / "real_replay.json"
    atomic_write_json(out, result)
    print(json.dumps({k: v for k, v in result.items() if not isinstance(v, list)}, indent=1))


if __name__ == "__main__":
    main()
