from pathlib import Path

import pytest

from labeling.config import OPTIONS, ConfigError, load_config

EXISTING = """\
model_file: with-address-or-blank.h5
port: 8001
training_data:        # a LIST, so label order is kept
- blank:
  - lists/misc-blank
  - lists/rj-blank
- with_address:
  - lists/misc-with_address
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "imgroot").mkdir()
    (tmp_path / "lists").mkdir()
    for name in ("misc-blank", "rj-blank", "misc-with_address", "other"):
        (tmp_path / "lists" / name).write_text("a.jpg\n")
    return tmp_path


def write(project: Path, text: str) -> Path:
    path = project / "model.yaml"
    path.write_text(text)
    return path


def test_existing_format_loads_with_label_order_and_paths_relative_to_the_file(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir("/")
    cfg = load_config(write(project, EXISTING))
    assert cfg.label_names == ["blank", "with_address"]
    assert cfg.labels[0].lists == (project / "lists/misc-blank", project / "lists/rj-blank")
    assert cfg.model_file == project / "with-address-or-blank.h5"
    assert cfg.port == 8001
    assert cfg.image_root == project / "imgroot"
    assert cfg.threshold == 0.95
    assert cfg.label_of_list()[project / "lists/rj-blank"] == "blank"


def test_defaults_are_the_documented_ones(project: Path) -> None:
    cfg = load_config(write(project, "training_data:\n- a: lists/other\n"))
    for key, (default, _) in OPTIONS.items():
        if key in ("model_file", "image_root", "lists_dir", "state_dir"):
            continue
        assert getattr(cfg, key) == default, key
    assert cfg.model_file == project / "model.keras"
    assert cfg.state_dir == project / ".workbench"


def test_mapping_form_keeps_order_and_single_list_string(project: Path) -> None:
    cfg = load_config(write(project, "training_data:\n  b: lists/other\n  a: [lists/rj-blank]\n"))
    assert cfg.label_names == ["b", "a"]


@pytest.mark.parametrize(
    "text, key, words",
    [
        ("training_data:\n- blank\n", "training_data[0]", "LABEL: [list files]"),
        ("training_data:\n- a: lists/x\n  b: lists/y\n", "training_data[0]", "one 'LABEL"),
        ("training_data:\n- a: lists/missing\n", "training_data.a", "list file lists/missing not found"),
        ("training_data:\n- a: lists/other\n- a: lists/rj-blank\n", "training_data.a", "duplicate label"),
        ("training_data:\n- a: lists/other\n- b: lists/other\n", "training_data.b", "already used by label 'a'"),
        ("training_data:\n- yes: lists/other\n", "training_data[0]", "not a string; put it in quotes"),
        ("training_data:\n- a: []\n", "training_data.a", "list file"),
        ("threshold: 1.5\ntraining_data:\n- a: lists/other\n", "threshold", "between 0 and 1"),
        ("threshold: high\ntraining_data:\n- a: lists/other\n", "threshold", "must be a number"),
        ("threshold: 0\ntraining_data:\n- a: lists/other\n", "threshold", "above 0"),
        ("port: 99999\ntraining_data:\n- a: lists/other\n", "port", "between 1 and 65535"),
        ("treshold: 0.9\ntraining_data:\n- a: lists/other\n", "treshold", "did you mean 'threshold'"),
        ("backbone: resnet\ntraining_data:\n- a: lists/other\n", "backbone", "unknown backbone"),
        ("group_pattern: '('\ntraining_data:\n- a: lists/other\n", "group_pattern", "bad regular expression"),
        ("image_root: pics\ntraining_data:\n- a: lists/other\n", "image_root", "folder pics not found"),
        ("weights: w.h5\ntraining_data:\n- a: lists/other\n", "weights", "not found"),
        ("port: 8001\n", "training_data", "missing"),
        ("training_data: 3\n", "training_data", "must be a list"),
    ],
)
def test_bad_configs_give_one_line_naming_file_and_key(project: Path, text: str, key: str, words: str) -> None:
    path = write(project, text)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: {key}: "), message
    assert words in message


@pytest.mark.parametrize(
    "text, words",
    [
        ("training_data:\n- a: [lists/other\n", "line 3, column 1: not valid YAML"),
        ("", "the file is empty"),
        ("- just\n- a list\n", "top level must be a mapping"),
    ],
)
def test_unparseable_configs_give_one_line(project: Path, text: str, words: str) -> None:
    path = write(project, text)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert "\n" not in str(err.value) and words in str(err.value), str(err.value)


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.yaml")
