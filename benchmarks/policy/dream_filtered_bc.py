"""Experiment (issue 10): success-filtered behaviour cloning in the dream, with a random-selection null.

PPO in the dream has moved the three BC policies' real success by noise only (``gpu-scale/README.md``,
sessions 17-19), although the confirmed dream reward (4 re-imaginings of the last 20 transitions) pays
real successes about seven times as often as real failures when it replays real grasps
(``../decision_fidelity/README.md``, "What refine's pessimism pays": 0.38 against 0.05). This script
uses that signal with a lower-variance update than PPO's: it lets the BC policy act (sampling from its
Gaussian) in ``--rounds`` batches of ``--num-envs`` imagined episodes from real episode starts, keeps the
episodes the dream calls a *confirmed* success, and continues behaviour cloning from the BC weights on
their (imagined frame, action) pairs mixed half and half with the expert demonstrations.

Real success of these policies moves by 10-30 points under small weight changes alone (see
``continued_bc.py``), so every selection is paired with a **null** from the same imagined episodes:
``--selection random`` keeps as many episodes as the success filter did, drawn uniformly without looking
at the outcome, and fine-tunes identically. Only the difference between the two arms is evidence that the
dream's outcome taught the policy something. No real-simulator step is taken here.

    python benchmarks/policy/dream_filtered_bc.py --bc-model runs/bc-seed2/bc.zip --out runs/dream-filtered-bc/bv2s18

writes ``<out>/dream_episodes.npz`` (resumable by round), ``<out>/<selection>/policy.zip`` and
``<out>/<selection>/summary.json`` per selection. Evaluate with
``dreamgym evaluate --model <out>/<selection>/policy.zip --seeds 0 1 2 --episodes 50 --real-only``.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm

SELECTIONS = ("success", "random")


@dataclass
class FilteredBCConfig:
    """What one run collects in the dream and how it fine-tunes.

    :param bc_model: SB3 zip of the BC policy to improve.
    :param out: run folder.
    :param bundle: learned simulator (default: the shipped coffee-pull bundle).
    :param rounds: batches of imagined episodes; each world plays exactly one episode per round.
    :param num_envs: imagined worlds per round.
    :param confirmation: success confirmation (rerolls, horizon, window) of the dream's reward.
    :param selections: which fine-tunes to run: ``success`` (confirmed successes) and/or ``random`` (the null).
    :param steps: fine-tuning gradient steps.
    :param batch_size: pairs per step, half imagined, half expert demonstrations.
    :param learning_rate: Adam learning rate of the actor (and log-std).
    :param average_from: the saved policy is the mean of the snapshots every ``snapshot_every`` steps from this step on.
    :param snapshot_every: steps between the averaged snapshots.
    :param seed: seed of the dream, the random selection and the fine-tune.
    :param data_dir: dataset root holding the expert demonstrations.
    """

    bc_model: Path
    out: Path
    bundle: Path | None = None
    rounds: int = 4
    num_envs: int = 64
    confirmation: tuple[int, int, int] = (4, 20, 5)
    selections: tuple[str, ...] = SELECTIONS
    steps: int = 1000
    batch_size: int = 64
    learning_rate: float = 1e-4
    average_from: int = 500
    snapshot_every: int = 50
    seed: int = 0
    data_dir: Path = Path("data")
    shift_pixels: int = field(default=4)

    def __post_init__(self) -> None:
        self.bc_model, self.out, self.data_dir = Path(self.bc_model), Path(self.out), Path(self.data_dir)
        if not self.bc_model.is_file():
            raise FileNotFoundError(f"--bc-model {self.bc_model} does not exist; expected an SB3 zip from `dreamgym train-bc`.")
        unknown = [s for s in self.selections if s not in SELECTIONS]
        if unknown or not self.selections:
            raise ValueError(f"--selection must name one or more of {SELECTIONS}, got {list(self.selections)}.")
        for name in ("rounds", "num_envs", "steps", "snapshot_every"):
            if getattr(self, name) < 1:
                raise ValueError(f"--{name.replace('_', '-')} must be >= 1, got {getattr(self, name)}.")
        if self.batch_size < 2 or self.batch_size % 2:
            raise ValueError(f"--batch-size must be an even number >= 2 (half imagined, half expert), got {self.batch_size}.")
        if not 1 <= self.average_from <= self.steps:
            raise ValueError(f"--average-from must be a step in [1, --steps={self.steps}], got {self.average_from}.")


def _dream(config: FilteredBCConfig):
    from dreamgym.dream.vector_env import DreamWorldVectorEnv

    rerolls, horizon, window = config.confirmation
    return DreamWorldVectorEnv(
        num_envs=config.num_envs, task="coffee-pull", bundle=config.bundle, reset_mode="episode_start",
        success_confirmation={"rerolls": rerolls, "horizon": horizon, "window": window},
    )


def play_round(model, env, seed: int) -> list[dict]:
    """One imagined episode per world from real episode starts, the policy sampling its actions.

    Returns per world the frames the policy saw, its actions and whether the dream confirmed a success.
    Worlds that finished are still stepped (the batch stays whole) but their later steps are dropped.
    """
    observation, _ = env.reset(seed=seed)
    count = env.num_envs
    frames: list[list[np.ndarray]] = [[] for _ in range(count)]
    actions: list[list[np.ndarray]] = [[] for _ in range(count)]
    success = np.zeros(count, bool)
    running = np.ones(count, bool)
    while running.any():
        action, _ = model.predict(observation, deterministic=False)
        observation_next, reward, terminated, truncated, _ = env.step(action.astype(np.float32))
        for world in np.flatnonzero(running):
            frames[world].append(observation[world])
            actions[world].append(action[world].astype(np.float32))
            if terminated[world] or truncated[world]:
                success[world] = bool(reward[world] > 0)
                running[world] = False
        observation = observation_next
    return [{"frames": np.stack(f), "actions": np.stack(a), "success": bool(s)} for f, a, s in zip(frames, actions, success)]


def _save_npz(path: Path, arrays: dict) -> None:
    with open(path, "wb") as handle:  # a file handle: np.savez would append .npz to the temp file's name
        np.savez(handle, **arrays)


def collect(config: FilteredBCConfig, progress: bool = True) -> dict:
    """Play the rounds not yet stored in ``<out>/dream_episodes.npz``; returns its arrays."""
    from dreamgym.files import atomic_write
    from dreamgym.policy.model import load_policy

    path = config.out / "dream_episodes.npz"
    stored = dict(np.load(path)) if path.exists() else {}
    done_rounds = int(stored["rounds"]) if stored else 0
    if done_rounds >= config.rounds:
        return stored
    model = load_policy(config.bc_model)
    env = _dream(config)
    for round_index in tqdm(range(done_rounds, config.rounds), desc="imagined rounds", disable=not progress):
        started = time.time()
        episodes = play_round(model, env, seed=config.seed * 1000 + round_index)
        new = {
            "frames": np.concatenate([e["frames"] for e in episodes]),
            "actions": np.concatenate([e["actions"] for e in episodes]),
            "lengths": np.array([len(e["actions"]) for e in episodes]),
            "success": np.array([e["success"] for e in episodes]),
            "round_seconds": np.array([time.time() - started]),
        }
        stored = {key: np.concatenate([stored[key], value]) if stored else value for key, value in new.items()}
        stored["rounds"] = np.array(round_index + 1)
        config.out.mkdir(parents=True, exist_ok=True)
        atomic_write(path, lambda temporary: _save_npz(temporary, stored))
        print(f"round {round_index}: {int(new['success'].sum())}/{len(episodes)} confirmed successes, "
              f"{new['round_seconds'][0]:.0f} s", flush=True)
    env.close()
    return stored


def select_episodes(success: np.ndarray, selection: str, seed: int) -> np.ndarray:
    """Indices of the kept episodes: the confirmed successes, or as many drawn without looking (the null)."""
    successes = np.flatnonzero(success)
    if selection == "success":
        return successes
    return np.sort(np.random.default_rng(seed).choice(len(success), size=len(successes), replace=False))


def finetune(config: FilteredBCConfig, stored: dict, selection: str, progress: bool = True) -> dict:
    """Continue behaviour cloning from the BC weights on the selected imagined pairs and the expert demos."""
    from dreamgym.augment import random_shift
    from dreamgym.data.episode import load_episodes
    from dreamgym.policy.bc import action_nll, demonstration_pairs
    from dreamgym.policy.model import WeightMean, actor_critic_parameters, load_policy, save_model
    from dreamgym.runs import hardware_description

    kept = select_episodes(stored["success"], selection, config.seed)
    if not len(kept):
        raise RuntimeError(f"The dream confirmed no success in {len(stored['success'])} episodes; nothing to imitate.")
    starts = np.concatenate([[0], np.cumsum(stored["lengths"])])
    index = np.concatenate([np.arange(starts[i], starts[i + 1]) for i in kept])
    dream_frames = torch.from_numpy(stored["frames"][index])
    dream_actions = torch.from_numpy(stored["actions"][index])
    experts = load_episodes(config.data_dir / "coffee-pull", keep=lambda meta: meta.get("source") == "expert")
    expert_frames, expert_actions = demonstration_pairs(experts)

    torch.manual_seed(config.seed)
    generator = torch.Generator().manual_seed(config.seed)
    model = load_policy(config.bc_model)
    policy = model.policy
    actor, _ = actor_critic_parameters(policy)
    optimizer = torch.optim.Adam(actor, lr=config.learning_rate)
    half = config.batch_size // 2
    weights = WeightMean()
    history = []
    started = time.time()
    for step in tqdm(range(1, config.steps + 1), desc=f"fine-tune ({selection})", disable=not progress):
        policy.set_training_mode(True)
        d = torch.randint(0, len(dream_frames), (half,), generator=generator)
        e = torch.randint(0, len(expert_frames), (half,), generator=generator)
        frames = random_shift(torch.cat([dream_frames[d], expert_frames[e]]), config.shift_pixels, generator)
        nll, mse = action_nll(policy, frames, torch.cat([dream_actions[d], expert_actions[e]]))
        if not torch.isfinite(nll):
            raise FloatingPointError(f"The fine-tuning loss became {nll.item()} at step {step}; lower --learning-rate.")
        optimizer.zero_grad(set_to_none=True)
        nll.backward()
        optimizer.step()
        if step % config.snapshot_every == 0 or step == config.steps:
            history.append({"step": step, "nll": nll.item(), "mse": mse.item()})
            if step >= config.average_from:
                weights.add(policy.state_dict(), name=f"step {step}")
    policy.load_state_dict(weights.mean())
    out = config.out / selection
    save_model(model, out / "policy.zip")
    summary = {
        "config": {key: str(value) if isinstance(value, Path) else value for key, value in asdict(config).items()},
        "selection": selection,
        "dream_episodes": int(len(stored["success"])),
        "dream_confirmed_successes": int(stored["success"].sum()),
        "kept_episodes": int(len(kept)),
        "kept_confirmed_successes": int(stored["success"][kept].sum()),
        "kept_pairs": int(len(index)),
        "expert_pairs": int(len(expert_frames)),
        "averaged_snapshots": weights.count,
        "log_std": policy.log_std.detach().tolist(),
        "history": history,
        "collect_seconds": float(stored["round_seconds"].sum()),
        "finetune_seconds": round(time.time() - started, 1),
        "hardware": hardware_description(torch.device("cpu")),
    }
    (out / "summary.json").write_text(json.dumps(summary, indent=2))
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bc-model", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--bundle", type=Path)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--num-envs", type=int, default=64)
    parser.add_argument("--confirm", default="4,20,5", help="rerolls,horizon,window of the success confirmation")
    parser.add_argument("--selection", nargs="+", default=list(SELECTIONS), choices=SELECTIONS)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--learning-rate", type=float, default=1e-4)
    parser.add_argument("--average-from", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", type=Path, default=Path("data"))
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)
    try:
        confirmation = tuple(int(part) for part in args.confirm.split(","))
        if len(confirmation) != 3:
            raise ValueError
    except ValueError:
        parser.error(f"--confirm must be three integers rerolls,horizon,window (e.g. 4,20,5), got {args.confirm!r}")
    config = FilteredBCConfig(
        bc_model=args.bc_model, out=args.out, bundle=args.bundle, rounds=args.rounds, num_envs=args.num_envs,
        confirmation=confirmation, selections=tuple(args.selection), steps=args.steps, batch_size=args.batch_size,
        learning_rate=args.learning_rate, average_from=args.average_from, seed=args.seed, data_dir=args.data,
    )
    stored = collect(config, progress=not args.no_progress)
    print(f"{int(stored['success'].sum())}/{len(stored['success'])} imagined episodes confirmed successful")
    for selection in config.selections:
        summary = finetune(config, stored, selection, progress=not args.no_progress)
        print(json.dumps({k: summary[k] for k in ("selection", "kept_episodes", "kept_confirmed_successes", "kept_pairs")}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
