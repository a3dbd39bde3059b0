"""Where do a policy's real grasps fail? The hand-to-mug offset at the grasp, for successes and failures.

Runs each policy deterministically in real coffee-pull on the decision-fidelity benchmark's held-out
layouts (``run.py``'s seed base) and reads Meta-World's state at the grasp: the first decision whose
gripper command closes (> 0) with the hand within 8 cm of the mug, plus ``--settle`` decisions for
the fingers to close. It reports the hand-minus-mug offset (x, y, z in cm) there, and how far the mug
moved over the episode, grouped by real success. ``closed_loop.py`` shows that the dream has the mug
follow the hand after nearly every failed grasp; this shows how far off those grasps are, and along
which world axis.

With ``--cameras`` it also asks what each camera would show of it: the hand and the mug at the grasp
are projected into 64x64 frames of each candidate camera (same look-at point and distance, other
angles), and each grasp's image-plane hand-to-mug offset is compared with the median offset of the
policy's successful grasps. A camera under which failed grasps sit many pixels away from successful
ones shows the outcome-deciding offset; one under which they sit within a pixel or two hides it.

    python benchmarks/decision_fidelity/grasp_offsets.py --policy runs/bc-coffee-pull/bc.zip runs/bc-coffee-pull-seed2/bc.zip
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
HAND, GRIPPER_COMMAND, MUG = slice(0, 3), 3, slice(4, 7)


def grasp_decision(states: np.ndarray, grips: list[float], reach: float, settle: int) -> tuple[int | None, int | None]:
    """``(grasp, at)``: the first decision whose gripper command closes (> 0) with the hand within ``reach``
    (m) of the mug, and the state index ``settle`` decisions later where the offset is read (``None``: no grasp).

    :param states: Meta-World states ``(T + 1, 39)`` (hand at 0:3, mug at 4:7); ``grips``: the T gripper commands.
    """
    distance = np.linalg.norm(states[:, HAND] - states[:, MUG], axis=1)
    closing = [t for t in range(len(grips)) if grips[t] > 0 and distance[t] < reach]
    if not closing:
        return None, None
    return closing[0], min(closing[0] + settle, len(states) - 1)


def grasp_record(model, env, reset_seed: int, reach: float, settle: int) -> dict:
    observation, info = env.reset(seed=reset_seed)
    states, grips, success = [info["state"]], [], bool(info["success"])
    while True:
        action, _ = model.predict(observation, deterministic=True)
        observation, _, terminated, truncated, info = env.step(action)
        states.append(info["state"])
        grips.append(float(np.clip(action[GRIPPER_COMMAND], -1.0, 1.0)))
        success |= bool(info["success"])
        if terminated or truncated:
            break
    states = np.asarray(states)
    hand, mug = states[:, HAND], states[:, MUG]
    grasp, at = grasp_decision(states, grips, reach, settle)
    return {
        "reset_seed": reset_seed,
        "real_success": success,
        "grasp_decision": grasp,
        "hand_minus_mug_cm": None if at is None else [round(float(v) * 100, 1) for v in hand[at] - mug[at]],
        "mug_moved_cm": round(float(np.linalg.norm(mug[-1] - mug[0])) * 100, 1),
        "hand_at_grasp_m": None if at is None else hand[at].round(4).tolist(),
        "mug_at_grasp_m": None if at is None else mug[at].round(4).tolist(),
    }


def camera_projector(env, camera, size: int = 64):
    """A function mapping world points (m) to pixel coordinates (column, row) of ``camera``'s ``size`` frames."""
    from dreamgym.real.rendering import FrameRenderer

    renderer = FrameRenderer(env._mw.model, camera, size, size)
    try:
        renderer.render(env._mw.data)
        gl = renderer._renderer.scene.camera[0]
        pos, forward, up = np.array(gl.pos), np.array(gl.forward), np.array(gl.up)
        near, center, top, bottom = gl.frustum_near, gl.frustum_center, gl.frustum_top, gl.frustum_bottom
    finally:
        renderer.close()
    right = np.cross(forward, up)
    half_width = (top - bottom) / 2  # square frames: MuJoCo leaves frustum_width at 0 for perspective cameras

    def project(point) -> np.ndarray:
        v = np.asarray(point, float) - pos
        depth = v @ forward
        x, y = v @ right * near / depth, v @ up * near / depth
        return np.array([(x - (center - half_width)) / (2 * half_width) * size, (top - y) / (top - bottom) * size])

    return project


def camera_separation(records: list[dict], project) -> dict:
    """Pixels between each grasp's image-plane hand-to-mug offset and the successful grasps' median one."""
    grasped = [r for r in records if r["hand_at_grasp_m"] is not None]
    offsets = np.array([project(r["hand_at_grasp_m"]) - project(r["mug_at_grasp_m"]) for r in grasped])
    success = np.array([r["real_success"] for r in grasped])
    if not success.any() or success.all():
        return {"note": "needs both successful and failed grasps"}
    reference = np.median(offsets[success], axis=0)
    separation = np.linalg.norm(offsets - reference, axis=1)
    return {
        "failures_median_px": round(float(np.median(separation[~success])), 2),
        "failures_min_px": round(float(separation[~success].min()), 2),
        "successes_median_px": round(float(np.median(separation[success])), 2),
        "successes_max_px": round(float(separation[success].max()), 2),
    }


def summarize(records: list[dict]) -> dict:
    summary = {}
    for name, wanted in (("successes", True), ("failures", False)):
        group = [r for r in records if r["real_success"] == wanted]
        offsets = np.array([r["hand_minus_mug_cm"] for r in group if r["hand_minus_mug_cm"] is not None], float).reshape(-1, 3)
        summary[name] = {
            "episodes": len(group),
            "without_grasp": sum(r["grasp_decision"] is None for r in group),
            "median_abs_offset_cm_xyz": np.round(np.median(np.abs(offsets), axis=0), 1).tolist() if len(offsets) else None,
            "offset_cm_min_xyz": offsets.min(axis=0).round(1).tolist() if len(offsets) else None,
            "offset_cm_max_xyz": offsets.max(axis=0).round(1).tolist() if len(offsets) else None,
            "median_mug_moved_cm": round(float(np.median([r["mug_moved_cm"] for r in group])), 1) if group else None,
        }
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--policy", type=Path, nargs="+", required=True)
    parser.add_argument("--bundle", type=Path, help="whose camera and rendering to use (default: the shipped bundle)")
    parser.add_argument("--episodes", type=int, default=30)
    parser.add_argument("--reach", type=float, default=0.08, help="hand-mug distance (m) within which a closing grip counts as the grasp")
    parser.add_argument("--settle", type=int, default=3, help="decisions after the first closing command at which the offset is read")
    parser.add_argument("--cameras", nargs="*", default=[], metavar="AZIMUTH,ELEVATION",
                        help="candidate camera angles (degrees) to project the grasps into, besides the bundle's")
    parser.add_argument("--out", type=Path, default=HERE / "closed_loop" / "grasp-offsets.json")
    args = parser.parse_args()

    import dreamgym.real  # noqa: F401, I001  (before MuJoCo: headless rendering settings)
    from run import SEED_BASE, real_env

    from dreamgym.bundle import find_bundle, read_manifest
    from dreamgym.policy.model import load_policy
    from dreamgym.tasks import CameraConfig

    bundle = args.bundle or find_bundle("coffee-pull")
    manifest = read_manifest(bundle)
    env = real_env(manifest)
    camera = CameraConfig.from_dict(manifest.camera)
    angles = [(camera.azimuth, camera.elevation)]
    for text in args.cameras:
        azimuth, elevation = (float(v) for v in text.split(","))
        angles.append((azimuth, elevation))
    results = {}
    try:
        env.reset(seed=SEED_BASE)
        projectors = {f"azimuth {a:g}, elevation {e:g}": camera_projector(env, replace(camera, azimuth=a, elevation=e))
                      for a, e in angles}
        for path in args.policy:
            model = load_policy(path)
            records = [grasp_record(model, env, SEED_BASE + i, args.reach, args.settle) for i in range(args.episodes)]
            cameras = {name: camera_separation(records, project) for name, project in projectors.items()}
            results[str(path)] = {"summary": summarize(records), "cameras": cameras, "episodes": records}
            print(path, json.dumps(results[str(path)]["summary"]))
            for name, separation in cameras.items():
                print(f"  {name}: {json.dumps(separation)}")
    finally:
        env.close()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"layout_seeds_from": SEED_BASE, "reach_m": args.reach, "settle": args.settle,
                                    "camera": camera.to_dict(), "policies": results}, indent=1))


if __name__ == "__main__":
    main()
