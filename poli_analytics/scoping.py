"""Who sees what: limit a dataset to one viewer before anything else happens.

- A manager sees everything.
- A supervisor sees the chats of the departments they supervise, and those
  chats' messages, opportunities and payments (an opportunity without a chat
  belongs to no department, so no supervisor sees it).
- An operator sees the messages they wrote and the opportunities they
  created, the payments of those opportunities, and the chats and contacts
  those belong to.

Scoping also blanks what would point outside the scope: a contact's first
operator when that operator is not in the scope, and, for an operator, the
current holder of a chat they wrote in when that is someone else.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from ._keys import distinct_text, is_in, recoded, used_categories
from ._schema import TABLES, Table
from .dataset import Dataset
from .errors import SelectionError

__all__ = ["Role", "Viewer", "scope_dataset"]

Role = Literal["manager", "supervisor", "operator"]
ROLES: tuple[Role, ...] = ("manager", "supervisor", "operator")


@dataclass(frozen=True)
class Viewer:
    """The person a report is for.

    Parameters
    ----------
    role : {"manager", "supervisor", "operator"}, default "manager"
    departments : tuple of str
        The departments a supervisor supervises (at least one; only for
        supervisors).
    operator_id : str or None
        The operator's own ID (only, and always, for operators).

    Examples
    --------
    >>> Viewer.supervisor("Vendas", "Suporte").departments
    ('Vendas', 'Suporte')
    >>> Viewer.operator("op-007").describe()
    'operator op-007'
    """

    role: Role = "manager"
    departments: tuple[str, ...] = ()
    operator_id: str | None = None

    def __post_init__(self) -> None:
        departments = self.departments
        if isinstance(departments, str) or any(
            not isinstance(d, str) for d in departments
        ):
            msg = f"scope departments must be a list of text, not {departments!r}"
            raise SelectionError(msg)
        object.__setattr__(
            self,
            "departments",
            tuple(
                dict.fromkeys(
                    unicodedata.normalize("NFC", d.strip()) for d in departments
                )
            ),
        )
        if self.operator_id is not None:
            object.__setattr__(
                self,
                "operator_id",
                unicodedata.normalize("NFC", str(self.operator_id).strip()),
            )
        if self.role not in ROLES:
            msg = f"unknown role {self.role!r}; expected one of {', '.join(ROLES)}"
            raise SelectionError(msg)
        if self.role == "supervisor" and not self.departments:
            msg = "a supervisor needs at least one department to supervise"
            raise SelectionError(msg)
        if self.role != "supervisor" and self.departments:
            msg = (
                "scope departments apply to supervisors only, "
                f"not to the {self.role} role"
            )
            raise SelectionError(msg)
        if self.role == "operator" and not self.operator_id:
            msg = "an operator viewer needs their own operator ID"
            raise SelectionError(msg)
        if self.role != "operator" and self.operator_id:
            msg = f"a scope operator is for the operator role, not the {self.role} role"
            raise SelectionError(msg)

    @classmethod
    def manager(cls) -> Viewer:
        """A viewer who sees everything."""
        return cls("manager")

    @classmethod
    def supervisor(cls, *departments: str) -> Viewer:
        """A viewer limited to the chats of ``departments``."""
        return cls("supervisor", departments=tuple(departments))

    @classmethod
    def operator(cls, operator_id: str) -> Viewer:
        """A viewer limited to their own messages and opportunities."""
        return cls("operator", operator_id=operator_id)

    def describe(self) -> str:
        """A short text such as ``'supervisor of Vendas, Suporte'``."""
        if self.role == "supervisor":
            return "supervisor of " + ", ".join(self.departments)
        if self.role == "operator":
            return f"operator {self.operator_id}"
        return "manager"

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready description."""
        return {
            "role": self.role,
            "departments": list(self.departments),
            "operator_id": self.operator_id,
        }


def scope_dataset(dataset: Dataset, viewer: Viewer) -> Dataset:
    """Return the part of ``dataset`` that ``viewer`` may see.

    Rows are only ever removed or blanked, never added; scoping twice gives
    the same result as scoping once.

    Raises
    ------
    SelectionError
        A supervisor's department has no chats in the dataset, or an
        operator viewer's ID is not an operator of the dataset (unless the
        dataset is partial, an export read back: then the scope is empty).
    """
    if not isinstance(viewer, Viewer):
        msg = f"viewer must be a Viewer (e.g. Viewer.manager()), not {viewer!r}"
        raise TypeError(msg)
    if viewer.role == "manager":
        return dataset
    if viewer.role == "supervisor":
        return _scope_supervisor(dataset, viewer.departments)
    return _scope_operator(dataset, str(viewer.operator_id))


def _scope_supervisor(dataset: Dataset, departments: tuple[str, ...]) -> Dataset:
    known = set(dataset.chats["department"].unique())
    unknown = [d for d in departments if d not in known]
    if unknown and not dataset.partial:
        msg = (
            f"supervised department {', '.join(map(repr, unknown))} has no chats in "
            "this dataset; check the spelling of the scope department"
        )
        raise SelectionError(msg)

    chats = dataset.chats[is_in(dataset.chats["department"], departments)]
    messages = dataset.messages[is_in(dataset.messages["department"], departments)]
    opportunities = dataset.opportunities[
        is_in(dataset.opportunities["department"], departments)
    ]
    return _finish(dataset, chats, messages, opportunities)


def _scope_operator(dataset: Dataset, operator_id: str) -> Dataset:
    known = dataset.operators["operator_id"].eq(operator_id).any()
    if not known and not dataset.partial:
        msg = f"operator {operator_id!r} is not an operator of this dataset"
        raise SelectionError(msg)

    messages = dataset.messages[dataset.messages["operator_id"].eq(operator_id)]
    opportunities = dataset.opportunities[
        dataset.opportunities["operator_id"].eq(operator_id)
    ]
    tickets = distinct_text(messages["ticket_id"], opportunities["ticket_id"])
    chats = dataset.chats[is_in(dataset.chats["ticket_id"], tickets)]
    # The chat's current holder may be a colleague after a transfer.
    chats = chats.assign(
        operator_id=chats["operator_id"].where(chats["operator_id"].eq(operator_id))
    )
    return _finish(dataset, chats, messages, opportunities, viewer_id=operator_id)


def _finish(
    dataset: Dataset,
    chats: pd.DataFrame,
    messages: pd.DataFrame,
    opportunities: pd.DataFrame,
    *,
    viewer_id: str | None = None,
) -> Dataset:
    """Derive payments, contacts and operators from the scoped chats and events.

    An operator viewer keeps their own operator row even without activity.
    """
    payments = dataset.payments[
        is_in(dataset.payments["opportunity_id"], opportunities["opportunity_id"])
    ]
    contact_ids = pd.concat([chats["contact_id"], opportunities["contact_id"]])
    contacts = dataset.contacts[is_in(dataset.contacts["contact_id"], contact_ids)]

    people = distinct_text(
        messages["operator_id"],
        opportunities["operator_id"],
        chats["operator_id"],
        pd.Series([viewer_id], dtype="str"),
    )
    operators = dataset.operators[is_in(dataset.operators["operator_id"], people)]
    first = contacts["first_operator_id"]
    visible = is_in(first, people)
    contacts = contacts.assign(
        first_operator_id=first.where(visible),
        first_operator_code=contacts["first_operator_code"].where(visible, -1),
    )
    tables = {
        "contacts": contacts,
        "operators": operators,
        "chats": chats,
        "messages": messages,
        "opportunities": opportunities,
        "payments": payments,
    }
    return dataset.with_tables(
        **{
            name: _forget_unseen_values(table, TABLES[name])
            for name, table in tables.items()
        }
    )


def _forget_unseen_values(table: pd.DataFrame, contract: Table) -> pd.DataFrame:
    """Drop the categories no kept row uses, so a scoped categorical column
    (``value_counts``, ``cat.categories``) names nothing outside the scope.

    Enum columns keep their allowed values: those come from the data
    contract, not from the data.
    """
    enums = {c.name for c in contract.columns if c.kind == "enum"}
    columns = {}
    for name in table.select_dtypes("category"):
        if name in enums:
            continue
        column = table[name]
        used = used_categories(column)
        if not used.all():
            new_codes = np.where(used, np.cumsum(used) - 1, -1)
            columns[name] = recoded(column, new_codes, column.cat.categories[used])
    return table.assign(**columns) if columns else table
