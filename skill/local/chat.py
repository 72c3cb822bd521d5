"""``cramp-coach chat``: a conversation with the skill in the terminal.

At a terminal: line editing and history (readline), commands (/intent, /reset, /help, /quit).
With stdin not a terminal: one utterance per line in, one answer per line out (or one JSON
object per line with ``--json``), so it can be scripted.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from typing import TextIO

from skill.config import Settings, data_dir
from skill.local.envelopes import Device
from skill.local.session import Conversation, Reply, local_skill

log = logging.getLogger("cramp_coach.chat")
COMMANDS = ("/intent", "/reset", "/help", "/quit")


class Chat:
    def __init__(self, conversation: Conversation, out: TextIO, show_intent: bool = False, as_json: bool = False,
                 voice=None):
        self.talk, self.out = conversation, out
        self.show_intent, self.as_json, self.voice = show_intent, as_json, voice

    def line(self, reply: Reply) -> str:
        if self.as_json:
            return json.dumps(reply.as_json(), ensure_ascii=False)
        marks = []
        if self.show_intent and reply.request:
            slots = "".join(f" {name}={value}" for name, value in reply.slots.items())
            marks.append(self.talk.mark("chat.heard", intent=reply.request, slots=slots))
        if reply.notice == "chat.no_match":
            marks.append(self.talk.mark("chat.no_match"))
        if reply.quiet:
            marks.append(self.talk.mark("chat.quiet"))
        return " ".join([*marks, reply.text])

    def answer(self, reply: Reply) -> None:
        print(self.line(reply), file=self.out, flush=True)
        if self.voice is not None and reply.segments:
            from speech.audio.engines import EngineError
            from speech.audio.play import PlayerFailed

            try:
                self.voice.play(reply.segments)
            except (PlayerFailed, EngineError) as exc:  # no sound here: show the answers only, from now on
                print(f"{self.talk.phrase('chat.no_player')} ({exc})", file=sys.stderr)
                self.voice = None

    def turn(self, text: str) -> Reply:
        try:
            return self.talk.say(text)
        except Exception:  # noqa: BLE001 - a calm line, never a traceback; the log keeps the detail
            log.debug("turn failed", exc_info=True)
            return Reply(request="", matched=False, notice="chat.error", text=self.talk.phrase("chat.error"))

    def scripted(self, lines: Iterator[str]) -> None:
        self.answer(self.talk.start())
        for text in lines:
            self.answer(self.turn(text.rstrip("\r\n")))

    def interactive(self, read=input) -> None:
        say = self.talk.phrase
        print(say("chat.welcome"), file=self.out)
        self.answer(self.talk.start())
        while True:
            try:
                text = read("> ")
            except (EOFError, KeyboardInterrupt):
                print("\n" + say("chat.goodbye"), file=self.out)
                return
            command = text.strip().lower()
            if command.startswith("/"):
                if command == "/quit":
                    print(say("chat.goodbye"), file=self.out)
                    return
                if command == "/intent":
                    self.show_intent = not self.show_intent
                    print(say("chat.intent_on" if self.show_intent else "chat.intent_off"), file=self.out)
                elif command == "/reset":
                    self.answer(self.talk.start())
                else:
                    print(say("chat.commands" if command == "/help" else "chat.unknown_command"), file=self.out)
                continue
            reply = self.turn(text)
            self.answer(reply)
            if reply.ended:
                print(say("chat.session_ended"), file=self.out)


def _readline() -> None:
    try:
        import readline
    except ImportError:  # not on every platform: plain input() then
        return
    history = data_dir() / "chat_history"
    try:
        history.parent.mkdir(parents=True, exist_ok=True)
        readline.read_history_file(history)
    except OSError:
        pass
    readline.set_history_length(500)
    readline.set_completer(lambda text, n: ([c for c in COMMANDS if c.startswith(text)] + [None])[n])
    readline.parse_and_bind("tab: complete")
    import atexit

    atexit.register(lambda: _save(readline, history))


def _save(readline, history) -> None:
    try:
        readline.write_history_file(history)
    except OSError:
        pass


def _voice(conversation: Conversation, out: TextIO):
    from skill.local.voice import Voice
    from speech.audio.play import NoPlayer, find_player

    try:
        return Voice(find_player(), conversation.locale, conversation.scripts)
    except NoPlayer:
        print(conversation.phrase("chat.no_player"), file=sys.stderr)
        return None


def quiet_request_log(settings: Settings) -> None:
    """The request log line of each turn is for servers; a local surface shows it only when asked."""
    if settings.log_level == "INFO":
        logging.getLogger("cramp_coach.requests").setLevel(logging.WARNING)


def run(args, settings: Settings) -> int:
    import content

    quiet_request_log(settings)
    try:
        skill, settings = local_skill(settings)
        conversation = Conversation(skill, settings, args.locale, Device(args.device), args.at)
    except (LookupError, content.ContentError) as exc:
        print(f"cramp-coach chat: {exc}", file=sys.stderr)
        return 2
    chat = Chat(conversation, sys.stdout, args.show_intent, args.json,
                _voice(conversation, sys.stdout) if args.speak else None)
    try:
        if sys.stdin.isatty():
            _readline()
            chat.interactive()
        else:
            stdin = open(sys.stdin.fileno(), encoding="utf-8", errors="replace", closefd=False)  # bytes not UTF-8: U+FFFD
            chat.scripted(iter(stdin))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    return 0
