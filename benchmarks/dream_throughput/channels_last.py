"""A/B: dream step throughput at 16 and 64 worlds, world model contiguous vs channels-last weights (prints transitions/s).

    OMP_WAIT_POLICY=ACTIVE python benchmarks/dream_throughput/channels_last.py
"""
import time

import numpy as np
import torch

from dreamgym.dream.simulator import LearnedSimulator
from dreamgym.dream.vector_env import DreamWorldVectorEnv

sim = LearnedSimulator.load("envs/coffee-pull")
def rate(n, fmt, secs=4.0):
    env = DreamWorldVectorEnv(num_envs=n, simulator=sim)
    sim.world_model.to(memory_format=fmt)  # after the env (which sets channels-last)
    env.reset(seed=0); a = np.zeros((n, 4), np.float32); env.step(a); env.step(a)
    c, t = 0, time.perf_counter()
    while time.perf_counter() - t < secs:
        env.step(a); c += 1
    return n * c / (time.perf_counter() - t)
for n in (16, 64):
    for _rep in range(2):
        for name, fmt in (("contiguous", torch.contiguous_format), ("channels_last", torch.channels_last)):
            print(n, name, round(rate(n, fmt), 1), flush=True)
