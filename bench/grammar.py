"""The sentence grammar's costs, each next to a baseline measured in the same run:

- model build time and model size per locale (cramp-coach model build);
- the local recogniser per held-out phrase (median, p99) next to a plain dict lookup of the same
  phrases (the floor of any "which intent is this text" table);
- CrampNowIntent through the built skill, which never touches the grammar, next to LaunchRequest.

Usage: python bench/grammar.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from content.grammar import grammar, locales  # noqa: E402
from skill.builder import build_skill  # noqa: E402
from skill.config import Settings  # noqa: E402
from skill.nlu import model  # noqa: E402
from skill.nlu.recognise import Recogniser  # noqa: E402
from tests import fixtures  # noqa: E402
from tests.envelopes import intent, load  # noqa: E402


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def per_call(fn, items, rounds: int) -> list[float]:
    times = []
    for _ in range(rounds):
        for item in items:
            started = time.perf_counter()
            fn(item)
            times.append(time.perf_counter() - started)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="passes over the phrases (default: %(default)s)")
    args = parser.parse_args()
    print("model build, per locale:")
    for locale in locales():
        grammar.cache_clear()
        started = time.perf_counter()
        built = model.build(grammar(locale))
        took = time.perf_counter() - started
        print(f"  {locale}: {took:.2f} s, {len(built.text.encode()) / 1000:.0f} KB "
              f"(limit {model.MAX_MODEL_BYTES / 1000:.0f} KB), {sum(built.samples.values())} samples")

    for path in sorted(fixtures.PHRASES.glob("*.yaml")):
        phrases = [p["text"] for p in yaml.safe_load(path.read_text())["phrases"]]
        started = time.perf_counter()
        hear = Recogniser(grammar(path.stem))
        print(f"recogniser for {path.stem}: built in {(time.perf_counter() - started) * 1000:.0f} ms")
        table = {text: ("CrampNowIntent", {}) for text in phrases}
        ours = per_call(hear, phrases, args.rounds)
        floor = per_call(table.get, phrases, args.rounds)
        print(f"  per phrase ({len(phrases)} phrases x {args.rounds}): median {statistics.median(ours) * 1e3:.2f} ms, "
              f"p99 {percentile(ours, 0.99) * 1e3:.2f} ms; dict lookup median {statistics.median(floor) * 1e6:.2f} us "
              f"-> x{statistics.median(ours) / statistics.median(floor):.0f}")

    skill = build_skill(Settings(skill_id=fixtures.SKILL_ID, store="none"), rng=random.Random(1))
    envelopes = {"LaunchRequest": load(fixtures.LAUNCH), "CrampNowIntent": intent("CrampNowIntent", muscle="calf")}
    medians = {}
    for _ in range(3):  # warm, then interleaved
        for name, envelope in envelopes.items():
            medians.setdefault(name, []).append(statistics.median(per_call(skill.respond, [envelope] * 200, 1)))
    launch, cramp = (statistics.median(medians[n]) for n in envelopes)
    print(f"CrampNowIntent {cramp * 1e6:.0f} us, LaunchRequest {launch * 1e6:.0f} us -> x{cramp / launch:.2f} "
          "(the answer path imports no grammar)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
