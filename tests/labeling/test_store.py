import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from labeling import store as store_module
from labeling.lists import read_list, write_list
from labeling.store import ListStore, Move, NothingToUndo

WRITER = Path(__file__).with_name("writer.py")


@pytest.fixture
def base(tmp_path: Path) -> Path:
    write_list(tmp_path / "inbox", [f"img/{i:03d}.jpg" for i in range(10)])
    return tmp_path


def items(path: Path) -> list[str]:
    return read_list(path).items


def test_weed_commit_moves_marked_to_err_rest_to_ok_and_undo_restores_order(base: Path) -> None:
    store = ListStore(base)
    page = items(base / "inbox")[:5]
    marked = [page[1], page[3]]
    action = store.apply(
        [
            Move(src=base / "inbox", dst=base / "inbox.err", items=tuple(marked)),
            Move(src=base / "inbox", dst=base / "inbox.ok", items=tuple(i for i in page if i not in marked)),
        ],
        description="weed page 1",
    )
    assert action.moved_count == 5 and not action.skipped
    assert items(base / "inbox.err") == marked
    assert items(base / "inbox.ok") == [page[0], page[2], page[4]]
    assert items(base / "inbox") == [f"img/{i:03d}.jpg" for i in range(5, 10)]

    undone = store.undo()
    assert undone.undoes == action.id
    assert items(base / "inbox") == [f"img/{i:03d}.jpg" for i in range(10)]
    assert items(base / "inbox.err") == [] and items(base / "inbox.ok") == []
    with pytest.raises(NothingToUndo):
        store.undo()
    with pytest.raises(NothingToUndo, match="already undone"):
        store.undo(action.id)


def test_undo_takes_the_newest_action_first(base: Path) -> None:
    store = ListStore(base)
    first = store.apply([Move(base / "inbox", base / "a", ("img/000.jpg",))], description="first")
    store.apply([Move(base / "inbox", base / "b", ("img/001.jpg",))], description="second")
    assert store.undo().description == "undo: second"
    assert store.undo().undoes == first.id
    assert items(base / "inbox")[:2] == ["img/000.jpg", "img/001.jpg"]
    assert [a.undone_by is not None for a in store.history() if not a.undoes] == [True, True]


def test_items_gone_from_the_source_are_skipped_not_duplicated(base: Path) -> None:
    store = ListStore(base)
    store.apply([Move(base / "inbox", base / "inbox.ok", ("img/000.jpg",))], description="tab 1")
    # A second browser tab still shows img/000 and commits it again.
    action = store.apply(
        [Move(base / "inbox", base / "inbox.err", ("img/000.jpg", "img/001.jpg"))], description="tab 2"
    )
    assert action.skipped == ["img/000.jpg"]
    assert items(base / "inbox.ok") == ["img/000.jpg"]
    assert items(base / "inbox.err") == ["img/001.jpg"]


def test_edits_made_between_actions_by_an_editor_are_kept(base: Path) -> None:
    store = ListStore(base)
    store.apply([Move(base / "inbox", base / "done", ("img/000.jpg",))], description="one")
    with open(base / "inbox", "a") as fh:  # a text editor appends a line, no lock
        fh.write("new/added.jpg\n")
    with open(base / "done", "w") as fh:
        fh.write("img/000.jpg\nhand/typed.jpg\n")
    store.apply([Move(base / "inbox", base / "done", ("img/001.jpg",))], description="two")
    assert items(base / "inbox")[-1] == "new/added.jpg"
    assert items(base / "done") == ["img/000.jpg", "hand/typed.jpg", "img/001.jpg"]


def test_same_list_as_source_and_destination_is_refused(base: Path) -> None:
    store = ListStore(base)
    with pytest.raises(ValueError, match="to itself"):
        store.apply([Move(base / "inbox", base / "inbox", ("img/000.jpg",))], description="x")


def crash_on_write(monkeypatch: pytest.MonkeyPatch, nth: int) -> None:
    """Make the ``nth`` list write of the store raise, as if the process died there."""
    calls = Counter()
    real = store_module.write_list

    def write(path: Path, new_items: list[str]) -> None:
        calls["n"] += 1
        if calls["n"] == nth:
            raise KeyboardInterrupt("killed")
        real(path, new_items)

    monkeypatch.setattr(store_module, "write_list", write)


def test_recover_rolls_forward_when_every_destination_was_written(
    base: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = ListStore(base)
    crash_on_write(monkeypatch, nth=3)  # dst .err, dst .ok written; dies before the source
    with pytest.raises(KeyboardInterrupt):
        store.apply(
            [
                Move(base / "inbox", base / "inbox.err", ("img/000.jpg",)),
                Move(base / "inbox", base / "inbox.ok", ("img/001.jpg",)),
            ],
            description="page",
        )
    monkeypatch.undo()
    assert "img/000.jpg" in items(base / "inbox") and "img/000.jpg" in items(base / "inbox.err")
    messages = ListStore(base).recover()
    assert messages == ["finished interrupted action 'page' (2 items)"]
    assert items(base / "inbox") == [f"img/{i:03d}.jpg" for i in range(2, 10)]
    assert ListStore(base).undo().undoes is not None  # the finished action can be undone
    assert items(base / "inbox") == [f"img/{i:03d}.jpg" for i in range(10)]


def test_recover_rolls_back_when_a_destination_was_not_written(base: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = ListStore(base)
    crash_on_write(monkeypatch, nth=2)  # .err written, .ok not
    with pytest.raises(KeyboardInterrupt):
        store.apply(
            [
                Move(base / "inbox", base / "inbox.err", ("img/000.jpg",)),
                Move(base / "inbox", base / "inbox.ok", ("img/001.jpg",)),
            ],
            description="page",
        )
    monkeypatch.undo()
    assert ListStore(base).recover() == ["rolled back interrupted action 'page' (2 items)"]
    assert items(base / "inbox") == [f"img/{i:03d}.jpg" for i in range(10)]
    assert items(base / "inbox.err") == [] and items(base / "inbox.ok") == []
    assert ListStore(base).recover() == []


def test_journal_fragment_left_by_a_killed_writer_is_ignored(base: Path) -> None:
    store = ListStore(base)
    store.apply([Move(base / "inbox", base / "a", ("img/000.jpg",))], description="one")
    with open(store.journal_path, "a") as fh:
        fh.write('{"op": "begin", "id": "dead", "moves": [{"src"')
    store.apply([Move(base / "inbox", base / "a", ("img/001.jpg",))], description="two")
    assert [a.description for a in store.history()] == ["one", "two"]
    assert store.recover() == []


def universe_check(lists: list[Path], universe: set[str]) -> None:
    seen = Counter(item for lst in lists for item in items(lst))
    assert set(seen) == universe, f"lost: {universe - set(seen)}; unknown: {set(seen) - universe}"
    assert not [i for i, n in seen.items() if n > 1], "an item is in two lists"


@pytest.mark.slow
def test_sigkill_at_random_moments_never_loses_an_item(tmp_path: Path) -> None:
    names = ["a", "b", "c"]
    universe = {f"img/{i:04d}.jpg" for i in range(120)}
    write_list(tmp_path / "a", sorted(universe))
    rng = random.Random(1234)
    kills_mid_action = 0
    for round_ in range(40):
        proc = subprocess.Popen(
            [sys.executable, str(WRITER), str(tmp_path), str(round_), "100000", *names],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None
        for _ in range(rng.randint(1, 4)):  # let it get going: wait for some finished actions
            assert proc.stdout.readline().startswith("ok")
        time.sleep(rng.uniform(0, 0.02))  # the random kill moment is the point of the test
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        messages = ListStore(tmp_path).recover()
        kills_mid_action += bool(messages)
        universe_check([tmp_path / n for n in names], universe)
    assert kills_mid_action >= 3, "the kills never landed inside an action; the test proves nothing"


@pytest.mark.slow
def test_concurrent_writers_never_lose_or_duplicate(tmp_path: Path) -> None:
    names = ["a", "b", "c"]
    universe = {f"img/{i:04d}.jpg" for i in range(200)}
    write_list(tmp_path / "a", sorted(universe)[:100])
    write_list(tmp_path / "b", sorted(universe)[100:])
    procs = [
        subprocess.Popen([sys.executable, str(WRITER), str(tmp_path), str(seed), "60", *names],
                         stdout=subprocess.DEVNULL)
        for seed in range(3)
    ]  # fmt: skip
    store = ListStore(tmp_path)
    errors: list[BaseException] = []

    def thread_writer(seed: int) -> None:
        rng = random.Random(seed)
        try:
            for _ in range(60):
                src, dst = rng.sample([tmp_path / n for n in names], 2)
                have = items(src)
                if have:
                    store.apply([Move(src, dst, tuple(rng.sample(have, min(3, len(have)))))], description="t")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=thread_writer, args=(s,)) for s in (10, 11)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0]
    assert not errors
    universe_check([tmp_path / n for n in names], universe)
    assert all(a.status == "done" for a in store.history())
