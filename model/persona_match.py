"""How many imported leads a persona's match criteria pick out, and how they converted.

The criteria are compiled by the scoring engine exactly as a rule's conditions are (one flag
column over `leads`), and won / lost / open is `lead_status`, so a persona's figures and the
backtest's rule evidence can never disagree about which leads match or which ones were won.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from model.leads import column_types, lead_status
from model.schema import Persona, Rule, ScoringModel
from model.scoring import compile_for_store


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
    rule = Rule(id=persona.id, dimension="fit", points=0, when=list(persona.match))
    holder = ScoringModel(id=persona.id, name=persona.name, rules=[rule])
    types = column_types(store)
    roles = store.leads_roles()
    extra: dict[str, str] = {}
    if roles and roles.outcome and roles.outcome in types:
        extra["_o"] = roles.outcome
        if roles.closed and roles.closed in types:
            extra["_c"] = roles.closed
    compiled = compile_for_store(store, holder, as_of=as_of, flag_rules=[rule], flags_only=True,
                                 extra=extra)
    outcome = "_o" if "_o" in extra else "NULL"
    closed = "_c IS NOT NULL" if "_c" in extra else "0"
    sql = (f"SELECT {outcome}, {closed}, count(*) FROM ({compiled.base_sql}) "
           f"WHERE r0 = 1 GROUP BY 1, 2")
    result = PersonaLeads(persona.id, outcome_mapped="_o" in extra)
    for outcome_value, has_closed, n in store.conn.execute(sql, compiled.params):
        result.leads += n
        status = lead_status(outcome_value, bool(has_closed), roles) if result.outcome_mapped \
            else None
        if status in ("won", "lost"):
            result.decided += n
        if status == "won":
            result.won += n
    return result
