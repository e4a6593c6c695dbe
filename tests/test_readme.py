"""The README documents what the code does."""

from pathlib import Path

from labeling.config import OPTIONS
from workbench.cli import build_parser

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def test_every_config_key_is_documented() -> None:
    for key in [*OPTIONS, "training_data"]:
        assert f"`{key}`" in README, key


def test_every_cli_command_is_documented() -> None:
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    for name in sub.choices:
        assert f"`workbench {name}" in README, name


def test_the_two_commands_exist_and_ci_runs_the_test_one() -> None:
    root = Path(__file__).resolve().parents[1]
    assert "scripts/demo" in README and "scripts/test" in README
    assert (root / "scripts" / "demo").stat().st_mode & 0o111
    assert "scripts/test" in (root / ".ci" / "run").read_text()
