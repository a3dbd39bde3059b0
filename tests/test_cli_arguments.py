"""Command-line arguments: every numeric option has a range and every input path must exist.

A bad value is refused by the parser before anything runs, as one line
``dreamgym <command>: error: argument <option>: expected <range>, got '<value>'`` and exit status 2.
"""

import argparse
import re

import pytest

from dreamgym import cli, cli_arguments

AT_LEAST_1 = "an integer >= 1"
AT_LEAST_0 = "an integer >= 0"
BATCH = "an integer from 1 to 4096"
BATCH_OF_TWO = "an integer from 2 to 4096"
DENOISING = "an integer from 1 to 10"
POSITIVE = "a finite number > 0"
NON_NEGATIVE = "a finite number >= 0"
FINITE = "a finite number"
OPEN_PROBABILITY = "a number strictly between 0 and 1"

RANGES = {
    "collect": {
        "--expert": AT_LEAST_0, "--noisy-expert": AT_LEAST_0, "--bc": AT_LEAST_0, "--branch": AT_LEAST_0,
        "--random": AT_LEAST_0, "--steps": AT_LEAST_1, "--size": AT_LEAST_1, "--seed-offset": AT_LEAST_0,
        "--workers": AT_LEAST_1, "--branch-at": AT_LEAST_0, "--branch-duration": AT_LEAST_1, "--bc-noise": NON_NEGATIVE,
    },
    "train-world-model": {
        "--steps": AT_LEAST_1, "--batch-size": BATCH, "--lr": POSITIVE, "--seed": AT_LEAST_0, "--size": AT_LEAST_1,
        "--channels": AT_LEAST_1, "--layers-per-block": AT_LEAST_1, "--patch-size": AT_LEAST_1,
        "--checkpoint-every": AT_LEAST_1, "--eval-every": AT_LEAST_1, "--moving-pixel-weight": NON_NEGATIVE,
        "--lr-decay-steps": AT_LEAST_0, "--time-limit-minutes": POSITIVE,
    },
    "distill-world-model": {
        "--steps": AT_LEAST_1, "--batch-size": BATCH, "--lr": POSITIVE, "--seed": AT_LEAST_0,
        "--checkpoint-every": AT_LEAST_1, "--eval-every": AT_LEAST_1,
    },
    "train-reward": {
        "--steps": AT_LEAST_1, "--batch-size": BATCH_OF_TWO, "--lr": POSITIVE, "--size": AT_LEAST_1, "--seed": AT_LEAST_0,
        "--imagined-horizon": AT_LEAST_1,
    },
    "train-outcome": {"--epochs": AT_LEAST_1, "--seed": AT_LEAST_0, "--distance-weight": NON_NEGATIVE},
    "export-bundle": {"--initial-state-frames": AT_LEAST_1, "--action-guidance": NON_NEGATIVE},
    "train-bc": {"--steps": AT_LEAST_1, "--batch-size": BATCH, "--lr": POSITIVE, "--shift": AT_LEAST_0, "--seed": AT_LEAST_0,
                 "--average-from": AT_LEAST_1},
    "refine": {
        "--iterations": AT_LEAST_1, "--num-envs": AT_LEAST_1, "--n-steps": AT_LEAST_1, "--batch-size": BATCH_OF_TWO,
        "--epochs": AT_LEAST_1, "--actor-lr": NON_NEGATIVE, "--critic-lr": POSITIVE, "--critic-warmup": AT_LEAST_0,
        "--log-std-max": FINITE, "--ent-coef": NON_NEGATIVE, "--target-kl": POSITIVE, "--initial-log-std": FINITE,
        "--log-std-lr": NON_NEGATIVE,
        "--anchor-kl": NON_NEGATIVE, "--demo-nll": NON_NEGATIVE, "--horizon": AT_LEAST_1, "--confirm-rerolls": AT_LEAST_0, "--confirm-horizon": AT_LEAST_1, "--confirm-window": AT_LEAST_1, "--average-checkpoints": AT_LEAST_1,
        "--denoising-steps": DENOISING, "--checkpoint-every": AT_LEAST_1, "--monitor-real-episodes": AT_LEAST_0,
        "--seed": AT_LEAST_0, "--rounds": AT_LEAST_1, "--passes": AT_LEAST_1, "--imitation-steps": AT_LEAST_1, "--imitation-lr": POSITIVE,
        "--start-decisions": AT_LEAST_0, "--group-size": AT_LEAST_1, "--imitation-seeds": AT_LEAST_1,
        "--success-threshold": OPEN_PROBABILITY,
    },
    "evaluate": {"--seeds": AT_LEAST_0, "--episodes": AT_LEAST_1, "--dream-episodes": AT_LEAST_1, "--denoising-steps": DENOISING},
    "demo": {"--real-episodes": AT_LEAST_1, "--dream-episodes": AT_LEAST_1, "--refine-iterations": AT_LEAST_1},
}
"""Command -> numeric option -> the range the parser states."""

BAD_VALUES = {
    AT_LEAST_1: ["0", "-3", "2.5", "1e3", "ten", ""],
    AT_LEAST_0: ["-1", "0.5", "x"],
    BATCH: ["0", "4097", "1000000000", "1.5"],
    BATCH_OF_TWO: ["1", "0", "4097"],
    DENOISING: ["0", "11", "2.0"],
    POSITIVE: ["0", "-1e-4", "nan", "inf", "abc"],
    NON_NEGATIVE: ["-0.1", "nan", "-inf"],
    FINITE: ["nan", "inf", "-inf", "x"],
    OPEN_PROBABILITY: ["0", "1", "1.5", "-0.1", "nan"],
}
GOOD_VALUES = {AT_LEAST_1: "1", AT_LEAST_0: "0", BATCH: "4096", BATCH_OF_TWO: "2", DENOISING: "10", POSITIVE: "1e-4", NON_NEGATIVE: "0", FINITE: "-0.5",
               OPEN_PROBABILITY: "0.9"}

PATHS = {
    "collect": ["--bc-policy"],
    "train-world-model": ["--data", "--init-from"],
    "distill-world-model": ["--teacher", "--data"],
    "train-reward": ["--data", "--world-model"],
    "train-outcome": ["--data"],
    "add-outcome-model": ["--bundle", "--run", "--data"],
    "export-bundle": ["--run", "--metrics", "--reward-run"],
    "train-bc": ["--data"],
    "refine": ["--bc-model", "--bundle", "--confirm-judge", "--mixture-bundles"],
    "evaluate": ["--model", "--bundle"],
    "replace-reward": ["--bundle", "--reward-run"],
    "add-distilled-world-model": ["--bundle", "--distill-run"],
}
"""Command -> options naming an input file or folder that must exist."""


def _error(capsys, *argv):
    """``(exit status, the single stderr line)`` of ``dreamgym argv``."""
    code = cli.main([str(arg) for arg in argv])
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1, lines
    return code, lines[0]


VALUES_PER_OPTION = {"--branch-at": 2, "--branch-duration": 2, "--start-decisions": 2, "--bc-noise": 2}
"""Options that take several values (``nargs``); the others take one."""


def _option(option, value):
    """The command-line words that give ``option`` the value ``value`` (every value, for nargs options)."""
    count = VALUES_PER_OPTION.get(option, 1)
    return [f"{option}={value}"] if count == 1 else [option, *[value] * count]


def _cases(table):
    return [(command, option, expected) for command, options in table.items() for option, expected in options.items()]


@pytest.mark.parametrize("command, option, expected", _cases(RANGES), ids=str)
def test_numeric_option_out_of_range(capsys, command, option, expected):
    for value in BAD_VALUES[expected]:
        if VALUES_PER_OPTION.get(option, 1) > 1 and re.fullmatch(r"-[a-z]+", value):
            continue  # an option of several values takes separate words, and argparse reads "-inf" as an option name
        code, line = _error(capsys, command, *_option(option, value))
        assert code == 2
        assert line == f"dreamgym {command}: error: argument {option}: expected {expected}, got {value!r}"


def _required(command, folder):
    """Arguments ``command`` needs besides the one under test (an existing folder for every input path)."""
    return {
        "train-world-model": ["--data", folder, "--out", folder],
        "distill-world-model": ["--teacher", folder, "--data", folder, "--out", folder], "train-reward": ["--data", folder, "--out", folder],
        "train-outcome": ["--data", folder, "--out", folder], "add-outcome-model": ["--bundle", folder, "--run", folder, "--data", folder],
        "train-bc": ["--data", folder], "export-bundle": ["--run", folder, "--out", folder],
        "refine": ["--bc-model", folder], "evaluate": ["--model", folder],
    }.get(command, [])


@pytest.mark.parametrize("command, option, expected", _cases(RANGES), ids=str)
def test_numeric_option_at_its_bound_is_accepted(tmp_path, command, option, expected):
    text = GOOD_VALUES[expected]
    args = cli.build_parser().parse_args([command, *map(str, _required(command, tmp_path)), *_option(option, text)])
    value = getattr(args, option.lstrip("-").replace("-", "_"))
    number = float(text) if "number" in expected else int(text)
    assert value in (number, [number], [number] * VALUES_PER_OPTION.get(option, 1))


def _parser_actions():
    """``(command, argparse action)`` for every option of every command."""
    parser = cli.build_parser()
    commands = next(action for action in parser._actions if isinstance(action, argparse._SubParsersAction))
    return [(name, action) for name, sub in commands.choices.items() for action in sub._actions if action.option_strings]


def test_every_numeric_option_has_a_range_and_every_input_path_is_checked():
    """A new ``type=int`` / ``type=float`` option, or an input path not in PATHS, fails here."""
    ranged = {cli_arguments.positive_int, cli_arguments.non_negative_int, cli_arguments.batch_size, cli_arguments.batch_of_two,
              cli_arguments.denoising_steps, cli_arguments.positive_float, cli_arguments.non_negative_float,
              cli_arguments.finite_float, cli_arguments.open_probability}
    found_ranges, found_paths = {}, {}
    for command, action in _parser_actions():
        assert action.type not in (int, float), (command, action.option_strings)
        if action.type in ranged:
            found_ranges.setdefault(command, set()).add(action.option_strings[0])
        if action.type in (cli_arguments.existing_path, cli_arguments.json_object_file):  # the latter reads an existing file
            found_paths.setdefault(command, set()).add(action.option_strings[0])
    assert found_ranges == {command: set(options) for command, options in RANGES.items()}
    assert found_paths == {command: set(options) for command, options in PATHS.items()}


@pytest.mark.parametrize("command, option", [(c, o) for c, options in PATHS.items() for o in options], ids=str)
def test_missing_input_path(capsys, tmp_path, command, option):
    missing = tmp_path / "nowhere"
    code, line = _error(capsys, command, option, missing)
    assert code == 2
    assert line == f"dreamgym {command}: error: argument {option}: {missing} does not exist; expected an existing file or folder"


@pytest.mark.parametrize("command", ["train-world-model", "train-reward", "train-bc"])
def test_missing_default_data_folder(capsys, tmp_path, monkeypatch, command):
    monkeypatch.chdir(tmp_path)  # no ./data here
    code, line = _error(capsys, command, "--out", tmp_path / "out")
    assert code == 2
    assert line == f"dreamgym {command}: error: argument --data: data does not exist; expected an existing file or folder"


def test_other_parser_errors_are_one_line_too(capsys):
    code, line = _error(capsys, "evaluate")
    assert code == 2 and line == "dreamgym evaluate: error: the following arguments are required: --model"
    code, line = _error(capsys, "no-such-command")
    assert code == 2 and line.startswith("dreamgym: error: argument command: invalid choice: 'no-such-command'")


def test_help_still_shows_usage(capsys):
    assert cli.main(["refine", "--help"]) == 0
    assert capsys.readouterr().out.startswith("usage: dreamgym refine")


@pytest.mark.parametrize("command", ["refine", "train-bc"])
@pytest.mark.parametrize("value, reason", [("gpu", "not a device this machine has"), ("cuda:x", "not a device this machine has")])
def test_unknown_device(capsys, tmp_path, command, value, reason):
    code, line = _error(capsys, command, *_required(command, tmp_path), "--device", value)
    assert code == 2
    assert line == f"dreamgym {command}: error: argument --device: expected a torch device such as 'cpu' or 'cuda' ({reason}), got {value!r}"


def test_cuda_device_without_cuda(capsys, tmp_path, monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    code, line = _error(capsys, "refine", "--bc-model", tmp_path, "--device", "cuda")
    assert code == 2
    assert line == ("dreamgym refine: error: argument --device: expected a torch device such as 'cpu' or 'cuda' "
                    "(CUDA is not available on this machine), got 'cuda'")


def test_batch_size_bound_is_the_trainers_bound():
    """cli_arguments repeats MAX_BATCH_SIZE (importing dreamgym.data.windows would import torch on every command)."""
    from dreamgym.data.windows import MAX_BATCH_SIZE

    assert cli_arguments.MAX_BATCH_SIZE == MAX_BATCH_SIZE


def test_negative_numbers_in_exponent_notation_are_values_not_options(capsys):
    """'--lr -1e-3' said 'expected one argument' (argparse took '-1e-3' for an option); now the range is named."""
    code, line = _error(capsys, "train-world-model", "--data", ".", "--out", ".", "--lr", "-1e-3")
    assert code == 2 and line == "dreamgym train-world-model: error: argument --lr: expected a finite number > 0, got '-1e-3'"
    args = cli.build_parser().parse_args(["refine", "--bc-model", ".", "--initial-log-std", "-1e-1", "--log-std-max", "-2.5E+0"])
    assert (args.initial_log_std, args.log_std_max) == (-0.1, -2.5)
