"""Reading scenario files: YAML whose mappings remember the line of each key, for exact error messages."""
from __future__ import annotations

from pathlib import Path

import yaml

from ..errors import InvalidInput


class LinedDict(dict):
    """A mapping that knows the (1-based) line of each of its keys and of itself."""

    line: int = 0
    key_lines: dict

    def line_of(self, key) -> int:
        return self.key_lines.get(key, self.line)


class _Loader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LinedDict:
    loader.flatten_mapping(node)
    mapping = LinedDict()
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise InvalidInput(f"line {key_node.start_mark.line + 1}: a key is a name, not a "
                               f"{type(key).__name__}", code="bad_yaml") from None
        if key in mapping:
            raise InvalidInput(f"line {key_node.start_mark.line + 1}: key '{key}' appears twice", code="duplicate_key")
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.key_lines[key] = key_node.start_mark.line + 1
    return mapping


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml(path: Path) -> LinedDict:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise InvalidInput(f"{path}: cannot read the file ({error.strerror})", code="unreadable_file") from None
    except UnicodeDecodeError:
        raise InvalidInput(f"{path}: the file is not UTF-8 text", code="bad_file") from None
    try:
        data = yaml.load(text, Loader=_Loader)
    except InvalidInput as error:  # raised while building mappings: name the file too
        raise InvalidInput(f"{path}: {error.message}", code=error.code) from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        where = f"line {mark.line + 1}" if mark else "?"
        raise InvalidInput(f"{path}: {where}: not valid YAML ({error.problem})", code="bad_yaml") from None
    except yaml.YAMLError as error:
        raise InvalidInput(f"{path}: not valid YAML ({error})", code="bad_yaml") from None
    if not isinstance(data, LinedDict):
        raise InvalidInput(f"{path}: a scenario is a mapping of set-up sections and steps", code="bad_yaml")
    return data


def line_of(mapping, key) -> int | None:
    return mapping.line_of(key) if isinstance(mapping, LinedDict) else None


def check_step_keys(step: dict, allowed: set[str], where: str) -> None:
    if not isinstance(step, dict):
        raise InvalidInput(f"{where}: expected a mapping", code="bad_step")
    for key in step:
        if key not in allowed:
            line = line_of(step, key)
            raise InvalidInput(f"{where}{f', line {line}' if line else ''}: unknown key '{key}' "
                               f"(allowed: {', '.join(sorted(allowed))})", code="unknown_key")
