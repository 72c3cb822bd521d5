"""In-process latency of our lambda_handler per request type, next to a minimal ask-sdk-core
hello skill (bench/hello_skill.py) answering the same LaunchRequest.

Both run in this process, in interleaved rounds, so the ratio holds on any machine. Used by
bench/run.py; also runs alone: python bench/latency.py [--rounds 30] [--calls 200]
"""

from __future__ import annotations

import argparse
import copy
import functools
import logging
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
for path in (str(ROOT), str(BENCH)):
    if path not in sys.path:
        sys.path.insert(0, path)
from tests.envelopes import intent, keys, load  # noqa: E402
from tests.fixtures import LAUNCH, SKILL_ID  # noqa: E402

# (label, handler, event): the baselines first; our four request types after them.
BASELINE = "hello LaunchRequest"
STRICT = "hello LaunchRequest, skill prebuilt"
OURS = (
    ("ours LaunchRequest", "launch"),
    ("ours CrampNowIntent", "cramp"),
    ("ours CrampNowIntent, APL screen", "cramp_apl"),
    ("ours stretch Next (in routine)", "next"),
    ("ours PreventionTipIntent", "tip"),
)
# The hello skill answers anything, so it can also take each of our envelopes: the SDK's cost of
# reading and writing that envelope with no skill logic, to tell SDK cost from ours (info only).
SAME = {name: f"hello prebuilt, {name} envelope" for _, name in OURS}
CASES = (
    (BASELINE, "hello", "launch"),
    (STRICT, "hello_prebuilt", "launch"),
    *((label, "ours", name) for label, name in OURS),
    *((SAME[name], "hello_prebuilt", name) for _, name in OURS if name != "launch"),
)
APL_PAIR = ("ours CrampNowIntent, APL screen", "ours CrampNowIntent")  # printed with their ratio


def on_screen(envelope: dict) -> dict:
    """The envelope from an Echo Show (large hub): APL supported, its viewport in context."""
    envelope["context"]["System"]["device"]["supportedInterfaces"] = {"Alexa.Presentation.APL": {}}
    envelope["context"]["Viewport"] = {"shape": "RECTANGLE", "pixelWidth": 1280, "pixelHeight": 800, "dpi": 160,
                                       "mode": "HUB"}
    return envelope


def handlers() -> dict:
    """Ours as skill/lambda_function.py builds it (skill id set, so the exact-id check runs), from
    Settings given here rather than the developer's CRAMP_COACH_* environment. No memory store:
    this compares the skill's own work with the hello skill's; what a store adds (SQLite here,
    DynamoDB on Lambda) is measured by bench/store.py."""
    from hello_skill import lambda_handler as hello
    from hello_skill import prebuilt_lambda_handler as hello_prebuilt

    from skill.builder import build_skill
    from skill.invoke import respond
    from skill.config import Settings

    settings = Settings(skill_id=SKILL_ID, store="none")
    logging.getLogger().setLevel(settings.log_level)  # as the Lambda entry does: one log line per request
    ours = functools.partial(respond, build_skill(settings))
    return {"hello": hello, "hello_prebuilt": hello_prebuilt, "ours": ours}


def events(ours) -> dict[str, dict]:
    """The request envelopes; the Next request carries the session attributes our skill itself
    returned when it started the calf routine, so it is a real mid-routine turn."""
    started = ours(intent("GuidedStretchIntent", muscle="calf"), None)
    return {
        "launch": load(LAUNCH),
        "cramp": intent("CrampNowIntent", muscle="calf"),
        "cramp_apl": on_screen(intent("CrampNowIntent", muscle="calf")),
        "next": intent("AMAZON.NextIntent", started["sessionAttributes"]),
        "tip": intent("PreventionTipIntent", topic="hydration"),
    }


def first_keys(ours, requests: dict[str, dict]) -> dict[str, list[str]]:
    """The content keys each request is answered with; fails if any took the error path, since
    timing the apology would flatter us."""
    said = {}
    for name, event in requests.items():
        said[name] = keys(ours(copy.deepcopy(event), None))
        if not said[name] or "error.main" in said[name]:
            raise RuntimeError(f"{name}: the skill answered with {said[name]!r}, not a real answer")
    return said


def per_call(handler, event: dict, calls: int) -> float:
    batch = [copy.deepcopy(event) for _ in range(calls)]  # the SDK must not see a reused dict
    start = time.perf_counter()
    for item in batch:
        handler(item, None)
    return (time.perf_counter() - start) / calls


@dataclass
class LatencyResult:
    medians: dict[str, float]  # seconds per call, by case label
    keys: dict[str, list[str]]
    rounds: int
    calls: int

    def ratio(self, label: str, baseline: str = BASELINE) -> float:
        return self.medians[label] / self.medians[baseline]

    def same_envelope(self, name: str) -> str:
        return STRICT if name == "launch" else SAME[name]


def measure(rounds: int = 30, calls: int = 200) -> LatencyResult:
    found = handlers()
    requests = events(found["ours"])
    keys = first_keys(found["ours"], requests)
    for _, handler, name in CASES:
        per_call(found[handler], requests[name], 50)  # warm up
    samples: dict[str, list[float]] = {label: [] for label, _, _ in CASES}
    for _ in range(rounds):
        for label, handler, name in CASES:
            samples[label].append(per_call(found[handler], requests[name], calls))
    return LatencyResult({label: statistics.median(values) for label, values in samples.items()},
                         keys, rounds, calls)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    result = measure(args.rounds, args.calls)
    print(f"{'request':<42}{'median us':>10}{'x hello':>9}{'x prebuilt':>11}{'x same envelope':>16}")
    for label, median in result.medians.items():
        same = next((result.ratio(label, result.same_envelope(n)) for lab, n in OURS if lab == label), None)
        print(f"{label:<42}{median * 1e6:>10.1f}{result.ratio(label):>9.2f}{result.ratio(label, STRICT):>11.2f}"
              + (f"{same:>16.2f}" if same is not None else ""))
    apl, plain = APL_PAIR
    print(f"CrampNowIntent on an APL device / without a screen: {result.ratio(apl, plain):.2f}x "
          f"({result.medians[apl] * 1e6:.0f} us vs {result.medians[plain] * 1e6:.0f} us)")
    print(f"({args.rounds} interleaved rounds of {args.calls} calls; python {sys.version.split()[0]})")


if __name__ == "__main__":
    main()
