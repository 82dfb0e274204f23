"""README.md stays true: its first lines are the two commands, and its configuration table lists exactly the
settings the code reads (every field of every pydantic-settings class in the package), each with a default."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

from pydantic import AliasChoices
from pydantic_settings import BaseSettings

import mini_mentorship

README = Path(__file__).resolve().parents[2] / "README.md"


def settings_classes() -> list[type[BaseSettings]]:
    """Every BaseSettings subclass defined in the package (found by importing each module)."""
    found: list[type[BaseSettings]] = []
    for module_info in pkgutil.walk_packages(mini_mentorship.__path__, "mini_mentorship."):
        module = importlib.import_module(module_info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, BaseSettings) and cls is not BaseSettings and cls.__module__ == module.__name__:
                found.append(cls)
    return found


def environment_names(cls: type[BaseSettings]) -> set[str]:
    """The MM_* variables that set a field of `cls` (its prefix + name, or its MM_ aliases)."""
    prefix = str(cls.model_config.get("env_prefix", ""))
    names: set[str] = set()
    for field_name, field in cls.model_fields.items():
        alias = field.validation_alias
        choices = [str(c) for c in alias.choices] if isinstance(alias, AliasChoices) else (
            [str(alias)] if alias else [prefix + field_name]
        )
        mm = {c.upper() for c in choices if c.upper().startswith("MM_")}
        assert mm, f"{cls.__name__}.{field_name} has no MM_* variable"
        names |= mm
    return names


def configuration_table() -> dict[str, str]:
    """{MM_* name: default cell} from the README's Configuration table (a row may name several variables)."""
    section = README.read_text().split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    rows: dict[str, str] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.startswith("| `") or len(cells) < 3:
            continue
        for name in re.findall(r"`(MM_[A-Z0-9_]+)`", cells[0]):
            rows[name] = cells[1]
    return rows


def test_the_readme_starts_with_the_two_commands() -> None:
    lines = [line for line in README.read_text().splitlines() if line.strip()]
    assert lines[1:5] == ["```sh", lines[2], lines[3], "```"], "the first block holds exactly two commands"
    assert lines[2].startswith("scripts/demo ") and lines[3].startswith("scripts/test "), (
        "a new user reads the two commands first"
    )


def test_the_configuration_table_lists_exactly_the_settings() -> None:
    classes = settings_classes()
    assert {c.__name__ for c in classes} >= {"Settings", "WorkerSettings", "EmailSettings", "JitsiSettings",
                                             "ZoomSettings", "GoogleSettings", "TeamsSettings"}
    in_code = set().union(*(environment_names(c) for c in classes))
    table = configuration_table()
    assert sorted(in_code - set(table)) == [], "settings the README's configuration table does not list"
    assert sorted(set(table) - in_code) == [], "README configuration rows that no settings class reads"
    assert all(default for default in table.values()), "every setting shows its default"
