"""Report of success-filtered behaviour cloning in the dream (``dream_filtered_bc.py``) against its null.

    python benchmarks/policy/dream_filtered_bc_report.py benchmarks/policy/dream-filtered-bc

Reads ``real-<bc>-s<seed>-<selection>.json`` (``dreamgym evaluate --real-only --seeds 0 1 2 --episodes 50``),
``summary-<bc>-s<seed>-<selection>.json`` (the runs' summaries) and the BC policies' evaluations on the same
layouts (``../gpu-scale/cpu-confirm-bc-<bc>.json``, :data:`BC_EVALUATIONS`); writes ``RESULTS.md``: per run and pooled, the real
success of BC, of the success-filtered fine-tune and of the random-selection null, the layouts each gained and
lost against BC, and the layouts solved only by the filtered policy or only by its null (two-sided sign tests).
Where ``replay-<bc>-s<seed>.json`` (``dream_episode_replay.py``) exists, a second table holds how the imagined
episodes' actions fare replayed open loop in reality and the real success of the oracle arms
(``real-<bc>-s<seed>-oracle-<selection>.json``); ``rescore-<bc>-s<seed>-<sampler>.json``
(``dream_episode_rescore.py``) adds how whole-episode re-imagination scores the confirmed episodes.
``round2-real-<bc>-s<seed>-late-<selection>.json`` (a second round started from the first round's filtered policy,
with its own null) and ``round2-halfway-...`` (halfway between the round-2 policy and BC) make a third table;
``pooled-real-<bc>-s<seed>-late.json`` and ``pooled-halfway-...`` (``dream_filtered_bc_pooled.py``: both rounds' confirmed
successes imitated from BC at once) a fourth; ``seeds01-real-<bc>-late.json`` and ``seeds01-halfway-...`` (one pass on
the imagined episodes of seeds 0 and 1 together) a fifth; ``imitation-seed<k>-real-<bc>-s0-late.json`` (the seed-0
late run's kept episodes imitated with another seed) and ``imitation-soup-{real,halfway}-...`` (the mean weights of the
three imitations, and halfway to BC) a sixth; with ``imitation-seed<k>-halfway-...`` for both imagination seeds, a
seventh gives the one-pass default's gain over every imagination and imitation seed measured.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
from collections.abc import Callable
from pathlib import Path

_spec = importlib.util.spec_from_file_location("gpu_scale_report", Path(__file__).with_name("gpu_scale_report.py"))
_report = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_report)
real_outcomes, sign_test, _pair = _report.real_outcomes, _report.sign_test, _report.paired_changes

BC_EVALUATIONS = {"shipped": "bc-seed0.json"}
"""BC label -> its evaluation in ``../gpu-scale/`` where that is not ``cpu-confirm-bc-<label>.json``
(``shipped``: ``envs/coffee-pull/policies/bc.zip``, BC training seed 0; its weights equal ``bv0s18``'s, and
``bc-seed0.json`` is an evaluation made on 2026-11-25 that solved one layout fewer than this CPU's 0.900)."""
def bc_evaluation(folder: Path, label: str) -> Path:
    """The evaluation of BC policy ``label`` on the same layouts, in ``../gpu-scale/`` next to ``folder``."""
    return folder.parent / "gpu-scale" / BC_EVALUATIONS.get(label, f"cpu-confirm-bc-{label}.json")


RUN = re.compile(r"real-(?P<bc>[^-]+)-s(?P<seed>\d+)(?P<starts>-mid|-late)?-success(?P<pairs>-until-grasp)?\.json")
STARTS = {None: "episode starts", "-mid": "decisions 0-16", "-late": "decisions 10-16"}
"""Where the imagined episodes started (``--start-decisions``), by the tag of the file names."""


def rows(folder: Path) -> list[dict]:
    """One row per (BC, seed) run with both arms evaluated, then a pooled row."""
    result = []
    for path in sorted(folder.glob("real-*-success*.json"), key=lambda p: (bool(RUN.fullmatch(p.name) and RUN.fullmatch(p.name)["pairs"]), p.name)):
        match = RUN.fullmatch(path.name)
        null_path = folder / path.name.replace("-success", "-random")
        bc_path = bc_evaluation(folder, match["bc"]) if match else None
        if not match or not null_path.exists() or not bc_path.exists():
            continue
        bc, filtered, null = (real_outcomes(p) for p in (bc_path, path, null_path))
        summary = json.loads((folder / path.name.replace("real-", "summary-")).read_text())
        halfway_path = folder / f"halfway-{match['bc']}-s{match['seed']}{match['starts'] or ''}-success.json"
        halfway = real_outcomes(halfway_path) if not match["pairs"] and halfway_path.exists() else None
        result.append({
            "halfway": None if halfway is None else sum(halfway.values()),
            "halfway_vs_bc": None if halfway is None else _pair(halfway, bc, halfway_path),
            "run": f"{match['bc']} seed {match['seed']}", "pairs": "until grasp" if match["pairs"] else "episode", "layouts": len(bc),
            "starts": STARTS[match["starts"]],
            "bc": sum(bc.values()), "filtered": sum(filtered.values()), "null": sum(null.values()),
            "filtered_vs_bc": _pair(filtered, bc, path), "null_vs_bc": _pair(null, bc, null_path),
            "filtered_vs_null": _pair(filtered, null, path),
            "dream": f"{summary.get('confirmed_successes', summary.get('dream_confirmed_successes'))}/{summary.get('imagined_episodes', summary.get('dream_episodes'))}",
            "kept": f"{summary['kept_episodes']} ({summary['kept_pairs']} pairs)",
        })
    pooled = []
    groups = [(pairs, starts) for pairs in ("episode", "until grasp") for starts in STARTS.values()]
    for pairs, starts in groups:
        members = [r for r in result if r["pairs"] == pairs and r["starts"] == starts]
        if len(members) < 2:
            continue
        total = {"run": "**pooled**", "pairs": pairs, "starts": starts, "dream": "", "kept": ""}
        for key in ("layouts", "bc", "filtered", "null"):
            total[key] = sum(r[key] for r in members)
        for key in ("filtered_vs_bc", "null_vs_bc", "filtered_vs_null"):
            total[key] = tuple(sum(r[key][i] for r in members) for i in range(2))
        complete = all(r["halfway"] is not None for r in members)
        total["halfway"] = sum(r["halfway"] for r in members) if complete else None
        total["halfway_vs_bc"] = tuple(sum(r["halfway_vs_bc"][i] for r in members) for i in range(2)) if complete else None
        pooled.append(total)
    ordered = []
    for pairs, starts in groups:
        ordered += [r for r in result + pooled if r["pairs"] == pairs and r["starts"] == starts]
    return ordered


def markdown(table: list[dict]) -> str:
    def pair(p: tuple[int, int]) -> str:
        return f"{p[0]} / {p[1]} (p={sign_test(*p):.2f})"

    def halfway(r: dict) -> str:
        if r.get("halfway") is None:
            return ""
        n = r["layouts"]
        return f"{r['halfway'] / n:.3f} ({100 * (r['halfway'] - r['bc']) / n:+.1f}): {pair(r['halfway_vs_bc'])}"

    lines = ["# Success-filtered behaviour cloning in the dream, against a random-selection null", "",
             "Generated by `python benchmarks/policy/dream_filtered_bc_report.py benchmarks/policy/dream-filtered-bc`; "
             "real success on the 150 held-out layouts of `../gpu-scale/` (reset seeds of evaluation seeds 0-2, 50 each).",
             "Pairs: which decisions of a kept imagined episode are imitated (`--pairs`): all (`episode`, "
             "the default of `dreamgym refine`) or those up to the grasp (`until grasp`). Halfway: the mean weights of BC "
             "and the filtered policy (`average_checkpoints.py --policies`), fixed beforehand, no real episode used.",
             "Starts: where the imagined episodes began (`--start-decisions`): the first frames of the bundle's stored "
             "real trajectories, or contexts beginning at a decision drawn from 0-16 or 10-16 of them.",
             "", "| run | starts | pairs | real BC | real filtered (gain) | real null (gain) | filtered vs BC: layouts gained / lost | "
             "null vs BC: gained / lost | filtered vs null: layouts solved only by filtered / only by null | "
             "dream: confirmed successes | kept episodes | real halfway to BC (gain): gained / lost |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in table:
        n = r["layouts"]
        lines.append(
            f"| {r['run']} | {r['starts']} | {r['pairs']} | {r['bc']}/{n} ({r['bc'] / n:.3f}) | {r['filtered'] / n:.3f} ({100 * (r['filtered'] - r['bc']) / n:+.1f}) "
            f"| {r['null'] / n:.3f} ({100 * (r['null'] - r['bc']) / n:+.1f}) | {pair(r['filtered_vs_bc'])} | {pair(r['null_vs_bc'])} "
            f"| {pair(r['filtered_vs_null'])} | {r['dream']} | {r['kept']} | {halfway(r)} |")
    return "\n".join(lines) + "\n"


ORACLE = re.compile(r"replay-(?P<bc>[^-]+)-s(?P<seed>\d+)(?P<starts>-mid|-late)?\.json")
RESCORE = re.compile(r"rescore-(?P<bc>[^-]+)-s(?P<seed>\d+)-(?P<sampler>[a-z]+)\.json")


def _rate(folder: Path, name: str) -> str:
    path = folder / name
    return f"{json.loads(path.read_text())['real']['mean']:.3f}" if path.exists() else "-"


def oracle_markdown(folder: Path) -> str:
    """The open-loop real replays of imagined episodes, the oracle arms and the whole-episode re-imagination scores."""
    replays = sorted(p for p in folder.glob("replay-*.json") if ORACLE.fullmatch(p.name))
    if not replays:
        return ""
    lines = ["", "## Do the kept episodes' actions succeed in reality? (diagnostic, uses real steps)", "",
             "Each imagined episode's actions replayed open loop in real Meta-World from the recorded episode its real "
             "start context came from (`dream_episode_replay.py`). Oracle arms (`dream_filtered_bc.py --selection real "
             "success-and-real`) imitate, as the filtered arm does, the episodes whose actions really succeed (all of them, "
             "or only those the dream also confirmed). They are not a refinement method: they show what a better filter "
             "would be worth.", "",
             "| run | starts | imagined episodes | real open-loop success | dream-confirmed: real / all (precision) | "
             "not confirmed: real / all | real BC | filtered | null | oracle: real successes | oracle: confirmed and real |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for path in replays:
        match = ORACLE.fullmatch(path.name)
        replay = json.loads(path.read_text())
        c = replay["confusion"]
        bc = bc_evaluation(folder, match["bc"])
        stem = f"real-{match['bc']}-s{match['seed']}{match['starts'] or ''}"
        lines.append(
            f"| {match['bc']} seed {match['seed']} | {STARTS[match['starts']]} | {replay['episodes']} | {replay['real_success_rate']:.3f} "
            f"| {c['dream_and_real']} / {c['dream_and_real'] + c['dream_only']} ({replay['precision']:.2f}) "
            f"| {c['real_only']} / {c['real_only'] + c['neither']} "
            f"| {json.loads(bc.read_text())['real']['mean']:.3f} | {_rate(folder, stem + '-success.json')} "
            f"| {_rate(folder, stem + '-random.json')} | {_rate(folder, stem + '-oracle-real.json')} "
            f"| {_rate(folder, stem + '-oracle-success-and-real.json')} |")
    rescores = sorted(p for p in folder.glob("rescore-*.json") if RESCORE.fullmatch(p.name))
    if rescores:
        lines += ["", "Whole-episode re-imagination of the dream-confirmed episodes (`dream_episode_rescore.py`: the "
                  "episode imagined again from its real start with its actions, fresh noise each time; score = how many "
                  "re-imaginings end in a predicted success on one of the last 5 frames). Per score: episodes whose "
                  "actions really succeed open loop / episodes.", "",
                  "| run | sampler | re-imaginings | " + " | ".join(f"score {k}" for k in range(5)) + " |",
                  "|---|---|---|" + "---|" * 5]
        for path in rescores:
            match, rescore = RESCORE.fullmatch(path.name), json.loads(path.read_text())
            by_score = rescore.get("real_by_score", {})
            cells = [f"{v['real']} / {v['episodes']}" if (v := by_score.get(str(k))) else "" for k in range(5)]
            lines.append(f"| {match['bc']} seed {match['seed']} | {match['sampler']} | {rescore['rerolls']} | " + " | ".join(cells) + " |")
    filters = sorted(folder.glob("outcome-filter-*.json"))
    if filters:
        lines += ["", "A second classifier on the dream's last frames (`dream_outcome_filter.py`): trained like the shipped one but "
                  "on whole recorded episodes imagined open loop from their start, each imagined frame labelled with the "
                  "real success of its step (`outcome-classifier-summary.json`). Fires on one of the last 5 frames "
                  "(the dream's final frame re-imagined): episodes whose actions really succeed / episodes it fires on "
                  "(precision), and the share of the really successful episodes it keeps (recall).", "",
                  "| run | episodes | shipped classifier | dream-outcome classifier |", "|---|---|---|---|"]
        for path in filters:
            agreement = json.loads(path.read_text()).get("agreement", {})
            label = path.stem.removeprefix("outcome-filter-")
            for group in ("confirmed", "predicted"):
                cells = [f"{a['fires_real']} / {a['fires']} ({a['precision']:.2f}), recall {a['recall']:.2f}"
                         for a in (agreement[f"shipped on {group}"], agreement[f"outcome on {group}"])]
                lines.append(f"| {label} | {group} ({agreement[f'shipped on {group}']['episodes']}) | {cells[0]} | {cells[1]} |")
    return "\n".join(lines) + "\n"


def _evaluated(files: dict[str, Path]) -> tuple[dict[str, dict[int, bool]], int, int, dict[str, str]] | None:
    """Real outcomes per named evaluation (``files["bc"]`` the BC policy's), the layouts, BC's successes and each one's
    "rate (gain over BC)" cell; ``None`` while one of the files is missing."""
    if not all(f.exists() for f in files.values()):
        return None
    real = {name: real_outcomes(f) for name, f in files.items()}
    n, bc = len(real["bc"]), sum(real["bc"].values())
    rate = {name: f"{sum(r.values()) / n:.3f} ({100 * (sum(r.values()) - bc) / n:+.1f})" for name, r in real.items()}
    return real, n, bc, rate


def _table(folder: Path, pattern: re.Pattern, row: Callable[[Path, Path, re.Match], str | None], heading: str, text: str,
           header: str) -> str:
    """A markdown section with one ``row(folder, path, match)`` per file of ``folder`` that ``pattern`` matches (rows
    still missing an evaluation return ``None`` and are left out); ``""`` without any row."""
    found = sorted(p for p in folder.glob("*.json") if pattern.fullmatch(p.name))
    lines = [line for line in (row(folder, p, pattern.fullmatch(p.name)) for p in found) if line]
    return _table_from_lines(heading, text, header, lines) if lines else ""


def _table_from_lines(heading: str, text: str, header: str, lines: list[str]) -> str:
    """A markdown section: heading, text, and a table of ``header`` and ``lines``."""
    return "\n".join(["", heading, "", text, "", header, "|" + "---|" * (header.count("|") - 1), *lines]) + "\n"


ROUND2 = re.compile(r"round2-real-(?P<bc>[^-]+)-s(?P<seed>\d+)-late-success\.json")


def _round2_row(folder: Path, path: Path, match: re.Match) -> str | None:
    """The table row of one second round, ``None`` while one of its evaluations is missing."""
    stem = f"{match['bc']}-s{match['seed']}-late"
    files = {"bc": bc_evaluation(folder, match["bc"]),
             "round1": folder / f"real-{stem}-success.json", "round2": path,
             "null": folder / f"round2-real-{stem}-random.json", "halfway": folder / f"round2-halfway-{stem}-success.json"}
    evaluated = _evaluated(files)
    if evaluated is None:
        return None
    real, n, bc, rate = evaluated
    versus = {}
    for a, b in (("round2", "round1"), ("round2", "null")):
        gained, lost = _pair(real[a], real[b], files[a])
        versus[b] = f"{gained} / {lost} (p={sign_test(gained, lost):.2f})"
    summary = json.loads((folder / path.name.replace("round2-real-", "round2-summary-")).read_text())
    return (f"| {match['bc']} seed {match['seed']} | {bc / n:.3f} | {rate['round1']} | {rate['round2']} | {rate['null']} "
            f"| {versus['round1']} | {versus['null']} | {summary['confirmed_successes']}/{summary['imagined_episodes']} "
            f"| {rate['halfway']} |")


def round2_markdown(folder: Path) -> str:
    """Second rounds: each started from its first round's filtered policy (late starts), with a null of its own."""
    return _table(
        folder, ROUND2, _round2_row, "## Second rounds (late starts)",
        "Round 2 starts from round 1's filtered policy (decisions 10-16) and refines it the same way (imagination "
        "seed 2 after round 1's seed 0, 3 after seed 1), with its own null (as many of round 2's imagined episodes "
        "drawn without looking at the outcome). Gains are over BC; halfway: the mean weights of BC and the round-2 "
        "filtered policy.",
        "| BC | real BC | round 1 filtered (gain) | round 2 filtered (gain) | round 2 null (gain) | round 2 vs round "
        "1: layouts gained / lost | round 2 vs its null: solved only by filtered / only by null | round 2 dream: "
        "confirmed | halfway BC - round 2 (gain) |")


POOLED = re.compile(r"pooled-real-(?P<bc>[^-]+)-s(?P<seed>\d+)-late\.json")


def _pooled_row(folder: Path, path: Path, match: re.Match) -> str | None:
    """The table row of one pooled imitation next to the two-pass chain it pools, ``None`` while an evaluation is missing."""
    stem = f"{match['bc']}-s{match['seed']}-late"
    files = {"bc": bc_evaluation(folder, match["bc"]), "round2": folder / f"round2-real-{stem}-success.json",
             "round2 halfway": folder / f"round2-halfway-{stem}-success.json", "pooled": path,
             "pooled halfway": folder / f"pooled-halfway-{stem}.json"}
    evaluated = _evaluated(files)
    if evaluated is None:
        return None
    real, n, bc, rate = evaluated
    gained, lost = _pair(real["pooled"], real["round2"], path)
    summary = json.loads((folder / path.name.replace("pooled-real-", "pooled-summary-")).read_text())
    return (f"| {match['bc']} seed {match['seed']} | {bc / n:.3f} | {rate['round2']} | {rate['pooled']} "
            f"| {gained} / {lost} (p={sign_test(gained, lost):.2f}) | {summary['kept_episodes']}/{summary['imagined_episodes']} "
            f"| {rate['round2 halfway']} | {rate['pooled halfway']} |")


def pooled_markdown(folder: Path) -> str:
    """Both rounds' confirmed successes imitated from BC at once, against the second round that continues the first."""
    return _table(
        folder, POOLED, _pooled_row, "## Pooled rounds (late starts)",
        "Pooled: the confirmed successes of round 1 and round 2 (the two passes of `dreamgym refine`) imitated "
        "together from the BC weights (`dream_filtered_bc_pooled.py`), instead of round 2 continuing from round 1's "
        "policy. Gains are over BC; halfway: the mean weights of BC and the policy named.",
        "| BC | real BC | round 2 filtered (gain) | pooled (gain) | pooled vs round 2: layouts gained / lost | "
        "pooled: kept / imagined | halfway BC - round 2 (gain; the default) | halfway BC - pooled (gain) |")


SEEDS01 = re.compile(r"seeds01-real-(?P<bc>[^-]+)-late\.json")


def _seeds01_row(folder: Path, path: Path, match: re.Match) -> str | None:
    """The table row of one pass on both imagination seeds' episodes, ``None`` while an evaluation is missing."""
    bc_label = match["bc"]
    files = {"bc": bc_evaluation(folder, bc_label),
             **{f"{arm} s{seed}": folder / f"{prefix}-{bc_label}-s{seed}-late-success.json"
                for arm, prefix in (("filtered", "real"), ("halfway", "halfway")) for seed in (0, 1)},
             "filtered both": path, "halfway both": folder / f"seeds01-halfway-{bc_label}-late.json"}
    evaluated = _evaluated(files)
    if evaluated is None:
        return None
    real, n, bc, rate = evaluated
    summary = json.loads((folder / path.name.replace("seeds01-real-", "seeds01-summary-")).read_text())
    return (f"| {bc_label} | {bc / n:.3f} | {rate['filtered s0']} | {rate['filtered s1']} | {rate['filtered both']} "
            f"| {summary['kept_episodes']}/{summary['imagined_episodes']} | {rate['halfway s0']} | {rate['halfway s1']} "
            f"| {rate['halfway both']} |")


def seeds01_markdown(folder: Path) -> str:
    """One pass on twice the imagined episodes: the confirmed successes of imagination seeds 0 and 1 imitated together."""
    return _table(
        folder, SEEDS01, _seeds01_row, "## One pass on both imagination seeds (late starts)",
        "Both seeds: the confirmed successes of the one-pass runs of imagination seeds 0 and 1 (1,024 imagined "
        "episodes of the BC policy) imitated together from the BC weights (`dream_filtered_bc_pooled.py`). Gains are "
        "over BC; halfway: the mean weights of BC and the policy named.",
        "| BC | real BC | seed 0 filtered (gain) | seed 1 filtered (gain) | both seeds filtered (gain) | both: kept "
        "/ imagined | seed 0 halfway (gain) | seed 1 halfway (gain) | both seeds halfway (gain) |")


IMITATION_SEEDS = re.compile(r"imitation-soup-real-(?P<bc>[^-]+)-s0-late\.json")


def _imitation_seeds_row(folder: Path, path: Path, match: re.Match) -> str | None:
    """The table row of one run's kept episodes imitated with three seeds, ``None`` while an evaluation is missing."""
    bc_label = match["bc"]
    files = {"bc": bc_evaluation(folder, bc_label), "seed 0": folder / f"real-{bc_label}-s0-late-success.json",
             **{f"seed {k}": folder / f"imitation-seed{k}-real-{bc_label}-s0-late.json" for k in (1, 2)},
             "soup": path, "halfway seed 0": folder / f"halfway-{bc_label}-s0-late-success.json",
             "halfway soup": folder / f"imitation-soup-halfway-{bc_label}-s0-late.json"}
    evaluated = _evaluated(files)
    if evaluated is None:
        return None
    real, n, bc, rate = evaluated
    seeds = [sum(real[f"seed {k}"].values()) / n for k in range(3)]
    return (f"| {bc_label} | {bc / n:.3f} | {rate['seed 0']} | {rate['seed 1']} | {rate['seed 2']} "
            f"| {100 * (max(seeds) - min(seeds)):.1f} | {rate['soup']} | {rate['halfway seed 0']} | {rate['halfway soup']} |")


def imitation_seeds_markdown(folder: Path) -> str:
    """The same kept episodes imitated with three seeds: how far the imitation's own randomness moves real success."""
    return _table(
        folder, IMITATION_SEEDS, _imitation_seeds_row, "## The imitation's own seed (one pass, imagination seed 0, late starts)",
        "The confirmed successes of each BC policy's seed-0 late run imitated again from BC with imitation seeds 1 "
        "and 2 (batches, shifts and initialisation of the optimiser's draws; seed 0 is the run's own filtered "
        "policy, reproduced bit for bit). Soup: the mean weights of the three imitated policies. Gains are over BC; "
        "halfway: the mean weights of BC and the policy named.",
        "| BC | real BC | imitation seed 0 (gain) | seed 1 (gain) | seed 2 (gain) | spread of the three (points) | "
        "soup of the three (gain) | halfway BC - seed 0 (gain) | halfway BC - soup (gain) |")


def _draws(folder: Path, bc_label: str, arm: str) -> list[Path] | None:
    """The evaluations of one BC policy's one-pass late runs (imagination seeds 0 and 1, each with its own imitation
    seed and the two after it) for ``arm`` ``"real"`` (filtered), ``"halfway"`` or ``"null"``; ``None`` while one is
    missing."""
    paths = []
    for imagination in (0, 1):
        stem = f"{bc_label}-s{imagination}-late"
        if arm == "null":
            paths.append(folder / f"real-{stem}-random.json")
            paths += [folder / f"null-seed{imagination + k}-real-{stem}.json" for k in (1, 2)]
        else:
            paths.append(folder / f"{arm}-{stem}-success.json")
            paths += [folder / f"imitation-seed{imagination + k}-{arm}-{stem}.json" for k in (1, 2)]
    return paths if all(p.exists() for p in paths) else None


def _source_draws(folder: Path, bc_label: str, arm: str, prefix: str = "sources") -> list[Path] | None:
    """The evaluations of one BC policy's start-source draws (``dream_filtered_bc_pooled.py --start-sources``; prefix
    ``"subsample"``: its count control, ``--subsample``), the same runs and imitation seeds as ``_draws``, for ``arm``
    ``"real"`` (filtered) or ``"halfway"``; ``None`` while one is missing."""
    paths = [folder / f"{prefix}-seed{imagination + k}-{arm}-{bc_label}-s{imagination}-late.json"
             for imagination in (0, 1) for k in (0, 1, 2)]
    return paths if all(p.exists() for p in paths) else None


def _gains(paths: list[Path], bc: int, n: int) -> list[float]:
    return [100 * (sum(real_outcomes(p).values()) - bc) / n for p in paths]


def _mean_sd(values: list[float]) -> str:
    mean = sum(values) / len(values)
    return f"**{mean:+.1f}** (sd {(sum((v - mean) ** 2 for v in values) / (len(values) - 1)) ** 0.5:.1f})"


def _bc_successes(folder: Path, bc_label: str) -> tuple[int, int]:
    """The held-out layouts and how many of them the BC policy solves."""
    real_bc = real_outcomes(bc_evaluation(folder, bc_label))
    return len(real_bc), sum(real_bc.values())


def _only_summed(first: list[Path], second: list[Path]) -> str:
    """"a / b": layouts solved only by the first / only by the second policy of each pair of draws, summed."""
    only = [_pair(real_outcomes(a), real_outcomes(b), a) for a, b in zip(first, second)]
    return f"{sum(a for a, _ in only)} / {sum(b for _, b in only)}"


def _restricted_markdown(folder: Path, prefix: str, heading: str, text: Callable[[dict], str], restricted: str) -> str:
    """Filtered-bc on a restricted set of the confirmed successes (draws ``<prefix>-seed<k>-...``), against the default
    over the same six draws per BC policy; ``text`` writes the description from the first draw's summary."""
    lines, means = [], {"default": [], "restricted": []}
    summary = {}
    for label in _bc_labels(folder):
        default = {arm: _draws(folder, label, arm) for arm in ("real", "halfway")}
        restricted_draws = {arm: _source_draws(folder, label, arm, prefix) for arm in ("real", "halfway")}
        if not all(default.values()) or not all(restricted_draws.values()):
            continue
        summaries = [json.loads(p.with_name(p.name.replace("-halfway-", "-summary-")).read_text())
                     for p in restricted_draws["halfway"]]
        summary = summaries[0]
        n, bc = _bc_successes(folder, label)
        gains = {arm: _gains(restricted_draws[arm], bc, n) for arm in ("real", "halfway")}
        means["default"].append(sum(_gains(default["halfway"], bc, n)) / 6)
        means["restricted"].append(sum(gains["halfway"]) / 6)
        kept_episodes = [s["kept_episodes"] for s in summaries[::3]]
        lines.append(f"| {label} | {bc / n:.3f} | {' / '.join(map(str, kept_episodes))} | "
                     f"{_mean_sd(_gains(default['real'], bc, n))} | {_mean_sd(gains['real'])} | "
                     f"{_mean_sd(_gains(default['halfway'], bc, n))} | {_mean_sd(gains['halfway'])} | "
                     f"{_only_summed(restricted_draws['halfway'], default['halfway'])} |")
    if not lines:
        return ""
    lines.append(f"| mean of the policies | | | | | **{sum(means['default']) / len(means['default']):+.1f}** | "
                 f"**{sum(means['restricted']) / len(means['restricted']):+.1f}** | |")
    return _table_from_lines(
        heading, text(summary),
        f"| BC | real BC | kept | default filtered | {restricted}: filtered | default halfway | {restricted}: "
        f"halfway | halfway: layouts solved only {restricted} / only by the default (summed) |", lines)


def start_sources_markdown(folder: Path) -> str:
    """Filtered-bc on the confirmed successes that started from the named sources only, against the default over the
    same six draws per BC policy."""
    return _restricted_markdown(
        folder, "sources", "## Confirmed successes from expert-like starts only (one pass, late starts)",
        lambda summary: (
            f"The same six draws per BC policy as the one-pass default above (imagination seeds 0 and 1 x three "
            f"imitation seeds), imitating only the confirmed successes whose imagined episode started from a recorded "
            f"episode of {', '.join(summary.get('start_sources') or [])} (`dream_filtered_bc_pooled.py "
            f"--start-sources`). Gains over BC in points, mean (sd) over the six draws; kept: confirmed episodes kept "
            f"from imagination seed 0 / 1."),
        "from these starts")


def judged_markdown(folder: Path) -> str:
    """Filtered-bc on the confirmed successes a second dream also confirmed, against the default over the same six
    draws per BC policy."""
    return _restricted_markdown(
        folder, "judged", "## Confirmed successes a second dream also confirms (one pass, late starts)",
        lambda summary: (
            "The same six draws per BC policy as the one-pass default above (imagination seeds 0 and 1 x three "
            "imitation seeds), imitating only the confirmed successes that a second world model, trained from scratch "
            "on the CPU with another seed, also imagines as successes from the same real start under the same actions "
            "(`dream_episode_rescore.py --judge-bundle`, then `dream_filtered_bc_pooled.py --judged-by`; recipe "
            "`recipes/coffee_pull_second_dream_judge_cpu.sh`). Gains over BC in points, mean (sd) over the six draws; "
            "kept: confirmed episodes kept from imagination seed 0 / 1."),
        "judged")


def subsample_grid_markdown(folder: Path) -> str:
    """The start-source restriction against its count control over the same six draws per BC policy."""
    lines, means = [], {"default": [], "sources": [], "subsample": []}
    for label in _bc_labels(folder):
        halfway = {"default": _draws(folder, label, "halfway"), "sources": _source_draws(folder, label, "halfway"),
                   "subsample": _source_draws(folder, label, "halfway", "subsample")}
        filtered = {"sources": _source_draws(folder, label, "real"),
                    "subsample": _source_draws(folder, label, "real", "subsample")}
        if not all(halfway.values()) or not all(filtered.values()):
            continue
        n, bc = _bc_successes(folder, label)
        gains = {arm: _gains(paths, bc, n) for arm, paths in halfway.items()}
        for arm, values in gains.items():
            means[arm].append(sum(values) / len(values))
        lines.append(f"| {label} | {bc / n:.3f} | {_mean_sd(_gains(filtered['sources'], bc, n))} | "
                     f"{_mean_sd(_gains(filtered['subsample'], bc, n))} | {_mean_sd(gains['default'])} | "
                     f"{_mean_sd(gains['sources'])} | {_mean_sd(gains['subsample'])} | "
                     f"{_only_summed(halfway['sources'], halfway['subsample'])} |")
    if not lines:
        return ""
    mean = {arm: f"**{sum(values) / len(values):+.1f}**" for arm, values in means.items()}
    lines.append(f"| mean of the policies | | | | {mean['default']} | {mean['sources']} | {mean['subsample']} | |")
    return _table_from_lines(
        "## Expert-like starts against as many episodes drawn from all starts, over the same six draws",
        "Per BC policy, the six draws of the tables above (imagination seeds 0 and 1 x three imitation seeds): the "
        "confirmed successes from expert-like starts only (`--start-sources`), and as many drawn from all confirmed "
        "successes without looking at where they started (`--subsample`, seeded by the imitation seed). Gains over BC "
        "in points, mean (sd); halfway: all = the one-pass default.",
        "| BC | real BC | filtered: expert-like starts | filtered: drawn | halfway: all | halfway: expert-like starts | "
        "halfway: drawn | halfway: layouts solved only from expert-like starts / only drawn (summed) |", lines)


SUBSAMPLE = re.compile(r"subsample-seed(?P<seed>\d+)-real-(?P<bc>[^-]+)-s(?P=seed)-late\.json")


def _subsample_row(folder: Path, path: Path, match: re.Match) -> str | None:
    """One run's own-seed draw: all confirmed successes, those from the named starts, and as many from all starts."""
    stem, seed = f"{match['bc']}-s{match['seed']}-late", match["seed"]
    files = {"bc": bc_evaluation(folder, match["bc"])}
    for arm in ("real", "halfway"):
        files[f"default {arm}"] = folder / f"{arm}-{stem}-success.json"
        files[f"sources {arm}"] = folder / f"sources-seed{seed}-{arm}-{stem}.json"
        files[f"subsample {arm}"] = folder / f"subsample-seed{seed}-{arm}-{stem}.json"
    evaluated = _evaluated(files)
    if evaluated is None:
        return None
    rate = evaluated[3]
    kept = [json.loads((folder / f"{prefix}-summary-{stem}.json").read_text())["kept_episodes"]
            for prefix in (f"sources-seed{seed}", f"subsample-seed{seed}")]
    summary = folder / f"summary-{stem}-success.json"
    everything = json.loads(summary.read_text())["kept_episodes"] if summary.exists() else "?"
    return (f"| {match['bc']}, seed {seed} | {rate['bc'].split()[0]} | {everything} / {kept[0]} / {kept[1]} | "
            + " | ".join(rate[f"{arm} {kind}"] for kind in ("real", "halfway") for arm in ("default", "sources", "subsample"))
            + " |")


def subsample_markdown(folder: Path) -> str:
    """The start-source restriction against as many confirmed successes drawn from all starts (the count control)."""
    return _table(
        folder, SUBSAMPLE, _subsample_row, "## Fewer episodes, or other starts? (one pass, late starts, own imitation seed)",
        "For each one-pass late run, imitated with its own seed: all confirmed successes (the default), only those from "
        "expert-like starts (`--start-sources`), and as many as those drawn from all confirmed successes without looking "
        "at where they started (`--subsample`). Real success (gain over BC in points).",
        "| run | real BC | kept: all / from expert-like starts / drawn | filtered: all | filtered: expert-like starts | "
        "filtered: drawn | halfway: all | halfway: expert-like starts | halfway: drawn |")


def _bc_labels(folder: Path) -> list[str]:
    return sorted({m["bc"] for p in folder.glob("real-*-s0-late-success.json")
                   if (m := re.fullmatch(r"real-(?P<bc>[^-]+)-s0-late-success\.json", p.name))})


def null_grid_markdown(folder: Path) -> str:
    """The filter against its null over the same six draws per BC policy (imagination x imitation seeds)."""
    lines, differences = [], []
    for label in _bc_labels(folder):
        draws = {arm: _draws(folder, label, arm) for arm in ("real", "null")}
        if not all(draws.values()):
            continue
        real = {arm: [real_outcomes(p) for p in paths] for arm, paths in draws.items()}
        n = len(real["real"][0])
        rates = {arm: [100 * sum(r.values()) / n for r in outcomes] for arm, outcomes in real.items()}
        only = [_pair(f, null, path) for f, null, path in zip(real["real"], real["null"], draws["real"])]
        difference = sum(rates["real"]) / 6 - sum(rates["null"]) / 6
        differences.append(difference)
        lines.append(f"| {label} | {' / '.join(f'{r:.1f}' for r in rates['real'])} | {' / '.join(f'{r:.1f}' for r in rates['null'])} "
                     f"| **{difference:+.1f}** | {sum(a for a, _ in only)} / {sum(b for _, b in only)} |")
    if not lines:
        return ""
    lines.append(f"| mean of the policies | | | **{sum(differences) / len(differences):+.1f}** | |")
    return _table_from_lines(
        "## The filter against its null over the same six draws (one pass, late starts)",
        "Real success (%) of the filtered policy and of its null (as many of the same imagined episodes drawn without "
        "looking at the outcome, `--selection random`) for each BC policy's one-pass late runs of imagination seeds 0 "
        "and 1, each imitated with its own seed and the two after it (the null's draw of episodes seeded likewise).",
        "| BC | filtered: six draws | null: six draws | filtered - null (points, mean) | layouts solved only by "
        "filtered / only by null (summed) |", lines)


def seed_grid_markdown(folder: Path) -> str:
    """The one-pass default over 2 imagination x 3 imitation seeds per BC policy: mean gain and its spread."""
    lines, pooled = [], {"real": [], "halfway": []}
    for label in _bc_labels(folder):
        draws = {arm: _draws(folder, label, arm) for arm in ("real", "halfway")}
        if not all(draws.values()):
            continue
        n, bc = _bc_successes(folder, label)
        cells = []
        for arm, paths in draws.items():
            gains = _gains(paths, bc, n)
            pooled[arm].append(gains)
            cells.append(f"{' / '.join(f'{g:+.1f}' for g in gains)} | {_mean_sd(gains)}")
        lines.append(f"| {label} | {bc / n:.3f} | {cells[0]} | {cells[1]} |")
    if not lines:
        return ""
    means = {arm: sum(sum(g) / len(g) for g in gains) / len(gains) for arm, gains in pooled.items()}
    lines.append(f"| mean of the policies | | | **{means['real']:+.1f}** | | **{means['halfway']:+.1f}** |")
    return "\n".join([
        "", "## The one-pass default over imagination and imitation seeds (late starts)", "",
        "Each BC policy's one-pass late runs of imagination seeds 0 and 1, each imitated with its own seed and the two "
        "seeds after it (`dream_filtered_bc_pooled.py --runs <run> --seed k`): six draws of `dreamgym refine`'s default "
        "per policy, gains over BC in points (imagination seed 0: imitation seeds 0, 1, 2; seed 1: 1, 2, 3). Halfway "
        "is what `dreamgym refine` ships as refined.zip.", "",
        "| BC | real BC | filtered: six gains | filtered: mean (sd) | halfway: six gains | halfway: mean (sd) |",
        "|---|---|---|---|---|---|", *lines]) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    folder = parser.parse_args().folder
    table = rows(folder)
    if not table:
        raise SystemExit(f"No evaluated run pairs (real-<bc>-s<seed>-success.json with -random.json) in {folder}.")
    text = (markdown(table) + oracle_markdown(folder) + round2_markdown(folder) + pooled_markdown(folder)
            + seeds01_markdown(folder)
            + imitation_seeds_markdown(folder)
            + seed_grid_markdown(folder)
            + null_grid_markdown(folder)
            + start_sources_markdown(folder)
            + judged_markdown(folder)
            + subsample_markdown(folder)
            + subsample_grid_markdown(folder))
    (folder / "RESULTS.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
