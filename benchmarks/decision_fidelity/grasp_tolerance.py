"""The dream's grasp tolerance: how far off can a real grasp be before the dream sees it fail?

In real coffee-pull the outcome of a policy's episode is decided at the grasp, by one number: how far the
hand closes from the mug along world x (``grasp_offsets.py``). Grasps closer than about 1.5 cm succeed and
grasps 2 cm or more behind fail. The dream can only teach a policy to grasp better if it fails
the grasps reality fails.

This records real episodes of each ``--policy`` (deterministic and with Gaussian action noise
``--noise-std``, which spreads the grasps) on held-out layouts, reads the hand-minus-mug offset at each
grasp from Meta-World's state, and replays every episode's real actions open loop in the dream from its
real frames up to decision ``--start`` (3: the whole episode; 12: a real mid-episode context a few
decisions before the grasp, as the imagined episodes of ``dreamgym refine``'s ``reset_mode="random"``
begin). Per bin of the x offset it reports real success, the reward classifier on the *real* frames,
and dream success (over ``--dream-seeds`` replays). The curves of real and dream success over the
offset are the tolerance of each: where the dream's curve stays high after reality's has dropped, PPO in
the dream is never told that a grasp was too far off.

    python benchmarks/decision_fidelity/grasp_tolerance.py --policy runs/bc-swa/seed1/bc.zip --label swa-bc-seed1

Writes ``closed_loop/grasp-tolerance-<label>.json`` (every trial) and ``.png``.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
X_BINS_CM = (-np.inf, -4.0, -3.0, -2.5, -2.0, -1.5, -1.0, 0.0, np.inf)
"""Edges of the x-offset bins (hand minus mug at the grasp, cm): finest around reality's boundary."""


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--policy", type=Path, nargs="+", required=True, help="SB3 policy zips")
    parser.add_argument("--noise-std", type=float, nargs="+", default=[0.0, 0.15],
                        help="Gaussian action noise of each recording (0: the deterministic policy)")
    parser.add_argument("--episodes", type=int, default=100, help="held-out layouts per policy and noise")
    parser.add_argument("--start", type=int, nargs="+", default=[3, 12],
                        help="decisions whose real frames end the dream's context (3: the whole episode)")
    parser.add_argument("--dream-seeds", type=int, default=2, help="dream replays per trial and start")
    parser.add_argument("--bundle", type=Path, help="learned simulator (default: the shipped coffee-pull bundle)")
    parser.add_argument("--sampler", choices=["distilled", "teacher"],
                        help="default: the bundle's default (the one `dreamgym refine` imagines with)")
    parser.add_argument("--reach", type=float, default=0.08, help="as in grasp_offsets.py")
    parser.add_argument("--settle", type=int, default=3, help="as in grasp_offsets.py")
    parser.add_argument("--seed-offset", type=int, default=0, help="shift the layout seeds (other held-out layouts)")
    parser.add_argument("--confirm", nargs="*", default=[], metavar="REROLLS,HORIZON[,WINDOW]",
                        help="also count dream successes confirmed as `dreamgym refine --confirm-rerolls R "
                             "--confirm-horizon H --confirm-window W` does (refine's default: 2,8,1); H past the "
                             "success re-imagines from the real context")
    parser.add_argument("--real-trials", type=Path,
                        help="an .npz of the real episodes: read if it exists (it must hold the same recordings), "
                             "else written (about 250 MB per 400 episodes)")
    parser.add_argument("--label", required=True)
    parser.add_argument("--out-dir", type=Path, default=HERE / "closed_loop")
    args = parser.parse_args()
    if args.episodes < 1 or args.dream_seeds < 1:
        parser.error(f"--episodes and --dream-seeds must be >= 1, got {args.episodes} and {args.dream_seeds}.")
    if min(args.noise_std) < 0:
        parser.error(f"--noise-std must be >= 0, got {args.noise_std}.")
    try:
        args.confirm = [tuple(int(v) for v in text.split(",")) for text in args.confirm]
    except ValueError:
        parser.error(f"--confirm takes REROLLS,HORIZON[,WINDOW] integers such as 2,8; got {args.confirm}.")
    args.confirm = [setting if len(setting) == 3 else (*setting, 1) for setting in args.confirm]
    if any(len(setting) != 3 or min(setting) < 1 for setting in args.confirm):
        parser.error(f"--confirm takes REROLLS,HORIZON[,WINDOW] integers >= 1 such as 2,8; got {args.confirm}.")
    return args


def dream_keys(confirm: list[tuple[int, int, int]]) -> list[str]:
    """The dream outcomes counted per trial: unconfirmed, then one per ``--confirm`` setting."""
    return ["dream_success", *(f"dream_confirmed_{r}x{h}" + (f"w{w}" if w > 1 else "") for r, h, w in confirm)]


def record_grasp_trial(env, act, reset_seed: int, reach: float, settle: int, **labels):
    """One real episode as a decision-fidelity ``Trial`` plus its grasp: ``(trial, grasp, x_offset_cm)``."""
    from grasp_offsets import GRIPPER_COMMAND, HAND, MUG, grasp_decision

    from dreamgym.decision_fidelity import record_real_trial

    states = []

    def logging_act(frame, info, decision):
        states.append(info["state"])
        return act(frame, info, decision)

    trial = record_real_trial(env, logging_act, reset_seed, **labels)
    states = np.asarray(states)
    grasp, at = grasp_decision(states, list(np.clip(trial.actions[:, GRIPPER_COMMAND], -1, 1)), reach, settle)
    x_offset = None if at is None else round(float(states[at, HAND][0] - states[at, MUG][0]) * 100, 2)
    return trial, grasp, x_offset


def bin_summary(records: list[dict], keys: tuple[str, ...] = ("dream_success",)) -> list[dict]:
    """Per x-offset bin: trials, real success, classifier on real frames, and per dream outcome ``keys`` its
    success rate (mean over dream seeds) over all trials and over the real failures."""
    rows = []
    for low, high in zip(X_BINS_CM[:-1], X_BINS_CM[1:]):
        inside = [r for r in records if r["x_offset_cm"] is not None and low <= r["x_offset_cm"] < high]
        rows.append({
            "x_offset_cm": [None if np.isinf(low) else low, None if np.isinf(high) else high],
            "trials": len(inside),
            "real_success": _mean([r["real_success"] for r in inside]),
            "classifier_on_real_frames": _mean([r["classifier_on_real_frames"] for r in inside]),
            **{key: _mean([np.mean(r[key]) for r in inside]) for key in keys},
            **{f"{key}_of_real_failures": _mean([np.mean(r[key]) for r in inside if not r["real_success"]]) for key in keys},
        })
    return rows


def _mean(values) -> float | None:
    return round(float(np.mean(values)), 3) if len(values) else None


def plot(report: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    first = next(iter(report["bins"].values()))
    positions = range(len(first))

    def values(rows, key):
        return [np.nan if row[key] is None else row[key] for row in rows]

    for start, rows in report["bins"].items():
        for key, marker in zip(report["dream_keys"], ("-s", "--^", "-.v", ":D")):
            confirmed = key.removeprefix("dream_confirmed_")
            how = "" if key == "dream_success" else f", confirmed {confirmed}"
            ax.plot(positions, values(rows, key), marker, label=f"dream from real decision {start}{how}")
    ax.plot(positions, values(first, "real_success"), "k-o", lw=2.5, zorder=5, label="reality")
    ax.plot(positions, values(first, "classifier_on_real_frames"), "k:", zorder=5, label="classifier on the real frames")
    ax.set_xticks(list(positions), [f"{_bin_label(row['x_offset_cm'])}\n{row['trials']} trials" for row in first],
                  fontsize=7)
    ax.set_xlabel("hand minus mug along x at the grasp (cm)")
    ax.set_ylabel("success")
    ax.set_ylim(-0.03, 1.03)
    ax.set_title(f"Grasp tolerance, {report['label']} ({report['sampler']} sampler)")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _bin_label(edges) -> str:
    low, high = edges
    return f"< {high:g}" if low is None else f">= {low:g}" if high is None else f"[{low:g}, {high:g})"


def record_all(args, manifest) -> list[tuple]:
    """Every (policy, noise, layout) real episode as ``(trial, labels)``."""
    from run import SEED_BASE, real_env

    from dreamgym.decision_fidelity import policy_act
    from dreamgym.policy.model import load_policy

    started = time.time()
    env = real_env(manifest)
    recorded = []
    try:
        for path in args.policy:
            model = load_policy(path)
            for noise in args.noise_std:
                for i in range(args.episodes):
                    seed = SEED_BASE + args.seed_offset + i
                    act = policy_act(model, noise_std=noise, rng=np.random.default_rng([seed, int(noise * 1000)]))
                    trial, grasp, x_offset = record_grasp_trial(
                        env, act, seed, args.reach, args.settle, group="policy_noise" if noise else "policy",
                        kind=f"noise{noise:g}", base=str(path), start=manifest.context_frames - 1)
                    recorded.append((trial, {"policy": str(path), "noise_std": noise, "grasp_decision": grasp,
                                             "x_offset_cm": x_offset}))
            print(f"{path}: {args.episodes * len(args.noise_std)} real episodes recorded ({time.time() - started:.0f} s)")
    finally:
        env.close()
    return recorded


def recording_key(args, manifest) -> dict:
    """What decides the real episodes (a cached recording must match it): the policies and layouts, and the
    bundle's camera, rendering and action repeat that the real env is built with."""
    return {"policies": [policy_key(p) for p in args.policy], "noise_std": args.noise_std, "episodes": args.episodes,
            "seed_offset": args.seed_offset, "reach": args.reach, "settle": args.settle,
            "camera": manifest.camera, "rendering": manifest.rendering, "action_repeat": manifest.action_repeat}


def policy_key(path: Path) -> str:
    """A policy as a recording's key names it: its path from the repository root when it lies inside the
    repository (the same from any working directory), else its absolute path."""
    resolved = Path(path).resolve()
    return str(resolved.relative_to(REPO)) if resolved.is_relative_to(REPO) else str(resolved)


def save_recording(path: Path, key: dict, recorded: list[tuple]) -> None:
    trials = [t for t, _ in recorded]
    if len({t.frames.shape for t in trials}) != 1:
        raise SystemExit(f"--real-trials {path}: the episodes have different lengths; record without a cache.")
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, key=json.dumps(key), labels=json.dumps([labels for _, labels in recorded]),
             frames=np.stack([t.frames for t in trials]), actions=np.stack([t.actions for t in trials]),
             success=np.stack([t.success for t in trials]), final_distance=[t.final_distance for t in trials],
             reset_seed=[t.reset_seed for t in trials], kind=[t.kind for t in trials], group=[t.group for t in trials])


def load_recording(path: Path, key: dict, start: int) -> list[tuple]:
    from dreamgym.decision_fidelity import Trial

    data = np.load(path)
    saved = json.loads(str(data["key"]))
    if saved != key:
        raise SystemExit(f"--real-trials {path} holds other recordings ({saved}); this run asks for {key}. "
                         "Give another path, or delete it to record anew.")
    labels = json.loads(str(data["labels"]))
    arrays = {name: data[name] for name in ("group", "kind", "reset_seed", "frames", "actions", "success", "final_distance")}
    # each data[name] reads the whole array anew: read once, then index (views of one array per name)
    return [(Trial(group=str(arrays["group"][i]), kind=str(arrays["kind"][i]), base=labels[i]["policy"], start=start,
                   reset_seed=int(arrays["reset_seed"][i]), frames=arrays["frames"][i], actions=arrays["actions"][i],
                   success=arrays["success"][i], final_distance=float(arrays["final_distance"][i])), labels[i])
            for i in range(len(labels))]


def imagine_outcomes(simulator, kept: list, args) -> dict[int, dict[str, list[bool]]]:
    """Per trial (by ``id``) and dream outcome key, the outcome of each dream seed's replay."""
    from dreamgym.decision_fidelity import confirm_trials, imagine_trials
    from dreamgym.dream.confirmation import SuccessConfirmation

    threshold = float(simulator.reward_model.config.threshold)
    keys = dream_keys(args.confirm)
    trials = [t for t, _ in kept]
    outcomes = {id(t): {key: [] for key in keys} for t in trials}
    for dream_seed in range(args.dream_seeds):
        imagine_trials(simulator, trials, seed=dream_seed)
        for t in trials:
            outcomes[id(t)]["dream_success"].append(bool((t.dream["success_probability"] >= threshold).any()))
        for key, (rerolls, horizon, window) in zip(keys[1:], args.confirm):
            confirmation = SuccessConfirmation(rerolls=rerolls, horizon=horizon, window=window)
            confirm_trials(simulator, trials, confirmation, seed=1000 + dream_seed)
            for t in trials:
                outcomes[id(t)][key].append(outcomes[id(t)]["dream_success"][-1] and t.dream["confirmed"])
        for t in trials:
            real_p = t.dream["real_frames_success_probability"]
            t.dream = {"classifier_on_real_frames": bool((real_p >= threshold).any())}  # frees the imagined frames
    return outcomes


def main() -> None:
    args = parse_args()
    import dreamgym.real  # noqa: F401, I001  (before MuJoCo: headless rendering settings)
    from run import SEED_BASE

    from dreamgym.bundle import find_bundle
    from dreamgym.dream.simulator import LearnedSimulator

    started = time.time()
    bundle = args.bundle or find_bundle("coffee-pull")
    simulator = LearnedSimulator.load(bundle, sampler=args.sampler)
    context = simulator.manifest.context_frames
    last = simulator.manifest.episode_steps - 1
    if min(args.start) < context - 1 or max(args.start) > last:
        raise SystemExit(f"--start must be in [{context - 1}, {last}] (the dream needs {context} real frames and at "
                         f"least one action after them), got {args.start}.")
    key = json.loads(json.dumps(recording_key(args, simulator.manifest)))  # as it reads back from the file
    if args.real_trials is not None and args.real_trials.exists():
        recorded = load_recording(args.real_trials, key, context - 1)
        print(f"{len(recorded)} real episodes read from {args.real_trials}")
    else:
        recorded = record_all(args, simulator.manifest)
        if args.real_trials is not None:
            save_recording(args.real_trials, key, recorded)

    keys = dream_keys(args.confirm)
    records, bins = [], {}
    for start in args.start:
        kept = [(replace(trial, start=start, dream={}), labels) for trial, labels in recorded]
        kept = [(t, labels) for t, labels in kept if not t.decided_before_start]
        outcomes = imagine_outcomes(simulator, kept, args)
        start_records = [{
            **labels, "reset_seed": t.reset_seed, "start": start,
            "grasp_in_context": labels["grasp_decision"] is not None and labels["grasp_decision"] <= start,
            "real_success": t.real_outcome, "classifier_on_real_frames": t.dream["classifier_on_real_frames"],
            **outcomes[id(t)],
        } for t, labels in kept]
        records += start_records
        bins[str(start)] = bin_summary([r for r in start_records if not r["grasp_in_context"]], tuple(keys))
        print(f"start {start}: {len(start_records)} trials imagined x {args.dream_seeds} ({time.time() - started:.0f} s)")

    report = {
        "label": args.label, "bundle": str(bundle), "sampler": simulator.sampler_name,
        "policies": [str(p) for p in args.policy], "noise_std": args.noise_std, "episodes": args.episodes,
        "layout_seeds_from": SEED_BASE + args.seed_offset, "dream_seeds": args.dream_seeds,
        "confirm": [list(pair) for pair in args.confirm], "dream_keys": keys,
        "reach_m": args.reach, "settle": args.settle, "threshold": float(simulator.reward_model.config.threshold),
        "bins": bins, "seconds": round(time.time() - started, 1), "trials": records,
    }
    args.out_dir.mkdir(parents=True, exist_ok=True)
    out = args.out_dir / f"grasp-tolerance-{args.label}.json"
    out.write_text(json.dumps(report, indent=1))
    plot(report, out.with_suffix(".png"))
    for start, rows in bins.items():
        print(f"dream from decision {start}:")
        for row in rows:
            dream = ", ".join(f"{k.removeprefix('dream_')} {row[k]}" for k in keys)
            print(f"  x {_bin_label(row['x_offset_cm']):>13}: {row['trials']:3d} trials, real {row['real_success']}, "
                  f"classifier on real {row['classifier_on_real_frames']}, {dream}")
    print(f"wrote {out} and {out.with_suffix('.png')}")


if __name__ == "__main__":
    main()
