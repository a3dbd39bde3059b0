"""Meta-World's scripted expert policies, acting on the 39-D state in ``info["state"]``."""

from __future__ import annotations

import numpy as np

from dreamgym.spaces import check_real_array
from dreamgym.tasks import TaskSpec, get_task


class ScriptedExpert:
    """The hand-written Meta-World policy of a task, as ``action = expert(state)``.

    :param task: task name or :class:`TaskSpec`.
    """

    def __init__(self, task: str | TaskSpec):
        from metaworld.policies import ENV_POLICY_MAP

        self.task = get_task(task) if isinstance(task, str) else task
        if self.task.metaworld_name not in ENV_POLICY_MAP:
            raise ValueError(f"Meta-World ships no scripted policy for {self.task.metaworld_name!r}.")
        self._policy = ENV_POLICY_MAP[self.task.metaworld_name]()

    def __call__(self, state: np.ndarray) -> np.ndarray:
        check_real_array(state, "The expert's state", (39,), "the 39-D Meta-World state (info['state']) of finite numbers")
        state = np.asarray(state, dtype=np.float64)  # the checked copy is float32: the expert gets full precision
        action = np.asarray(self._policy.get_action(state), dtype=np.float32)
        return np.clip(action, -1.0, 1.0)


def expert_first_success(task: str | TaskSpec, seeds, action_repeat: int | None = None) -> list[int | None]:
    """Run the scripted expert once per seed (episode ends at success) and return, per episode, the
    decision (1-based) at which it first succeeded, or None if it never did."""
    from dreamgym.real.metaworld_env import MetaWorldPixelEnv

    env = MetaWorldPixelEnv(task, action_repeat=action_repeat, terminate_on_success=True)
    expert = ScriptedExpert(env.task)
    first_success = []
    try:
        for seed in seeds:
            _, info = env.reset(seed=int(seed))
            done, steps = False, 0
            while not done:
                _, _, terminated, truncated, info = env.step(expert(info["state"]))
                steps += 1
                done = terminated or truncated
            first_success.append(steps if info["success"] else None)
    finally:
        env.close()
    return first_success
