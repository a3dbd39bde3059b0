"""Gymnasium ids provided by dreamgym.

``MetaWorldPixels-<Task>-v0`` for each tuned World4RL task (e.g. ``MetaWorldPixels-CoffeePull-v0``),
and ``MetaWorldPixels-v0`` that takes any Meta-World v3 task as ``task=...``. Importing ``dreamgym``
registers them; entry points are strings, so nothing heavy is imported until an env is made.
"""

from __future__ import annotations

import gymnasium as gym

from dreamgym.tasks import WORLD4RL_TASKS

REAL_ENTRY_POINT = "dreamgym.real.metaworld_env:MetaWorldPixelEnv"


def real_env_id(task_name: str) -> str:
    """``"coffee-pull"`` -> ``"MetaWorldPixels-CoffeePull-v0"``."""
    return f"MetaWorldPixels-{WORLD4RL_TASKS[task_name].id_suffix}-v0"


def register_envs() -> None:
    """Register every dreamgym id with gymnasium (idempotent)."""
    if "MetaWorldPixels-v0" not in gym.registry:
        gym.register("MetaWorldPixels-v0", entry_point=REAL_ENTRY_POINT)
    for name in WORLD4RL_TASKS:
        env_id = real_env_id(name)
        if env_id not in gym.registry:
            gym.register(env_id, entry_point=REAL_ENTRY_POINT, kwargs={"task": name})
