"""In-process latency of our lambda_handler next to a minimal ask-sdk-core hello skill.

Both run in this process on the same machine, in interleaved rounds, so the ratio holds on any
machine. Usage: python bench/latency.py [--rounds 30] [--calls 200]
"""

from __future__ import annotations

import argparse
import copy
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
REQUESTS = ROOT / "tests" / "fixtures" / "requests"


def hello_handler():
    """The smallest ask-sdk-core skill, written the way its documentation shows."""
    from ask_sdk_core.dispatch_components import AbstractRequestHandler
    from ask_sdk_core.skill_builder import SkillBuilder

    class Hello(AbstractRequestHandler):
        def can_handle(self, handler_input):
            return True

        def handle(self, handler_input):
            return handler_input.response_builder.speak("Hello.").set_should_end_session(True).response

    builder = SkillBuilder()
    builder.add_request_handler(Hello())
    return builder.lambda_handler()


def events() -> dict[str, dict]:
    launch = json.loads((REQUESTS / "launch.json").read_text())
    cramp = json.loads((REQUESTS / "intent.json").read_text())
    cramp["request"]["intent"] = {"name": "CrampNowIntent", "confirmationStatus": "NONE", "slots": {
        "muscle": {"name": "muscle", "value": "calf", "resolutions": {"resolutionsPerAuthority": [{
            "authority": "amzn1.er-authority.echo-sdk.x.MUSCLE", "status": {"code": "ER_SUCCESS_MATCH"},
            "values": [{"value": {"name": "calf", "id": "calf"}}]}]}}}}
    return {"launch": launch, "cramp": cramp}


def per_call(handler, event: dict, calls: int) -> float:
    batch = [copy.deepcopy(event) for _ in range(calls)]
    start = time.perf_counter()
    for item in batch:
        handler(item, None)
    return (time.perf_counter() - start) / calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()

    from skill.lambda_function import lambda_handler

    hello = hello_handler()
    samples: dict[str, list[float]] = {"hello launch": [], "ours launch": [], "ours CrampNowIntent": []}
    cases = [("hello launch", hello, "launch"), ("ours launch", lambda_handler, "launch"),
             ("ours CrampNowIntent", lambda_handler, "cramp")]
    requests = events()
    for handler, name in ((hello, "launch"), (lambda_handler, "launch"), (lambda_handler, "cramp")):
        per_call(handler, requests[name], 50)  # warm up
    for _ in range(args.rounds):
        for label, handler, name in cases:
            samples[label].append(per_call(handler, requests[name], args.calls))

    base = statistics.median(samples["hello launch"])
    print(f"{'request':<22}{'median us':>12}{'x hello':>10}")
    for label, values in samples.items():
        median = statistics.median(values)
        print(f"{label:<22}{median * 1e6:>12.1f}{median / base:>10.2f}")
    print(f"({args.rounds} interleaved rounds of {args.calls} calls; python {sys.version.split()[0]})")


if __name__ == "__main__":
    main()
