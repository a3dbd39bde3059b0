import pytest

from dreamgym.tasks import WORLD4RL_TASKS, get_task


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
