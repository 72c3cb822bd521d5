"""serverless.yml checked with the real tools: osls (print, package, invoke local) and cfn-lint.

osls comes from the top-level package.json (`npm ci`); cfn-lint from the test extras. Every run
gets a throwaway HOME and writes its package to a temporary directory, never to the work tree.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
import yaml

import content
from tests import fixtures
from tests.envelopes import keys

ROOT = Path(__file__).resolve().parents[1]
OSLS = ROOT / "node_modules" / ".bin" / "osls"
LAMBDA_REQUIREMENTS = ROOT / "skill" / "requirements-lambda.txt"
TEMPLATE = "cloudformation-template-update-stack.json"
ZIP = "cramp-coach.zip"

# cfn-lint's exit code is a bit mask: 2 error, 4 warning, 8 informational.
CFN_LINT_ERROR = 2
CFN_LINT_TOLERATED = 4 | 8


def default_skill_id() -> str:
    return yaml.safe_load((ROOT / "serverless.yml").read_text())["params"]["default"]["skillId"]


@pytest.fixture(scope="module")
def tool_env(tmp_path_factory) -> dict[str, str]:
    if not OSLS.exists():
        pytest.fail(f"osls is not installed ({OSLS} missing): run `npm ci` at the top level of the repo")
    home = tmp_path_factory.mktemp("home")
    # `osls invoke local` and serverless-python-requirements both run `python3`: make it the
    # interpreter running these tests, which has the project's dependencies.
    bin_dir = tmp_path_factory.mktemp("bin")
    (bin_dir / "python3").symlink_to(sys.executable)
    env = {key: value for key, value in os.environ.items() if not key.startswith("CRAMP_COACH_")}
    env.update(
        HOME=str(home),
        PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}",
        SLS_TELEMETRY_DISABLED="1",
        SLS_NOTIFICATIONS_MODE="off",
    )
    return env


def osls(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(OSLS), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


def output(result: subprocess.CompletedProcess) -> str:
    return f"exit {result.returncode}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"


@pytest.fixture(scope="module")
def packaged(tool_env, tmp_path_factory) -> Path:
    """`osls package` with no arguments, once per session; the directory it wrote."""
    out = tmp_path_factory.mktemp("osls") / "package"
    result = osls(tool_env, "package", "--package", str(out), timeout=900)
    assert result.returncode == 0, output(result)
    return out


@pytest.fixture(scope="module")
def template(packaged) -> dict:
    return json.loads((packaged / TEMPLATE).read_text())


@pytest.fixture(scope="module")
def zip_names(packaged) -> list[str]:
    with zipfile.ZipFile(packaged / ZIP) as archive:
        return archive.namelist()


def resources_of_type(template: dict, kind: str) -> dict[str, dict]:
    return {name: res for name, res in template["Resources"].items() if res["Type"] == kind}


def test_lambda_requirements_match_pyproject():
    declared = {}
    for spec in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]:
        name = re.match(r"[A-Za-z0-9_.-]+", spec).group()
        declared[name.lower()] = spec.replace(" ", "")
    lines = [line.strip() for line in LAMBDA_REQUIREMENTS.read_text().splitlines()]
    wanted = [line for line in lines if line and not line.startswith("#")]
    names = {re.match(r"[A-Za-z0-9_.-]+", spec).group().lower() for spec in wanted}
    assert names == {"ask-sdk-core", "ask-sdk-dynamodb-persistence-adapter", "pyyaml", "tzdata"}
    for spec in wanted:
        name = re.match(r"[A-Za-z0-9_.-]+", spec).group().lower()
        assert declared.get(name) == spec.replace(" ", ""), f"{spec!r} differs from pyproject.toml"


@pytest.mark.deploy
def test_print_validates_and_resolves_offline(tool_env):
    result = osls(tool_env, "print")
    assert result.returncode == 0, output(result)
    config = yaml.safe_load(result.stdout)
    assert config["configValidationMode"] == "error"
    assert config["provider"]["region"] == "us-east-1"
    function = config["functions"]["skill"]
    assert function["environment"]["CRAMP_COACH_SKILL_ID"] == default_skill_id()
    assert function["events"] == [{"alexaSkill": {"appId": default_skill_id()}}]


@pytest.mark.deploy
def test_print_takes_skill_id_and_region_params(tool_env):
    skill_id = "amzn1.ask.skill.11111111-2222-3333-4444-555555555555"
    result = osls(tool_env, "print", "--param", f"skillId={skill_id}", "--param", "region=eu-west-1")
    assert result.returncode == 0, output(result)
    config = yaml.safe_load(result.stdout)
    assert config["provider"]["region"] == "eu-west-1"
    function = config["functions"]["skill"]
    assert function["environment"]["CRAMP_COACH_SKILL_ID"] == skill_id
    assert function["events"] == [{"alexaSkill": {"appId": skill_id}}]


@pytest.mark.deploy
def test_package_template_has_the_function(template):
    (function,) = resources_of_type(template, "AWS::Lambda::Function").values()
    props = function["Properties"]
    assert props["Runtime"] == "python3.12"
    assert props["Handler"] == "skill/lambda_function.lambda_handler"
    assert props["Timeout"] == 7
    assert props["MemorySize"] == 512
    assert props["Architectures"] == ["x86_64"]
    assert props["Environment"]["Variables"] == {
        "CRAMP_COACH_SKILL_ID": default_skill_id(), "CRAMP_COACH_STORE": "dynamodb://cramp-coach-memory-dev",
        "CRAMP_COACH_AUDIO_DIR": "audio-pack"}
    (log_group,) = resources_of_type(template, "AWS::Logs::LogGroup").values()
    assert log_group["Properties"]["RetentionInDays"] == 14


@pytest.mark.deploy
def test_package_template_lets_the_skill_invoke(template):
    (permission,) = resources_of_type(template, "AWS::Lambda::Permission").values()
    props = permission["Properties"]
    assert props["Principal"] == "alexa-appkit.amazon.com"
    assert props["Action"] == "lambda:InvokeFunction"
    assert props["EventSourceToken"] == default_skill_id()
    assert props["FunctionName"] == {"Fn::GetAtt": ["SkillLambdaFunction", "Arn"]}


def cfn_lint(env: dict[str, str], template: Path) -> subprocess.CompletedProcess:
    script = Path(sys.executable).with_name("cfn-lint")
    command = str(script) if script.exists() else shutil.which("cfn-lint", path=env["PATH"])
    if command is None:
        pytest.fail("cfn-lint is not installed: run `pip install -e '.[test]'`")
    # `--regions` takes several values, so the template must not follow it as a separate word.
    return subprocess.run(
        [command, "--regions=us-east-1", str(template)],
        env=env, capture_output=True, text=True, timeout=300,
    )


@pytest.mark.deploy
def test_cfn_lint_finds_no_errors(packaged, tool_env):
    result = cfn_lint(tool_env, packaged / TEMPLATE)
    # Bits 4 (warning) and 8 (informational) may be set; 2 is an error, anything else a failure
    # of cfn-lint itself (1: bad usage, 32: bad region, ...).
    assert result.returncode & ~CFN_LINT_TOLERATED == 0, output(result)


@pytest.mark.deploy
def test_cfn_lint_catches_a_broken_template(template, tool_env, tmp_path):
    broken = json.loads(json.dumps(template))
    (function,) = resources_of_type(broken, "AWS::Lambda::Function").values()
    function["Properties"]["Runtime"] = "python2.12"
    (tmp_path / TEMPLATE).write_text(json.dumps(broken))
    result = cfn_lint(tool_env, tmp_path / TEMPLATE)
    assert result.returncode & CFN_LINT_ERROR, output(result)


@pytest.mark.deploy
def test_zip_holds_our_packages_and_dependencies(zip_names):
    names = set(zip_names)
    assert "skill/lambda_function.py" in names
    for locale in content.locales():  # every market's model, content (with its bases) and compiled content
        assert f"skill/package/interactionModels/custom/{locale}.json" in names
        assert f"content/compiled/{locale}.json" in names
    assert "skill/package/skill.json" in names
    assert {f"skill/apl/{p.name}" for p in (ROOT / "skill" / "apl").glob("*.json")} <= names  # the screens' documents
    assert "speech/ssml.py" in names
    yamls = {name for name in names if re.fullmatch(r"content/[^/]+/[^/]+\.yaml", name)}
    assert yamls == {f"content/{p.parent.name}/{p.name}" for p in (ROOT / "content").glob("*/*.yaml")}
    assert "ask_sdk_core/skill_builder.py" in names
    assert "ask_sdk_model/__init__.py" in names
    assert "yaml/__init__.py" in names
    # PyYAML's C extension built for the Lambda runtime, not for the Python running osls.
    compiled = [name for name in names if re.fullmatch(r"yaml/_yaml\..*\.so", name)]
    assert compiled == ["yaml/_yaml.cpython-312-x86_64-linux-gnu.so"]


@pytest.mark.deploy
def test_zip_holds_pyyaml_manylinux_wheel(packaged, zip_names):
    (wheel,) = [name for name in zip_names if re.fullmatch(r"pyyaml-[^/]+\.dist-info/WHEEL", name, re.I)]
    with zipfile.ZipFile(packaged / ZIP) as archive:
        tags = re.findall(r"^Tag: (\S+)$", archive.read(wheel).decode(), re.M)
    assert tags and all(re.fullmatch(r"cp312-cp312-manylinux\w*_x86_64", tag) for tag in tags), tags


@pytest.mark.deploy
def test_zip_leaves_out_everything_else(zip_names):
    tops = {name.split("/")[0] for name in zip_names}
    assert not tops & {"tests", "node_modules", "bench", ".ci", "docs", ".git", ".serverless"}
    assert not [name for name in zip_names if "__pycache__" in name or name.endswith(".pyc")]
    assert "skill/requirements-lambda.txt" not in zip_names
    assert not [name for name in zip_names if name.startswith("skill/http/")]  # Flask hosting stays out
    assert not [name for name in zip_names if name.startswith("skill/local/")]  # so do chat, console and MCP
    assert "serverless.yml" not in zip_names and "package.json" not in zip_names


@pytest.mark.deploy
def test_invoke_local_answers_launch(tool_env):
    result = osls(tool_env, "invoke", "local", "-f", "skill", "-p", str(fixtures.LAUNCH),
                  "--param", f"skillId={fixtures.SKILL_ID}")
    assert result.returncode == 0, output(result)
    response = _response_envelope(result.stdout)
    assert response["version"] == "1.0"
    assert keys(response)[0] == "relief.calf"
    assert response["response"]["shouldEndSession"] is False


@pytest.mark.deploy
def test_invoke_local_refuses_another_skill(tool_env):
    # The default placeholder id is not the request's: the id reaches the handler and is checked.
    result = osls(tool_env, "invoke", "local", "-f", "skill", "-p", str(fixtures.LAUNCH))
    assert result.returncode != 0
    assert "SkillIdMismatch" in result.stdout + result.stderr, output(result)


def _response_envelope(stdout: str) -> dict:
    """The response JSON in what invoke local prints; the request log line comes before it."""
    decoder = json.JSONDecoder()
    for start in (i for i, char in enumerate(stdout) if char == "{"):
        try:
            found, _ = decoder.raw_decode(stdout[start:])
        except ValueError:
            continue
        if isinstance(found, dict) and "version" in found:
            return found
    raise AssertionError(f"no response envelope in:\n{stdout}")
