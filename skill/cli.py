"""The ``cramp-coach`` command: serve the skill, check the content, try it locally."""

from __future__ import annotations

import argparse
import logging
import sys

from skill import audio_cli, model_cli
from skill.local import cli as local_cli
from skill.config import ConfigError, Settings

log = logging.getLogger("cramp_coach")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="cramp-coach",
        description="Cramp Coach: an Alexa skill that talks you through a leg cramp.",
        epilog="Settings come from CRAMP_COACH_* environment variables; see README.md.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the skill endpoint (POST /alexa, GET /healthz)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    serve.add_argument("--port", type=int, default=8080, help="port to listen on (default: %(default)s)")
    serve.add_argument("--workers", type=int, default=2, help="worker processes (default: %(default)s)")
    serve.add_argument("--threads", type=int, default=4, help="threads per worker (default: %(default)s)")
    serve.add_argument("--no-verify", action="store_true",
                       help="skip Alexa request verification: for local testing only, never in production")
    serve.set_defaults(run=_serve)

    check = commands.add_parser("check", help="validate the content files and report what they hold")
    check.add_argument("--compile", action="store_true",
                       help="also write content/compiled/<locale>.json, the parsed content a cold start reads "
                            "instead of the YAML (run it after editing content)")
    check.add_argument("--review", action="store_true",
                       help="print every key and variant with its spoken text, urgency, delivery by day and by "
                            "night, words, seconds and sources, for an editor or a clinician to read")
    check.add_argument("--format", choices=("text", "csv"), default="text",
                       help="with --review: text to read, or csv for a spreadsheet (default: %(default)s)")
    check.add_argument("--locale", help="with --review: only this locale (default: every locale)")
    check.set_defaults(run=_check)

    audio_cli.add_commands(commands)
    model_cli.add_commands(commands)
    local_cli.add_commands(commands)

    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        parser.exit(2, f"cramp-coach: {exc}\n")
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return args.run(args, settings)


def _check(args, settings: Settings) -> int:
    import content

    if args.review:
        return _review(args)
    if args.format != "text" or args.locale:
        print("cramp-coach: --format and --locale go with --review", file=sys.stderr)
        return 2
    failed = False
    for locale in content.locales():
        try:
            loaded = content.load(locale, strict=True)
        except content.ContentError as exc:
            print(f"{locale}: {exc}", file=sys.stderr)
            failed = True
            continue
        print(f"{locale}: ok - {len(loaded.phrases)} phrases, {len(loaded.tips)} tips, "
              f"{len(loaded.routines)} routines, {len(loaded.triage)} symptoms")
        if args.compile:
            print(f"{locale}: wrote {content.compile_locale(locale)}")
        elif not content.compiled_is_fresh(locale):
            print(f"{locale}: content/compiled/{locale}.json is out of date (cold starts parse the YAML): "
                  "run `cramp-coach check --compile`")
        failed = not model_cli.check_grammar(locale) or failed
    if not failed:
        print(*audio_cli.check_lines(settings), sep="\n")
    return 1 if failed else 0


def _review(args) -> int:
    import content
    from content import review

    chosen = [args.locale] if args.locale else content.locales()
    if args.locale and args.locale not in content.locales():
        print(f"cramp-coach: no content for locale {args.locale!r} (have {', '.join(content.locales())})",
              file=sys.stderr)
        return 2
    try:
        loaded = [content.load(locale) for locale in chosen]
    except content.ContentError as exc:
        print(f"cramp-coach: {exc}", file=sys.stderr)
        return 1
    for one in loaded:
        sys.stdout.write(review.as_csv(one) if args.format == "csv" else review.as_text(one))
    return 0


def _serve(args, settings: Settings) -> int:
    import content
    from skill.http.app import create_app
    from skill.http.server import run

    if args.no_verify:
        settings = settings.replace(verify=False)
    if settings.verify and settings.skill_id is None:
        log.warning("CRAMP_COACH_SKILL_ID is not set: verified requests for any skill will be accepted")
    try:
        app = create_app(settings)
    except content.ContentError as exc:
        print(f"cramp-coach: {exc}", file=sys.stderr)
        return 2
    if settings.audio_base_url:
        from speech.audio.manifest import stale_summary

        if (warning := stale_summary(settings.audio_path, settings.locale)) is not None:
            log.warning("%s", warning)
    log.info("Cramp Coach listening on http://%s:%d/alexa", args.host, args.port)
    return run(app, host=args.host, port=args.port, workers=args.workers, threads=args.threads)


if __name__ == "__main__":
    sys.exit(main())
