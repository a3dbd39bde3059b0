"""The Meta-World tasks dreamgym knows, with the camera and action repeat chosen for each.

A :class:`TaskSpec` fixes everything that makes real frames and learned-simulator frames comparable:
the Meta-World environment, the free camera that frames gripper and object at low resolution, the
number of simulator steps one decision spans (action repeat) and the episode length in decisions.

The six World4RL tasks have hand-tuned cameras and measured action repeats (see
``benchmarks/real_env/``): the smallest repeat at which the scripted expert succeeds in >= 90% of
episodes within 50 decisions *and* its median first success comes by decision 30, so that slower
policies (BC, noisy experts) still have room to succeed and episodes hold frames of success. Every other Meta-World v3 task is available with a generic camera and an
untuned action repeat of 2.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

EPISODE_STEPS = 50
"""Decisions per episode, as in World4RL's data (50 steps per trajectory)."""


@dataclass(frozen=True)
class CameraConfig:
    """A MuJoCo free camera: the point it looks at, its distance (m) and its angles (degrees)."""

    lookat: tuple[float, float, float] = (0.0, 0.65, 0.1)
    distance: float = 0.8
    azimuth: float = 145.0
    elevation: float = -35.0

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "CameraConfig":
        return cls(
            lookat=tuple(float(v) for v in data["lookat"]),
            distance=float(data["distance"]),
            azimuth=float(data["azimuth"]),
            elevation=float(data["elevation"]),
        )


@dataclass(frozen=True)
class TaskSpec:
    """How dreamgym runs one Meta-World task.

    :param name: short task name, e.g. ``"coffee-pull"``.
    :param camera: free camera used for the pixel observations.
    :param action_repeat: simulator steps per decision (the same action is applied each time).
    :param episode_steps: decisions per episode.
    :param tuned: whether camera and action repeat were chosen and measured for this task.
    """

    name: str
    camera: CameraConfig = field(default_factory=CameraConfig)
    action_repeat: int = 2
    episode_steps: int = EPISODE_STEPS
    tuned: bool = False

    @property
    def metaworld_name(self) -> str:
        """Meta-World's environment name, e.g. ``"coffee-pull-v3"``."""
        return f"{self.name}-v3"

    @property
    def id_suffix(self) -> str:
        """CamelCase suffix used in gymnasium ids, e.g. ``"CoffeePull"``."""
        return "".join(part.capitalize() for part in self.name.split("-"))


WORLD4RL_TASKS: dict[str, TaskSpec] = {
    spec.name: spec
    for spec in (
        TaskSpec(
            "coffee-pull",
            CameraConfig(lookat=(0.0, 0.64, 0.12), distance=0.75, azimuth=145, elevation=-35),
            action_repeat=3,
            tuned=True,
        ),
        TaskSpec(
            "soccer",
            CameraConfig(lookat=(0.05, 0.74, 0.05), distance=0.8, azimuth=150, elevation=-55),
            action_repeat=3,
            tuned=True,
        ),
        TaskSpec(
            "hammer",
            CameraConfig(lookat=(0.05, 0.6, 0.1), distance=0.7, azimuth=150, elevation=-35),
            action_repeat=3,
            tuned=True,
        ),
        TaskSpec(
            "door-lock",
            CameraConfig(lookat=(-0.05, 0.6, 0.2), distance=0.9, azimuth=140, elevation=-30),
            action_repeat=3,
            tuned=True,
        ),
        TaskSpec(
            "lever-pull",
            CameraConfig(lookat=(0.12, 0.7, 0.22), distance=0.85, azimuth=140, elevation=-25),
            action_repeat=3,
            tuned=True,
        ),
        TaskSpec(
            "handle-pull",
            CameraConfig(lookat=(0.04, 0.6, 0.14), distance=0.7, azimuth=145, elevation=-30),
            action_repeat=3,
            tuned=True,
        ),
    )
}
"""The six tasks of the World4RL paper, with tuned cameras and action repeats."""


def _canonical_name(name: str) -> str:
    """Turn ``"CoffeePull"``, ``"coffee-pull-v3"`` or ``"coffee_pull"`` into ``"coffee-pull"``."""
    text = name.strip()
    text = re.sub(r"-v\d+$", "", text)
    if "-" not in text and "_" not in text and any(c.isupper() for c in text[1:]):
        text = re.sub(r"(?<!^)(?=[A-Z])", "-", text)
    return text.replace("_", "-").lower()


def all_task_names() -> list[str]:
    """Every Meta-World v3 task name dreamgym can run (requires the ``metaworld`` extra)."""
    from metaworld.env_dict import ALL_V3_ENVIRONMENTS

    return sorted(name[: -len("-v3")] for name in ALL_V3_ENVIRONMENTS)


def get_task(name: str) -> TaskSpec:
    """Look a task up by any of its spellings (``coffee-pull``, ``coffee-pull-v3``, ``CoffeePull``).

    :raises ValueError: if no Meta-World v3 task has that name; the message lists the valid names.
    """
    canonical = _canonical_name(name)
    if canonical in WORLD4RL_TASKS:
        return WORLD4RL_TASKS[canonical]
    try:
        known = all_task_names()
    except ImportError:  # metaworld extra not installed: only the tuned tasks can be named
        known = sorted(WORLD4RL_TASKS)
    if canonical in known:
        return TaskSpec(canonical)
    raise ValueError(
        f"Unknown task {name!r}. Tuned World4RL tasks: {', '.join(sorted(WORLD4RL_TASKS))}. "
        f"All valid tasks: {', '.join(known)}."
    )
