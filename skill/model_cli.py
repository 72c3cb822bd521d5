"""``cramp-coach model build [--locale L] [--check]``: the Alexa interaction models from the grammar."""

from __future__ import annotations

import json
import sys


def add_commands(commands) -> None:
    model = commands.add_parser("model", help="generate the Alexa interaction models from content/<locale>/sentences.yaml")
    actions = model.add_subparsers(dest="action", required=True, metavar="ACTION")
    build = actions.add_parser("build", help="write skill/package/interactionModels/custom/<locale>.json and skill.json's locales")
    build.add_argument("--locale", help="only this locale (default: every locale with a grammar)")
    build.add_argument("--check", action="store_true",
                       help="write nothing; exit 1 if a committed model differs from what the grammar builds")
    build.set_defaults(run=_build)


def check_grammar(locale: str) -> bool:
    """For `cramp-coach check`: the locale's grammar loads, and its committed model is current."""
    from content import ContentError
    from content.grammar import grammar, locales
    from skill.nlu import model

    if locale not in locales():
        print(f"{locale}: no sentences.yaml: the interaction model cannot be generated")
        return True
    try:
        built = model.build(grammar(locale))
    except (ContentError, ValueError) as exc:
        print(f"{locale}: {exc}", file=sys.stderr)
        return False
    path = model.target(locale)
    current = path.is_file() and path.read_text(encoding="utf-8") == built.text
    print(f"{locale}: grammar ok - {len(grammar(locale).intents)} intents, {sum(built.samples.values())} samples"
          + ("" if current else f"; {path.name} is stale: run `cramp-coach model build`"))
    return True


def _manifest(check: bool) -> bool:
    """skill.json's locales from content: written, or with ``check`` compared. False when stale."""
    from skill.nlu import manifest

    current = manifest.MANIFEST.read_text(encoding="utf-8")
    wanted = manifest.text(manifest.build(json.loads(current)))
    if current == wanted:
        print(f"skill.json: current ({len(json.loads(wanted)['manifest']['publishingInformation']['locales'])} locales)")
        return True
    if check:
        print("skill.json: its locales are not what content says: run `cramp-coach model build`")
        return False
    manifest.MANIFEST.write_text(wanted, encoding="utf-8")
    print(f"skill.json: wrote {manifest.MANIFEST}")
    return True


def _build(args, settings) -> int:
    from content import ContentError
    from content.grammar import grammar, locales
    from skill.nlu import model

    chosen = [args.locale] if args.locale else list(locales())
    if args.locale and args.locale not in locales():
        print(f"cramp-coach: no grammar for locale {args.locale!r} (have {', '.join(locales())})", file=sys.stderr)
        return 2
    stale = []
    if not args.locale and not _manifest(args.check):
        stale.append("skill.json")
    for locale in chosen:
        try:
            built = model.build(grammar(locale))
        except (ContentError, ValueError) as exc:
            print(f"cramp-coach: {exc}", file=sys.stderr)
            return 1
        path = model.target(locale)
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        total = sum(built.samples.values())
        if args.check:
            if current != built.text:
                stale.append(locale)
                print(f"{locale}: {path.name} is not what the grammar builds: run `cramp-coach model build`")
            else:
                print(f"{locale}: {path.name} is current ({total} samples)")
            continue
        if current != built.text:
            path.write_text(built.text, encoding="utf-8")
        print(f"{locale}: {'wrote' if current != built.text else 'unchanged'} {path} - {total} samples, "
              f"{len(built.text.encode()) / 1000:.0f} KB")
        for name, count in built.samples.items():
            print(f"  {name:<28} {count:>5}")
        for note in built.notes:
            print(f"  note: {note}")
    return 1 if stale else 0
