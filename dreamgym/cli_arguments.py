"""argparse ``type=`` helpers for the ``dreamgym`` command line: ranges and existing paths.

Each helper turns the option's text into a value or raises ``argparse.ArgumentTypeError`` with what is
expected and what was given; argparse adds the option's name, so a bad value reads
``dreamgym refine: error: argument --num-envs: expected an integer >= 1, got '0'``.
"""

from __future__ import annotations

import argparse
import json
import math
import re
from collections.abc import Callable
from pathlib import Path


def int_at_least(minimum: int) -> Callable[[str], int]:
    """A ``type=`` that accepts integers ``>= minimum``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < minimum:
            raise argparse.ArgumentTypeError(f"expected an integer >= {minimum}, got {text!r}")
        return value

    parse.__name__ = f"integer >= {minimum}"  # argparse names the type in some messages
    return parse


def int_between(minimum: int, maximum: int) -> Callable[[str], int]:
    """A ``type=`` that accepts integers from ``minimum`` to ``maximum``, both included."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or not minimum <= value <= maximum:
            raise argparse.ArgumentTypeError(f"expected an integer from {minimum} to {maximum}, got {text!r}")
        return value

    parse.__name__ = f"integer from {minimum} to {maximum}"
    return parse


def finite_float_where(accept: Callable[[float], bool], expectation: str) -> Callable[[str], float]:
    """A ``type=`` that accepts finite numbers for which ``accept`` holds; ``expectation`` describes them."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not math.isfinite(value) or not accept(value):
            raise argparse.ArgumentTypeError(f"expected {expectation}, got {text!r}")
        return value

    parse.__name__ = expectation
    return parse


MAX_BATCH_SIZE = 4096
"""The largest batch a trainer takes: ``dreamgym.data.windows.MAX_BATCH_SIZE``, repeated here because importing that
module imports torch (seconds per command); a test keeps the two equal."""

positive_int = int_at_least(1)
non_negative_int = int_at_least(0)
batch_size = int_between(1, MAX_BATCH_SIZE)
"""``--batch-size``: the range of the trainers' own check, named by the option rather than by the config field."""
batch_of_two = int_between(2, MAX_BATCH_SIZE)
"""Batch sizes that must hold two samples (the reward classifier's threshold, SB3 PPO's advantage normalisation)."""
denoising_steps = int_between(1, 10)
"""Euler steps per imagined frame: the sampler's range (``SamplerConfig.num_steps``)."""
finite_float = finite_float_where(lambda value: True, "a finite number")
positive_float = finite_float_where(lambda value: value > 0, "a finite number > 0")
non_negative_float = finite_float_where(lambda value: value >= 0, "a finite number >= 0")
unit_share = finite_float_where(lambda value: 0 <= value < 1, "a number from 0 to below 1")
open_probability = finite_float_where(lambda value: 0 < value < 1, "a number strictly between 0 and 1")


def existing_path(text: str) -> Path:
    """A ``type=`` for an input file or folder that must exist."""
    path = Path(text)
    if not path.exists():
        raise argparse.ArgumentTypeError(f"{text} does not exist; expected an existing file or folder")
    return path


def branch_kind(text: str) -> str:
    """A ``type=`` for one counterfactual-branch perturbation (:data:`dreamgym.data.branches.ALL_PERTURBATIONS`)."""
    # here, not at the top: the dreamgym.data package imports torch
    from dreamgym.data.branches import ALL_PERTURBATIONS

    if text not in ALL_PERTURBATIONS:
        raise argparse.ArgumentTypeError(f"expected one of {', '.join(ALL_PERTURBATIONS)}, got {text!r}")
    return text


JSON_TYPES = {dict: "object", list: "array", str: "string", int: "number", float: "number", bool: "boolean", type(None): "null"}
"""JSON's name of each type ``json.loads`` returns, for messages."""


def json_object_file(text: str) -> dict:
    """A ``type=`` for a JSON file that must hold a JSON object (e.g. ``--metrics``); gives the object."""
    path = existing_path(text)
    expected = 'expected a JSON file holding one object, e.g. {"psnr_1_step": 31.2}'
    try:
        data = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise argparse.ArgumentTypeError(f"{text} is not readable JSON ({error}); {expected}") from None
    if not isinstance(data, dict):
        raise argparse.ArgumentTypeError(f"{text} holds a JSON {JSON_TYPES[type(data)]}, not an object; {expected}")
    return data


json_object_file.__name__ = "JSON object file"


class OneLineParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors are one line ``<prog>: error: <message>`` (exit status 2), no usage.

    It matches the one-line errors ``dreamgym`` prints for every other user error; ``--help`` still
    shows the usage. Subcommand parsers made by :meth:`add_subparsers` are of the same class.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # argparse reads '-1e-3' as an option (its pattern knows only '-1' and '-1.5'), so '--lr -1e-3' said
        # "expected one argument"; as a number it gets the option's own range message
        self._negative_number_matcher = re.compile(r"^-\d+$|^-\d*\.\d+$|^-\d*\.?\d+[eE][-+]?\d+$")

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {' '.join(message.split())}\n")


def device(text: str) -> str:
    """A ``type=`` for ``--device``: a torch device this machine has (``cpu``; ``cuda`` only with CUDA)."""
    from dreamgym.dream.inputs import check_device

    try:
        check_device(text)
    except ValueError as error:
        reason = "CUDA is not available on this machine" if "needs CUDA" in str(error) else "not a device this machine has"
        raise argparse.ArgumentTypeError(f"expected a torch device such as 'cpu' or 'cuda' ({reason}), got {text!r}") from None
    return text


device.__name__ = "device"
