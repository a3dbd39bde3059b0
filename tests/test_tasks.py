import json
import re

import pytest

from dreamgym.tasks import WORLD4RL_TASKS, BodyColor, CameraConfig, GoalMarker, RenderingConfig, get_task


@pytest.mark.parametrize("spelling", ["coffee-pull", "coffee-pull-v3", "CoffeePull", "coffee_pull"])
def test_task_spellings_resolve_to_one_spec(spelling):
    assert get_task(spelling) is WORLD4RL_TASKS["coffee-pull"]


def test_six_world4rl_tasks_are_tuned():
    assert sorted(WORLD4RL_TASKS) == sorted(["coffee-pull", "soccer", "hammer", "door-lock", "lever-pull", "handle-pull"])
    assert all(spec.tuned and spec.action_repeat >= 1 for spec in WORLD4RL_TASKS.values())


def test_other_metaworld_tasks_get_a_generic_spec():
    spec = get_task("reach-v3")
    assert spec.name == "reach" and not spec.tuned


def test_unknown_task_lists_valid_tasks():
    with pytest.raises(ValueError, match="Unknown task 'coffee-spill'.*coffee-pull.*handle-pull"):
        get_task("coffee-spill")


BAD_CAMERAS = {
    "lookat of two": (dict(lookat=(0.0, 0.6)), r"CameraConfig lookat is \(0.0, 0.6\); expected 3 finite numbers \(x, y, z in metres\)\."),
    "lookat with NaN": (dict(lookat=(0.0, float("nan"), 0.1)), r"CameraConfig lookat is \(0.0, nan, 0.1\); expected 3 finite numbers"),
    "distance 0": (dict(distance=0), r"CameraConfig distance is 0; expected a finite number > 0 \(metres\)\."),
    "distance a string": (dict(distance="0.8"), r"CameraConfig distance is '0.8'; expected a finite number > 0 \(metres\)\."),
    "azimuth None": (dict(azimuth=None), r"CameraConfig azimuth is None; expected a finite number \(degrees\)\."),
    "elevation inf": (dict(elevation=float("inf")), r"CameraConfig elevation is inf; expected a finite number \(degrees\)\."),
}


@pytest.mark.parametrize("fields, message", BAD_CAMERAS.values(), ids=BAD_CAMERAS.keys())
def test_bad_camera_is_refused(fields, message):
    with pytest.raises(ValueError, match=message):
        CameraConfig(**fields)


@pytest.mark.parametrize("data, message", [
    ({"lookat": [0, 0.6, 0.1]}, r"A camera \{'lookat': \[0, 0.6, 0.1\]\} lacks \['distance', 'azimuth', 'elevation'\]; "
                                r"expected exactly the keys \['lookat', 'distance', 'azimuth', 'elevation'\]\."),
    ([0, 0.6, 0.1], r"A camera must be a dict \(JSON object\) with keys \['lookat', 'distance', 'azimuth', 'elevation'\], got list"),
])
def test_camera_dict_names_missing_keys(data, message):
    with pytest.raises(ValueError, match=message):
        CameraConfig.from_dict(data)


def test_camera_round_trips_through_json():
    camera = WORLD4RL_TASKS["coffee-pull"].camera
    assert CameraConfig.from_dict(json.loads(json.dumps(camera.to_dict()))) == camera


BAD_GOAL_MARKERS = {
    "radius None": (dict(site="mug_goal", radius=None),
                    r"GoalMarker radius is None; expected the disc radius in metres, a number in \(0, 1\) \(the task's success radius, e.g. 0.07\)\."),
    "radius 0": (dict(site="mug_goal", radius=0), r"GoalMarker radius is 0; expected the disc radius in metres, a number in \(0, 1\)"),
    "radius a string": (dict(site="mug_goal", radius="0.07"), r"GoalMarker radius is '0.07'; expected the disc radius in metres"),
    "empty site": (dict(site="", radius=0.07), r"GoalMarker site is ''; expected the MuJoCo site name of the goal, e.g. 'mug_goal'\."),
    "rgba of three": (dict(site="mug_goal", radius=0.07, rgba=(0, 1, 0)),
                      r"GoalMarker rgba is \(0, 1, 0\); expected 4 numbers in \[0, 1\] \(red, green, blue, alpha\)\."),
}


@pytest.mark.parametrize("fields, message", BAD_GOAL_MARKERS.values(), ids=BAD_GOAL_MARKERS.keys())
def test_bad_goal_marker_is_refused(fields, message):
    with pytest.raises(ValueError, match=message):
        GoalMarker(**fields)


def test_goal_marker_without_radius_names_it():
    with pytest.raises(ValueError, match=re.escape(
        "A goal marker {'site': 'mug_goal', 'rgba': [0, 1, 0, 1]} lacks ['radius']; expected exactly the keys ['site', 'radius', 'rgba']."
    )):
        GoalMarker.from_dict({"site": "mug_goal", "rgba": [0, 1, 0, 1]})
    with pytest.raises(TypeError, match=r"missing 1 required positional argument: 'radius'"):
        GoalMarker("mug_goal")


@pytest.mark.parametrize("name, message", [
    (None, r"A task name must be a string such as 'coffee-pull', got NoneType None\."),
    (3, r"A task name must be a string such as 'coffee-pull', got int 3\."),
    ("reach-v2", r"Unknown task 'reach-v2'; expected a Meta-World v3 task name\. Tuned World4RL tasks: coffee-pull"),
])
def test_task_names_are_strings_of_v3_tasks(name, message):
    """Meta-World's v2 envs differ from v3: a name of another version is not silently read as the v3 task."""
    with pytest.raises(ValueError, match=message):
        get_task(name)


def test_body_colors_round_trip_and_leave_older_renderings_unchanged():
    yellow = BodyColor("mug", (1.0, 0.85, 0.0, 1.0))
    rendering = RenderingConfig(GoalMarker("mug_goal", 0.07), [yellow])
    assert rendering.body_colors == (yellow,)  # stored as a tuple: the config stays hashable and comparable
    data = json.loads(json.dumps(rendering.to_dict()))
    assert data["body_colors"] == [{"body": "mug", "rgba": [1.0, 0.85, 0.0, 1.0]}]
    assert RenderingConfig.from_dict(data) == rendering
    # a rendering without body colours writes the same dict as before they existed, and reads back equal
    plain = RenderingConfig(GoalMarker("mug_goal", 0.07))
    assert set(plain.to_dict()) == {"goal_marker"}
    assert RenderingConfig.from_dict({**plain.to_dict(), "body_colors": []}) == plain
    assert rendering != plain and "body 'mug' drawn in rgba [1.0, 0.85, 0.0, 1.0]" in rendering.describe()


@pytest.mark.parametrize("build, message", [
    (lambda: BodyColor("", (1, 1, 0, 1)), r"BodyColor body is ''; expected the MuJoCo body name of the object, e.g. 'mug'\."),
    (lambda: BodyColor("mug", (1, 1, 0)), r"BodyColor rgba is \(1, 1, 0\); expected 4 numbers in \[0, 1\]"),
    (lambda: BodyColor("mug", (1, 1, 2, 1)), r"BodyColor rgba is \(1, 1, 2, 1\); expected 4 numbers in \[0, 1\]"),
    (lambda: BodyColor.from_dict({"body": "mug"}), r"A body colour \{'body': 'mug'\} lacks \['rgba'\]"),
    (lambda: RenderingConfig(None, (BodyColor("mug", (1, 1, 0, 1)), BodyColor("mug", (0, 0, 1, 1)))),
     r"RenderingConfig body_colors is .*; expected one colour per body\."),
    (lambda: RenderingConfig(None, ({"body": "mug", "rgba": [1, 1, 0, 1]},)), r"expected a tuple of BodyColor"),
    (lambda: RenderingConfig.from_dict({"goal_marker": None, "body_colors": {"mug": [1, 1, 0, 1]}}),
     r"A rendering's 'body_colors' must be a list of \{'body', 'rgba'\} dicts"),
])
def test_bad_body_colors_are_refused(build, message):
    with pytest.raises(ValueError, match=message):
        build()
