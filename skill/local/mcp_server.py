"""``cramp-coach mcp``: Cramp Coach's answers as MCP tools for AI assistants (the official ``mcp``
SDK), over stdio or streamable HTTP. Every word of the tools' descriptions and errors is content.
"""

# No `from __future__ import annotations`: the SDK reads the tools' annotations at run time.
import logging
from collections.abc import Callable
from typing import Annotated, Any

from skill.config import Settings
from skill.local.answers import BEDTIME, Answers, Unknown

log = logging.getLogger("cramp_coach.mcp")
NAME = "cramp-coach"
TOOLS = ("relief", "guided_routine", "check_symptom", "tip", "causes", "when_to_see_doctor")


def build_server(answers: Answers | None = None, extra: dict[str, Callable[..., Any]] | None = None):
    """The MCP server with the six tools (and ``extra`` ones: the bench's empty tool)."""
    import content
    from mcp.server.mcpserver import MCPServer
    from mcp.server.mcpserver.exceptions import ToolError
    from mcp.types import ToolAnnotations
    from pydantic import Field

    answers = answers or Answers()
    say = answers.phrase
    default = content.DEFAULT_LOCALE
    words = answers.speaker(default)
    Locale = Annotated[str, Field(description=say("mcp.arg.locale", known=", ".join(content.locales()),
                                                  default=default))]
    Muscle = Annotated[str, Field(description=say("mcp.arg.muscle", known=", ".join(sorted(words.content.muscles))))]
    Symptom = Annotated[str, Field(description=say("mcp.arg.symptom"))]
    Topic = Annotated[str | None, Field(description=say("mcp.arg.topic",
                                                        known=", ".join(sorted({*words.content.topics, BEDTIME}))))]

    def answering(method: Callable[..., dict]) -> Callable[..., dict]:
        def call(*args, **kwargs):
            try:
                return method(*args, **kwargs)
            except Unknown as exc:
                raise ToolError(str(exc)) from None
        return call

    def relief(muscle: Muscle, locale: Locale = default) -> dict[str, Any]:
        return answering(answers.relief)(muscle, locale)

    def guided_routine(muscle: Muscle, locale: Locale = default) -> dict[str, Any]:
        return answering(answers.guided_routine)(muscle, locale)

    def check_symptom(symptom: Symptom, locale: Locale = default) -> dict[str, Any]:
        return answering(answers.check_symptom)(symptom, locale)

    def tip(topic: Topic = None, locale: Locale = default) -> dict[str, Any]:
        return answering(answers.tip)(topic, locale)

    def causes(locale: Locale = default) -> dict[str, Any]:
        return answering(answers.causes)(locale)

    def when_to_see_doctor(locale: Locale = default) -> dict[str, Any]:
        return answering(answers.when_to_see_doctor)(locale)

    server = MCPServer(NAME, instructions=say("mcp.instructions"))
    read_only = ToolAnnotations(readOnlyHint=True, idempotentHint=False, openWorldHint=False)
    for fn in (relief, guided_routine, check_symptom, tip, causes, when_to_see_doctor):
        server.add_tool(fn, name=fn.__name__, description=f"{words.say(f'mcp.tool.{fn.__name__}', 0).text} {say('mcp.safety')}",
                        annotations=read_only)
    for name, fn in (extra or {}).items():
        server.add_tool(fn, name=name, description=name)
    return server


def security(host: str, port: int):
    """Only requests naming this server's own address (no DNS rebinding)."""
    from mcp.server.transport_security import TransportSecuritySettings

    hosts = {host, "127.0.0.1", "localhost"} if host in ("127.0.0.1", "localhost") else {host}
    return TransportSecuritySettings(enable_dns_rebinding_protection=True,
                                     allowed_hosts=[f"{h}:{port}" for h in sorted(hosts)],
                                     allowed_origins=[f"http://{h}:{port}" for h in sorted(hosts)])


def run(args, settings: Settings, server=None) -> int:
    import content

    try:
        server = server or build_server()
    except content.ContentError as exc:
        log.error("%s", exc)
        return 2
    if not args.http:
        server.run("stdio")
        return 0
    log.info("Cramp Coach MCP server on http://%s:%d/mcp", args.host, args.port)
    server.run("streamable-http", host=args.host, port=args.port, transport_security=security(args.host, args.port))
    return 0
