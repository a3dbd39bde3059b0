"""The command line: a user error prints one line ``dreamgym <command>: error: ...`` and exits 2; bugs still raise.

Every case here fails before any recording or training starts.
"""

import json
import re
import zipfile

import numpy as np
import pytest
from safetensors import SafetensorError

from dreamgym import cli
from dreamgym.data.episode import make_episode, save_episode


def _run(capsys, *argv):
    """``(exit code, the single stderr line)``; fails if stderr has more or fewer lines."""
    code = cli.main([str(arg) for arg in argv])
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1, lines
    return code, lines[0]


@pytest.fixture
def a_file(tmp_path):
    path = tmp_path / "a-file"
    path.write_text("not a folder")
    return path


OUT_FOLDER_COMMANDS = {
    "collect": [],
    "import-minari": ["some/dataset", "--task", "t"],
    "cameras": [],
    "train-world-model": ["--data", "."],
    "train-reward": ["--data", "."],
    "export-bundle": ["--run", "."],
    "demo": [],
}


@pytest.mark.parametrize("command", OUT_FOLDER_COMMANDS)
def test_existing_file_as_output_folder(capsys, a_file, command):
    code, line = _run(capsys, command, *OUT_FOLDER_COMMANDS[command], "--out", a_file)
    assert code == 2
    assert line == f"dreamgym {command}: error: --out {a_file} is an existing file; expected a folder (created if missing)."


def test_output_folder_under_a_file(capsys, a_file):
    code, line = _run(capsys, "collect", "--out", a_file / "data")
    assert code == 2
    assert line == (f"dreamgym collect: error: --out {a_file / 'data'} lies under {a_file}, which is an existing file; "
                    "expected a folder (created if missing).")


@pytest.mark.parametrize(
    "flags, message",
    [
        (["--channels", "4"], r"channels must be one or more widths >= 8 \(multiples of 8\), got \(4,\)"),
        (["--channels", "32", "12"], r"channel widths must be multiples of 8 \(group norm\), got \(32, 12\)"),
        (["--patch-size", "3"], r"patch_size must be >= 1 and divide image_size 64, got 3"),
    ],
)
def test_world_model_architecture_out_of_range(capsys, tmp_path, flags, message):
    """Architectures the argument ranges allow but the model does not (ranges: tests/test_cli_arguments.py)."""
    code, line = _run(capsys, "train-world-model", "--data", tmp_path, "--out", tmp_path / "run", *flags)
    assert code == 2 and re.fullmatch(r"dreamgym train-world-model: error: " + message + r"\.", line), line


def test_architecture_flags_with_init_from(capsys, tmp_path):
    from test_dream_sb3 import tiny_simulator

    bundle = tiny_simulator().save(tmp_path / "bundle")
    code, line = _run(capsys, "train-world-model", "--data", tmp_path, "--out", tmp_path / "run", "--init-from", bundle,
                      "--channels", "16")
    assert code == 2
    assert line == f"dreamgym train-world-model: error: --channels cannot be combined with --init-from: the architecture is that of {bundle}."


def test_init_from_a_changed_bundle(capsys, tmp_path):
    from test_dream_sb3 import tiny_simulator

    bundle = tiny_simulator().save(tmp_path / "bundle")
    weights = bundle / "world_model" / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[-2] ^= 0x01  # a finite change of one weight: only the checksum can tell
    weights.write_bytes(bytes(data))
    code, line = _run(capsys, "train-world-model", "--data", tmp_path, "--out", tmp_path / "run", "--init-from", bundle)
    assert code == 2
    assert re.fullmatch(rf"dreamgym train-world-model: error: {re.escape(str(weights))}: sha256 [0-9a-f]{{64}} differs from .*", line), line


def test_folder_that_is_not_a_training_run(capsys, tmp_path):
    (tmp_path / "run").mkdir()
    code, line = _run(capsys, "export-bundle", "--run", tmp_path / "run", "--out", tmp_path / "bundle")
    assert code == 2
    assert line == f"dreamgym export-bundle: error: {tmp_path / 'run'} is not a finished training run: summary.json is missing."


def _episode(size=8, steps=5):
    return make_episode(np.zeros((steps + 1, 3, size, size), np.uint8), np.zeros((steps, 4)), np.zeros(steps),
                        np.zeros(steps + 1), {"task": "coffee-pull", "source": "expert"})


def test_truncated_episode_in_the_data(capsys, tmp_path):
    path = save_episode(_episode(), tmp_path / "data" / "ep.npz")
    path.write_bytes(path.read_bytes()[:100])
    code, line = _run(capsys, "train-reward", "--data", tmp_path / "data", "--out", tmp_path / "run", "--size", "8")
    assert code == 2
    assert line.startswith(f"dreamgym train-reward: error: {path}: not a readable dreamgym episode file: truncated or corrupt")


def test_dataset_of_two_frame_sizes(capsys, tmp_path):
    first = save_episode(_episode(size=8), tmp_path / "data" / "a.npz")
    second = save_episode(_episode(size=16), tmp_path / "data" / "b.npz")
    code, line = _run(capsys, "train-reward", "--data", tmp_path / "data", "--out", tmp_path / "run", "--size", "8")
    assert code == 2
    assert line.startswith(f"dreamgym train-reward: error: {second} has 16x16 frames, 4-D actions, 5 steps, but {first} has 8x8 frames")


@pytest.fixture
def bundle(tmp_path):
    from test_dream_sb3 import tiny_simulator

    return tiny_simulator().save(tmp_path / "bundle")


def test_corrupt_bundle(capsys, tmp_path, bundle):
    weights = bundle / "world_model" / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:1000])
    (tmp_path / "reward").mkdir()
    code, line = _run(capsys, "replace-reward", "--bundle", bundle, "--reward-run", tmp_path / "reward")
    assert code == 2
    assert re.fullmatch(rf"dreamgym replace-reward: error: {re.escape(str(weights))}: sha256 [0-9a-f]{{64}} differs from [0-9a-f]{{64}} "
                        r"recorded in manifest.json; .*", line), line


def test_bad_manifest_value(capsys, tmp_path, bundle):
    manifest = json.loads((bundle / "manifest.json").read_text())
    (bundle / "manifest.json").write_text(json.dumps({**manifest, "episode_steps": 0}))
    (tmp_path / "reward").mkdir()
    code, line = _run(capsys, "replace-reward", "--bundle", bundle, "--reward-run", tmp_path / "reward")
    assert code == 2
    assert line == f"dreamgym replace-reward: error: {bundle / 'manifest.json'}: 'episode_steps' is 0; expected an integer >= 1."


@pytest.mark.parametrize(
    "error",
    [
        ValueError("bad\nvalue"),
        FileNotFoundError("no such file"),
        FileExistsError("exists"),
        NotADirectoryError("not a folder"),
        IsADirectoryError("a folder"),
        PermissionError("denied"),
        SafetensorError("header too small"),
        zipfile.BadZipFile("File is not a zip file"),
        ImportError("needs pip install"),
    ],
    ids=lambda error: type(error).__name__,
)
def test_user_errors_are_one_line(capsys, monkeypatch, error):
    def fail(args):
        raise error

    monkeypatch.setattr(cli, "_cmd_tasks", fail)
    code, line = _run(capsys, "tasks")
    assert code == 2 and line == f"dreamgym tasks: error: {' '.join(str(error).split())}"


@pytest.mark.parametrize("error", [RuntimeError("a bug"), KeyError("a bug"), TypeError("a bug"), AttributeError("a bug")])
def test_bugs_still_raise(monkeypatch, error):
    def fail(args):
        raise error

    monkeypatch.setattr(cli, "_cmd_tasks", fail)
    with pytest.raises(type(error)):
        cli.main(["tasks"])


def test_message_without_text_names_the_error():
    assert cli.one_line(FileExistsError()) == "FileExistsError"


@pytest.fixture(params=["text", "other zip"])
def not_a_policy(tmp_path, request):
    path = tmp_path / "policy.zip"
    if request.param == "text":
        path.write_text("not a zip")
    else:
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("a.txt", "x")
    return path


@pytest.mark.parametrize("command, option, extra", [
    ("evaluate", "--model", []),
    ("refine", "--bc-model", ["--out", "{tmp}/run"]),
    ("collect", "--bc-policy", ["--out", "{tmp}/data", "--expert", "0", "--noisy-expert", "0", "--random", "0", "--bc", "1",
                                "--no-progress"]),
])
def test_file_that_is_not_an_sb3_policy(capsys, tmp_path, not_a_policy, command, option, extra):
    extra = [arg.format(tmp=tmp_path) for arg in extra]
    code, line = _run(capsys, command, option, not_a_policy, *extra)
    assert code == 2
    assert line.startswith(f"dreamgym {command}: error: {not_a_policy} is not an SB3 policy zip written by "
                           "`dreamgym train-bc` or `dreamgym refine` (")
    assert line.endswith("); expected such a .zip (PPO.load reads it).")


def test_critic_warmup_not_below_iterations_names_the_flags(capsys, tmp_path):
    code, line = _run(capsys, "refine", "--bc-model", tmp_path, "--out", tmp_path / "run", "--method", "ppo",
                      "--critic-warmup", "3", "--iterations", "3")
    assert code == 2
    assert line == ("dreamgym refine: error: critic_warmup_iterations (--critic-warmup) must be in [0, iterations), "
                    "where iterations (--iterations) is 3; got 3.")


def test_a_confirmation_judge_without_confirmation_is_refused(capsys, tmp_path):
    code, line = _run(capsys, "refine", "--bc-model", tmp_path, "--out", tmp_path / "run", "--confirm-rerolls", "0",
                      "--confirm-judge", tmp_path, "--success-signal", "classifier")
    assert code == 2
    assert line == ("dreamgym refine: error: --confirm-judge needs --confirm-rerolls >= 1 (0 switches success "
                    "confirmation off).")


def test_the_confirmation_flags_become_refine_settings(tmp_path):
    parse = cli.build_parser().parse_args
    args = parse(["refine", "--bc-model", str(tmp_path), "--confirm-rerolls", "1", "--confirm-horizon", "20",
                  "--confirm-judge", str(tmp_path), "--confirm-window", "4"])
    assert cli._confirmation(args) == {"rerolls": 1, "horizon": 20, "window": 4, "judge": str(tmp_path)}
    assert cli._confirmation(parse(["refine", "--bc-model", str(tmp_path)])) == {"rerolls": 4, "horizon": 20, "window": 5}
    ppo = ["refine", "--bc-model", str(tmp_path), "--method", "ppo"]
    assert cli._confirmation(parse(ppo)) == {"rerolls": 2, "horizon": 8}
    assert cli._confirmation(parse([*ppo, "--confirm-horizon", "12"])) == {"rerolls": 2, "horizon": 12}
    assert cli._confirmation(parse([*ppo, "--confirm-rerolls", "0"])) is None


def test_refine_refuses_options_of_the_other_method(tmp_path, capsys):
    code, line = _run(capsys, "refine", "--bc-model", tmp_path, "--out", tmp_path / "run", "--iterations", "3")
    assert code == 2
    assert line == ("dreamgym refine: error: --iterations belongs to --method ppo, but --method is filtered-bc (the "
                    "default); expected --method ppo with it, or it left out.")
    code, line = _run(capsys, "refine", "--bc-model", tmp_path, "--out", tmp_path / "run", "--method", "ppo",
                      "--rounds", "2", "--imitation-lr", "1e-3")
    assert code == 2
    assert line == ("dreamgym refine: error: --rounds, --imitation-lr belong to --method filtered-bc, but --method is "
                    "ppo; expected --method filtered-bc with them, or them left out.")
    code, line = _run(capsys, "refine", "--bc-model", tmp_path, "--out", tmp_path / "run", "--confirm-rerolls", "0",
                      "--success-signal", "classifier")
    assert code == 2
    assert line == ("dreamgym refine: error: --method filtered-bc imitates confirmed successes only; expected "
                    "--confirm-rerolls >= 1.")
    code, line = _run(capsys, "refine", "--bc-model", tmp_path, "--out", tmp_path / "run", "--confirm-rerolls", "2")
    assert code == 2
    assert line == ("dreamgym refine: error: --confirm-rerolls set how the classifier's imagined successes are confirmed; "
                    "with --success-signal outcome (the default) nothing is confirmed: expected them left out, or "
                    "--success-signal classifier.")


METRICS = 'expected a JSON file holding one object, e.g. {"psnr_1_step": 31.2}'


@pytest.mark.parametrize("text, problem", [
    ("[1, 2]", "holds a JSON array, not an object"),
    ('"psnr 31"', "holds a JSON string, not an object"),
    ("31.2", "holds a JSON number, not an object"),
    ("null", "holds a JSON null, not an object"),
    ("{psnr: 31}", "is not readable JSON (Expecting property name enclosed in double quotes: line 1 column 2 (char 1))"),
    ("", "is not readable JSON (Expecting value: line 1 column 1 (char 0))"),
])
def test_metrics_that_are_not_a_json_object(capsys, tmp_path, text, problem):
    metrics = tmp_path / "metrics.json"
    metrics.write_text(text)
    (tmp_path / "run").mkdir()
    code, line = _run(capsys, "export-bundle", "--run", tmp_path / "run", "--out", tmp_path / "bundle", "--metrics", metrics)
    assert code == 2
    assert line == f"dreamgym export-bundle: error: argument --metrics: {metrics} {problem}; {METRICS}"


def test_metrics_of_the_api_must_be_a_dict(tmp_path):
    from dreamgym.export import export_bundle

    with pytest.raises(TypeError, match=re.escape("metrics must be a dict (a JSON object of named metrics) or None, got list [1, 2].")):
        export_bundle(tmp_path, tmp_path / "bundle", metrics=[1, 2])


@pytest.mark.parametrize("command, extra", [("train-world-model", []), ("train-reward", ["--size", "8"]), ("train-bc", []),
                                            ("distill-world-model", ["--teacher", "."])])
def test_huge_batch_size_is_refused_naming_the_option(capsys, tmp_path, command, extra):
    code, line = _run(capsys, command, "--data", tmp_path, "--out", tmp_path / "run", "--batch-size", 10**9, *extra)
    assert code == 2
    minimum = 2 if command == "train-reward" else 1
    assert line == f"dreamgym {command}: error: argument --batch-size: expected an integer from {minimum} to 4096, got '1000000000'"


def test_bundle_without_checksums_says_how_to_export_again(capsys, tmp_path, bundle):
    manifest = json.loads((bundle / "manifest.json").read_text())
    del manifest["files"]
    (bundle / "manifest.json").write_text(json.dumps(manifest))
    code, line = _run(capsys, "train-world-model", "--data", tmp_path, "--out", tmp_path / "run", "--init-from", bundle)
    assert code == 2
    assert line.startswith(f"dreamgym train-world-model: error: {bundle / 'manifest.json'} records no sha256 of the component files")
    assert "export it again with `dreamgym export-bundle`" in line


OUT_FILE_COMMANDS = {"train-bc": ["--data", "."], "evaluate": ["--model", "."]}


@pytest.mark.parametrize("command", OUT_FILE_COMMANDS)
def test_existing_folder_as_output_file(capsys, tmp_path, command):
    """Refused before the command works: evaluate wrote its report only after the whole evaluation."""
    folder = tmp_path / "report"
    folder.mkdir()
    code, line = _run(capsys, command, *OUT_FILE_COMMANDS[command], "--out", folder)
    assert code == 2
    assert line == (f"dreamgym {command}: error: --out {folder} is an existing folder; expected a file name (folders on the "
                    "way are created if missing).")


@pytest.mark.parametrize("command", OUT_FILE_COMMANDS)
def test_output_file_under_a_file(capsys, a_file, command):
    code, line = _run(capsys, command, *OUT_FILE_COMMANDS[command], "--out", a_file / "out.json")
    assert code == 2
    assert line == (f"dreamgym {command}: error: --out {a_file / 'out.json'} lies under {a_file}, which is an existing file; "
                    "expected a file in a folder (created if missing).")
    assert a_file.read_text() == "not a folder"


def test_existing_file_as_videos_folder(capsys, a_file):
    code, line = _run(capsys, "evaluate", "--model", ".", "--videos", a_file)
    assert code == 2
    assert line == f"dreamgym evaluate: error: --videos {a_file} is an existing file; expected a folder (created if missing)."


@pytest.mark.parametrize("flags, message", [
    (["--real-only", "--denoising-steps", "3"], "--denoising-steps and --sampler set the dream evaluation, which --real-only "
                                                 "skips; expected them without --real-only."),
    (["--real-only", "--sampler", "teacher"], "--denoising-steps and --sampler set the dream evaluation, which --real-only "
                                              "skips; expected them without --real-only."),
    (["--dream-only", "--videos", "videos"], "--videos films real episodes, which --dream-only skips; expected --videos without "
                                             "--dream-only."),
])
def test_evaluate_options_that_the_chosen_evaluation_ignores(capsys, tmp_path, flags, message):
    code, line = _run(capsys, "evaluate", "--model", tmp_path, *flags)
    assert code == 2
    assert line == f"dreamgym evaluate: error: {message}"


def test_collect_with_nothing_to_record(capsys, tmp_path):
    code, line = _run(capsys, "collect", "--out", tmp_path / "data", "--expert", "0", "--noisy-expert", "0", "--random", "0")
    assert code == 2
    assert line == ("dreamgym collect: error: Nothing to record: num_expert, num_noisy_expert, num_random, num_bc, num_branch "
                    "(--expert, --noisy-expert, --random, --bc, --branch) are all 0; expected at least one episode.")
    assert not (tmp_path / "data").exists()


def test_collect_bc_without_a_policy_names_the_flags(capsys, tmp_path):
    code, line = _run(capsys, "collect", "--out", tmp_path / "data", "--bc", "2")
    assert code == 2
    assert line == ("dreamgym collect: error: num_bc=2 (--bc) needs bc_policy (--bc-policy), an SB3 zip from "
                    "`dreamgym train-bc`; got None.")


@pytest.mark.parametrize("task", ["", "../elsewhere"])
def test_import_minari_task_label_that_is_no_folder_name(capsys, tmp_path, task):
    code, line = _run(capsys, "import-minari", "some/dataset-v0", "--task", task, "--out", tmp_path / "data")
    assert code == 2
    assert line.startswith(f"dreamgym import-minari: error: task {task!r} is not a usable task label; expected a task name")


def test_world_model_training_without_episodes_of_the_task(capsys, tmp_path):
    save_episode(_episode(), tmp_path / "data" / "ep.npz")
    code, line = _run(capsys, "train-world-model", "--data", tmp_path / "data", "--task", "soccer", "--out", tmp_path / "run",
                      "--no-progress")
    assert code == 2
    assert line == (
        f"dreamgym train-world-model: error: No training episodes under {tmp_path / 'data'} for tasks=['soccer']; expected "
        "dreamgym episode files (.npz, written by `dreamgym collect` or `dreamgym import-minari`) of those tasks (None = any task)."
    )


def test_contact_shares_without_contact_sampling(capsys, tmp_path):
    code, line = _run(capsys, "train-world-model", "--data", tmp_path, "--out", tmp_path / "run", "--contact-shares", "0", "0", "0.2")
    assert code == 2
    assert line == "dreamgym train-world-model: error: --contact-shares applies only with --window-sampling contact."


def test_branch_onset_settings_are_checked(capsys, tmp_path):
    code, line = _run(capsys, "train-world-model", "--data", tmp_path, "--out", tmp_path / "run", "--branch-onset", "0.3", "4")
    assert code == 2
    assert line == "dreamgym train-world-model: error: --branch-onset applies only with --window-sampling branch-onset."
    for share, decisions, problem in (("1.5", "4", "share must be a number in (0, 1), got 1.5"),
                                      ("0.3", "two", "invalid literal for int()")):
        code, line = _run(capsys, "train-world-model", "--data", tmp_path, "--out", tmp_path / "run",
                          "--window-sampling", "branch-onset", "--branch-onset", share, decisions)
        assert code == 2
        assert line.startswith("dreamgym train-world-model: error: --branch-onset SHARE DECISIONS: expected a share in (0, 1) "
                               f"and a whole number of decisions >= 1, got '{share}' '{decisions}'")
        assert problem in line


def test_contact_share_out_of_range(capsys, tmp_path):
    code, line = _run(capsys, "train-world-model", "--data", tmp_path, "--out", tmp_path / "run", "--window-sampling", "contact",
                      "--contact-shares", "0", "0", "1.5")
    assert code == 2
    assert "--contact-shares" in line and "1.5" in line and "from 0 to below 1" in line


def test_refine_pairs_option_reaches_the_imitation_config(tmp_path, monkeypatch, capsys):
    from dreamgym.policy import dream_imitation

    assert cli.build_parser().parse_args(["refine", "--bc-model", str(tmp_path)]).pairs is None  # the config's default
    for choice in dream_imitation.PAIR_CHOICES:  # the CLI offers every choice the config takes
        assert cli.build_parser().parse_args(["refine", "--bc-model", str(tmp_path), "--pairs", choice]).pairs == choice
    seen = {}

    def fake_refine(config, progress):
        seen["pairs"] = config.pairs
        return dict.fromkeys(("imagined_episodes", "confirmed_successes", "kept_pairs", "collect_seconds",
                              "imitation_seconds", "hardware"), 0)

    monkeypatch.setattr(dream_imitation, "refine_by_imitation", fake_refine)
    assert cli.main(["refine", "--bc-model", str(tmp_path), "--out", str(tmp_path / "run"), "--pairs", "until-grasp"]) == 0
    assert seen == {"pairs": "until-grasp"}
    code, line = _run(capsys, "refine", "--bc-model", tmp_path, "--out", tmp_path / "run", "--method", "ppo",
                      "--pairs", "until-grasp")
    assert code == 2
    assert line == ("dreamgym refine: error: --pairs belongs to --method filtered-bc, but --method is ppo; expected "
                    "--method filtered-bc with it, or it left out.")
