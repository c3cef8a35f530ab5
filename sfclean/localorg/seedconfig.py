"""Reading a seed's config (a directory's ``org.yaml`` / ``org.yml`` / ``org.json``, a config
file, a dict or None) and the small checks every config section shares, plus what seeding
returns (:class:`SeedInfo`). The config format is documented in :mod:`sfclean.localorg.seed`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from sfclean.localorg.errors import SeedError
from sfclean.localorg.orgsettings import OrgSettings
from sfclean.localorg.ruleconfig import check_keys, mapping_list
from sfclean.localorg.rules import RuleSet

__all__ = [
    "ADMIN_PROFILE",
    "ADMIN_USERNAME",
    "CONFIG_NAMES",
    "SEED_TIME",
    "SeedInfo",
    "check_keys",
    "config_items",
    "need",
    "read_config",
]

SEED_TIME = "2024-01-01T00:00:00.000+0000"
ADMIN_PROFILE = "System Administrator"
ADMIN_USERNAME = "admin@localorg.example.com"
CONFIG_NAMES = ("org.yaml", "org.yml", "org.json")


@dataclass
class SeedInfo:
    """What seeding produced; ``users`` maps usernames to User Ids; ``settings`` the org
    settings of the config (:mod:`sfclean.localorg.orgsettings`)."""

    org_id: str
    org_name: str
    default_user_id: str
    users: dict[str, str]
    rules: RuleSet
    api_limit: int
    admin_user_id: str | None = None
    record_counts: dict[str, int] = field(default_factory=dict)
    settings: OrgSettings = field(default_factory=OrgSettings)


def read_config(
    seed: str | Path | dict[str, Any] | None,
) -> tuple[dict[str, Any], str, Path | None]:
    if seed is None:
        return {}, "seed", None
    if isinstance(seed, dict):
        return seed, "seed config", None
    path = Path(seed)
    if path.is_dir():
        found = [path / n for n in CONFIG_NAMES if (path / n).is_file()]
        if len(found) > 1:
            raise SeedError(f"{path}: holds both {found[0].name} and {found[1].name}; keep one")
        return (_parse_file(found[0]) if found else {}), str(found[0] if found else path), path
    if path.is_file():
        return _parse_file(path), str(path), None
    raise SeedError(f"{path}: seed not found; give a directory with org.yaml and CSV files")


def _parse_file(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8-sig")
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (OSError, UnicodeDecodeError) as exc:
        raise SeedError(
            f"{path}: cannot be read ({exc.__class__.__name__}); save it as UTF-8"
        ) from None
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else getattr(exc, "lineno", "?")
        raise SeedError(
            f"{path}: not valid {path.suffix[1:].upper()} near line {line}; fix the syntax"
        ) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise SeedError(
            f"{path}: the top level must be a mapping of keys such as users, duplicateRules"
        )
    return data


def config_items(config: dict[str, Any], key: str, source: str) -> list[dict[str, Any]]:
    """The list of mappings under ``key`` of a seed config (none when absent)."""
    return mapping_list(config.get(key) or [], f"{source}: {key}")


def need(item: dict[str, Any], key: str, where: str) -> str:
    value = item.get(key)
    if value is None or not str(value).strip():
        raise SeedError(f"{where}.{key} is required")
    return str(value).strip()
