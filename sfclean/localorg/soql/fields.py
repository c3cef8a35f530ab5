"""Resolving field paths (``CreatedBy.Profile.Name``) against SCHEMA into SQL expressions and
the LEFT JOINs they need.

Each relationship step joins the target object's table on its ``Id``; a path prefix used twice
is joined once. Polymorphic references (``DuplicateRecordItem.Record`` -> Lead, Contact or
Account) LEFT JOIN every target table on ``Id`` (Ids are unique across objects, so at most one
matches) and read a field as ``COALESCE`` over the targets that have it. As in Salesforce, a
polymorphic relationship cannot be followed any further (``Record.Owner.Name`` is rejected),
and the related record's type comes from its Id's key prefix.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..schema import Field, SObjectType, object_type
from . import ast
from .errors import fault_at

__all__ = ["Node", "Resolved", "Resolver", "quote_ident"]

_CUSTOM_FIELD_HINT = (
    "If you are attempting to use a custom field, be sure to append the '__c' after the custom "
    "field name. Please reference your WSDL or the describe call for the appropriate names."
)
_CUSTOM_REL_HINT = (
    "If you are attempting to use a custom relationship, be sure to append the '__r' after the "
    "custom relationship name. Please reference your WSDL or the describe call for the "
    "appropriate names."
)


def quote_ident(name: str) -> str:
    """A SQLite identifier. Only schema names reach here, never query text."""
    return '"' + name.replace('"', '""') + '"'


@dataclass
class Node:
    """The root object or one joined relationship.

    ``targets`` holds (alias, object) pairs: one for a plain lookup, several when polymorphic.
    """

    key: tuple[str, ...]  # lower-case relationship names from the root
    name: str  # canonical relationship name ("CreatedBy"); "" for the root
    targets: list[tuple[str, SObjectType]]
    children: dict[str, Node] = field(default_factory=dict)

    @property
    def polymorphic(self) -> bool:
        return len(self.targets) > 1

    @property
    def id_sql(self) -> str:
        """SQL for the joined record's Id (NULL when there is no related record)."""
        ids = [f'{alias}."Id"' for alias, _ in self.targets]
        return ids[0] if len(ids) == 1 else f"COALESCE({', '.join(ids)})"

    @property
    def object_name(self) -> str | None:
        """The related object's name, or None when polymorphic (read it from the Id)."""
        return None if self.polymorphic else self.targets[0][1].name


@dataclass(frozen=True)
class Resolved:
    """A field path resolved to its Field, canonical spelling, SQL expression and node."""

    field: Field
    canonical: tuple[str, ...]
    sql: str
    node: Node
    path: ast.Path

    @property
    def name(self) -> str:
        return ".".join(self.canonical)


class Resolver:
    """Resolves paths of one query, accumulating the JOIN clauses they need."""

    def __init__(self, query: ast.Query, *, prefix: str = "t") -> None:
        root = object_type(query.object_name)
        if root is None:
            raise fault_at(
                "INVALID_TYPE",
                query.text,
                query.object_line,
                query.object_column,
                f"sObject type '{query.object_name}' is not supported. If you are attempting to "
                "use a custom object, be sure to append the '__c' after the entity name. Please "
                "reference your WSDL or the describe call for the appropriate names.",
            )
        self.query = query
        self.root_object = root
        self.prefix = prefix
        self.root = Node((), "", [(f"{prefix}0", root)])
        self.joins: list[str] = []
        self._next_alias = 1

    def _error(self, path: ast.Path, message: str) -> Exception:
        return fault_at("INVALID_FIELD", self.query.text, path.line, path.column, message)

    def _join(self, parent: Node, ref: Field) -> Node:
        key = ref.relationship_name.lower() if ref.relationship_name else ref.name.lower()
        if key in parent.children:
            return parent.children[key]
        parent_alias = parent.targets[0][0]
        targets = []
        for target_name in ref.reference_to:
            target = object_type(target_name)
            if target is None:  # pragma: no cover - SCHEMA references only its own objects
                continue
            alias = f"{self.prefix}{self._next_alias}"
            self._next_alias += 1
            self.joins.append(
                f"LEFT JOIN {quote_ident(target.name)} AS {alias} "
                f'ON {alias}."Id" = {parent_alias}.{quote_ident(ref.name)}'
            )
            targets.append((alias, target))
        node = Node((*parent.key, key), ref.relationship_name or ref.name, targets)
        parent.children[key] = node
        return node

    def resolve(self, path: ast.Path) -> Resolved:
        """Resolve ``path``; raise INVALID_FIELD as Salesforce words it when it does not exist."""
        node = self.root
        canonical: list[str] = []
        parts = path.parts
        root = self.root_object
        if (
            len(parts) > 1
            and parts[0].lower() == root.name.lower()
            and not root.relationship(parts[0])
        ):
            parts = parts[1:]  # "SELECT Contact.Name FROM Contact" names the queried object
        for part in parts[:-1]:
            ref = None if node.polymorphic else node.targets[0][1].relationship(part)
            if ref is None:
                raise self._error(
                    path,
                    f"Didn't understand relationship '{part}' in field path. {_CUSTOM_REL_HINT}",
                )
            node = self._join(node, ref)
            canonical.append(node.name)
        last = parts[-1]
        present = [(alias, obj.field(last)) for alias, obj in node.targets]
        found = [(alias, f) for alias, f in present if f is not None]
        if not found:
            entity = "Name" if node.polymorphic else node.targets[0][1].name
            raise self._error(
                path, f"No such column '{last}' on entity '{entity}'. {_CUSTOM_FIELD_HINT}"
            )
        fld = found[0][1]
        assert fld is not None
        exprs = [f"{alias}.{quote_ident(f.name)}" for alias, f in found if f is not None]
        sql = exprs[0] if len(exprs) == 1 else f"COALESCE({', '.join(exprs)})"
        return Resolved(fld, (*canonical, fld.name), sql, node, path)
