"""`cramp-coach mcp` driven by the official MCP client, over stdio and streamable HTTP: the tool
list, each tool called, bad arguments, and the HTTP transport's Host check."""

from __future__ import annotations

import asyncio
import http.client
import os
import socket
import subprocess

import pytest

import content
from skill.handlers.safety import SERIES
from skill.local.mcp_server import TOOLS
from speech import Speaker
from tests.loopback import CLI, cli_server

SPEAKER = Speaker(content.load())


def text(key: str, **slots) -> str:
    return SPEAKER.say(key, 0, **slots).text


@pytest.fixture(scope="module")
def http_url():
    def listening(port: int) -> bool:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True

    with cli_server("mcp", "--http", ready=listening) as port:
        yield f"http://127.0.0.1:{port}/mcp"


def stdio():
    from mcp import StdioServerParameters

    return StdioServerParameters(command=CLI, args=["mcp"], env={**os.environ, "CRAMP_COACH_STORE": "none"})


async def session(server, calls):
    from mcp import Client

    async with Client(server) as client:
        return [await call(client) for call in calls]


def run(server, *calls):
    return asyncio.run(session(server, calls))


def listed(client):
    return client.list_tools()


def called(name: str, **arguments):
    return lambda client: client.call_tool(name, arguments)


def check_tools(server):
    (tools,) = run(server, listed)
    by_name = {tool.name: tool for tool in tools.tools}
    assert sorted(by_name) == sorted(TOOLS)
    for tool in tools.tools:
        assert text(f"mcp.tool.{tool.name}") in tool.description and text("mcp.safety") in tool.description
        assert "locale" in tool.input_schema["properties"]
    assert by_name["relief"].input_schema["required"] == ["muscle"]
    assert "topic" not in by_name["tip"].input_schema.get("required", [])


def check_calls(server):
    results = run(server, called("relief", muscle="back of my leg"), called("guided_routine", muscle="hamstring"),
                  called("check_symptom", symptom="I have chest pain"), called("tip", topic="hydration"),
                  called("tip"), called("causes"), called("when_to_see_doctor"),
                  called("check_symptom", symptom="swelling", locale="en-US"))
    assert not any(result.is_error for result in results), [r.content for r in results if r.is_error]
    relief, routine, chest, hydration, any_tip, causes, doctor, swelling = [r.structured_content for r in results]
    assert relief["muscle"] == "calf" and relief["say"] == [text("relief.calf")]
    steps = content.load().routines["hamstring"].steps
    assert routine["say"][0] == text("stretch.clot_cue")  # the clot cue before any stretch
    assert [(s["number"], s["hold_seconds"]) for s in routine["steps"]] == [(n, s.hold) for n, s in enumerate(steps, 1)]
    assert chest["symptom"] == "chest_pain" and chest["level"] == "emergency" and chest["urgency"] == "emergency"
    assert chest["emergency_number"] == "911" and chest["what_to_do_now"] == text("triage.chest_pain")
    assert swelling["level"] == content.load().triage["swelling"].level
    assert hydration["topics"] and "hydration" in hydration["topics"] and any_tip["tip"]
    assert causes["say"] == [text(key) for key in SERIES["causes"][0]]
    assert doctor["say"] == [text(key) for key in SERIES["doctor"][0]] and doctor["urgency"] == "emergency"
    references = content.load().references
    for result in (relief, routine, chest, hydration, causes, doctor):
        assert result["sources"] and result["reviewed"]
        assert all({"title": r.title, "url": r.url} in result["sources"] for r in references.values()
                   if r.url in {s["url"] for s in result["sources"]})


def check_bad_arguments(server):
    results = run(server, called("relief", muscle="elbow"), called("check_symptom", symptom="banana bread"),
                  called("tip", topic="astrology"), called("causes", locale="xx-XX"), called("relief"),
                  called("relief", muscle=42))
    assert all(result.is_error for result in results)
    messages = [result.content[0].text for result in results]
    assert all(muscle in messages[0] for muscle in content.load().muscles)
    assert "chest_pain" in messages[1] and "hydration" in messages[2] and "en-US" in messages[3]


@pytest.mark.parametrize("check", [check_tools, check_calls, check_bad_arguments])
def test_over_stdio(check):
    check(stdio())


@pytest.mark.parametrize("check", [check_tools, check_calls, check_bad_arguments])
def test_over_http(check, http_url):
    check(http_url)


def test_http_refuses_a_foreign_host_or_origin(http_url):
    port = int(http_url.split(":")[2].split("/")[0])
    body = b'{"jsonrpc": "2.0", "id": 1, "method": "tools/list"}'
    for headers in ({"Host": "attacker.example"}, {"Origin": "http://attacker.example"}):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("POST", "/mcp", body, {"Content-Type": "application/json",
                                                  "Accept": "application/json, text/event-stream", **headers})
        assert connection.getresponse().status in (400, 403, 421), headers
        connection.close()


def test_help_names_the_transports():
    done = subprocess.run([CLI, "mcp", "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "--http" in done.stdout and "stdio" in done.stdout
