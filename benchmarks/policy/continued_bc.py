"""Control for DAPG's demonstration term (``dreamgym refine --demo-nll``): the same demonstration
gradient steps without PPO and without the dream.

A refinement run with ``--demo-nll`` takes one minibatch of the recorded expert demonstrations per PPO
optimizer step. Whatever it gains over plain refinement could come from that extra behaviour cloning
alone. This script applies exactly that part to the BC policy: Adam on the actor (and log-std) at the
refinement's actor learning rate, ``--steps`` minibatches of ``--batch-size`` shifted demonstration frames,
the NLL scaled by ``--coef`` (Adam makes the scale matter little). It saves the policy after the steps
listed in ``--save-at`` and the mean of those (the counterpart of ``--average-checkpoints``).

With the CPU recipe (64 worlds, batch 512, 4 epochs, 24 iterations of which 2 warm up the critic) a run
takes 16 demonstration steps per iteration: 352 in all, 160 / 256 / 352 by iterations 12 / 18 / 24.

    python benchmarks/policy/continued_bc.py --bc-model runs/bc-seed2/bc.zip --out runs/continued-bc/seed2
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch


def continue_bc(bc_model: Path, out: Path, data_dir: Path, steps: int, save_at: list[int], learning_rate: float,
                batch_size: int, coef: float, seed: int, shift_pixels: int = 4) -> dict:
    """Behaviour cloning of the expert demonstrations continued from ``bc_model``; returns a summary."""
    from dreamgym.data.episode import load_episodes
    from dreamgym.policy.bc import DemonstrationSampler, demonstration_pairs
    from dreamgym.policy.model import actor_critic_parameters, average_policies, load_policy, save_model

    episodes = load_episodes(data_dir / "coffee-pull", keep=lambda meta: meta.get("source") == "expert")
    frames, actions = demonstration_pairs(episodes)
    model = load_policy(bc_model)
    actor, _ = actor_critic_parameters(model.policy)
    optimizer = torch.optim.Adam(actor, lr=learning_rate, eps=1e-5)
    sampler = DemonstrationSampler(frames, actions, batch_size, shift_pixels, torch.Generator().manual_seed(seed))
    out.mkdir(parents=True, exist_ok=True)
    saved, nll_history = [], []
    model.policy.set_training_mode(True)
    for step in range(1, steps + 1):
        nll, _ = sampler.nll(model.policy)
        optimizer.zero_grad(set_to_none=True)
        (coef * nll).backward()
        optimizer.step()
        nll_history.append(float(nll.detach()))
        if step in save_at:
            saved.append(save_model(model, out / f"step_{step:04d}.zip"))
    save_model(model, out / "final.zip")
    save_model(average_policies(saved), out / "averaged.zip")
    summary = {"bc_model": str(bc_model), "steps": steps, "save_at": save_at, "learning_rate": learning_rate,
               "batch_size": batch_size, "coef": coef, "seed": seed, "pairs": len(frames),
               "nll_first_10": sum(nll_history[:10]) / 10, "nll_last_10": sum(nll_history[-10:]) / 10}
    (out / "summary.json").write_text(json.dumps(summary, indent=2))
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bc-model", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True, help="folder for final.zip, averaged.zip and summary.json")
    parser.add_argument("--data", type=Path, default=Path("data"))
    parser.add_argument("--steps", type=int, default=352)
    parser.add_argument("--save-at", type=int, nargs="+", default=[160, 256, 352])
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--coef", type=float, default=0.5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if not all(1 <= step <= args.steps for step in args.save_at):
        raise SystemExit(f"--save-at steps must lie in [1, --steps={args.steps}], got {args.save_at}")
    print(json.dumps(continue_bc(args.bc_model, args.out, args.data, args.steps, sorted(set(args.save_at)), args.lr,
                                 args.batch_size, args.coef, args.seed)))


if __name__ == "__main__":
    main()
