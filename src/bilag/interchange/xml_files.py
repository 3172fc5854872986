"""XML Schema validation and small XML helpers shared by the interchange formats.

Validation is lxml's (libxml2's XML Schema validator), streaming: a file is checked while it is parsed, element by
element, so that a large file is never held whole. Errors name the file, the line and the element.
"""
from __future__ import annotations

from functools import cache
from pathlib import Path

from lxml import etree

from ..errors import InvalidInput

SCHEMAS = Path(__file__).parent / "schemas"


class InvalidFile(InvalidInput):
    """A file that is not well-formed or fails its schema; nothing was written."""

    code = "invalid_file"


@cache
def schema(path: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(path))


def local_name(tag: object) -> str:
    text = str(tag)
    return text.rsplit("}", 1)[-1] if "}" in text else text


def _located(source: str, line: int | None, element: str | None, message: str) -> str:
    where = [source]
    if line:
        where.append(f"line {line}")
    if element:
        where.append(f"element {element}")
    return f"{', '.join(where)}: {message}"


def validate_file(path: str | Path, schema_path: str | Path, *, source: str | None = None,
                  records: tuple[str, ...] = ()) -> None:
    """Check a file against an XML Schema, streaming; raises InvalidFile naming the line of the element at fault
    and the validator's message. `records` (local names, e.g. Transaction) are the repeating elements that are
    dropped once read, so that memory stays flat; without them every finished element is dropped."""
    source = source or str(path)
    xml_schema = schema(str(schema_path))
    namespace = _target_namespace(str(schema_path))
    tags = [f"{{{namespace}}}{name}" for name in records] if records else None
    line = None
    try:
        for _event, element in etree.iterparse(str(path), events=("end",), tag=tags, schema=xml_schema,
                                               huge_tree=True):
            line = element.sourceline
            element.clear(keep_tail=False)
            parent = element.getparent()
            if parent is not None:
                while element.getprevious() is not None:
                    del parent[0]
    except etree.XMLSyntaxError as error:
        exact = _exact_line(path, xml_schema)  # the streaming validator reads ahead of the events
        raise _schema_error(error, source, str(schema_path), exact or line) from None
    except OSError as error:
        raise InvalidFile(f"{source}: cannot read the file ({error})", code="unreadable_file") from None


@cache
def _target_namespace(schema_path: str) -> str:
    return etree.parse(schema_path).getroot().get("targetNamespace") or ""


def _exact_line(path: str | Path, xml_schema: etree.XMLSchema) -> int | None:
    """The line of the first problem, from a validation of the whole tree (files up to 256 MB only)."""
    try:
        if Path(path).stat().st_size > 256 * 1024 * 1024:
            return None
        tree = etree.parse(str(path), etree.XMLParser(huge_tree=True))
    except etree.XMLSyntaxError as error:  # not well-formed either: where the parser stopped
        return error.lineno or None
    except OSError:
        return None
    if xml_schema.validate(tree):
        return None
    errors = list(xml_schema.error_log)
    return errors[0].line if errors else None


def _schema_error(error: etree.XMLSyntaxError, source: str, schema_path: str, line: int | None) -> InvalidFile:
    message = str(error.msg if getattr(error, "msg", None) else error).strip()
    is_schema = message.startswith("Element ") or "schema" in message.lower()
    if not is_schema and error.lineno:
        line = error.lineno
    element = None
    if message.startswith("Element '"):
        element = local_name(message.split("'", 2)[1])
        message = message.replace("{urn:StandardAuditFile-Taxation-Financial:NO}", "")
    what = f"fails its schema {Path(schema_path).name}" if is_schema else "is not well-formed XML"
    return InvalidFile(_located(source, line, element, f"{what}: {message}"),
                       code="schema_invalid" if is_schema else "malformed_xml")
