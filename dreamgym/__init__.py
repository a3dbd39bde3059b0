"""dreamgym: a learned (diffusion world model) simulator of Meta-World as a gymnasium environment.

``import dreamgym`` registers the gymnasium ids (see :mod:`dreamgym.registration`).
"""

from dreamgym.registration import register_envs
from dreamgym.tasks import WORLD4RL_TASKS, CameraConfig, TaskSpec, get_task

__version__ = "0.1.0"

register_envs()

__all__ = ["WORLD4RL_TASKS", "CameraConfig", "TaskSpec", "get_task", "register_envs", "__version__"]
