"""The local surfaces' subcommands of ``cramp-coach``: chat, console and mcp. Each is imported
only when run, so the other commands (``serve`` above all) load none of it."""

from __future__ import annotations

import argparse
import datetime as dt
import logging

from skill.config import Settings

LOOPBACK = "127.0.0.1"
log = logging.getLogger("cramp_coach.local")


class BadTime(argparse.ArgumentTypeError, ValueError):
    """Not a time of day as HH:MM."""


def time_of_day(value: str) -> dt.time:
    """An --at value: HH:MM on a 24-hour clock."""
    try:
        if isinstance(value, str) and len(value) == 5 and value[2] == ":":
            return dt.time.fromisoformat(value)
    except ValueError:
        pass
    raise BadTime(f"must be a time of day as HH:MM on a 24-hour clock, like 03:00, got {value!r}")


DEVICES = ("speaker", "screen", "audio-player")  # skill.local.envelopes.Device values (tested)


def add_device_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--locale", default="en-US", help="the device's language and country (default: %(default)s)")
    parser.add_argument("--at", type=time_of_day, metavar="HH:MM",
                        help="the device's local time of day to start from, e.g. 03:00 to hear the night voice "
                             "(default: the time now)")
    parser.add_argument("--device", choices=DEVICES, default="speaker",
                        help="what the device can do: a plain speaker, a screen (APL) or an audio player "
                             "(default: %(default)s)")


def add_listen_options(parser: argparse.ArgumentParser, port: int) -> None:
    parser.add_argument("--host", default=LOOPBACK,
                        help="address to listen on (default: %(default)s, this computer only; anything else "
                             "lets other machines talk to it, and is warned about)")
    parser.add_argument("--port", type=int, default=port, help="port to listen on (default: %(default)s)")


def add_commands(subparsers) -> None:
    chat = subparsers.add_parser(
        "chat", help="talk to the skill in this terminal (no Echo needed)",
        description="Talk to Cramp Coach in the terminal: what you type is understood by the skill's own "
                    "grammar and answered by the real skill, one Alexa session kept across turns. "
                    "With stdin not a terminal it reads one utterance per line and prints one answer per line.",
        epilog="Example: printf 'my calf is cramping\\nyes\\nnext\\n' | cramp-coach chat --at 03:00")
    add_device_options(chat)
    chat.add_argument("--show-intent", action="store_true",
                      help="show the intent and slots understood for each line (at a terminal, /intent toggles it)")
    chat.add_argument("--speak", action="store_true",
                      help="also say each answer aloud: the audio pack's clips where built, else espeak-ng (offline)")
    chat.add_argument("--json", action="store_true", help="print each answer as one JSON object per line")
    chat.set_defaults(run=_chat)

    _server(subparsers, "console", 8090, _console, help="a local web page to talk to the skill and see what it does",
            description="Serve a local web page to talk to the skill: type or speak, hear and read the answers, "
                        "set the language, the time of day and the device, and see each turn's intent, slots and SSML.",
            epilog="Then open http://127.0.0.1:8090/ in a browser on this computer.")
    mcp = _server(subparsers, "mcp", 8765, _mcp, help="serve Cramp Coach as MCP tools for AI assistants",
                  description="An MCP server with the tools relief, guided_routine, check_symptom, tip, causes and "
                              "when_to_see_doctor, over stdio (the default: an assistant starts it) or streamable HTTP.",
                  epilog='Assistant config: {"mcpServers": {"cramp-coach": {"command": "cramp-coach", '
                         '"args": ["mcp"]}}}')
    mcp.add_argument("--http", action="store_true", help="serve streamable HTTP at http://HOST:PORT/mcp instead of stdio")


def _server(subparsers, name: str, port: int, run, **texts) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(name, **texts)
    add_listen_options(parser, port)
    parser.set_defaults(run=run)
    return parser


def warn_if_exposed(host: str, what: str) -> None:
    if host not in (LOOPBACK, "localhost", "::1"):
        log.warning("%s listens on %s: other machines can reach it. It has no login: use only on a network "
                    "you trust.", what, host)


def _chat(args, settings: Settings) -> int:
    from skill.local.chat import run

    return run(args, settings)


def _console(args, settings: Settings) -> int:
    from skill.local.console.app import run

    warn_if_exposed(args.host, "the console")
    return run(args, settings)


def _mcp(args, settings: Settings) -> int:
    from skill.local.mcp_server import run

    if args.http:
        warn_if_exposed(args.host, "the MCP server")
    return run(args, settings)
