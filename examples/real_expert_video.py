"""Run Meta-World's scripted expert in the real pixel env and save a video of what the agent sees.

    python examples/real_expert_video.py --task coffee-pull --out outputs/expert.mp4
"""

from __future__ import annotations

import argparse
from pathlib import Path

import gymnasium as gym
import numpy as np

import dreamgym  # noqa: F401  (registers MetaWorldPixels-* ids)
from dreamgym.media import write_video
from dreamgym.real import ScriptedExpert


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--task", default="coffee-pull")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("outputs/expert.mp4"))
    args = parser.parse_args()

    env = gym.make("MetaWorldPixels-v0", task=args.task)
    expert = ScriptedExpert(args.task)
    obs, info = env.reset(seed=args.seed)
    frames, successes = [obs], []
    done = False
    while not done:
        obs, reward, terminated, truncated, info = env.step(expert(info["state"]))
        frames.append(obs)
        successes.append(info["success"])
        done = terminated or truncated
    env.close()
    first = successes.index(True) + 1 if any(successes) else None
    print(f"{args.task}: {len(frames) - 1} decisions, first success at decision {first}")
    print(f"video: {write_video(args.out, np.stack(frames), fps=10)}")


if __name__ == "__main__":
    main()
