"""Closed-loop decision fidelity: does a policy that *acts on imagined frames* reach the outcome it reaches in reality?

``run.py`` replays real actions open loop. Refinement is closed loop: the policy sees imagined frames
and its actions follow from them, so a dream can agree on every replay and still flatter a policy
(imagined frames that are easier to act on than real ones). This script measures that, on the same
held-out layouts as ``run.py``:

1. each policy runs deterministically in real Meta-World from ``reset(seed)`` (the bundle's camera,
   rendering and action repeat), recording the outcome and its first 4 frames and 3 actions;
2. the same policy then runs deterministically in the dream from exactly that real context
   (``reset(options={"frames", "actions"})``) for the remaining decisions, ``--dream-seeds`` times per
   layout with different sampling noise;
3. per layout: real success (any real frame after decision 3) against the dream's (the classifier
   fires), as in ``run.py``: hallucinated (real failure imagined as success), missed, agreement, and
   the dream's success rate against the real one;
4. a picture of the first real failures the dream calls successes: real frames (top row) over the
   imagined ones (bottom row), every 3 decisions from decision 3.

    python benchmarks/decision_fidelity/closed_loop.py --policy runs/bc-coffee-pull-seed1/bc.zip --label bc-seed1
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

HERE = Path(__file__).resolve().parent
CONTEXT = 4


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bundle", type=Path, help="learned simulator (default: the shipped coffee-pull bundle)")
    parser.add_argument("--sampler", choices=["distilled", "teacher"], help="default: the bundle's default")
    parser.add_argument("--denoising-steps", type=int, help="Euler steps per imagined frame (default: the bundle's setting)")
    parser.add_argument("--policy", type=Path, required=True, help="SB3 policy zip (BC or refined)")
    parser.add_argument("--episodes", type=int, default=30, help="held-out layouts (run.py's, from its seed base)")
    parser.add_argument("--seed-offset", type=int, default=0, help="shift every layout seed (another set of held-out layouts)")
    parser.add_argument("--start", type=int, default=CONTEXT - 1,
                        help="last real frame of the dream's context (default 3: the first 4 frames); later starts show "
                        "where along the episode the dream and reality part")
    parser.add_argument("--open-loop", action="store_true",
                        help="replay the real episode's actions instead of letting the policy act on imagined frames "
                        "(the open-loop counterpart from the same start)")
    parser.add_argument("--confirm-rerolls", type=int, default=0,
                        help="pessimistic success as in dreamgym refine: re-imaginings that must reproduce each imagined "
                        "success (0: off, every success the classifier calls counts)")
    parser.add_argument("--confirm-horizon", type=int, default=8, help="transitions re-imagined per confirmation")
    parser.add_argument("--confirm-window", type=int, default=1,
                        help="a re-imagining confirms with a success on any of its last this many frames")
    parser.add_argument("--confirm-judge", type=Path,
                        help="a second bundle that re-imagines and judges each imagined success (needs --confirm-rerolls)")
    parser.add_argument("--dream-seeds", type=int, default=2, help="imagined episodes per layout, each with its own noise")
    parser.add_argument("--film", type=int, default=4,
                        help="real failures pictured, real frames over imagined ones (first dream seed); 0: none")
    parser.add_argument("--label", required=True)
    parser.add_argument("--out-dir", type=Path, default=HERE / "closed_loop")
    return parser.parse_args()


def record_real(model, env, seeds: list[int], start: int = CONTEXT - 1) -> list[dict]:
    """Real episodes of ``model`` and the dream's context: real frames ``start - 3 .. start`` and the actions between."""
    from dreamgym.policy.evaluate import run_real_episode

    trials = []
    for seed in tqdm(seeds, desc="real episodes", unit="ep"):
        episode = run_real_episode(model, env, seed, deterministic=True, record=True)
        first = episode["first_success_step"]
        decided = first is not None and first <= start
        if not decided and len(episode["frames"]) <= start:
            raise RuntimeError(f"real episode of layout {seed} ended after {episode['steps']} decisions, before frame {start}")
        first_frame = start - (CONTEXT - 1)
        trials.append({
            "reset_seed": seed,
            "decided_before_start": decided,
            "real_success": first is not None,
            "first_success_real": first,
            "frames": episode["frames"][first_frame : start + 1],
            "actions": episode["actions"][first_frame:start],
            "real_frames": episode["frames"],
            "real_actions": episode["actions"],
        })
    return trials


def imagine(model, trials: list[dict], simulator, dream_seeds: int, start: int = CONTEXT - 1,
            denoising_steps: int | None = None, open_loop: bool = False, keep_frames: bool = False,
            success_confirmation: dict | None = None) -> float:
    """Run the policy in the dream from each trial's real context (ending at real frame ``start``); adds
    ``dream_successes`` and ``first_success_dream`` to every trial, and ``dream_frames`` (the real frames up
    to ``start``, then the first imagined episode's). With ``keep_frames`` every imagined episode's frames
    are kept too, one list per dream seed in ``dream_runs``. With ``open_loop`` the real episode's own
    actions are replayed instead (no motion once a real episode has ended). With ``success_confirmation``
    (``dreamgym refine``'s pessimism) an imagined success that is not confirmed counts as a failure."""
    from dreamgym.dream.vector_env import DreamWorldVectorEnv

    started = time.perf_counter()
    env = DreamWorldVectorEnv(num_envs=len(trials), simulator=simulator, denoising_steps=denoising_steps,
                              max_episode_steps=simulator.manifest.episode_steps - start,
                              success_confirmation=success_confirmation,
                              success_signal="classifier")  # this benchmark measures the frames' own verdict
    frames = np.stack([t["frames"] for t in trials])
    actions = np.stack([t["actions"] for t in trials]).astype(np.float32)
    for trial in trials:
        trial["dream_successes"], trial["first_success_dream"] = [], []
        trial["dream_frames"] = [*trial["real_frames"][: start + 1]]
        trial["dream_runs"] = [[*trial["real_frames"][: start + 1]] for _ in range(dream_seeds)] if keep_frames else None
    try:
        for dream_seed in tqdm(range(dream_seeds), desc="dream episodes", unit="round"):
            observations, _ = env.reset(seed=dream_seed, options={"frames": frames, "actions": actions})
            active = np.ones(len(trials), bool)
            steps = np.zeros(len(trials), int)
            while active.any():
                if open_loop:
                    t = start + int(steps.max())
                    chosen = np.stack([tr["real_actions"][t] if t < len(tr["real_actions"]) else np.zeros(4, np.float32)
                                       for tr in trials])
                else:
                    chosen, _ = model.predict(observations, deterministic=True)
                observations, _, terminated, truncated, info = env.step(chosen)
                done = terminated | truncated
                if success_confirmation is not None:  # ended by a success the confirmation rejected: a failure
                    terminated = terminated & ~info["unconfirmed_success"]
                for i in np.flatnonzero(active):
                    frame = np.asarray(info["final_obs"][i]) if done[i] else observations[i]
                    if dream_seed == 0:  # the frames of the first imagined episode, for the picture
                        trials[i]["dream_frames"].append(frame)
                    if keep_frames:
                        trials[i]["dream_runs"][dream_seed].append(frame)
                steps += active
                for i in np.flatnonzero(active & done):
                    trials[i]["dream_successes"].append(bool(terminated[i]))
                    trials[i]["first_success_dream"].append(int(steps[i]) + start if terminated[i] else None)
                    active[i] = False
    finally:
        env.close()
    return time.perf_counter() - started


def film(trials: list[dict], count: int, out: Path, start: int = CONTEXT - 1, every: int = 3) -> None:
    """Real failures the dream got wrong: real frames (top) over the first imagined episode (bottom)."""
    import imageio.v3 as iio

    from dreamgym.media import grid, to_hwc, upscale

    wrong = [t for t in trials if not t["real_success"] and not t["decided_before_start"] and t["dream_successes"][0]][:count]
    if not wrong:
        return
    shown = list(range(start, len(wrong[0]["real_frames"]), every))
    rows = []
    for trial in wrong:
        for frames in (trial["real_frames"], trial["dream_frames"]):
            blank = np.full_like(frames[0], 255)
            rows.append(np.stack([frames[t] if t < len(frames) else blank for t in shown]))
    iio.imwrite(out, grid(upscale(to_hwc(np.concatenate(rows)), 2), columns=len(shown)))


def summarize(trials: list[dict]) -> dict:
    open_trials = [t for t in trials if not t["decided_before_start"]]
    real = np.array([t["real_success"] for t in open_trials])
    dream = np.array([t["dream_successes"] for t in open_trials], dtype=float)  # (layouts, dream seeds)
    failures, successes = ~real, real
    return {
        "layouts": len(open_trials),
        "decided_before_start": len(trials) - len(open_trials),
        "dream_seeds": int(dream.shape[1]),
        "real_success": round(float(real.mean()), 4),
        "dream_success": round(float(dream.mean()), 4),
        "agreement": round(float((dream == real[:, None]).mean()), 4),
        "hallucination_rate": round(float(dream[failures].mean()), 4) if failures.any() else None,
        "missed_rate": round(float(1 - dream[successes].mean()), 4) if successes.any() else None,
        "real_failures": int(failures.sum()),
        "real_successes": int(successes.sum()),
        "hallucinated_episodes": int(dream[failures].sum()),
        "missed_episodes": int((1 - dream[successes]).sum()),
    }


def shown_path(path) -> str:
    """``path`` relative to the working directory when it lies under it (results read the same on every machine)."""
    path = Path(path).resolve()
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def confirmed(result: dict) -> str:
    """How a result's imagined successes were confirmed, for the table ('' when every success counted)."""
    confirmation = result.get("success_confirmation")
    if not confirmation:
        return ""
    by = f"judge {shown_path(confirmation['judge'])}" if confirmation.get("judge") else "own model"
    window = confirmation.get("window", 1)
    where = "" if window == 1 else f", success on any of the last {window} frames"
    return f", successes confirmed by {by} ({confirmation['rerolls']} x {confirmation['horizon']} transitions{where})"


def write_table(out_dir: Path) -> Path:
    """``RESULTS.md`` in ``out_dir`` from every ``closed-loop-*.json`` there."""
    lines = [
        "# Closed-loop decision fidelity: results",
        "",
        "Generated by `benchmarks/decision_fidelity/closed_loop.py` from the `closed-loop-*.json` files next to it.",
        "Each layout is imagined once per dream seed from the real first 4 frames, with the policy acting on the",
        "imagined frames. Hallucinated: imagined episodes that succeed on layouts where the real episode fails;",
        "missed: imagined failures on layouts where it succeeds.",
        "",
        "| label | bundle | sampler | policy | dream from real frame | layouts x dream seeds | real success | dream success | hallucinated | missed | agreement |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for path in sorted(out_dir.glob("closed-loop-*.json")):
        r = json.loads(path.read_text())
        s = r["summary"]
        seeds = s["dream_seeds"]
        lines.append(
            f"| {r['label']} | {shown_path(r['bundle'])} | {r['sampler']}{'' if not r.get('denoising_steps') else ', ' + str(r['denoising_steps']) + ' steps'}{confirmed(r)} | {r['policy']} | {r.get('start', CONTEXT - 1)}{', real actions' if r.get('open_loop') else ''} | {s['layouts']} x {seeds} | {s['real_success']:.2f} | "
            f"{s['dream_success']:.2f} | {s['hallucinated_episodes']} / {s['real_failures'] * seeds} | "
            f"{s['missed_episodes']} / {s['real_successes'] * seeds} | {s['agreement']:.0%} |"
        )
    out = out_dir / "RESULTS.md"
    out.write_text("\n".join(lines) + "\n")
    return out


def main() -> None:
    args = parse_args()
    import dreamgym.real  # noqa: F401, I001  (before MuJoCo: headless rendering settings)
    from run import SEED_BASE, real_env

    from dreamgym.bundle import find_bundle
    from dreamgym.dream.confirmation import confirmation_from_flags
    from dreamgym.dream.simulator import LearnedSimulator
    from dreamgym.policy.model import load_policy

    started = time.perf_counter()
    bundle = args.bundle or find_bundle("coffee-pull")
    simulator = LearnedSimulator.load(bundle, sampler=args.sampler)
    if not CONTEXT - 1 <= args.start < simulator.manifest.episode_steps:
        raise SystemExit(f"--start must be in [{CONTEXT - 1}, {simulator.manifest.episode_steps - 1}], got {args.start}")
    if args.episodes < 1 or args.dream_seeds < 1:
        raise SystemExit(f"--episodes and --dream-seeds must be >= 1, got {args.episodes} and {args.dream_seeds}")
    try:
        confirmation = confirmation_from_flags(args.confirm_rerolls, args.confirm_horizon, args.confirm_window, args.confirm_judge)
    except ValueError as error:
        raise SystemExit(str(error)) from None
    model = load_policy(args.policy)
    seeds = [SEED_BASE + args.seed_offset + i for i in range(args.episodes)]
    env = real_env(simulator.manifest)
    try:
        trials = record_real(model, env, seeds, args.start)
    finally:
        env.close()
    kept = [t for t in trials if not t["decided_before_start"]]
    if not kept:
        raise SystemExit(f"every real episode succeeded by decision {args.start}: nothing is left for the dream to decide")
    seconds_dream = imagine(model, kept, simulator, args.dream_seeds, args.start, args.denoising_steps, args.open_loop,
                            success_confirmation=confirmation)
    summary = summarize(trials)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    if args.film:
        film(kept, args.film, args.out_dir / f"closed-loop-{args.label}.png", args.start)
    for trial in trials:
        for key in ("frames", "actions", "real_frames", "real_actions", "dream_frames", "dream_runs"):
            trial.pop(key, None)
    result = {
        "label": args.label, "bundle": shown_path(bundle), "sampler": simulator.sampler_name, "denoising_steps": args.denoising_steps, "policy": str(args.policy),
        "layout_seeds_from": seeds[0], "start": args.start, "open_loop": args.open_loop,
        "success_confirmation": confirmation, "summary": summary, "seconds_dream": round(seconds_dream, 1),
        "seconds_total": round(time.perf_counter() - started, 1), "trials": trials,
    }
    out = args.out_dir / f"closed-loop-{args.label}.json"
    out.write_text(json.dumps(result, indent=1))
    write_table(args.out_dir)
    print(json.dumps({"label": args.label, **summary}))


if __name__ == "__main__":
    main()
