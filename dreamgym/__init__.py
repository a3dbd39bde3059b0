"""dreamgym: a learned (diffusion world model) simulator of Meta-World as a gymnasium environment.

``import dreamgym`` registers the gymnasium ids (see :mod:`dreamgym.registration`).
"""

import os

# Before torch loads OpenMP: threads waiting for work sleep instead of spinning, so two torch processes
# sharing the cores (refinement next to an evaluation, two experiments) do not stall each other. An
# OMP_WAIT_POLICY already in the environment wins; it has no effect if torch was imported first.
# Measured by benchmarks/dream_throughput/threads.py: two 2-thread processes on 2 cores take 0.29 s per
# 16-world dream step each with PASSIVE, 2.2 s with spinning threads (alone: 0.22 vs 0.18 s).
# One torch process alone on the machine runs a little faster with OMP_WAIT_POLICY=ACTIVE.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from dreamgym.registration import register_envs  # noqa: E402
from dreamgym.tasks import WORLD4RL_TASKS, CameraConfig, TaskSpec, get_task  # noqa: E402

__version__ = "0.1.0"

register_envs()

__all__ = ["WORLD4RL_TASKS", "CameraConfig", "TaskSpec", "get_task", "register_envs", "__version__"]
