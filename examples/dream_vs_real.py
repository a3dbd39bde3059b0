"""Drive the real simulator and the learned one with the same actions, side by side.

The dream starts from the real env's own first 4 frames (``reset(options=...)``); then the scripted
expert acts on the real state and both envs receive its actions. Writes a video (left real, right
imagined) and prints when each says the task was solved.

    python examples/dream_vs_real.py --seed 1000000000 --out outputs/dream_vs_real.mp4
"""

from __future__ import annotations

import argparse
from pathlib import Path

import gymnasium as gym
import numpy as np

import dreamgym  # noqa: F401  (registers the ids)
from dreamgym.media import side_by_side, write_video
from dreamgym.real import ScriptedExpert


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=1_000_000_000, help="layout seed (default: first evaluation seed)")
    parser.add_argument("--noise", type=float, default=0.0, help="Gaussian noise added to the expert's actions")
    parser.add_argument("--out", type=Path, default=Path("outputs/dream_vs_real.mp4"))
    args = parser.parse_args()

    real = gym.make("MetaWorldPixels-CoffeePull-v0")
    dream = gym.make("DreamWorld-CoffeePull-v0")
    expert = ScriptedExpert("coffee-pull")
    rng = np.random.default_rng(args.seed)

    def act(state):
        return np.clip(expert(state) + rng.normal(0, args.noise, 4), -1, 1).astype(np.float32)

    # 1. three real steps give the 4-frame context the dream starts from
    frame, info = real.reset(seed=args.seed)
    frames, actions = [frame], []
    for _ in range(3):
        action = act(info["state"])
        frame, _, _, _, info = real.step(action)
        frames.append(frame)
        actions.append(action)
    imagined, _ = dream.reset(seed=0, options={"frames": np.stack(frames), "actions": np.stack(actions)})

    # 2. the same actions in both worlds
    real_video, dream_video = [frame], [imagined]
    real_success = dream_success = None
    for step in range(1, 48):
        action = act(info["state"])
        frame, _, _, real_done, info = real.step(action)
        imagined, _, dream_done, dream_truncated, dream_info = dream.step(action)
        real_video.append(frame)
        dream_video.append(imagined)
        if info["success"] and real_success is None:
            real_success = step
        if dream_done and dream_success is None:
            dream_success = step
        if real_done or dream_done or dream_truncated:
            break
    real.close()
    dream.close()
    print(f"first success: real at step {real_success}, dream at step {dream_success}")
    print(f"video (left real, right imagined): {write_video(args.out, side_by_side([np.stack(real_video), np.stack(dream_video)]), fps=8)}")


if __name__ == "__main__":
    main()
