"""How many imported leads a persona's match criteria pick out, and how they converted.

The criteria are counted by the backtest's own scan, as one rule's conditions (so a persona's
figures and the backtest's rule evidence can never disagree about which leads match or which
ones were won), and every persona of the plan is counted in one read of the leads.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from model.backtest import count_matches
from model.errors import AlignError
from model.leads import column_types
from model.schema import Persona, Rule
from model.scoring import resolve_rules


@dataclass
class PersonaLeads:
    persona: str
    leads: int = 0
    decided: int = 0
    won: int = 0
    outcome_mapped: bool = False

    @property
    def rate(self) -> float | None:
        """won / decided leads; None without an outcome role or without decided leads."""
        if not self.outcome_mapped or not self.decided:
            return None
        return self.won / self.decided


def persona_leads(store: Any, persona: Persona, *, as_of: dt.date) -> PersonaLeads | None:
    """The persona's matching leads, or None when it has no match criteria. A criterion on a
    column the dataset lacks raises the engine's AlignError, naming the field."""
    if not persona.match:
        return None
    counted = personas_leads(store, [persona], as_of=as_of)[persona.id]
    if isinstance(counted, str):
        raise AlignError(counted)
    return counted


def personas_leads(store: Any, personas: Sequence[Persona], *,
                   as_of: dt.date) -> dict[str, PersonaLeads | str]:
    """Every persona with match criteria, from one scan of the leads however many there are:
    its figures, or the engine's message when its criteria do not fit the dataset."""
    types = column_types(store)
    figures: dict[str, PersonaLeads | str] = dict(criteria_problems(personas, types, as_of))
    counted = [p for p in personas if p.match and p.id not in figures]
    if not counted:
        return figures
    matches, mapped = count_matches(store, [[_as_rule(p)] for p in counted], as_of=as_of)
    for persona, found in zip(counted, matches, strict=True):
        result = figures[persona.id] = PersonaLeads(persona.id, outcome_mapped=mapped)
        for (mask, status), n in found.items():
            if mask:
                result.leads += n
                result.decided += n if status in ("won", "lost") else 0
                result.won += n if status == "won" else 0
    return figures


def criteria_problems(personas: Sequence[Persona], types: dict[str, str],
                      as_of: dt.date) -> dict[str, str]:
    """Why each persona whose match criteria do not fit the leads dataset (a column it lacks, an
    operator or value that does not fit the column's type) cannot be matched, by persona id."""
    problems = {}
    for persona in personas:
        if not persona.match:
            continue
        try:
            resolve_rules([_as_rule(persona)], types, as_of)
        except AlignError as exc:
            # the engine names a rule; here it is the persona's criterion
            problems[persona.id] = str(exc).replace(f"rule {persona.id!r}, field",
                                                    "criterion on field", 1)
    return problems


def _as_rule(persona: Persona) -> Rule:
    return Rule(id=persona.id, dimension="fit", points=0, when=list(persona.match))
