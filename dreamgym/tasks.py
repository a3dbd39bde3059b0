"""The Meta-World tasks dreamgym knows, with the camera and action repeat chosen for each.

A :class:`TaskSpec` fixes everything that makes real frames and learned-simulator frames comparable:
the Meta-World environment, the free camera that frames gripper and object at low resolution, the
number of simulator steps one decision spans (action repeat) and the episode length in decisions.

The six World4RL tasks have hand-tuned cameras and measured action repeats (see
``benchmarks/real_env/``): the smallest repeat at which the scripted expert succeeds in >= 90% of
episodes within 50 decisions *and* its median first success comes by decision 30, so that slower
policies (BC, noisy experts) still have room to succeed and episodes hold frames of success. Every other Meta-World v3 task is available with a generic camera and an
untuned action repeat of 2.

Where a task's goal is a point the camera can barely show, its :class:`RenderingConfig` draws the
success region as a flat disc (rendering only, see :class:`GoalMarker`).
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field
from numbers import Real
from typing import Any

EPISODE_STEPS = 50
"""Decisions per episode, as in World4RL's data (50 steps per trajectory)."""


def _finite_number(value: Any) -> bool:
    """Whether ``value`` is a finite real number (int or float, NumPy's included); booleans are not."""
    return isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(value)


def _numbers(value: Any, count: int, low: float = -math.inf, high: float = math.inf) -> bool:
    """Whether ``value`` is a list or tuple of ``count`` finite numbers in ``[low, high]``."""
    return (isinstance(value, (list, tuple)) and len(value) == count
            and all(_finite_number(item) and low <= item <= high for item in value))


def _check_field(valid: bool, owner: str, name: str, value: Any, expected: str) -> None:
    """Raise ``ValueError("<owner> <name> is <value>; expected <expected>.")`` unless ``valid``."""
    if not valid:
        raise ValueError(f"{owner} {name} is {value!r}; expected {expected}.")


def _check_keys(data: Any, owner: str, keys: tuple[str, ...]) -> None:
    """Refuse ``data`` unless it is a dict with exactly ``keys``, naming what is missing or unknown."""
    if not isinstance(data, dict):
        raise ValueError(f"{owner} must be a dict (JSON object) with keys {list(keys)}, got {type(data).__name__} {data!r}.")
    missing, unknown = [key for key in keys if key not in data], sorted(str(key) for key in data if key not in keys)
    problems = ([f"lacks {missing}"] if missing else []) + ([f"has unknown keys {unknown}"] if unknown else [])
    if problems:
        raise ValueError(f"{owner} {data!r} {' and '.join(problems)}; expected exactly the keys {list(keys)}.")


@dataclass(frozen=True)
class CameraConfig:
    """A MuJoCo free camera: the point it looks at, its distance (m) and its angles (degrees)."""

    lookat: tuple[float, float, float] = (0.0, 0.65, 0.1)
    distance: float = 0.8
    azimuth: float = 145.0
    elevation: float = -35.0

    def __post_init__(self) -> None:
        owner = "CameraConfig"
        _check_field(_numbers(self.lookat, 3), owner, "lookat", self.lookat, "3 finite numbers (x, y, z in metres)")
        _check_field(_finite_number(self.distance) and self.distance > 0, owner, "distance", self.distance,
                     "a finite number > 0 (metres)")
        for name in ("azimuth", "elevation"):
            _check_field(_finite_number(getattr(self, name)), owner, name, getattr(self, name), "a finite number (degrees)")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> "CameraConfig":
        """Read :meth:`to_dict` output (e.g. a manifest's ``camera``); :class:`ValueError` names a bad key or value."""
        _check_keys(data, "A camera", ("lookat", "distance", "azimuth", "elevation"))
        lookat = data["lookat"]
        camera = cls(tuple(lookat) if isinstance(lookat, list) else lookat, data["distance"], data["azimuth"], data["elevation"])
        return cls(tuple(float(v) for v in camera.lookat), float(camera.distance), float(camera.azimuth), float(camera.elevation))


@dataclass(frozen=True)
class GoalMarker:
    """Draw a task's goal site as a flat disc on the table: rendering only, never physics.

    Meta-World draws goal sites as 1 cm spheres, 1-2 pixels at 64x64. A disc whose radius is the
    task's success radius shows in the frame exactly where success is reached (the object inside the
    disc), so a policy, the world model and the success classifier can all see it. Sites never
    collide and no sensor reads them, so the change is invisible to the simulated physics.

    :param site: MuJoCo site name of the goal, e.g. ``"mug_goal"``.
    :param radius: disc radius in metres.
    :param rgba: disc colour.
    """

    site: str
    radius: float
    rgba: tuple[float, float, float, float] = (0.0, 1.0, 0.0, 1.0)

    def __post_init__(self) -> None:
        owner = "GoalMarker"
        _check_field(isinstance(self.site, str) and bool(self.site.strip()), owner, "site", self.site,
                     "the MuJoCo site name of the goal, e.g. 'mug_goal'")
        _check_field(_finite_number(self.radius) and 0 < self.radius < 1, owner, "radius", self.radius,
                     "the disc radius in metres, a number in (0, 1) (the task's success radius, e.g. 0.07)")
        _check_field(_numbers(self.rgba, 4, 0, 1), owner, "rgba", self.rgba, "4 numbers in [0, 1] (red, green, blue, alpha)")

    def to_dict(self) -> dict:
        return {"site": self.site, "radius": self.radius, "rgba": list(self.rgba)}

    @classmethod
    def from_dict(cls, data: Any) -> "GoalMarker":
        """Read :meth:`to_dict` output; :class:`ValueError` names a missing, unknown or bad key."""
        _check_keys(data, "A goal marker", ("site", "radius", "rgba"))
        rgba = data["rgba"]
        return cls(site=data["site"], radius=data["radius"], rgba=tuple(rgba) if isinstance(rgba, list) else rgba)


@dataclass(frozen=True)
class BodyColor:
    """Draw one MuJoCo body's geoms in a flat colour: rendering only, never physics.

    At 64x64 an object that shares the gripper's colour merges with the fingers that grasp it
    (coffee-pull's white mug against the white finger pad), so whether the fingers hold it is
    not legible. Geom colours and materials are visual properties: collisions, masses and sensors
    do not read them.

    :param body: MuJoCo body name, e.g. ``"mug"``.
    :param rgba: colour of all the body's geoms, the hidden collision geoms included (their material is dropped).
    """

    body: str
    rgba: tuple[float, float, float, float]

    def __post_init__(self) -> None:
        owner = "BodyColor"
        _check_field(isinstance(self.body, str) and bool(self.body.strip()), owner, "body", self.body,
                     "the MuJoCo body name of the object, e.g. 'mug'")
        _check_field(_numbers(self.rgba, 4, 0, 1), owner, "rgba", self.rgba, "4 numbers in [0, 1] (red, green, blue, alpha)")

    def to_dict(self) -> dict:
        return {"body": self.body, "rgba": list(self.rgba)}

    @classmethod
    def from_dict(cls, data: Any) -> "BodyColor":
        """Read :meth:`to_dict` output; :class:`ValueError` names a missing, unknown or bad key."""
        _check_keys(data, "A body colour", ("body", "rgba"))
        rgba = data["rgba"]
        return cls(body=data["body"], rgba=tuple(rgba) if isinstance(rgba, list) else rgba)


@dataclass(frozen=True)
class RenderingConfig:
    """What the pixel observations draw beyond the camera view: recorded in every episode and bundle,
    because a learned simulator only imitates frames rendered the way its training data was.

    :param goal_marker: how the goal is drawn; ``None`` keeps Meta-World's own 1 cm goal sphere.
    :param body_colors: bodies drawn in a colour of their own (see :class:`BodyColor`); empty keeps
        Meta-World's colours.
    """

    goal_marker: GoalMarker | None = None
    body_colors: tuple[BodyColor, ...] = ()

    def __post_init__(self) -> None:
        colors = self.body_colors
        _check_field(isinstance(colors, (tuple, list)) and all(isinstance(c, BodyColor) for c in colors),
                     "RenderingConfig", "body_colors", colors, "a tuple of BodyColor")
        names = [c.body for c in colors]
        _check_field(len(set(names)) == len(names), "RenderingConfig", "body_colors", colors, "one colour per body")
        object.__setattr__(self, "body_colors", tuple(colors))

    def to_dict(self) -> dict:
        data = {"goal_marker": self.goal_marker.to_dict() if self.goal_marker else None}
        if self.body_colors:  # absent when unused: renderings recorded before body colours read back unchanged
            data["body_colors"] = [c.to_dict() for c in self.body_colors]
        return data

    @classmethod
    def from_dict(cls, data: dict | None) -> "RenderingConfig":
        """Read :meth:`to_dict` output; ``None`` (data recorded before renderings were recorded) is
        Meta-World's default drawing."""
        if data is None:
            return cls()
        if not isinstance(data, dict) or "goal_marker" not in data or not set(data) <= {"goal_marker", "body_colors"}:
            raise ValueError(
                f"A rendering must be a dict with the key 'goal_marker' and optionally 'body_colors', got {data!r}."
            )
        marker = data["goal_marker"]
        colors = data.get("body_colors", [])
        if not isinstance(colors, list):
            raise ValueError(f"A rendering's 'body_colors' must be a list of {{'body', 'rgba'}} dicts, got {colors!r}.")
        return cls(
            goal_marker=GoalMarker.from_dict(marker) if marker is not None else None,
            body_colors=tuple(BodyColor.from_dict(c) for c in colors),
        )

    def describe(self) -> str:
        """One line for error messages."""
        if self.goal_marker is None:
            text = "Meta-World's default goal drawing (1 cm sphere)"
        else:
            text = f"goal {self.goal_marker.site!r} drawn as a disc of radius {self.goal_marker.radius} m"
        for color in self.body_colors:
            text += f", body {color.body!r} drawn in rgba {list(color.rgba)}"
        return text


@dataclass(frozen=True)
class TaskSpec:
    """How dreamgym runs one Meta-World task.

    :param name: short task name, e.g. ``"coffee-pull"``.
    :param camera: free camera used for the pixel observations.
    :param action_repeat: simulator steps per decision (the same action is applied each time).
    :param episode_steps: decisions per episode.
    :param tuned: whether camera and action repeat were chosen and measured for this task.
    :param rendering: goal marker and other drawing choices (see :class:`RenderingConfig`).
    """

    name: str
    camera: CameraConfig = field(default_factory=CameraConfig)
    action_repeat: int = 2
    episode_steps: int = EPISODE_STEPS
    tuned: bool = False
    rendering: RenderingConfig = field(default_factory=RenderingConfig)

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
            # Success is the mug within 7 cm of the goal: a disc of that radius (~14 x 11 px at 64x64,
            # against 2-4 px for Meta-World's sphere; benchmarks/real_env/goal_legibility.py).
            rendering=RenderingConfig(GoalMarker("mug_goal", radius=0.07)),
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
    text = re.sub(r"-v3$", "", text)  # Meta-World v3's own names; another version ("reach-v2") is not this task
    if "-" not in text and "_" not in text and any(c.isupper() for c in text[1:]):
        text = re.sub(r"(?<!^)(?=[A-Z])", "-", text)
    return text.replace("_", "-").lower()


def all_task_names() -> list[str]:
    """Every Meta-World v3 task name dreamgym can run (requires the ``metaworld`` extra)."""
    import dreamgym.real  # noqa: F401, I001  (chooses MUJOCO_GL first: metaworld imports mujoco, which reads it once)
    from metaworld.env_dict import ALL_V3_ENVIRONMENTS

    return sorted(name[: -len("-v3")] for name in ALL_V3_ENVIRONMENTS)


def get_task(name: str) -> TaskSpec:
    """Look a task up by any of its spellings (``coffee-pull``, ``coffee-pull-v3``, ``CoffeePull``).

    :raises ValueError: if no Meta-World v3 task has that name (or ``name`` is not a string); the message
        lists the valid names.
    """
    if not isinstance(name, str):
        raise ValueError(f"A task name must be a string such as 'coffee-pull', got {type(name).__name__} {name!r}.")
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
        f"Unknown task {name!r}; expected a Meta-World v3 task name. Tuned World4RL tasks: "
        f"{', '.join(sorted(WORLD4RL_TASKS))}. All valid tasks: {', '.join(known)}."
    )
