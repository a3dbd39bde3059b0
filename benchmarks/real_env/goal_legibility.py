"""How many pixels does each task's goal take in a 64x64 frame, as Meta-World draws it and as a disc?

For each World4RL task and ``--layouts`` held-out layouts, every goal site of the task (Meta-World's
``_target_site_config``) is rendered once visible and once fully transparent; the pixels that differ
are the goal's footprint. For coffee-pull the goal is also drawn as flat discs of several radii
(``--radii``; 0.07 m is the task's success radius) to choose the marker by measurement.

    python benchmarks/real_env/goal_legibility.py

Writes ``goal_legibility.json`` and ``goal_legibility-coffee-pull.png`` (one row per layout: Meta-World's
sphere, then each disc radius) next to this script.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SEED_BASE = 1_700_000_000
"""Held-out layouts (evaluation range), used by no other script."""


def footprint(env, site_id: int, seed: int) -> tuple[int, np.ndarray]:
    """Pixels that change when the site becomes invisible, and the frame with it visible."""
    model = env._mw.model
    rgba = model.site_rgba[site_id].copy()
    visible, _ = env.reset(seed=seed)
    model.site_rgba[site_id, 3] = 0.0
    hidden = env._renderer.render(env._mw.data)
    model.site_rgba[site_id] = rgba
    return int((visible != hidden).any(axis=0).sum()), visible


def site_footprints(task: str, layouts: int, rendering=None) -> dict:
    from dreamgym.real import MetaWorldPixelEnv  # noqa: I001  (first: it chooses the GL backend before mujoco loads)

    import mujoco
    from dreamgym.tasks import RenderingConfig

    env = MetaWorldPixelEnv(task, rendering=rendering or RenderingConfig())
    try:
        env.reset(seed=SEED_BASE)
        sites = [name for name, _ in env._mw._target_site_config]
        result = {}
        for name in sites:
            site_id = mujoco.mj_name2id(env._mw.model, mujoco.mjtObj.mjOBJ_SITE, name)
            if env._mw.model.site_rgba[site_id, 3] == 0:
                result[name] = {"drawn": False}
                continue
            pixels = [footprint(env, site_id, SEED_BASE + i)[0] for i in range(layouts)]
            result[name] = {"drawn": True, "pixels_mean": round(float(np.mean(pixels)), 1),
                            "pixels_min": int(np.min(pixels)), "pixels_max": int(np.max(pixels))}
        return result
    finally:
        env.close()


def coffee_pull_discs(radii: list[float], layouts: int) -> tuple[dict, np.ndarray]:
    from dreamgym.real import MetaWorldPixelEnv  # noqa: I001  (first: it chooses the GL backend before mujoco loads)

    import mujoco
    from dreamgym.real.rendering import apply_rendering
    from dreamgym.tasks import GoalMarker, RenderingConfig

    env = MetaWorldPixelEnv("coffee-pull", rendering=RenderingConfig())
    model = env._mw.model
    site_id = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_SITE, "mug_goal")
    default = (model.site_type[site_id].copy(), model.site_size[site_id].copy(), model.site_rgba[site_id].copy())
    rows, stats = [], {}
    try:
        for i in range(layouts):
            row = []
            for radius in [None, *radii]:
                model.site_type[site_id], model.site_size[site_id], model.site_rgba[site_id] = default
                if radius is not None:
                    apply_rendering(model, RenderingConfig(GoalMarker("mug_goal", radius)))
                pixels, frame = footprint(env, site_id, SEED_BASE + i)
                stats.setdefault("meta-world sphere (1 cm)" if radius is None else f"disc r={radius} m", []).append(pixels)
                row.append(frame)
            rows.append(np.concatenate([f.transpose(1, 2, 0) for f in row], axis=1))
    finally:
        env.close()
    summary = {k: {"pixels_mean": round(float(np.mean(v)), 1), "pixels_min": int(np.min(v)), "pixels_max": int(np.max(v))}
               for k, v in stats.items()}
    return summary, np.concatenate(rows, axis=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--layouts", type=int, default=8)
    parser.add_argument("--radii", type=float, nargs="+", default=[0.02, 0.03, 0.05, 0.07])
    parser.add_argument("--out-dir", type=Path, default=HERE)
    args = parser.parse_args()
    import imageio.v3 as iio

    from dreamgym.tasks import WORLD4RL_TASKS

    report = {"layouts": args.layouts, "frame": "64x64, each task's camera", "tasks": {}}
    for task in WORLD4RL_TASKS:
        report["tasks"][task] = {"goal_sites_as_meta_world_draws_them": site_footprints(task, args.layouts)}
        if WORLD4RL_TASKS[task].rendering.goal_marker is not None:
            report["tasks"][task]["with_dreamgym_rendering"] = site_footprints(task, args.layouts, WORLD4RL_TASKS[task].rendering)
    report["coffee_pull_disc_radii"], sheet = coffee_pull_discs(args.radii, args.layouts)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    (args.out_dir / "goal_legibility.json").write_text(json.dumps(report, indent=2))
    iio.imwrite(args.out_dir / "goal_legibility-coffee-pull.png", sheet.repeat(3, 0).repeat(3, 1))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
