"""The real ``workbench`` console script, run as a user would."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from labeling.lists import read_list
from workbench.demo import DemoProject

WORKBENCH = Path(sys.executable).with_name("workbench")


def run(*args: str, cwd: Path | None = None, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "WORKBENCH_CONFIG"}
    return subprocess.run(
        [str(WORKBENCH), *args], cwd=cwd, input=stdin, capture_output=True, text=True, timeout=60, env=env
    )


@pytest.mark.parametrize("command", [[], ["demo"], ["check"], ["move"], ["undo"], ["history"], ["app"]])
def test_help_everywhere(command: list[str]) -> None:
    result = run(*command, "--help")
    assert result.returncode == 0
    assert "usage: workbench" in result.stdout


def test_demo_check_move_history_undo_round_trip(tmp_path: Path) -> None:
    result = run("demo", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "demo project written" in result.stdout
    assert run("check", cwd=tmp_path).returncode == 0  # finds ./demo.yaml

    scan = tmp_path / "lists" / "demo-scan"
    first = read_list(scan).items[:2]
    result = run("move", "demo.yaml", "lists/demo-scan", "lists/demo-scan.err", "-", cwd=tmp_path,
                 stdin="\n".join(first) + "\n")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert read_list(tmp_path / "lists" / "demo-scan.err").items == first
    history = run("history", cwd=tmp_path).stdout
    assert "2 item(s)  move to lists/demo-scan.err" in history

    result = run("undo", cwd=tmp_path)
    assert result.returncode == 0 and "2 item(s) put back" in result.stdout
    assert read_list(scan).items[:2] == first
    result = run("undo", cwd=tmp_path)
    assert result.returncode == 2 and result.stderr == "workbench: error: nothing to undo\n"


def test_bad_config_is_one_line_and_exit_2(tmp_path: Path) -> None:
    (tmp_path / "imgroot").mkdir()
    (tmp_path / "bad.yaml").write_text("training_data:\n- a: lists/none\n")
    result = run("check", str(tmp_path / "bad.yaml"))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "training_data.a: list file lists/none not found" in result.stderr


def test_no_config_anywhere_says_how_to_get_one(tmp_path: Path) -> None:
    result = run("check", cwd=tmp_path)
    assert result.returncode == 2 and "workbench demo" in result.stderr


def test_hostile_item_is_refused(demo: DemoProject) -> None:
    base = demo.config.parent
    result = run("move", str(demo.config), "lists/demo-scan", "lists/x", "../../etc/passwd", cwd=base)
    assert result.returncode == 2 and "could leave the image root" in result.stderr
    assert not (base / "lists" / "x").exists()


def test_check_reports_problems_and_exits_1(demo: DemoProject) -> None:
    base = demo.config.parent
    blank = base / "lists" / "demo-blank"
    first = read_list(blank).items[0]
    with open(blank, "a") as fh:
        fh.write(f"{first}\nmissing/file.jpg\n")
    with open(base / "lists" / "demo-picture", "a") as fh:
        fh.write(f"{first}\n")
    result = run("check", str(demo.config))
    assert result.returncode == 1
    assert f"lists/demo-blank: {first} is listed more than once" in result.stdout
    assert "image missing/file.jpg not found" in result.stdout
    assert f"{first} has labels blank, picture" in result.stdout


@pytest.mark.slow
def test_model_commands_end_to_end(tmp_path: Path) -> None:
    from tests.model.conftest import model_config

    assert run("demo", str(tmp_path)).returncode == 0
    model_config(tmp_path / "demo.yaml", epochs=5)
    result = run("predict", "demo.yaml", "lists/demo-unsorted", cwd=tmp_path)
    assert result.returncode == 2 and "no trained model; run `workbench train demo.yaml` first" in result.stderr
    result = run("preprocess", cwd=tmp_path)
    assert result.returncode == 0 and "cached 342 images (embeddings)" in result.stdout, result.stderr
    result = run("analyze", cwd=tmp_path)
    assert result.returncode == 0 and "240 labeled images, out-of-fold accuracy" in result.stdout, result.stderr
    result = run("train", cwd=tmp_path)
    assert result.returncode == 0 and "validation accuracy" in result.stdout, result.stderr
    assert "done" in run("runs", cwd=tmp_path).stdout
    result = run("predict", "demo.yaml", "lists/demo-unsorted", cwd=tmp_path)
    assert result.returncode == 0 and "inconclusive (< 0.95)" in result.stdout, result.stderr
    assert (tmp_path / "lists" / "demo-unsorted.predictions.json").exists()
