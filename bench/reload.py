"""``python -m bench.reload``: the cost of reloading one municipality does not grow with the store (issue 12 §4).

Generates ``--parts`` parts of ``--persons`` persons each (``inburgering generate --parts``: each part its own
municipalities and its own pseudonym key), publishes the model, and measures the reload of the largest
municipality of part 1 (its persons alone, one DUO bundle) in two stores, in the same run:

- **small**: the model and part 1 only;
- **large**: the model and all parts.

After one untimed reload in each store, the reloads are timed ``--runs`` times, alternating between the stores
(the command as a user runs it, in-process, store opened and closed); the result is the median per store and the
ratio large/small (target ≤ 1.5). Writes ``bench/results/reload.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from inburgering.cli import main

RESULTS = Path(__file__).parent / "results"


def _run(argv: list[str], *, key: str) -> float:
    os.environ["INBURGERING_PSEUDONYM_KEY"] = key
    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        code = main(argv)
    if code == 2:
        raise SystemExit(f"inburgering {' '.join(argv)} exited with 2")
    return time.perf_counter() - started


def _key(part: int) -> str:
    return f"{part:02d}" * 32


def _size_mb(folder: Path) -> float:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 2**20


def largest_gemeente(part: Path, out: Path) -> tuple[str, int]:
    """Write the lines of the largest municipality of the DUO bundle ``part`` to ``out``: its code and persons."""
    lines = part.read_text(encoding="utf-8").splitlines()
    gemeente, persons = Counter(json.loads(line)["gemeente"] for line in lines).most_common(1)[0]
    out.write_text("".join(line + "\n" for line in lines if json.loads(line)["gemeente"] == gemeente),
                   encoding="utf-8")
    return gemeente, persons


def alternate(stores: dict[str, Path], bundle: Path, *, key: str, runs: int, options: Sequence[str] = ()
              ) -> dict[str, list[float]]:
    """Reload ``bundle`` into each store ``runs`` times, alternating between the stores so that the machine's
    noise falls on all alike, after one untimed reload in each (a warm-up: in a first run the large store's
    first reloads after its fill took up to twice as long as its later ones). ``options``: more options of
    ``inburgering load``. Returns the times per store."""
    def reload(label: str, store: Path) -> list[str]:
        return ["load", "--store", str(store), "--rejects", str(store.parent / f"rejects-{label}.jsonl"),
                *options, str(bundle)]

    times: dict[str, list[float]] = {label: [] for label in stores}
    for label, store in stores.items():
        _run(reload(label, store), key=key)
    for _ in range(runs):
        for label, store in stores.items():
            times[label].append(_run(reload(label, store), key=key))
    return times


def main_bench() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", type=int, default=15)
    parser.add_argument("--persons", type=int, default=600, help="persons per part")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path, default=RESULTS / "reload.json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-reload-") as tmp:
        folder = Path(tmp)
        bundle = folder / "duo.jsonl"
        with contextlib.redirect_stdout(io.StringIO()):
            assert main(["generate", "--persons", str(args.persons * args.parts), "--parts", str(args.parts),
                         "--seed", "12", "--format", "duo", "--out", str(bundle)]) == 0
        parts = [folder / f"part-{k:02d}" / "duo.jsonl" for k in range(1, args.parts + 1)]
        one = folder / "reload.jsonl"
        gemeente, persons = largest_gemeente(parts[0], one)

        def rejects(label: str) -> str:
            return str(folder / label / "rejects.jsonl")

        result: dict[str, object] = {"parts": args.parts, "persons_per_part": args.persons, "gemeente": gemeente,
                                     "reload_persons": persons, "runs": args.runs}
        stores = {}
        for label, loaded in (("small", parts[:1]), ("large", parts)):
            store = folder / label / "store"
            _run(["model", "publish", "--store", str(store)], key=_key(1))
            fill = [_run(["load", "--store", str(store), "--rejects", rejects(label), str(p)], key=_key(k))
                    for k, p in enumerate(loaded, start=1)]
            stores[label] = store
            result[label] = {"parts_in_store": len(loaded), "fill_s": [round(t, 2) for t in fill]}
        times = alternate(stores, one, key=_key(1), runs=args.runs)
        for label, store in stores.items():
            entry = result[label]
            assert isinstance(entry, dict)
            entry.update({"reload_s": [round(t, 3) for t in times[label]],
                          "median_s": round(statistics.median(times[label]), 3), "store_mb": round(_size_mb(store), 1),
                          "publications_mb": round(_size_mb(store.parent / "store.publications"), 1)})
            print(f"{label}: {entry['parts_in_store']} part(s) in the store, reload of {gemeente} ({persons} "
                  f"persons): median {statistics.median(times[label]):.3f} s of {times[label]}", flush=True)
        small, large = result["small"], result["large"]
        assert isinstance(small, dict) and isinstance(large, dict)
        result["ratio"] = round(large["median_s"] / small["median_s"], 2)
        result["load_average"] = os.getloadavg()
        print(f"ratio large/small: {result['ratio']} (target <= 1.5); load average {os.getloadavg()}")
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main_bench()
