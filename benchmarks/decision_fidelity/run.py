"""Decision-fidelity benchmark: does the learned simulator predict the outcomes reality gives?

On held-out layouts (reset seeds from 1.5e9, never used for data, tuning or the policy benchmark),
real coffee-pull episodes are recorded for

* the BC policy (deterministic) and the BC policy with Gaussian action noise (``--noise-std``),
* random actions,
* counterfactual branches from expert and BC states: the base policy up to decision ``--branch-at``
  (early, mid-pull, late), then stop / slow / weak grip / release / lift / lateral offset,

and each one is replayed open loop in the dream from its own real 4-frame context with the same
actions (see :mod:`dreamgym.decision_fidelity`). The real env is built with the bundle's own camera,
rendering and action repeat, so an older bundle is measured on the frames it was trained on.

    python benchmarks/decision_fidelity/run.py --label shipped
    python benchmarks/decision_fidelity/run.py --confirm-rerolls 2 --label shipped-pessimistic
    python benchmarks/decision_fidelity/run.py --bundle old-bundle --policy old-bundle/policies/bc.zip --no-rendering-check --label before

Writes ``results-<label>.json`` (summaries and every trial), ``agreement-<label>.png``,
``disagreements-<label>.png`` (real | imagined last frames of trials the dream got wrong, real
failures first) and rebuilds ``RESULTS.md``, the table of every ``results-*.json`` in the folder.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

HERE = Path(__file__).resolve().parent
SEED_BASE = 1_500_000_000
"""First reset seed of this benchmark's layouts: inside the held-out evaluation range (>= 1e9), far
from the policy benchmark's seeds (1e9 + 1e4 * s + i)."""


LATERAL_MAGNITUDES = (0.3, 0.6, 0.8, 1.0)
"""``dx`` biases of the lateral branches, cycled over layouts (signs alternate): from misses that still
succeed to BC-like near misses of ~11 cm (see :data:`dreamgym.data.branches.LATERAL_BIAS_RANGE`)."""


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bundle", type=Path, help="learned simulator (default: the shipped coffee-pull bundle)")
    parser.add_argument("--sampler", choices=["distilled", "teacher"],
                        help="the bundle's distilled one-step world model or its teacher (default: the bundle's default)")
    parser.add_argument("--denoising-steps", type=int,
                        help="teacher only: sample with this many denoising steps instead of the bundle's (1-10)")
    parser.add_argument("--heun", action="store_true", help="teacher only: second-order (Heun) denoising steps")
    parser.add_argument("--policy", type=Path, help="BC policy zip (default: <bundle>/policies/bc.zip)")
    parser.add_argument("--episodes", type=int, default=30, help="layouts for the policy with and without noise")
    parser.add_argument("--noise-std", type=float, default=0.3, help="Gaussian action noise of the noisy policy")
    parser.add_argument("--random-episodes", type=int, default=20)
    parser.add_argument("--branch-layouts", type=int, default=4, help="layouts per (base, branch decision, kind)")
    parser.add_argument("--branch-at", type=int, nargs="+", default=[8, 14, 20], help="branch decisions: early, mid, late")
    parser.add_argument("--drift-psnr", type=float, default=20.0, help="PSNR (dB) below which an imagined frame has drifted")
    parser.add_argument("--seed-offset", type=int, default=0, help="shift every layout seed (another set of held-out layouts)")
    parser.add_argument("--dream-seed", type=int, default=0)
    parser.add_argument("--no-rendering-check", action="store_true", help="allow a bundle trained on another rendering")
    parser.add_argument("--confirm-rerolls", type=int, default=0,
                        help="pessimistic dream outcomes: re-imaginings that must reproduce a predicted success (0: off)")
    parser.add_argument("--confirm-horizon", type=int, default=8, help="transitions re-imagined per confirmation")
    parser.add_argument("--success-frames", type=int, default=1,
                        help="frames in a row on which the classifier must fire for an imagined success (1: any frame)")
    parser.add_argument("--real-cache", type=Path, default=Path("runs/decision-fidelity-real"),
                        help="folder caching the recorded real trials (the real simulator is deterministic under reset(seed)); "
                        "reused when policy file, trial settings, rendering and Meta-World version are the same")
    parser.add_argument("--no-real-cache", action="store_true", help="record the real trials anew and cache nothing")
    parser.add_argument("--success-signal", choices=["classifier", "outcome"],
                        help="judge the dream's outcomes by the frame classifier or the bundle's outcome model "
                             "(default: the bundle's default_success_signal, as its dream env does)")
    parser.add_argument("--label", default="shipped")
    parser.add_argument("--out-dir", type=Path, default=HERE)
    args = parser.parse_args(argv)
    for name in ("episodes", "random_episodes", "branch_layouts"):
        if getattr(args, name) < 0:
            parser.error(f"--{name.replace('_', '-')} must be >= 0")
    if (args.denoising_steps is not None or args.heun) and args.sampler != "teacher":
        parser.error("--denoising-steps and --heun change the teacher's sampler: add --sampler teacher")
    if args.denoising_steps is not None and not 1 <= args.denoising_steps <= 10:
        parser.error(f"--denoising-steps must be between 1 and 10, got {args.denoising_steps}")
    if args.success_frames < 1:
        parser.error(f"--success-frames must be >= 1, got {args.success_frames}")
    if args.success_frames > 1 and args.confirm_rerolls:
        parser.error("--success-frames > 1 and --confirm-rerolls are not combined (confirmation re-tests the first frame fired on)")
    if args.noise_std < 0 or not 0 <= args.seed_offset < 100_000_000:
        parser.error("--noise-std must be >= 0 and --seed-offset in [0, 1e8)")
    if any(at < 3 or at > 45 for at in args.branch_at):
        parser.error("--branch-at decisions must be in [3, 45] (the dream needs 4 real frames before a branch)")
    return args


def real_trials_key(args, manifest, policy_path: Path) -> str:
    """A digest of everything that decides the recorded real trials."""
    import hashlib
    from importlib.metadata import version

    settings = {
        "policy_sha256": hashlib.sha256(Path(policy_path).read_bytes()).hexdigest(),
        "trials": [args.episodes, args.noise_std, args.random_episodes, args.branch_layouts, list(args.branch_at), args.seed_offset],
        "env": [manifest.tasks[0], manifest.camera, manifest.rendering, manifest.action_repeat,
                manifest.episode_steps, manifest.context_frames],
        "metaworld": version("metaworld"),
        "lateral": list(LATERAL_MAGNITUDES),
        "seed_base": SEED_BASE,
    }
    return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:16]


TRIAL_ARRAYS = ("frames", "actions", "success")
STATES_FILE = "states.npz"
"""In a cache folder: the real simulator states of every trial (``trial-0000`` ...), recorded with the trials or
recovered later by :func:`attach_states` (caches written before session 29 have none)."""


def load_cached_trials(folder: Path) -> list | None:
    """The trials saved by :func:`save_cached_trials` in ``folder``, or ``None`` if it holds no complete set."""
    from dreamgym.decision_fidelity import Trial

    index = folder / "trials.json"
    if not index.is_file():
        return None
    trials = []
    for i, labels in enumerate(json.loads(index.read_text())):
        with np.load(folder / f"trial-{i:04d}.npz") as arrays:
            trials.append(Trial(**labels, **{name: arrays[name] for name in TRIAL_ARRAYS}))
    if (folder / STATES_FILE).is_file():
        with np.load(folder / STATES_FILE) as stored:
            for i, trial in enumerate(trials):
                trial.states = stored[f"trial-{i:04d}"]
    return trials


def recording_machine() -> dict:
    """The machine real trials are recorded on: its CPU model and hardware description.

    BC-driven trials recorded on different CPUs differ in the last digits of the policy's actions, amplified by
    contact (session 27: final mug positions differed in 86 of 132 such trials and 3 of 144 branch outcomes
    flipped), so a report names the recording it used and reports compared in one table should share one."""
    import platform

    import torch

    from dreamgym.runs import hardware_description

    cpu = platform.processor()
    try:
        names = [line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                 if line.startswith("model name")]
        cpu = names[0] if names else cpu
    except OSError:  # not Linux
        pass
    return {"cpu": cpu or platform.machine(), "hardware": hardware_description(torch.device("cpu")),
            "date": time.strftime("%Y-%m-%d")}


def cached_recording_machine(folder: Path) -> dict | None:
    """What :func:`recording_machine` said when the trials cached in ``folder`` were recorded (``None``: not noted,
    as in caches written before session 27)."""
    path = folder / "recorded_on.json"
    return json.loads(path.read_text()) if path.is_file() else None


def save_cached_trials(folder: Path, trials: list, recorded_on: dict) -> None:
    """One ``.npz`` per trial and ``recorded_on.json`` (what :func:`recording_machine` said when they were recorded),
    then ``trials.json`` (written last, atomically: its presence marks a complete set)."""
    from dreamgym.files import atomic_write_json

    folder.mkdir(parents=True, exist_ok=True)
    atomic_write_json(folder / "recorded_on.json", recorded_on)
    labels = []
    for i, trial in enumerate(trials):
        np.savez_compressed(folder / f"trial-{i:04d}.npz", **{name: getattr(trial, name) for name in TRIAL_ARRAYS})
        labels.append({name: getattr(trial, name) for name in ("group", "kind", "base", "start", "reset_seed", "final_distance", "branch")})
    if all(trial.states is not None for trial in trials):
        np.savez_compressed(folder / STATES_FILE, **{f"trial-{i:04d}": trial.states for i, trial in enumerate(trials)})
    atomic_write_json(folder / "trials.json", labels)


def attach_states(trials: list, manifest, cache: Path | None) -> None:
    """Give every trial without them its real simulator states (:func:`load_cached_trials` reads those the cache has) by
    replaying its recorded actions in Meta-World from ``reset(seed)`` (deterministic; the replayed success flags must
    equal the recorded ones), and write them to the cache's :data:`STATES_FILE`."""
    if all(trial.states is not None for trial in trials):
        return
    env = real_env(manifest)
    try:
        for trial in tqdm(trials, desc="real states (replays)", unit="trial"):
            _, info = env.reset(seed=trial.reset_seed)
            states, success = [info["state"]], [info["success"]]
            for action in trial.actions:
                _, _, _, _, info = env.step(action)
                states.append(info["state"])
                success.append(info["success"])
            if not np.array_equal(np.array(success, dtype=bool), trial.success):
                raise RuntimeError(f"Replaying trial (seed {trial.reset_seed}, {trial.group}/{trial.kind}) did not reproduce its "
                                   "recorded success flags; the real env is not the one that recorded the cache.")
            trial.states = np.stack(states).astype(np.float64)
    finally:
        env.close()
    if cache is not None:
        np.savez_compressed(cache / STATES_FILE, **{f"trial-{i:04d}": trial.states for i, trial in enumerate(trials)})


def real_env(manifest):
    """The real env with the bundle's own camera, rendering, action repeat and episode length."""
    from dreamgym.real import MetaWorldPixelEnv

    return MetaWorldPixelEnv(manifest.tasks[0], camera=manifest.camera, rendering=manifest.rendering_config(),
                             action_repeat=manifest.action_repeat, episode_steps=manifest.episode_steps)


def record_trials(args, manifest, model) -> list:
    from dreamgym.data.branches import PERTURBATIONS, Branch
    from dreamgym.decision_fidelity import branch_act, expert_act, policy_act, random_act, record_real_trial
    from dreamgym.real import ScriptedExpert

    task = manifest.tasks[0]
    env = real_env(manifest)
    expert = ScriptedExpert(task)
    base = SEED_BASE + args.seed_offset
    history = manifest.context_frames
    plan = []  # (act, seed, labels)
    for i in range(args.episodes):
        plan.append((policy_act(model), base + i, dict(group="policy", kind="deterministic", base="bc", start=history - 1)))
    for i in range(args.episodes):
        rng = np.random.default_rng(base + i)
        plan.append((policy_act(model, noise_std=args.noise_std, rng=rng), base + i,
                     dict(group="policy_noise", kind=f"noise{args.noise_std:g}", base="bc", start=history - 1)))
    for i in range(args.random_episodes):
        seed = base + 100_000 + i
        plan.append((random_act(np.random.default_rng(seed)), seed, dict(group="random", kind="random", base="random", start=history - 1)))
    bases = {"expert": expert_act(expert), "bc": policy_act(model)}
    for base_name, base_act in bases.items():
        for at in args.branch_at:
            for kind in PERTURBATIONS:
                for j in range(args.branch_layouts):
                    seed = base + 200_000 + j
                    magnitude = LATERAL_MAGNITUDES[j % len(LATERAL_MAGNITUDES)]
                    lateral = (1 if j % 2 == 0 else -1) * magnitude if kind == "lateral" else 0.0
                    branch = Branch(kind, at, lateral)
                    plan.append((branch_act(base_act, branch), seed,
                                 dict(group="branch", kind=kind, base=base_name, start=at, branch=branch.to_dict())))
    trials = []
    try:
        for act, seed, labels in tqdm(plan, desc="real episodes", unit="ep"):
            trials.append(record_real_trial(env, act, seed, **labels))
    finally:
        env.close()
    return trials


def plot_agreement(summary: dict, path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [("BC", summary["policy"]), ("BC+noise", summary["policy_noise"]), ("random", summary["random"])]
    rows += [(f"branch:{k}", v) for k, v in summary["branches_by_kind"].items()]
    rows = [(name, s) for name, s in rows if s["trials"]]
    names = [name for name, _ in rows]
    x = np.arange(len(rows))
    fig, ax = plt.subplots(figsize=(10, 3.6))
    values = {
        "agreement": [s["agreement"] or 0 for _, s in rows],
        "hallucination rate": [s["hallucination_rate"] or 0 for _, s in rows],
        "missed-success rate": [s["missed_rate"] or 0 for _, s in rows],
    }
    for offset, (label, ys) in zip((-0.27, 0, 0.27), values.items()):
        ax.bar(x + offset, ys, width=0.27, label=label)
    ax.axhline(0.9, color="gray", lw=0.8, ls="--")
    ax.axhline(0.2, color="gray", lw=0.8, ls=":")
    ax.set_xticks(x, names, rotation=30, ha="right")
    ax.set_ylim(0, 1.05)
    ax.set_title(title)
    ax.legend(fontsize=8, ncol=3, loc="upper center", bbox_to_anchor=(0.5, -0.35))
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def save_disagreements(trials: list, records: list[dict], path: Path, limit: int = 16) -> int:
    """Real | imagined last frame of trials whose dream outcome was wrong (hallucinated first)."""
    import imageio.v3 as iio

    from dreamgym.media import grid, to_hwc, upscale

    wrong = [(t, r) for t, r in zip(trials, records) if r["real_success"] != r["dream_success"]]
    wrong.sort(key=lambda pair: pair[1]["real_success"])  # hallucinations (real failure) first
    if not wrong:
        return 0
    pairs = []
    for trial, _ in wrong[:limit]:
        pairs += [trial.frames[-1], trial.dream["last_imagined_frame"]]
    iio.imwrite(path, grid(upscale(to_hwc(np.stack(pairs)), 3), columns=8))
    return len(wrong)


def write_results_table(folder: Path) -> Path:
    """``RESULTS.md``: one row per result file and group, with the acceptance targets."""
    reports = [json.loads(p.read_text()) for p in sorted(folder.glob("results-*.json"))]

    def pct(value):
        return "-" if value is None else f"{100 * value:.0f}%"

    lines = [
        "# Decision fidelity: results",
        "",
        "Generated by `benchmarks/decision_fidelity/run.py` from the `results-*.json` files next to it.",
        "Hallucination rate: real failures the dream calls successes (target <= 20%); missed: real successes",
        "the dream misses (target <= 20%); agreement over branches (target >= 90%); random actions: predicted",
        "success (target <= 5%). `n` = trials whose outcome was still open at the dream's start.",
        "",
        "| label | group | n | real success | dream success | agreement | hallucination rate | missed rate | classifier on real frames agrees | median steps to drift |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for report in reports:
        summary = report["summary"]
        groups = [("BC", summary["policy"]), (f"BC + noise {report['settings']['noise_std']:g}", summary["policy_noise"]),
                  ("random actions", summary["random"]), ("branches (all)", summary["branches"])]
        groups += [(f"branch: {k}", v) for k, v in summary["branches_by_kind"].items()]
        groups += [(f"branch from {k}", v) for k, v in summary["branches_by_base"].items()]
        groups += [(f"branch at decision {k}", v) for k, v in summary["branches_by_decision"].items()]
        for name, g in groups:
            if not g["trials"]:
                continue
            lines.append(
                f"| {report['label']} | {name} | {g['trials']} | {g['real_successes'] / g['trials']:.2f} | "
                f"{g['dream_successes'] / g['trials']:.2f} | {pct(g['agreement'])} | {pct(g['hallucination_rate'])} "
                f"({g['hallucinated']}/{g['real_failures']}) | {pct(g['missed_rate'])} ({g['missed']}/{g['real_successes']}) | "
                f"{pct(g['classifier_on_real_frames_agreement'])} | {g['median_steps_to_drift']} |"
            )
    lines += ["", "Settings, hardware and wall time of each run are in its JSON (`settings`, `hardware`, `seconds_total`).", ""]
    path = folder / "RESULTS.md"
    path.write_text("\n".join(lines))
    return path


def main() -> None:
    args = parse_args()
    import torch

    from dreamgym.bundle import find_bundle
    from dreamgym.decision_fidelity import (
        confirm_trials,
        group_summaries,
        imagine_trials,
        judge_trials_by_outcome,
        trial_record,
    )
    from dreamgym.dream.confirmation import SuccessConfirmation
    from dreamgym.dream.simulator import LearnedSimulator
    from dreamgym.policy.model import load_policy
    from dreamgym.runs import hardware_description

    started = time.time()
    bundle = args.bundle or find_bundle("coffee-pull")
    simulator = LearnedSimulator.load(bundle, check_rendering=not args.no_rendering_check, sampler=args.sampler)
    if args.denoising_steps is not None or args.heun:
        steps = simulator.sampler.num_steps if args.denoising_steps is None else args.denoising_steps
        simulator = replace(simulator, sampler=replace(simulator.sampler, num_steps=steps, order=2 if args.heun else 1))
    success_signal = args.success_signal or simulator.manifest.default_success_signal
    if success_signal == "outcome" and args.confirm_rerolls:
        raise SystemExit("--confirm-rerolls re-tests the classifier's imagined successes; with the outcome signal it would be "
                         "ignored: add --success-signal classifier.")
    policy_path = args.policy or Path(bundle) / "policies" / "bc.zip"
    model = load_policy(policy_path)
    cache = None if args.no_real_cache else args.real_cache / real_trials_key(args, simulator.manifest, policy_path)
    trials = load_cached_trials(cache) if cache is not None else None
    if trials is None:
        trials = record_trials(args, simulator.manifest, model)
        recorded_on = recording_machine()
        if cache is not None:
            save_cached_trials(cache, trials, recorded_on)
    else:
        recorded_on = cached_recording_machine(cache)
        print(f"real trials from the cache {cache} (recorded on {recorded_on or 'a machine not noted'})")
    real_seconds = time.time() - started
    kept = [t for t in trials if not t.decided_before_start]
    with tqdm(total=len(kept), desc="dream replays", unit="trial") as bar:
        imagine_trials(simulator, kept, seed=args.dream_seed, progress=bar)
    if args.confirm_rerolls:
        confirmation = SuccessConfirmation(rerolls=args.confirm_rerolls, horizon=args.confirm_horizon)
        confirm_trials(simulator, kept, confirmation, seed=args.dream_seed + 1)
    if success_signal == "outcome":
        attach_states(trials, simulator.manifest, cache)
        judge_trials_by_outcome(simulator, kept)
    threshold = float(simulator.reward_model.config.threshold)
    records = [trial_record(t, threshold, args.drift_psnr, args.success_frames) for t in kept]
    summary = group_summaries(records)
    # with pessimism: the same trials judged without it, for a like-for-like comparison
    unconfirmed = (group_summaries([{**r, "dream_success": r["dream_success_unconfirmed"]} for r in records])
                   if args.confirm_rerolls else None)
    # judged by the outcome model: the same trials judged by the classifier on the imagined frames, for comparison
    by_classifier = (group_summaries([{**r, "dream_success": r["dream_success_classifier"]} for r in records])
                     if success_signal == "outcome" else None)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    plot_agreement(summary, args.out_dir / f"agreement-{args.label}.png", f"dream vs real outcomes ({args.label})")
    wrong = save_disagreements(kept, records, args.out_dir / f"disagreements-{args.label}.png")
    report = {
        "label": args.label,
        "bundle": str(bundle),
        "bundle_rendering": simulator.manifest.rendering,
        "policy": str(policy_path),
        "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "layout_seeds_from": SEED_BASE + args.seed_offset,
        "classifier_threshold": threshold,
        "success_signal": success_signal,
        "sampler": simulator.sampler_name,
        "denoising_steps": simulator.sampler.num_steps,
        "sampler_order": simulator.sampler.order,
        "action_guidance": simulator.sampler.action_guidance,
        "trials_recorded": len(trials),
        "real_trials_recorded_on": recorded_on,
        "real_trials_cache": None if cache is None else cache.name,
        "trials_decided_before_start": len(trials) - len(kept),
        "disagreements_pictured": min(wrong, 16),
        "summary": summary,
        "summary_without_confirmation": unconfirmed,
        "summary_by_classifier": by_classifier,
        "hardware": hardware_description(torch.device("cpu")),
        "seconds_real_episodes": round(real_seconds, 1),
        "seconds_total": round(time.time() - started, 1),
        "trials": records,
    }
    (args.out_dir / f"results-{args.label}.json").write_text(json.dumps(report, indent=1))
    write_results_table(args.out_dir)
    headline = {k: summary[k] for k in ("policy", "policy_noise", "random", "branches")}
    print(json.dumps({"label": args.label, **headline, "branches_by_kind": {
        k: v["agreement"] for k, v in summary["branches_by_kind"].items()}, "seconds": report["seconds_total"]}, indent=1))


if __name__ == "__main__":
    main()
