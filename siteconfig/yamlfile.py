"""A YAML file read with the line of every value, so that a problem names where it is.

Only plain YAML data is accepted (mappings, lists, strings, numbers, booleans, null): the
safe loader, no tags. A key given twice in one mapping is a problem too (YAML loaders keep
the last silently).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

Path = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a site description: where (path and line) and what."""

    path: Path
    message: str
    line: int | None = None

    def where(self) -> str:
        return dotted(self.path) or "(the file)"

    def __str__(self) -> str:
        at = f"line {self.line}: " if self.line else ""
        return f"{at}{self.where()}: {self.message}"


def dotted(path: Path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


@dataclass(slots=True)
class Document:
    data: Any
    lines: dict[Path, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def line(self, path: Path) -> int | None:
        """The line of `path`, or of the nearest enclosing value that has one."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), None)


def load_yaml(text: str) -> Document:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.load(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark else None
        return Document(None, problems=[Problem((), f"not valid YAML: {exc.problem}", line)])
    except yaml.YAMLError as exc:
        return Document(None, problems=[Problem((), f"not valid YAML: {exc}")])
    doc = Document(data)
    if node is not None:
        _walk(node, (), doc)
    return doc


def _walk(node: yaml.Node, path: Path, doc: Document) -> None:
    doc.lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            name = str(key.value)
            if name in seen:
                doc.problems.append(
                    Problem(
                        (*path, name),
                        "given twice in the same place; only one can hold",
                        key.start_mark.line + 1,
                    )
                )
            seen.add(name)
            _walk(value, (*path, name), doc)
            doc.lines[(*path, name)] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, index), doc)
