"""The ``dreamgym`` command line: ``dreamgym <command> --help`` documents each command."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

from dreamgym.cli_arguments import (
    OneLineParser,
    batch_of_two,
    batch_size,
    branch_kind,
    denoising_steps,
    device,
    existing_path,
    finite_float,
    json_object_file,
    non_negative_float,
    non_negative_int,
    open_probability,
    positive_float,
    positive_int,
    unit_share,
)
from dreamgym.tasks import WORLD4RL_TASKS


def _cmd_tasks(args: argparse.Namespace) -> None:
    from dreamgym.registration import real_env_id

    for name, spec in WORLD4RL_TASKS.items():
        print(f"{name:12s} {real_env_id(name):34s} action_repeat={spec.action_repeat} camera={spec.camera.to_dict()} "
              f"rendering: {spec.rendering.describe()}")


def _cmd_collect(args: argparse.Namespace) -> None:
    from dreamgym.data.collect import CollectConfig, collect, config_summary

    tasks = list(WORLD4RL_TASKS) if args.task == ["all"] else args.task
    for task in tasks:
        config = CollectConfig(
            task=task,
            out_dir=args.out,
            num_expert=args.expert,
            num_noisy_expert=args.noisy_expert,
            num_random=args.random,
            num_bc=args.bc,
            bc_policy=args.bc_policy,
            num_branch=args.branch,
            **({"branch_at_range": tuple(args.branch_at)} if args.branch_at else {}),
            **({"branch_kinds": tuple(args.branch_kinds)} if args.branch_kinds else {}),
            branch_duration_range=tuple(args.branch_duration) if args.branch_duration else None,
            bc_noise_std_range=tuple(args.bc_noise) if args.bc_noise else None,
            episode_steps=args.steps,
            width=args.size,
            height=args.size,
            seed_offset=args.seed_offset,
            workers=args.workers,
            split=args.split,
        )
        report = collect(config, progress=not args.no_progress)
        result = {
            "config": config_summary(config),
            "written": report.written,
            "skipped_existing": report.skipped,
            "seconds": round(report.seconds, 2),
            "success_rate_by_source": report.success_rates(),
        }
        print(json.dumps(result))


def _cmd_import_minari(args: argparse.Namespace) -> None:
    from dreamgym.data.minari_import import import_minari

    count = import_minari(args.dataset, args.out, args.task, progress=not args.no_progress)
    print(f"imported {count} episodes into {args.out / args.task / 'minari'}")


def _cmd_cameras(args: argparse.Namespace) -> None:
    from dreamgym.views import write_contact_sheets

    tasks = list(WORLD4RL_TASKS) if args.task == ["all"] else args.task
    for path in write_contact_sheets(tasks, args.out):
        print(path)


def _cmd_check_rendering(args: argparse.Namespace) -> None:
    import os

    from dreamgym.real.rendering import RenderingUnavailableError, check_offscreen_rendering

    try:
        check_offscreen_rendering()
    except RenderingUnavailableError as error:
        print(error, file=sys.stderr)
        raise SystemExit(3) from None
    print(f"offscreen rendering works (MUJOCO_GL={os.environ.get('MUJOCO_GL')})")


ARCHITECTURE_DEFAULTS = {"channels": [32, 64, 64, 128], "layers_per_block": 1, "patch_size": 2, "action_encoding": "two_hot"}
"""World-model architecture of ``train-world-model`` when neither the flags nor ``--init-from`` set it."""


CONTACT_SHARES_DEFAULT = (0.15, 0.15, 0.0)
"""``--contact-shares``: the defaults of :class:`dreamgym.data.contact_windows.ContactSamplingConfig`."""


def _cmd_train_world_model(args: argparse.Namespace) -> None:
    from dreamgym.data.branch_windows import BranchOnsetSamplingConfig
    from dreamgym.data.contact_windows import ContactSamplingConfig
    from dreamgym.world_model.actions import ActionEncoderConfig
    from dreamgym.world_model.denoiser import DenoiserConfig
    from dreamgym.world_model.train import TrainConfig, train_world_model

    if args.window_sampling != "contact" and args.contact_shares != list(CONTACT_SHARES_DEFAULT):
        raise ValueError("--contact-shares applies only with --window-sampling contact.")
    if args.window_sampling != "branch-onset" and args.branch_onset is not None:
        raise ValueError("--branch-onset applies only with --window-sampling branch-onset.")
    branch_onset = BranchOnsetSamplingConfig()
    if args.branch_onset is not None:
        share, decisions = args.branch_onset
        try:
            branch_onset = BranchOnsetSamplingConfig(share=float(share), decisions=int(decisions))
        except ValueError as error:
            raise ValueError(
                f"--branch-onset SHARE DECISIONS: expected a share in (0, 1) and a whole number of decisions >= 1, "
                f"got {share!r} {decisions!r} ({error})"
            ) from None
    architecture = {"channels": args.channels, "layers_per_block": args.layers_per_block,
                    "patch_size": args.patch_size, "action_encoding": args.action_encoding}
    if args.init_from is not None:
        from dreamgym.world_model.train import initial_world_model

        model = initial_world_model(args.init_from).config
        given = [f"--{name.replace('_', '-')}" for name, value in architecture.items() if value is not None]
        if given:
            raise ValueError(f"{', '.join(given)} cannot be combined with --init-from: the architecture is that of {args.init_from}.")
        if args.action_dropout is not None:  # a training setting, not architecture: fine-tuning may add it
            model = dataclasses.replace(model, action_dropout=args.action_dropout)
    else:
        chosen = {name: ARCHITECTURE_DEFAULTS[name] if value is None else value for name, value in architecture.items()}
        model = DenoiserConfig(
            image_size=args.size,
            channels=tuple(chosen["channels"]),
            layers_per_block=chosen["layers_per_block"],
            patch_size=chosen["patch_size"],
            actions=ActionEncoderConfig(encoding=chosen["action_encoding"]),
            action_dropout=args.action_dropout or 0.0,
        )
    config = TrainConfig(
        init_from=args.init_from,
        data=args.data,
        out_dir=args.out,
        tasks=None if args.task == ["all"] else args.task,
        model=model,
        steps=args.steps,
        batch_size=args.batch_size,
        learning_rate=args.lr,
        lr_decay_steps=args.lr_decay_steps,
        seed=args.seed,
        checkpoint_every=args.checkpoint_every,
        eval_every=args.eval_every,
        compile=args.compile,
        time_limit_s=None if args.time_limit_minutes is None else 60.0 * args.time_limit_minutes,
        window_sampling=args.window_sampling,
        contact_sampling=ContactSamplingConfig(**dict(zip(("follows_share", "left_share", "tips_share"), args.contact_shares))),
        branch_onset_sampling=branch_onset,
        moving_pixel_weight=args.moving_pixel_weight,
    )
    print(json.dumps(train_world_model(config, progress=not args.no_progress)))


def _cmd_distill_world_model(args: argparse.Namespace) -> None:
    from dreamgym.world_model.distill import DistillConfig, distill_world_model

    config = DistillConfig(
        data=args.data, teacher=args.teacher, out_dir=args.out, tasks=None if args.task == ["all"] else args.task,
        steps=args.steps, batch_size=args.batch_size, learning_rate=args.lr, seed=args.seed,
        checkpoint_every=args.checkpoint_every, eval_every=args.eval_every,
    )
    print(json.dumps(distill_world_model(config, progress=not args.no_progress)))


def _cmd_train_reward(args: argparse.Namespace) -> None:
    from dreamgym.reward.classifier import RewardClassifierConfig
    from dreamgym.reward.train import RewardTrainConfig, train_reward_classifier

    config = RewardTrainConfig(
        data=args.data,
        out_dir=args.out,
        tasks=None if args.task == ["all"] else args.task,
        model=RewardClassifierConfig(image_size=args.size),
        steps=args.steps,
        batch_size=args.batch_size,
        learning_rate=args.lr,
        seed=args.seed,
        world_model=args.world_model,
        imagined_horizon=args.imagined_horizon,
    )
    summary = train_reward_classifier(config, progress=not args.no_progress)
    keys = ("threshold", "heldout_real_frames", "heldout_imagined_frames", "train_frames", "wall_time_s")
    print(json.dumps({key: summary[key] for key in keys}))


def _cmd_train_outcome(args: argparse.Namespace) -> None:
    from dreamgym.reward.outcome import OutcomeModelConfig
    from dreamgym.reward.outcome_train import OutcomeTrainConfig, summary_line, train_outcome_model

    config = OutcomeTrainConfig(
        data=args.data, out_dir=args.out, tasks=None if args.task == ["all"] else args.task,
        epochs=args.epochs, seed=args.seed, distance_weight=args.distance_weight,
        model=OutcomeModelConfig(motion_features=args.motion_features, carried_offset=args.carried_offset, distance_head=args.distance_head),
    )
    print(summary_line(train_outcome_model(config)))


def _cmd_add_outcome_model(args: argparse.Namespace) -> None:
    from dreamgym.export import add_outcome_model

    add_outcome_model(args.bundle, args.run, args.data, make_default=not args.keep_classifier_default, notes=args.notes)
    print(f"added the outcome model of {args.run} (and initial states with simulator states) to {args.bundle}")


def _cmd_export_bundle(args: argparse.Namespace) -> None:
    from dreamgym.export import export_bundle
    from dreamgym.world_model.sampler import SamplerConfig

    print(
        export_bundle(
            args.run, args.out, metrics=args.metrics, notes=args.notes, reward_run=args.reward_run,
            from_checkpoint=args.from_checkpoint, initial_state_frames=args.initial_state_frames,
            sampler=SamplerConfig(action_guidance=args.action_guidance),
        )
    )


def _cmd_add_distilled_world_model(args: argparse.Namespace) -> None:
    from dreamgym.export import add_distilled_world_model

    print(add_distilled_world_model(args.bundle, args.distill_run, make_default=not args.teacher_default,
                                    half_precision=not args.float32, notes=args.notes))


def _cmd_replace_reward(args: argparse.Namespace) -> None:
    from dreamgym.export import replace_reward_model

    print(replace_reward_model(args.bundle, args.reward_run, notes=args.notes))


def _cmd_train_bc(args: argparse.Namespace) -> None:
    from dreamgym.policy.bc import BCConfig, train_bc

    config = BCConfig(
        task=args.task, data_dir=args.data, out=args.out, steps=args.steps, batch_size=args.batch_size,
        learning_rate=args.lr, shift_pixels=args.shift, keep=args.keep, average_from=args.average_from, seed=args.seed,
        device=args.device,
    )
    summary = train_bc(config, progress=not args.no_progress)
    print(json.dumps({"out": str(config.out), "saved": summary["saved"], "averaged": summary["averaged"],
                      "best": summary["best"], "log_std": summary["log_std"],
                      "seconds": summary["seconds"]}))


REFINE_METHODS = ("filtered-bc", "ppo")
"""``dreamgym refine --method``: behaviour cloning of the dream's confirmed successes (the default,
:mod:`dreamgym.policy.dream_imitation`) or PPO in the dream (:mod:`dreamgym.policy.refine`)."""
PPO_ONLY = ("iterations", "n_steps", "batch_size", "epochs", "actor_lr", "critic_lr", "critic_warmup", "log_std_max",
            "no_std_clip", "ent_coef", "target_kl", "initial_log_std", "log_std_lr", "anchor_kl", "demo_nll", "horizon",
            "reset_mode", "mixture_bundles", "checkpoint_every", "average_checkpoints", "average_with_start",
            "monitor_real_episodes")
"""``dreamgym refine`` options (argparse names) that only ``--method ppo`` reads."""
FILTERED_BC_ONLY = ("rounds", "passes", "imitation_steps", "imitation_seeds", "imitation_lr", "halfway", "start_decisions",
                    "success_signal", "success_threshold", "group_size", "pairs")
"""``dreamgym refine`` options that only ``--method filtered-bc`` reads."""


def _confirmation(args: argparse.Namespace) -> dict | None:
    """``dreamgym refine``'s pessimistic-success settings from its ``--confirm-*`` flags; a flag left out takes
    the default of the chosen ``--method`` (filtered-bc: 4,20,5; ppo: 2,8,1)."""
    from dreamgym.dream.confirmation import confirmation_from_flags
    from dreamgym.policy.dream_imitation import IMITATION_CONFIRMATION
    from dreamgym.policy.refine import DEFAULT_CONFIRMATION

    default = {"window": 1, **(IMITATION_CONFIRMATION if args.method == "filtered-bc" else DEFAULT_CONFIRMATION)}
    rerolls, horizon, window = (default[name] if value is None else value for name, value in
                                (("rerolls", args.confirm_rerolls), ("horizon", args.confirm_horizon),
                                 ("window", args.confirm_window)))
    return confirmation_from_flags(rerolls, horizon, window, args.confirm_judge)


def _refuse_options_of_the_other_method(args: argparse.Namespace) -> None:
    """A clear error for options the chosen ``--method`` would silently ignore."""
    other = PPO_ONLY if args.method == "filtered-bc" else FILTERED_BC_ONLY
    given = [f"--{name.replace('_', '-')}" for name in other if getattr(args, name) != args.refine_defaults[name]]
    if given:
        owner = "ppo" if args.method == "filtered-bc" else "filtered-bc"
        chosen = args.method + (" (the default)" if args.method == REFINE_METHODS[0] else "")
        raise ValueError(f"{', '.join(given)} belong{'s' if len(given) == 1 else ''} to --method {owner}, but --method is "
                         f"{chosen}; expected --method {owner} with {'it' if len(given) == 1 else 'them'}, or "
                         f"{'it' if len(given) == 1 else 'them'} left out.")


def _cmd_refine(args: argparse.Namespace) -> None:
    _refuse_options_of_the_other_method(args)
    if args.method == "filtered-bc":
        from dreamgym.policy.dream_imitation import DreamImitationConfig, refine_by_imitation

        given = [f"--confirm-{name}" for name in ("rerolls", "horizon", "window", "judge")
                 if getattr(args, f"confirm_{name}") is not None]
        if args.success_signal == "outcome" and given:
            raise ValueError(f"{', '.join(given)} set how the classifier's imagined successes are confirmed; with "
                             "--success-signal outcome (the default) nothing is confirmed: expected them left out, or "
                             "--success-signal classifier.")
        confirmation = _confirmation(args)
        if confirmation is None:
            raise ValueError("--method filtered-bc imitates confirmed successes only; expected --confirm-rerolls >= 1.")
        values = dict(bc_model=args.bc_model, out_dir=args.out, task=args.task, bundle=args.bundle,
                      success_confirmation=confirmation, sampler=args.sampler, denoising_steps=args.denoising_steps,
                      demo_sources=tuple(args.demo_sources), data_dir=args.data, seed=args.seed, device=args.device,
                      halfway_to_bc=args.halfway, success_signal=args.success_signal)
        for option, name in (("num_envs", "num_envs"), ("rounds", "rounds"), ("passes", "passes"), ("imitation_steps", "steps"),
                             ("imitation_seeds", "imitation_seeds"), ("imitation_lr", "learning_rate"),
                             ("start_decisions", "start_decisions"), ("group_size", "group_size"),
                             ("success_threshold", "success_threshold"), ("pairs", "pairs")):
            if getattr(args, option) is not None:
                values[name] = getattr(args, option)
        summary = refine_by_imitation(DreamImitationConfig(**values), progress=not args.no_progress)
        print(json.dumps({k: summary[k] for k in ("imagined_episodes", "confirmed_successes", "kept_pairs",
                                                   "collect_seconds", "imitation_seconds", "hardware")}))
        return
    from dreamgym.policy.refine import RefineConfig, refine

    config = RefineConfig(
        bc_model=args.bc_model, out_dir=args.out, task=args.task, bundle=args.bundle,
        mixture_bundles=args.mixture_bundles, iterations=args.iterations,
        **({} if args.num_envs is None else {"num_envs": args.num_envs}),
        n_steps=args.n_steps, batch_size=args.batch_size, n_epochs=args.epochs,
        actor_learning_rate=args.actor_lr, critic_learning_rate=args.critic_lr,
        critic_warmup_iterations=args.critic_warmup, log_std_max=None if args.no_std_clip else args.log_std_max,
        ent_coef=args.ent_coef, target_kl=args.target_kl, initial_log_std=args.initial_log_std,
        log_std_learning_rate=args.log_std_lr,
        anchor_kl_coef=args.anchor_kl, demo_nll_coef=args.demo_nll, demo_sources=tuple(args.demo_sources),
        data_dir=args.data, max_episode_steps=args.horizon, reset_mode=args.reset_mode,
        success_confirmation=_confirmation(args),
        denoising_steps=args.denoising_steps, sampler=args.sampler, checkpoint_every=args.checkpoint_every,
        average_checkpoints=args.average_checkpoints, average_with_start=args.average_with_start,
        monitor_real_episodes=args.monitor_real_episodes,
        seed=args.seed, device=args.device,
    )
    summary = refine(config, progress=not args.no_progress)
    print(json.dumps({k: summary[k] for k in ("iterations", "imagined_transitions", "seconds", "final_log_std",
                                               "final_dream_success_rate", "hardware")}))


def _cmd_evaluate(args: argparse.Namespace) -> None:
    if args.real_only and (args.denoising_steps is not None or args.sampler is not None):
        raise ValueError("--denoising-steps and --sampler set the dream evaluation, which --real-only skips; "
                         "expected them without --real-only.")
    if args.dream_only and args.videos is not None:
        raise ValueError("--videos films real episodes, which --dream-only skips; expected --videos without --dream-only.")
    from dreamgym.policy.evaluate import evaluate_dream, evaluate_real
    from dreamgym.policy.model import load_policy

    model = load_policy(args.model)
    report = {"model": str(args.model)}
    if not args.dream_only:
        report["real"] = evaluate_real(
            model, args.task, args.seeds, args.episodes, deterministic=not args.stochastic,
            video_dir=args.videos, progress=not args.no_progress,
        )
    if not args.real_only:
        report["dream"] = evaluate_dream(
            model, args.task, args.seeds, args.dream_episodes, deterministic=not args.stochastic,
            denoising_steps=args.denoising_steps, sampler=args.sampler, bundle=args.bundle, progress=not args.no_progress,
        )
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=2))
    for where in ("real", "dream"):
        if where in report:
            r = report[where]
            print(f"{where:5s} success {r['mean']:.3f} +- {r['std']:.3f} over seeds {list(args.seeds)} "
                  f"({r['episodes_per_seed']} episodes each)")


def _cmd_demo(args: argparse.Namespace) -> None:
    from dreamgym.demo import DemoConfig, run_demo

    run_demo(DemoConfig(out_dir=args.out, task=args.task, real_episodes=args.real_episodes,
                        dream_episodes=args.dream_episodes, refine_iterations=args.refine_iterations))


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="dreamgym", description="Learned Meta-World simulators as gymnasium envs.")
    commands = parser.add_subparsers(dest="command", required=True)

    tasks = commands.add_parser("tasks", help="list the tuned tasks, their gymnasium ids, cameras and action repeats")
    tasks.set_defaults(func=_cmd_tasks)

    col = commands.add_parser("collect", help="record real Meta-World episodes in the World4RL data mix")
    col.add_argument("--task", nargs="+", default=["coffee-pull"], help="task names, or 'all' for the six World4RL tasks")
    col.add_argument("--out", type=Path, default=Path("data"), help="dataset root (default: data/)")
    col.add_argument("--expert", type=non_negative_int, default=50, help="scripted-expert episodes per task (default 50)")
    col.add_argument(
        "--noisy-expert", type=non_negative_int, default=150,
        help="noisy-expert episodes per task, the stand-in for BC rollouts (default 150)",
    )
    col.add_argument("--bc", type=non_negative_int, default=0, help="rollouts of the BC policy --bc-policy per task (paper: 150)")
    col.add_argument(
        "--bc-policy", type=existing_path,
        help="SB3 zip from `dreamgym train-bc` (needed with --bc; with --branch it is the base of half the branches)",
    )
    col.add_argument(
        "--bc-noise", type=non_negative_float, nargs=2, metavar=("LOWEST", "HIGHEST"),
        help="BC episodes and BC-based branches act with the policy's mean action plus Gaussian noise of a std drawn per "
        "episode from this range (0 0: the deterministic policy); default: actions sampled from the policy's Gaussian",
    )
    col.add_argument(
        "--branch", type=non_negative_int, default=0,
        help="counterfactual branches per task: expert or BC up to a random decision, then stop, slow, weak grip, "
        "release, lift or lateral offset (dreamgym.data.branches)",
    )
    col.add_argument(
        "--branch-at", type=non_negative_int, nargs=2, metavar=("FIRST", "LAST"),
        help="decisions (inclusive) at which a branch may start (default: CollectConfig's, 4 30)",
    )
    col.add_argument(
        "--branch-kinds", nargs="+", type=branch_kind, metavar="KIND",
        help="perturbations the branches draw from: stop, slow, weak_grip, release, lift, lateral, and the opt-in pull "
        "(default: all but pull)",
    )
    col.add_argument(
        "--branch-duration", type=positive_int, nargs=2, metavar=("FEWEST", "MOST"),
        help="decisions a branch's perturbation lasts, drawn per episode (default: to the end of the episode); "
        "e.g. --branch-kinds release --branch-duration 1 3 --branch-at 16 26 records grasp slips",
    )
    col.add_argument("--random", type=non_negative_int, default=30, help="random-action episodes per task (default 30)")
    col.add_argument("--steps", type=positive_int, default=50, help="decisions per episode (default 50)")
    col.add_argument("--size", type=positive_int, default=64, help="frame width and height in pixels (default 64)")
    col.add_argument("--seed-offset", type=non_negative_int, default=0, help="shift all episode seeds to record a disjoint dataset")
    col.add_argument("--workers", type=positive_int, default=1, help="parallel processes (default 1)")
    col.add_argument(
        "--split", choices=["train", "eval"], default="train",
        help="'eval' records held-out episodes from the evaluation seeds (1,000,000,000+)",
    )
    col.add_argument("--no-progress", action="store_true", help="no progress bar")
    col.set_defaults(func=_cmd_collect)

    imp = commands.add_parser("import-minari", help="convert a local Minari image dataset to dreamgym episodes")
    imp.add_argument("dataset", help="Minari dataset id, e.g. my-org/coffee-pull-pixels-v0")
    imp.add_argument("--task", required=True, help="task label to store with the episodes")
    imp.add_argument("--out", type=Path, default=Path("data"))
    imp.add_argument("--no-progress", action="store_true")
    imp.set_defaults(func=_cmd_import_minari)

    cams = commands.add_parser("cameras", help="write a contact sheet PNG of each task's camera view")
    cams.add_argument("--task", nargs="+", default=["all"])
    cams.add_argument("--out", type=Path, default=Path("benchmarks/real_env/cameras"))
    cams.set_defaults(func=_cmd_cameras)

    wm = commands.add_parser(
        "train-world-model", help="train the diffusion world model (resumes from OUT/checkpoint.pt if present)"
    )
    wm.add_argument("--data", type=existing_path, default="data", help="dataset root")
    wm.add_argument("--out", type=Path, required=True, help="run folder: checkpoint, TensorBoard, exported model")
    wm.add_argument("--task", nargs="+", default=["all"], help="tasks to train on (default: all in --data)")
    wm.add_argument("--steps", type=positive_int, default=8000)
    wm.add_argument("--batch-size", type=batch_size, default=32)
    wm.add_argument("--lr", type=positive_float, default=3e-4)
    wm.add_argument(
        "--lr-decay-steps", type=non_negative_int, default=0,
        help="anneal the learning rate to 0 (cosine) over the last this many of --steps (0 = constant after warm-up); "
        "may be added when resuming a run",
    )
    wm.add_argument("--seed", type=non_negative_int, default=0)
    wm.add_argument("--size", type=positive_int, default=64, help="frame size the data was recorded at")
    wm.add_argument("--channels", type=positive_int, nargs="+", help="U-Net widths per level (default 32 64 64 128)")
    wm.add_argument("--layers-per-block", type=positive_int, help="residual blocks per level (default 1)")
    wm.add_argument("--patch-size", type=positive_int, help="pixel-unshuffle factor (1 = none; default 2)")
    wm.add_argument("--action-encoding", choices=["two_hot", "one_hot", "linear"], help="default two_hot")
    wm.add_argument(
        "--init-from", type=existing_path,
        help="fine-tune: start from this bundle's (or world_model/ folder's) weights and architecture",
    )
    wm.add_argument(
        "--window-sampling", choices=["uniform", "contact", "branch-onset"], default="uniform",
        help="contact: a share of every batch from windows where the object follows the moving hand, where it is left "
        "behind and where it tips over (--contact-shares; needs states in the episodes; dreamgym.data.contact_windows); "
        "branch-onset: a share from the first windows of counterfactual branches, where only the actions tell what "
        "happens next (--branch-onset; dreamgym.data.branch_windows)",
    )
    wm.add_argument(
        "--branch-onset", nargs=2, metavar=("SHARE", "DECISIONS"), default=None,
        help="with --window-sampling branch-onset: the share of every batch (in (0, 1)) drawn from the first DECISIONS "
        "windows of every branch (default 0.3 4)",
    )
    wm.add_argument(
        "--contact-shares", type=unit_share, nargs=3, default=list(CONTACT_SHARES_DEFAULT), metavar=("FOLLOWS", "LEFT", "TIPS"),
        help="shares of each batch from the three contact groups with --window-sampling contact (default 0.15 0.15 0)",
    )
    wm.add_argument(
        "--moving-pixel-weight", type=non_negative_float, default=0.0,
        help="extra loss weight on pixels that change between the last context frame and the next frame (0 = none)",
    )
    wm.add_argument(
        "--action-dropout", type=unit_share,
        help="share of training examples given the null action instead of their actions (default 0, or that of --init-from), "
        "so the model can be sampled with action guidance (export-bundle --action-guidance)",
    )
    wm.add_argument("--checkpoint-every", type=positive_int, default=250)
    wm.add_argument("--eval-every", type=positive_int, default=500)
    wm.add_argument("--compile", action="store_true", help="torch.compile the model (helps on GPU)")
    wm.add_argument(
        "--time-limit-minutes", type=positive_float,
        help="stop early once this process has trained this long (checkpoint, evaluate and export as at the last step; "
        "a rerun resumes); the learning-rate schedule stays that of --steps",
    )
    wm.add_argument("--no-progress", action="store_true")
    wm.set_defaults(func=_cmd_train_world_model)

    distil = commands.add_parser(
        "distill-world-model",
        help="distil a world model's multi-step sampler into a one-step world model (resumes from OUT/checkpoint.pt)",
    )
    distil.add_argument("--teacher", type=existing_path, required=True, help="a bundle (its sampler is the teacher's) or a world_model/ folder")
    distil.add_argument("--data", type=existing_path, default="data", help="dataset root the teacher was trained on")
    distil.add_argument("--out", type=Path, required=True, help="run folder: checkpoint, TensorBoard, OUT/world_model, OUT/sampler.json")
    distil.add_argument("--task", nargs="+", default=["all"])
    distil.add_argument("--steps", type=positive_int, default=1000)
    distil.add_argument("--batch-size", type=batch_size, default=16)
    distil.add_argument("--lr", type=positive_float, default=5e-5)
    distil.add_argument("--seed", type=non_negative_int, default=0)
    distil.add_argument("--checkpoint-every", type=positive_int, default=100)
    distil.add_argument("--eval-every", type=positive_int, default=250)
    distil.add_argument("--no-progress", action="store_true")
    distil.set_defaults(func=_cmd_distill_world_model)

    rew = commands.add_parser("train-reward", help="train the success classifier (the learned reward)")
    rew.add_argument("--data", type=existing_path, default="data")
    rew.add_argument("--out", type=Path, required=True, help="run folder; the model goes to OUT/reward_model")
    rew.add_argument("--task", nargs="+", default=["all"])
    rew.add_argument("--steps", type=positive_int, default=2000)
    rew.add_argument("--batch-size", type=batch_of_two, default=64)
    rew.add_argument("--lr", type=positive_float, default=1e-3)
    rew.add_argument("--size", type=positive_int, default=64)
    rew.add_argument("--seed", type=non_negative_int, default=0)
    rew.add_argument(
        "--world-model", type=existing_path,
        help="also train on frames this world model imagines from real contexts (labels from the real episode)",
    )
    rew.add_argument("--imagined-horizon", type=positive_int, default=8, help="imagined steps per real context (default 8)")
    rew.add_argument("--no-progress", action="store_true")
    rew.set_defaults(func=_cmd_train_reward)

    outcome = commands.add_parser(
        "train-outcome", help="train the action-grounded success model (start state + actions -> success) on recorded episodes"
    )
    outcome.add_argument("--data", type=existing_path, nargs="+", default="data", help="recorded dataset folders (with states)")
    outcome.add_argument("--out", type=Path, required=True, help="run folder; the model goes to OUT/outcome_model")
    outcome.add_argument("--task", nargs="+", default=["all"])
    outcome.add_argument("--epochs", type=positive_int, default=30)
    outcome.add_argument("--seed", type=non_negative_int, default=0)
    outcome.add_argument(
        "--motion-features", action="store_true",
        help="also read the hand's and object's motion over the step before each start and the hand path weighted by "
        "the gripper command (OutcomeModelConfig.motion_features)",
    )
    outcome.add_argument(
        "--carried-offset", action="store_true",
        help="also read where the object would stand from the goal at every step if it followed the hand while the "
        "gripper closes (OutcomeModelConfig.carried_offset)",
    )
    outcome.add_argument(
        "--distance-head", action="store_true",
        help="also train each member to estimate how close the object comes to the goal (OutcomeModelConfig.distance_head)",
    )
    outcome.add_argument(
        "--distance-weight", type=non_negative_float, default=1.0,
        help="weight of the distance head's loss next to the success loss (default 1.0; read with --distance-head)",
    )
    outcome.set_defaults(func=_cmd_train_outcome)

    add_outcome = commands.add_parser(
        "add-outcome-model",
        help="add a train-outcome model to a complete bundle, with initial states that carry simulator states",
    )
    add_outcome.add_argument("--bundle", type=existing_path, required=True, help="a complete bundle folder, e.g. envs/coffee-pull")
    add_outcome.add_argument("--run", type=existing_path, required=True, help="the train-outcome output folder")
    add_outcome.add_argument("--data", type=existing_path, default="data",
                             help="the recorded data the bundle was trained on: its training episodes become the initial states")
    add_outcome.add_argument("--keep-classifier-default", action="store_true",
                             help="keep the frame classifier as the bundle's default success signal")
    add_outcome.add_argument("--notes", default="", help="free text recorded in the provenance")
    add_outcome.set_defaults(func=_cmd_add_outcome_model)

    export = commands.add_parser("export-bundle", help="write a learned-simulator bundle from a finished training run")
    export.add_argument("--run", type=existing_path, required=True, help="the train-world-model output folder")
    export.add_argument("--out", type=Path, required=True, help="bundle folder, e.g. envs/coffee-pull")
    export.add_argument("--metrics", type=json_object_file, help="JSON file holding one object of metrics to record in the provenance")
    export.add_argument("--notes", default="", help="free text recorded in the provenance")
    export.add_argument(
        "--reward-run", type=existing_path,
        help="a train-reward output folder, or a complete bundle whose reward classifier to reuse: adds the reward model and real initial states (a complete simulator)",
    )
    export.add_argument(
        "--from-checkpoint", action="store_true",
        help="export the EMA weights of the run's latest checkpoint (the run need not be finished)",
    )
    export.add_argument(
        "--initial-state-frames", type=positive_int, default=51,
        help="frames of each training episode kept as real starting states (random reset draws from them; default 51)",
    )
    export.add_argument(
        "--action-guidance", type=non_negative_float, default=1.0,
        help="the bundle sampler's action guidance weight (1 = none, the default; > 1 needs a world model trained "
        "with --action-dropout; SamplerConfig.action_guidance)",
    )
    export.set_defaults(func=_cmd_export_bundle)

    bc = commands.add_parser("train-bc", help="behaviour-clone the expert demos into an SB3 PPO model (zip)")
    bc.add_argument("--task", default="coffee-pull")
    bc.add_argument("--data", type=existing_path, default="data", help="dataset root written by `dreamgym collect`")
    bc.add_argument("--out", type=Path, default=Path("runs/bc-coffee-pull/bc.zip"))
    bc.add_argument("--steps", type=positive_int, default=4000)
    bc.add_argument("--batch-size", type=batch_size, default=64)
    bc.add_argument("--lr", type=positive_float, default=3e-4)
    bc.add_argument("--shift", type=non_negative_int, default=4, help="random-shift augmentation in pixels (0: off)")
    bc.add_argument("--keep", choices=["averaged", "best-validated"], default="averaged",
                    help="weights to save: the mean of the validation snapshots from --average-from on (stochastic "
                         "weight averaging), or the one with the lowest held-out NLL (default %(default)s)")
    bc.add_argument("--average-from", type=positive_int,
                    help="first validation step averaged (default: half of --steps; --steps itself: the last weights)")
    bc.add_argument("--seed", type=non_negative_int, default=0)
    bc.add_argument("--device", type=device, default="cpu", help="torch device: cpu, or cuda where CUDA is available")
    bc.add_argument("--no-progress", action="store_true")
    bc.set_defaults(func=_cmd_train_bc)

    ref = commands.add_parser(
        "refine", help="improve a policy inside the learned simulator (never the real one): by default behaviour cloning of "
                       "the dream's confirmed successes (--method filtered-bc), or PPO (--method ppo)")
    ref.add_argument("--bc-model", type=existing_path, required=True, help="SB3 zip to start from, e.g. envs/coffee-pull/policies/bc.zip")
    ref.add_argument("--out", type=Path, default=Path("runs/refine-coffee-pull"), help="run folder (a rerun resumes)")
    ref.add_argument("--method", choices=REFINE_METHODS, default="filtered-bc",
                     help="filtered-bc: imitate the imagined episodes whose success the dream confirms, next to the expert "
                          "demonstrations (default; benchmarks/policy/dream-filtered-bc/); ppo: PPO in the dream (World4RL)")
    ref.add_argument("--task", default="coffee-pull")
    ref.add_argument("--bundle", type=existing_path, help="a learned-simulator bundle folder instead of the shipped one")
    ref.add_argument("--num-envs", type=positive_int, help="imagined worlds stepped together (default: 64 with filtered-bc, "
                                                             "256 with ppo)")
    fbc = ref.add_argument_group("--method filtered-bc (the default)")
    fbc.add_argument("--rounds", type=positive_int, help="rounds of imagined episodes, one per world each (default 8)")
    fbc.add_argument("--passes", type=positive_int,
                     help="collect-and-imitate passes, each from the policy the previous pass imitated (default 1; a second "
                          "pass measured no better in reality: benchmarks/policy/dream-filtered-bc/)")
    fbc.add_argument("--imitation-steps", type=positive_int,
                     help="behaviour-cloning steps on the kept episodes and the demonstrations (default 1000; the "
                          "snapshots of the second half are averaged)")
    fbc.add_argument("--imitation-seeds", type=positive_int,
                     help="independent behaviour clonings (own batches and augmentation) averaged into the imitated "
                          "policy, a model soup of clonings from the same start (default 4 since session 33: fewer "
                          "and smaller losses in reality than 1, benchmarks/policy/outcome-signal/)")
    fbc.add_argument("--imitation-lr", type=positive_float, help="learning rate of that behaviour cloning (default 1e-4)")
    fbc.add_argument("--start-decisions", type=non_negative_int, nargs=2, metavar=("FIRST", "LAST"),
                     help="imagined episodes start from real contexts of the bundle's stored trajectories that begin at a "
                          "decision in FIRST..LAST (default: 10 16, cut to what the bundle's trajectories hold; 0 0: "
                          "their first frames, the default before session 21)")
    fbc.add_argument("--pairs", choices=["episode", "until-grasp"],
                     help="which decisions of a kept imagined episode are imitated: all of them (episode, the default), or "
                          "those up to 2 decisions after the first closing command (until-grasp)")
    fbc.add_argument("--success-signal", choices=["classifier", "outcome"], default="outcome",
                     help="which imagined episodes count as successes: the bundle's outcome model's verdict at each "
                          "episode's end (default since session 31; no confirmation), or the frame classifier's, confirmed "
                          "by re-imagining (--confirm-*; the default before)")
    fbc.add_argument("--success-threshold", type=open_probability,
                     help="with --success-signal outcome: imitate only imagined successes the outcome model gives at "
                          "least this probability (default: the model's own threshold, 0.5; 0.9 measured no better in "
                          "reality: benchmarks/policy/outcome-signal/); applied to stored episodes, so a run folder can be "
                          "re-imitated with another threshold")
    fbc.add_argument("--group-size", type=positive_int,
                     help="imagined episodes per start (default 4; 1: every success weighs the same, the default before "
                          "session 31); a kept success weighs the share of its start's episodes that failed, so starts the "
                          "policy always solves in the dream teach nothing")
    fbc.add_argument("--halfway", action="store_true",
                     help="refined.zip halfway between the imitated policy and BC (their mean weights; the default before "
                          "session 31) instead of the imitated policy itself")
    ppo = ref.add_argument_group("--method ppo")
    ppo.add_argument("--iterations", type=positive_int, default=35)
    ppo.add_argument("--mixture-bundles", type=existing_path, nargs="+", default=[], metavar="BUNDLE",
                     help="further bundles (world models trained apart) whose dreams take an equal share of the "
                          "imagined worlds (a mixture of dreams; default: none)")
    ppo.add_argument("--n-steps", type=positive_int, default=32)
    ppo.add_argument("--batch-size", type=batch_of_two, default=1024)
    ppo.add_argument("--epochs", type=positive_int, default=4)
    ppo.add_argument("--actor-lr", type=non_negative_float, default=1e-4)
    ppo.add_argument("--critic-lr", type=positive_float, default=3e-4)
    ppo.add_argument("--critic-warmup", type=non_negative_int, default=2, help="iterations that update only the critic")
    ppo.add_argument("--log-std-max", type=finite_float, default=0.0, help="std clipping bound on the log-std (paper: 0)")
    ppo.add_argument("--no-std-clip", action="store_true", help="switch std clipping off (ablation)")
    ppo.add_argument("--ent-coef", type=non_negative_float, default=0.0)
    ppo.add_argument("--target-kl", type=positive_float,
                     help="trust region: stop an iteration's PPO epochs once the KL to the rollout policy exceeds "
                          "1.5 x this (default: off)")
    ppo.add_argument("--initial-log-std", type=finite_float, help="log-std to start from (default: the BC policy's)")
    ppo.add_argument("--log-std-lr", type=non_negative_float, help="learning rate of the log-std (default: --actor-lr)")
    ppo.add_argument("--anchor-kl", type=non_negative_float, default=0.1,
                     help="weight of KL(pi_BC || pi) on imagined states (0: off; default %(default)s)")
    ppo.add_argument("--demo-nll", type=non_negative_float, default=0.0,
                     help="weight of the recorded demonstrations' action NLL next to the PPO loss (DAPG; 0: off; "
                          "default %(default)s)")
    ref.add_argument("--demo-sources", nargs="+", default=["expert"], metavar="SOURCE",
                     help="recorded episode sources imitated next to the kept imagined episodes (filtered-bc) or by the "
                          "demonstration term (ppo --demo-nll) (default: expert)")
    ref.add_argument("--data", type=Path, default=Path("data"),
                     help="dataset root holding the demonstrations (read by filtered-bc and by ppo --demo-nll)")
    ppo.add_argument("--horizon", type=positive_int, default=20,
                     help="imagined decisions per episode (default %(default)s; the real episode is 50)")
    ppo.add_argument("--reset-mode", choices=["episode_start", "random"], default="random",
                     help="start imagined episodes at real episode starts or anywhere in stored real trajectories "
                          "(default %(default)s)")
    ref.add_argument("--confirm-rerolls", type=non_negative_int,
                     help="pessimistic success: re-imaginings that must reproduce a predicted success (0: off, ppo only; "
                          "default: 4 with filtered-bc, 2 with ppo)")
    ref.add_argument("--confirm-horizon", type=positive_int,
                     help="transitions re-imagined per confirmation (default: 20 with filtered-bc, 8 with ppo)")
    ref.add_argument("--confirm-window", type=positive_int,
                     help="a re-imagining confirms with a success on any of its last this many frames (default: 5 with "
                          "filtered-bc; 1 with ppo, on the frame of the success it confirms)")
    ref.add_argument("--confirm-judge", type=existing_path,
                     help="a second bundle whose world model and classifier re-imagine and judge each predicted "
                          "success (model-ensemble pessimism; default: the dream's own)")
    ref.add_argument("--denoising-steps", type=denoising_steps, help="Euler steps per imagined frame (default: the bundle's)")
    ref.add_argument("--sampler", choices=["distilled", "teacher"],
                     help="world model to imagine with: the one-step distilled student or the teacher (default: the bundle's)")
    ppo.add_argument("--checkpoint-every", type=positive_int, default=5)
    ppo.add_argument("--average-checkpoints", type=positive_int, default=1,
                     help="refined.zip = the mean weights of this many last checkpoints (1: the final policy; "
                          "default %(default)s)")
    ppo.add_argument("--average-with-start", action="store_true",
                     help="put the starting BC policy's weights into that mean too (with --average-checkpoints 1: "
                          "refined.zip halfway between BC and the final policy)")
    ppo.add_argument(
        "--monitor-real-episodes", type=non_negative_int, default=0,
        help="monitoring only: real Meta-World episodes (tuning layouts) per checkpoint, never used for training (0: off)",
    )
    ref.add_argument("--seed", type=non_negative_int, default=0)
    ref.add_argument("--device", type=device, default="cpu", help="torch device: cpu, or cuda where CUDA is available")
    ref.add_argument("--no-progress", action="store_true")
    ref.set_defaults(func=_cmd_refine, refine_defaults={name: ref.get_default(name) for name in PPO_ONLY + FILTERED_BC_ONLY})

    ev = commands.add_parser("evaluate", help="success rate of an SB3 policy in real Meta-World (held-out layouts) and in the dream")
    ev.add_argument("--model", type=existing_path, required=True)
    ev.add_argument("--task", default="coffee-pull")
    ev.add_argument("--seeds", type=non_negative_int, nargs="+", default=[0, 1, 2], help="evaluation seeds (each its own layouts)")
    ev.add_argument("--episodes", type=positive_int, default=50, help="real episodes per seed")
    ev.add_argument("--dream-episodes", type=positive_int, default=32, help="imagined episodes per seed")
    ev.add_argument("--denoising-steps", type=denoising_steps)
    ev.add_argument("--sampler", choices=["distilled", "teacher"], help="world model of the dream evaluation (default: the bundle's)")
    ev.add_argument("--bundle", type=existing_path, help="learned simulator of the dream evaluation (default: the shipped one of --task)")
    ev.add_argument("--stochastic", action="store_true", help="sample actions instead of taking the mean")
    only = ev.add_mutually_exclusive_group()
    only.add_argument("--real-only", action="store_true", help="skip the dream evaluation")
    only.add_argument("--dream-only", action="store_true", help="skip the real evaluation")
    ev.add_argument("--videos", type=Path, help="folder for MP4s of the first real episodes of each seed")
    ev.add_argument("--out", type=Path, help="JSON file for the full report")
    ev.add_argument("--no-progress", action="store_true")
    ev.set_defaults(func=_cmd_evaluate)

    add = commands.add_parser(
        "add-distilled-world-model",
        help="add the one-step student of a distill-world-model run to its teacher's bundle (the default sampler unless told)",
    )
    add.add_argument("--bundle", type=existing_path, required=True, help="the complete bundle whose world model was distilled")
    add.add_argument("--distill-run", type=existing_path, required=True, help="the distill-world-model output folder")
    add.add_argument("--teacher-default", action="store_true", help="keep the teacher as the bundle's default sampler")
    add.add_argument("--float32", action="store_true", help="store the student in float32 (default float16: half the size)")
    add.add_argument("--notes", default="", help="appended to the provenance notes")
    add.set_defaults(func=_cmd_add_distilled_world_model)

    swap = commands.add_parser("replace-reward", help="give a complete bundle a retrained reward classifier (world model kept)")
    swap.add_argument("--bundle", type=existing_path, required=True, help="bundle folder, e.g. envs/coffee-pull")
    swap.add_argument("--reward-run", type=existing_path, required=True, help="a train-reward output folder")
    swap.add_argument("--notes", default="", help="free text appended to the provenance notes")
    swap.set_defaults(func=_cmd_replace_reward)

    check = commands.add_parser("check-rendering", help="check that offscreen rendering works and say how to fix it if not")
    check.set_defaults(func=_cmd_check_rendering)

    demo = commands.add_parser(
        "demo", help="the main job: shipped BC and refined policies in real Meta-World and in the dream, a short refinement, videos"
    )
    demo.add_argument("--out", type=Path, default=Path("outputs/demo"))
    demo.add_argument("--task", default="coffee-pull")
    demo.add_argument("--real-episodes", type=positive_int, default=50, help="real episodes per policy (default 50)")
    demo.add_argument("--dream-episodes", type=positive_int, default=32, help="imagined episodes per policy (default 32)")
    demo.add_argument("--refine-iterations", type=positive_int, default=4, help="PPO iterations of the short refinement (default 4)")
    demo.set_defaults(func=_cmd_demo)
    return parser


OUTPUT_FOLDERS = {
    "collect": "out", "import-minari": "out", "cameras": "out", "train-world-model": "out", "distill-world-model": "out",
    "train-reward": "out", "train-outcome": "out", "export-bundle": "out", "demo": "out", "refine": "out", "evaluate": "videos",
}
"""Commands whose output option names a folder (created if missing): command -> option."""
OUTPUT_FILES = {"train-bc": "out", "evaluate": "out"}
"""Commands whose output option names a file (its folders created if missing): command -> option."""


def _check_output_folder(args: argparse.Namespace) -> None:
    """Refuse an output folder that is, or lies under, an existing file, and an output file that is an existing
    folder or lies under an existing file: before the command works (not when it writes its results)."""
    for outputs, kind in ((OUTPUT_FOLDERS, "folder"), (OUTPUT_FILES, "file")):
        option = outputs.get(args.command)
        path = getattr(args, option, None) if option else None
        if path is None:
            continue
        existing = next((parent for parent in (path, *path.parents) if parent.exists()), None)
        if existing is None or (existing.is_dir() and existing != path) or (existing == path and kind == "folder" and path.is_dir()):
            continue
        if existing == path and kind == "file":
            if path.is_dir():
                raise IsADirectoryError(f"--{option} {path} is an existing folder; expected a file name (folders on the "
                                        "way are created if missing).")
            continue  # an existing file is replaced
        where = "is" if existing == path else f"lies under {existing}, which is"
        expected = "a folder (created if missing)" if kind == "folder" else "a file in a folder (created if missing)"
        raise NotADirectoryError(f"--{option} {path} {where} an existing file; expected {expected}.")


def user_errors() -> tuple[type[BaseException], ...]:
    """Exceptions that report a user's mistake (bad argument, file or data): one line, no traceback.

    dreamgym's own validation errors (``BundleError``, ``EpisodeFormatError``, ...) are ``ValueError``.
    """
    import zipfile

    from safetensors import SafetensorError

    return (
        ValueError, FileNotFoundError, FileExistsError, NotADirectoryError, IsADirectoryError, PermissionError,
        ImportError, SafetensorError, zipfile.BadZipFile,
    )


def one_line(error: BaseException) -> str:
    """An exception's message on one line (its type when it has none)."""
    return " ".join(str(error).split()) or type(error).__name__


def main(argv: list[str] | None = None) -> int:
    """Run one command; a user error prints ``dreamgym <command>: error: ...`` on one line and returns 2.

    Bad arguments (out of range, missing input paths) are reported the same way, by the parser.
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # a bad argument (one line, printed by OneLineParser) or --help
        return 0 if exit_.code is None else int(exit_.code)
    try:
        _check_output_folder(args)
        args.func(args)
    except user_errors() as error:
        print(f"dreamgym {args.command}: error: {one_line(error)}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
