"""The main job (``make demo`` / ``dreamgym demo``): the shipped coffee-pull learned simulator at work.

1. loads the shipped bundle (world model, success classifier, outcome model, real starting states) and the shipped
   policies ``policies/bc.zip`` (behaviour cloning) and ``policies/refined.zip`` (refined in the dream by ``dreamgym refine``);
2. evaluates both in real Meta-World on held-out layouts;
3. evaluates both inside the dream (success judged by the bundle's default success signal: for coffee-pull the
   outcome model, at the end of each imagined episode);
4. runs a short PPO refinement of the BC policy inside the dream (it never touches Meta-World);
5. films the refined policy acting in real Meta-World and, from the same first 4 real frames, in the
   dream: ``refined_real_vs_dream.mp4`` (left real, right imagined).

It writes ``results.md`` (a table), ``summary.json`` and the videos to ``out_dir``. The shipped
policies are the ones ``benchmarks/policy`` measured; the demo's own numbers use fewer episodes.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from dreamgym.bundle import BundleError, find_bundle
from dreamgym.media import side_by_side, write_video


@dataclass
class DemoConfig:
    """What the demo runs.

    :param out_dir: where videos, table and summary go.
    :param task: task whose shipped simulator and policies to show.
    :param real_episodes: real Meta-World episodes per policy (held-out layouts of evaluation seed 0).
    :param dream_episodes: imagined episodes per policy.
    :param refine_iterations: PPO iterations of the short refinement.
    :param refine_envs: imagined worlds of the short refinement.
    :param refine_steps: steps per world per PPO iteration.
    """

    out_dir: Path = Path("outputs/demo")
    task: str = "coffee-pull"
    real_episodes: int = 50
    dream_episodes: int = 32
    refine_iterations: int = 4
    refine_envs: int = 8
    refine_steps: int = 32

    def __post_init__(self) -> None:
        self.out_dir = Path(self.out_dir)
        for name in ("real_episodes", "dream_episodes", "refine_iterations", "refine_envs", "refine_steps"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}.")


def shipped_policies(bundle: Path) -> dict[str, Path]:
    """``{"bc": ..., "refined": ...}`` zips of a bundle; a clear error if they are missing."""
    paths = {name: bundle / "policies" / f"{name}.zip" for name in ("bc", "refined")}
    missing = [str(p) for p in paths.values() if not p.is_file()]
    if missing:
        raise BundleError(f"The bundle {bundle} ships no policies {missing}; train them with `dreamgym train-bc` and `dreamgym refine`.")
    return paths


def film_real_and_dream(model, simulator, task: str, reset_seed: int, path: Path) -> dict:
    """One real episode of ``model`` and, from its first 4 real frames, the same policy in the dream."""
    from dreamgym.dream.vector_env import DreamWorldVectorEnv
    from dreamgym.policy.evaluate import run_real_episode
    from dreamgym.real import MetaWorldPixelEnv

    env = MetaWorldPixelEnv(task, terminate_on_success=True)
    real = run_real_episode(model, env, reset_seed, record=True)
    env.close()
    history = simulator.manifest.context_frames
    dream = DreamWorldVectorEnv(num_envs=1, simulator=simulator)
    observation, _ = dream.reset(seed=reset_seed, options={
        "frames": real["frames"][None, :history], "actions": real["actions"][None, : history - 1],
        # where the outcome model (the dream's success signal, if the bundle's default) starts from
        "states": real["states"][None, history - 1], "decisions": np.array([history - 1]),
    })
    imagined, dream_success = [observation[0]], None
    for step in range(dream.max_episode_steps):
        action, _ = model.predict(observation, deterministic=True)
        observation, _, terminated, truncated, info = dream.step(action)
        imagined.append(info["final_obs"][0] if terminated[0] or truncated[0] else observation[0])
        if terminated[0] or truncated[0]:
            dream_success = history - 1 + step + 1 if terminated[0] else None
            break
    dream.close()
    real_frames, imagined = real["frames"][history - 1 :], np.stack(imagined)
    length = max(len(real_frames), len(imagined))
    pad = lambda video: np.concatenate([video, np.repeat(video[-1:], length - len(video), 0)])  # noqa: E731
    write_video(path, side_by_side([pad(real_frames), pad(imagined)]), fps=8)
    return {"video": str(path), "reset_seed": reset_seed, "real_first_success_step": real["first_success_step"],
            "dream_first_success_step": dream_success}


def results_table(evaluations: dict, refinement: dict) -> str:
    lines = ["| policy | real Meta-World success | dream success |", "|---|---|---|"]
    for name, ev in evaluations.items():
        real, dream = ev["real"], ev["dream"]
        lines.append(f"| {name} | {real['mean']:.2f} ({real['episodes_per_seed']} episodes) | "
                     f"{dream['mean']:.2f} ({dream['episodes_per_seed']} episodes) |")
    rates = ", ".join(f"{h['dream_success_rate']:.2f}" for h in refinement["history"])
    lines += ["", f"Short refinement in the dream ({refinement['iterations']} PPO iterations, "
              f"{refinement['imagined_transitions']} imagined transitions, {refinement['seconds']:.0f} s): "
              f"dream success of the training rollouts per iteration: {rates}."]
    return "\n".join(lines) + "\n"


def run_demo(config: DemoConfig) -> dict:
    """Run the five steps of the module docstring; return (and write) a summary."""
    from dreamgym.dream.simulator import LearnedSimulator
    from dreamgym.policy.evaluate import evaluate_dream, evaluate_real, reset_seeds
    from dreamgym.policy.model import load_policy
    from dreamgym.policy.refine import RefineConfig, refine

    start = time.time()
    config.out_dir.mkdir(parents=True, exist_ok=True)
    bundle = find_bundle(config.task)
    print(f"[1/5] loading the learned simulator and the shipped policies from {bundle}")
    simulator = LearnedSimulator.load(bundle)
    paths = shipped_policies(bundle)
    models = {name: load_policy(path) for name, path in paths.items()}

    print(f"[2/5] evaluating BC and refined in real Meta-World ({config.real_episodes} held-out layouts each)")
    real = {name: evaluate_real(model, config.task, [0], config.real_episodes, video_dir=config.out_dir / f"real-{name}",
                                videos_per_seed=1, desc=f"{name} in real")
            for name, model in models.items()}
    print(f"[3/5] evaluating them inside the dream ({config.dream_episodes} imagined episodes each)")
    dream = {name: evaluate_dream(model, config.task, [0], config.dream_episodes, simulator=simulator)
             for name, model in models.items()}

    print(f"[4/5] refining the BC policy inside the dream for {config.refine_iterations} PPO iterations (no Meta-World)")
    refine_dir = config.out_dir / "refine"
    refine_config = RefineConfig(
        bc_model=paths["bc"], out_dir=refine_dir, task=config.task, iterations=config.refine_iterations,
        num_envs=config.refine_envs, n_steps=config.refine_steps, batch_size=config.refine_envs * config.refine_steps // 2,
        critic_warmup_iterations=min(1, config.refine_iterations - 1), checkpoint_every=config.refine_iterations,
    )
    for stale in ("resume.pt", "summary.json", "history.json"):  # the demo always starts a fresh refinement
        (refine_dir / stale).unlink(missing_ok=True)
    refinement = refine(refine_config)
    refinement["history"] = json.loads((refine_dir / "history.json").read_text())

    print("[5/5] filming the refined policy in real Meta-World and in the dream from the same start")
    film = film_real_and_dream(models["refined"], simulator, config.task, reset_seeds(1, 1)[0],
                               config.out_dir / "refined_real_vs_dream.mp4")

    evaluations = {name: {"real": {k: v for k, v in real[name].items() if k != "per_seed"},
                          "dream": {k: v for k, v in dream[name].items() if k != "per_seed"}} for name in models}
    table = results_table(evaluations, refinement)
    (config.out_dir / "results.md").write_text(table)
    summary = {
        "config": {**asdict(config), "out_dir": str(config.out_dir)},
        "bundle": str(bundle),
        "evaluations": evaluations,
        "short_refinement": {k: refinement[k] for k in ("iterations", "imagined_transitions", "seconds", "hardware")},
        "short_refinement_dream_success": [h["dream_success_rate"] for h in refinement["history"]],
        "side_by_side": film,
        "seconds": round(time.time() - start, 1),
    }
    (config.out_dir / "summary.json").write_text(json.dumps(summary, indent=2))
    print(table)
    print(f"videos: {film['video']} (left real, right dream), {config.out_dir}/real-bc, {config.out_dir}/real-refined")
    print(f"done in {summary['seconds']:.0f} s; table: {config.out_dir / 'results.md'}, summary: {config.out_dir / 'summary.json'}")
    return summary
