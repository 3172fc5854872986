"""Reading scenario files: YAML whose mappings remember the line of each key, for exact error messages."""
from __future__ import annotations

import re
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

# YAML 1.1 reads unquoted 0010 as the octal number 8, 0x1F and 1_000 and 1:30 as numbers, 1.0e+3 as a float:
# an id or a number must never change on the way in. Only plain decimals are numbers (10, -5, 100.00);
# anything else that YAML would take for a number stays the text it is (an id `0010`; `1.0e+3` is then
# refused where a number belongs, with a message that says why).
_PLAIN_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
_PLAIN_FLOAT = re.compile(r"[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)")


def _construct_int(loader: _Loader, node: yaml.ScalarNode):
    text = loader.construct_scalar(node)
    return int(text) if _PLAIN_INT.fullmatch(text) else text


def _construct_float(loader: _Loader, node: yaml.ScalarNode):
    text = loader.construct_scalar(node)
    return loader.construct_yaml_float(node) if _PLAIN_FLOAT.fullmatch(text) else text


def _construct_timestamp(loader: _Loader, node: yaml.ScalarNode):
    # 2024-13-01 looks like a date to YAML but is none: keep the text, refused where a date belongs.
    try:
        return loader.construct_yaml_timestamp(node)
    except ValueError:
        return loader.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_Loader.add_constructor("tag:yaml.org,2002:float", _construct_float)


def load_yaml(path: Path) -> LinedDict:
    data = load_yaml_document(path)
    if not isinstance(data, LinedDict):
        raise InvalidInput(f"{path}: a scenario is a mapping of set-up sections and steps", code="bad_yaml")
    return data


def load_yaml_document(path: Path, where: str | None = None):
    """Any YAML document (a mapping, a list, ...) read as set-up files are: ids stay text (`0010`), only plain
    decimals are numbers, mappings know their lines. `where` names the file in messages (default: its path)."""
    where = where or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise InvalidInput(f"{where}: cannot read the file ({error.strerror})", code="unreadable_file") from None
    except UnicodeDecodeError:
        raise InvalidInput(f"{where}: the file is not UTF-8 text", code="bad_file") from None
    try:
        return yaml.load(text, Loader=_Loader)
    except InvalidInput as error:  # raised while building mappings: name the file too
        raise InvalidInput(f"{where}: {error.message}", code=error.code) from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        line = f"line {mark.line + 1}" if mark else "?"
        raise InvalidInput(f"{where}: {line}: not valid YAML ({error.problem})", code="bad_yaml") from None
    except yaml.YAMLError as error:
        raise InvalidInput(f"{where}: not valid YAML ({error})", code="bad_yaml") from None


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
