"""The import direction skill -> speech -> content, checked by walking imports with ast."""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {
    "content": {"speech", "skill", "flask", "ask_sdk_core", "ask_sdk_model", "gtts"},
    "speech": {"skill", "flask", "ask_sdk_core", "ask_sdk_model", "ask_sdk_runtime"},
    "skill": {"gtts"},
}


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_imports_flow_one_way(package):
    for path in (ROOT / package).rglob("*.py"):
        bad = _imports(path) & FORBIDDEN[package]
        assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


HTTP_ONLY = {"flask", "werkzeug", "gunicorn", "cryptography"}


def test_only_skill_http_imports_the_web_stack():
    found = {path.relative_to(ROOT).as_posix(): _imports(path) & HTTP_ONLY for path in (ROOT / "skill").rglob("*.py")}
    # The HTTPS door, and the local console (a Flask page too); the Lambda zip leaves both out.
    web = ("skill/http/", "skill/local/console/")
    assert {name for name, bad in found.items() if bad and not name.startswith(web)} == set()
    assert found["skill/http/app.py"] and found["skill/http/verify.py"]  # the check sees what it should
    assert found["skill/local/console/app.py"]


def test_the_lambda_entry_imports_no_web_stack_and_no_grammar():
    unwanted = sorted(HTTP_ONLY | {"hassil", "content.grammar", "skill.nlu"})
    code = ("import sys, json; import skill.lambda_function; "
            f"print(json.dumps(sorted(m for m in {unwanted!r} if m in sys.modules)))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True,
                          cwd=ROOT, env={**os.environ, "CRAMP_COACH_STORE": "none"})
    assert json.loads(done.stdout.splitlines()[-1]) == []


def test_only_config_reads_the_environment():
    for path in ROOT.glob("[cs]*/**/*.py"):
        if path.name != "config.py" and re.search(r"\benviron\b|\bgetenv\b", path.read_text()):
            pytest.fail(f"{path.relative_to(ROOT)} reads os.environ; go through skill.config.Settings")


def test_modules_stay_small():
    for path in ROOT.glob("[cs]*/**/*.py"):
        assert len(path.read_text().splitlines()) < 300, path
