"""Gymnasium ids provided by dreamgym.

* ``MetaWorldPixels-<Task>-v0`` for each tuned World4RL task (e.g. ``MetaWorldPixels-CoffeePull-v0``),
  and ``MetaWorldPixels-v0`` that takes any Meta-World v3 task as ``task=...``: the real simulator.
* ``DreamWorld-<Task>-v0`` for the six World4RL tasks and every shipped learned simulator (a bundle
  under ``envs/``; making one whose bundle does not ship lists those that do), with both
  ``entry_point`` (``gym.make``) and ``vector_entry_point`` (``gym.make_vec``, natively batched), and
  ``DreamWorld-v0`` that takes ``task=...`` and lists the available bundles when it has none.

Importing ``dreamgym`` registers them; entry points are strings, so nothing heavy is imported until
an env is made.
"""

from __future__ import annotations

import gymnasium as gym

from dreamgym.tasks import WORLD4RL_TASKS, get_task

REAL_ENTRY_POINT = "dreamgym.real.metaworld_env:MetaWorldPixelEnv"
DREAM_ENTRY_POINT = "dreamgym.dream.env:DreamWorldEnv"
DREAM_VECTOR_ENTRY_POINT = "dreamgym.dream.vector_env:DreamWorldVectorEnv"


def real_env_id(task_name: str) -> str:
    """``"coffee-pull"`` -> ``"MetaWorldPixels-CoffeePull-v0"``."""
    return f"MetaWorldPixels-{WORLD4RL_TASKS[task_name].id_suffix}-v0"


def dream_env_id(task_name: str) -> str:
    """``"coffee-pull"`` -> ``"DreamWorld-CoffeePull-v0"``."""
    return f"DreamWorld-{get_task(task_name).id_suffix}-v0"


def shipped_tasks() -> list[str]:
    """Tasks with a shipped learned simulator (a folder with ``manifest.json`` under the bundles root)."""
    from dreamgym.files import shipped_bundles_root  # not dreamgym.bundle: that imports torch (seconds per CLI call)

    root = shipped_bundles_root()
    return sorted(p.parent.name for p in root.glob("*/manifest.json")) if root.is_dir() else []


def register_envs() -> None:
    """Register every dreamgym id with gymnasium (idempotent)."""
    if "DreamWorld-v0" not in gym.registry:
        gym.register("DreamWorld-v0", entry_point=DREAM_ENTRY_POINT, vector_entry_point=DREAM_VECTOR_ENTRY_POINT)
    # The six World4RL tasks are always registered: making one whose bundle does not ship raises an
    # error that lists the learned simulators that do. Any other shipped bundle is registered too.
    for name in sorted(set(WORLD4RL_TASKS) | set(shipped_tasks())):
        env_id = dream_env_id(name)
        if env_id not in gym.registry:
            gym.register(
                env_id, entry_point=DREAM_ENTRY_POINT, vector_entry_point=DREAM_VECTOR_ENTRY_POINT, kwargs={"task": name}
            )
    if "MetaWorldPixels-v0" not in gym.registry:
        gym.register("MetaWorldPixels-v0", entry_point=REAL_ENTRY_POINT)
    for name in WORLD4RL_TASKS:
        env_id = real_env_id(name)
        if env_id not in gym.registry:
            gym.register(env_id, entry_point=REAL_ENTRY_POINT, kwargs={"task": name})
