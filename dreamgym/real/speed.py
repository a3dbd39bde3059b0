"""Step rates of the real simulator, measured the same way by every benchmark."""

from __future__ import annotations

import time

import numpy as np

from dreamgym.data.collect import EVAL_SEED_BASE
from dreamgym.real.metaworld_env import MetaWorldPixelEnv


def steps_per_second(task: str, decisions: int = 500) -> float:
    """Decisions per second of the pixel env (action repeat + one 64x64 render each), random actions."""
    env = MetaWorldPixelEnv(task)
    rng = np.random.default_rng(0)
    env.reset(seed=EVAL_SEED_BASE)
    start = time.perf_counter()
    for _ in range(decisions):
        _, _, terminated, truncated, _ = env.step(rng.uniform(-1, 1, 4).astype(np.float32))
        if terminated or truncated:
            env.reset()
    rate = decisions / (time.perf_counter() - start)
    env.close()
    return rate


def default_renderer_steps_per_second(task: str = "coffee-pull", steps: int = 30) -> float:
    """Meta-World's own rgb_array rendering (gymnasium MujocoRenderer, MuJoCo defaults) at 64x64."""
    from metaworld.env_dict import ALL_V3_ENVIRONMENTS

    env = ALL_V3_ENVIRONMENTS[f"{task}-v3"](render_mode="rgb_array", width=64, height=64)
    env._set_task_called, env._freeze_rand_vec, env.seeded_rand_vec = True, False, True
    env.seed(0)
    env.reset()
    env.render()
    start = time.perf_counter()
    for _ in range(steps):
        env.step(env.action_space.sample())
        env.render()
    rate = steps / (time.perf_counter() - start)
    env.close()
    return rate
