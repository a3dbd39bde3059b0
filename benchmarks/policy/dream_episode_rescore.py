"""Re-imagine whole imagined episodes from their real start: a dream-only score of an action sequence.

``dreamgym refine --method filtered-bc`` keeps an imagined episode when re-imagining its last 20 transitions
reproduces the success. Replayed open loop in real Meta-World (``dream_episode_replay.py``), most of those
episodes' actions fail: the dream drew the approach wrong and the re-imagined ending inherits that. This script
asks the dream a stricter question, the counterpart of the open-loop real replay: imagine the *whole* episode
again, ``--rerolls`` times with fresh noise, from the same real 4-frame start and with the same actions; how many
of those re-imaginings end in success (the classifier firing on one of the last ``--window`` frames)?

``--judge-bundle`` asks another learned simulator instead (its world model, sampler and classifier; the
contexts still come from the shipped bundle that imagined the episodes): a second dream as a judge, whose
errors may lie elsewhere. ``fired_anywhere`` also records whether the classifier fired on any re-imagined frame.

No real step is taken; ``<run>/real_replay.json`` is read only to report how well the score separates the
episodes whose actions really succeed.

    python benchmarks/policy/dream_episode_rescore.py runs/dream-filtered-bc/bv0s18-s0 --rerolls 4
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import time
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm

from dreamgym.bundle import find_bundle
from dreamgym.dream.simulator import LearnedSimulator
from dreamgym.files import atomic_write_json
from dreamgym.world_model.evaluation import autoregressive_rollout

_spec = importlib.util.spec_from_file_location("dream_episode_replay", Path(__file__).with_name("dream_episode_replay.py"))
_replay = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_replay)
start_of_each_episode = _replay.start_of_each_episode


@torch.no_grad()  # not torch.set_grad_enabled(False): a caller's own autograd (tests) must survive
def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run", type=Path, help="a filtered-bc run folder holding imagined_episodes.npz")
    parser.add_argument("--task", default="coffee-pull")
    parser.add_argument("--rerolls", type=int, default=4)
    parser.add_argument("--window", type=int, default=5)
    parser.add_argument("--which", choices=["confirmed", "predicted", "all"], default="confirmed",
                        help="episodes to rescore: the dream's confirmed successes, every episode the dream ended "
                             "early (a predicted success), or all")
    parser.add_argument("--sampler", choices=["distilled", "teacher"], default=None,
                        help="world model that re-imagines (default: the bundle's, which imagined the episodes)")
    parser.add_argument("--judge-bundle", type=Path, default=None,
                        help="re-imagine with this bundle's world model and classifier (default: the shipped bundle)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=None, help="JSON to write (default: <run>/rescore.json)")
    args = parser.parse_args(argv)

    simulator = LearnedSimulator.load(find_bundle(args.task), "cpu", sampler=args.sampler)
    judge = simulator if args.judge_bundle is None else LearnedSimulator.load(args.judge_bundle, "cpu", sampler=args.sampler)
    episodes = dict(np.load(args.run / "imagined_episodes.npz"))
    lengths, confirmed = episodes["lengths"], episodes["success"].astype(bool)
    context = simulator.manifest.context_frames
    starts, first = start_of_each_episode(episodes, simulator.initial_states, context)
    if (starts < 0).any():
        raise SystemExit(f"{int((starts < 0).sum())} imagined episodes start from no bundle context.")
    chosen = {"confirmed": confirmed, "predicted": lengths < 50, "all": np.ones_like(confirmed)}[args.which]
    bounds = np.concatenate([[0], np.cumsum(lengths)])
    generator = torch.Generator().manual_seed(args.seed)
    threshold = judge.reward_model.config.threshold
    fired = np.full((len(lengths), args.rerolls), -1, dtype=np.int8)
    fired_anywhere = np.full((len(lengths), args.rerolls), -1, dtype=np.int8)
    started = time.time()
    for length in tqdm(sorted(set(lengths[chosen].tolist())), desc="episode lengths", mininterval=10):
        members = np.flatnonzero(chosen & (lengths == length))
        frames, context_actions = simulator.initial_states.contexts(starts[members], first[members], context)
        actions = torch.cat([context_actions,
                             torch.stack([torch.from_numpy(episodes["actions"][bounds[i]:bounds[i + 1]]) for i in members])], dim=1)
        imagined = autoregressive_rollout(judge.world_model, frames.repeat_interleave(args.rerolls, 0),
                                          actions.repeat_interleave(args.rerolls, 0), judge.sampler, generator)
        probability = judge.reward_model.success_probability(imagined.flatten(0, 1)).float().view(imagined.shape[:2])
        fired[members] = (probability[:, -args.window:] >= threshold).any(dim=1).view(-1, args.rerolls).numpy()
        fired_anywhere[members] = (probability >= threshold).any(dim=1).view(-1, args.rerolls).numpy()
    result = {"run": str(args.run), "rerolls": args.rerolls, "window": args.window, "which": args.which,
              "judge_bundle": str(args.judge_bundle) if args.judge_bundle else None,
              "sampler": judge.sampler_name, "seconds": round(time.time() - started, 1),
              "fired": fired.tolist(), "fired_anywhere": fired_anywhere.tolist()}
    replay = args.run / "real_replay.json"
    if replay.exists():
        real = np.array(json.loads(replay.read_text())["real_success"], bool)
        score = np.where(chosen, (fired == 1).sum(axis=1), -1)
        result["real_by_score"] = {str(k): {"episodes": int((score == k).sum()), "real": int((real & (score == k)).sum())}
                                   for k in range(args.rerolls + 1)}
        score = np.where(chosen, (fired_anywhere == 1).sum(axis=1), -1)
        result["real_by_score_anywhere"] = {str(k): {"episodes": int((score == k).sum()),
                                                     "real": int((real & (score == k)).sum())}
                                            for k in range(args.rerolls + 1)}
    atomic_write_json(args.out or args.run / "rescore.json", result)
    print(json.dumps({k: v for k, v in result.items() if k not in ("fired", "fired_anywhere")}, indent=1))


if __name__ == "__main__":
    main()
