"""Where a locale's content comes from: the YAML files of the folders in its chain (a locale and
the bases it inherits from), or ``compiled/<locale>.json`` when that matches them."""

from __future__ import annotations

import functools
import json
import zlib
from pathlib import Path

def compile_locale(locale: str, root: Path) -> Path:
    """Write ``compiled/<locale>.json`` from the YAML files, once they load without a problem."""
    from content import load

    folders = load(locale, root, strict=True).chain
    sources = _sources(root, folders)
    parsed = {name: _parse_yaml(text) for name, text in sources.items()}
    target = root / "compiled" / f"{locale}.json"
    target.parent.mkdir(exist_ok=True)
    body = json.dumps({"checksum": _checksum(sources), "chain": list(folders), "files": parsed},
                      ensure_ascii=False, indent=1, sort_keys=True)
    target.write_text(body + "\n", encoding="utf-8")
    return target


def compiled_is_fresh(locale: str, root: Path) -> bool:
    return _compiled(locale, root) is not None


GRAMMAR_FILE = "sentences.yaml"  # what people say: content.grammar reads it, the answer path never does


def _sources(root: Path, folders: tuple[str, ...]) -> dict[str, bytes]:
    return {f"{folder}/{path.name}": path.read_bytes() for folder in folders
            for path in sorted((root / folder).glob("*.yaml")) if path.name != GRAMMAR_FILE}


def _checksum(sources: dict[str, bytes]) -> str:
    # Change detection, not security: crc32 needs no hashlib import on the cold-start path.
    crc = 0
    for name, data in sources.items():
        crc = zlib.crc32(data, zlib.crc32(name.encode() + b"\0", crc))
    return f"{crc:08x}-{sum(map(len, sources.values()))}"


def _compiled(locale: str, root: Path) -> tuple[dict, tuple[str, ...]] | None:
    """The compiled files and chain of ``locale`` when they match the YAML of every folder in the chain."""
    try:
        compiled = json.loads((root / "compiled" / f"{locale}.json").read_bytes())
        folders = tuple(compiled["chain"])
        if not folders or folders[-1] != locale or not all(isinstance(f, str) and "/" not in f for f in folders):
            return None
        sources = _sources(root, folders)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    fresh = (compiled.get("checksum") == _checksum(sources)
             and isinstance(compiled.get("files"), dict) and set(compiled["files"]) == set(sources))
    if not fresh:
        return None
    # JSON keeps its keys sorted ("en-GB/..." before "en/..."): the chain's order, the base first, is
    # what decides which folder's key wins.
    return {name: compiled["files"][name] for name in sources}, folders


def _parsed(locale: str, root: Path, problems: list[str],
            strict: bool) -> tuple[dict[str, object], bool, tuple[str, ...]]:
    """Each file's data, the base's first: from the compiled JSON when it matches the YAML (and not
    ``strict``), else from the YAML; whether it came from the compiled JSON; and the chain of folders."""
    if not strict and (compiled := _compiled(locale, root)) is not None:
        return compiled[0], True, compiled[1]
    folders = _chain(locale, root, problems)
    return {name: data for folder in folders for name, data in _folder(root, folder, problems).items()}, False, folders


def _folder(root: Path, folder: str, problems: list[str]) -> dict[str, object]:
    import yaml

    parsed = {}
    for name, text in _sources(root, (folder,)).items():
        try:
            parsed[name] = _parse_yaml(text)
        except yaml.YAMLError as exc:
            problems.append(f"{name}: {exc}".replace("\n", " "))
    return parsed


def _chain(locale: str, root: Path, problems: list[str]) -> tuple[str, ...]:
    """``locale`` and the bases its ``parent:`` names, each naming its own, the furthest first."""
    folders = [locale]
    while True:
        parents = {data["parent"] for name, data in _folder(root, folders[0], []).items()
                   if isinstance(data, dict) and isinstance(data.get("parent"), str)}
        if not parents:
            return tuple(folders)
        parent = parents.pop()
        if parents or parent in folders or not (root / parent).is_dir() or "/" in parent or parent.startswith("."):
            problems.append(f"{folders[0]}: parent {parent!r} is not a content folder outside its own chain "
                            f"({' <- '.join(folders)})" if not parents else f"{folders[0]}: more than one parent")
            return tuple(folders)
        folders.insert(0, parent)


def _parse_yaml(text: bytes):
    import yaml

    return yaml.load(text.decode("utf-8"), Loader=_yaml_loader())


@functools.cache
def _yaml_loader():
    """Safe YAML without implicit dates: the schema parses them, so a bad date is reported like
    any other problem instead of aborting the load."""
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    loader = type("ContentLoader", (base,), {})
    loader.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in base.yaml_implicit_resolvers.items()
    }
    return loader
