"""Runs the Node end-to-end suite (tests/e2e): virtual-alexa talks to the real server over HTTP."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import content

E2E = Path(__file__).resolve().parent / "e2e"
PHRASES = Path(__file__).resolve().parent / "phrases"
INSTALL_HINT = "run `npm ci --prefix tests/e2e` first"
TIMEOUT_SECONDS = 600  # three suites, seven markets; about 3 minutes on a quiet 2-core machine

pytestmark = pytest.mark.e2e


def installed_problems() -> list[str]:
    """What is missing or differs from the pins in tests/e2e/package.json."""
    pins = json.loads((E2E / "package.json").read_text())["devDependencies"]
    problems = []
    for name, pinned in sorted(pins.items()):
        manifest = E2E / "node_modules" / name / "package.json"
        if not manifest.is_file():
            problems.append(f"{name} is not installed")
        elif (version := json.loads(manifest.read_text())["version"]) != pinned:
            problems.append(f"{name} {version} is installed, {pinned} is pinned")
    return problems


def test_node_e2e_suite_passes(tmp_path):
    node = shutil.which("node")
    if node is None:
        pytest.fail(f"node is not on PATH: the e2e suite needs Node 20+ ({INSTALL_HINT})")
    if not (E2E / "node_modules").is_dir():
        pytest.fail(f"tests/e2e/node_modules is missing: {INSTALL_HINT}")
    if problems := installed_problems():
        pytest.fail(f"tests/e2e/node_modules does not match package.json ({'; '.join(problems)}): {INSTALL_HINT}")
    env = dict(os.environ, AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE="1")
    # The suite starts `cramp-coach serve`: use the console script installed beside this Python.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["PYTHON"] = sys.executable  # player.test.js builds its audio pack with `python -m tests.audio_pack`
    markets = tmp_path / "markets.json"  # each market's number and held-out set, as JSON for the Node side
    markets.write_text(json.dumps({locale: {"emergency_number": content.load(locale).emergency_number,
                                            "phrases": yaml.safe_load((PHRASES / f"{locale}.yaml").read_text())["phrases"]}
                                   for locale in content.locales()}))
    env["LOCALES_JSON"] = str(markets)
    done = subprocess.run([node, "--test"], cwd=E2E, env=env, capture_output=True, text=True,
                          timeout=TIMEOUT_SECONDS, check=False)
    output = done.stdout + done.stderr
    summary = [line for line in output.splitlines() if line.startswith("# ") and not line.startswith("# Subtest")]
    summary += [line for line in output.splitlines() if "held-out" in line]
    print("\n".join(summary))
    assert done.returncode == 0, f"node --test exited {done.returncode}:\n{output}"
