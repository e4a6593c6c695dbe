"""A writer process for the crash and concurrency tests: random moves among list files.

Usage: python writer.py BASE_DIR SEED N_ACTIONS LIST [LIST ...]
Prints "ok N" after each action, so the test can follow its progress.
"""

import random
import sys
from pathlib import Path

from labeling.lists import read_list
from labeling.store import ListStore, Move


def main() -> None:
    base, seed, count, *names = sys.argv[1:]
    store = ListStore(Path(base))
    rng = random.Random(int(seed))
    paths = [Path(base) / name for name in names]
    for n in range(int(count)):
        src, dst, other = rng.sample(paths, 3) if len(paths) > 2 else (*rng.sample(paths, 2), None)
        items = read_list(src).items
        if not items:
            continue
        picked = rng.sample(items, min(len(items), rng.randint(1, 6)))
        moves = [Move(src=src, dst=dst, items=tuple(picked[::2]))]
        if other is not None and picked[1::2]:
            moves.append(Move(src=src, dst=other, items=tuple(picked[1::2])))
        store.apply(moves, description=f"random {n}")
        if rng.random() < 0.2:
            try:
                store.undo()
            except LookupError:
                pass
        print(f"ok {n}", flush=True)


if __name__ == "__main__":
    main()
