"""Properties of the merge by entity, on generated plans: a side that changed nothing takes the
other's text; edits to different entities always combine, into exactly the plan with both."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from model.exchange import plan_to_toml
from model.plan_merge import merge_plan_texts
from model.schema import ENTITY_KINDS, Persona, Plan
from tests.test_toml_roundtrip_property import plans

# The text field an edit changes, per kind.
EDITED_FIELD = {"departments": "name", "objectives": "title", "metrics": "name",
                "measurements": "note", "personas": "name", "notes": "text", "decisions": "text",
                "scoring_models": "name", "reviews": "signals"}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plans(), plans())
def test_a_side_that_changed_nothing_takes_the_others_text(base, other):
    base_text, other_text = plan_to_toml(base), plan_to_toml(other)
    for ours, theirs in ((other_text, base_text), (base_text, other_text),
                         (other_text, other_text)):
        result = merge_plan_texts(base_text, ours, theirs)
        assert result.clean, (result.conflicts, result.errors)
        assert result.text == other_text


def _edit(plan: Plan, picks: dict[str, list[int]], side: str) -> Plan:
    plan = plan.model_copy(deep=True)
    for kind, chosen in picks.items():
        for index in chosen:
            entity = getattr(plan, kind)[index]
            edit = f"{side} edit of {index}"
            setattr(entity, EDITED_FIELD[kind], [edit] if kind == "reviews" else edit)
    return plan


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plans(), st.data())
def test_edits_to_different_entities_combine_into_the_plan_with_both(base, data):
    ours_picks: dict[str, list[int]] = {}
    theirs_picks: dict[str, list[int]] = {}
    for kind in ENTITY_KINDS:
        for index in range(len(getattr(base, kind))):
            side = data.draw(st.sampled_from(["none", "ours", "theirs"]))
            if side != "none":
                (ours_picks if side == "ours" else theirs_picks).setdefault(kind, []).append(index)
    ours = _edit(base, ours_picks, "ours")
    theirs = _edit(base, theirs_picks, "theirs")
    # new personas on both sides, whose ids may sort into the same place
    added = data.draw(st.lists(st.from_regex(r"zz-[a-c]{1,2}", fullmatch=True), unique=True,
                               max_size=4))
    added = [p for p in added if p not in {persona.id for persona in base.personas}]
    split = data.draw(st.integers(0, len(added)))
    ours.personas += [Persona(id=p, name=f"Ours {p}") for p in added[:split]]
    theirs.personas += [Persona(id=p, name=f"Theirs {p}") for p in added[split:]]
    expected = _edit(_edit(base, ours_picks, "ours"), theirs_picks, "theirs")
    expected.personas += ours.personas[len(base.personas):] + theirs.personas[len(base.personas):]

    result = merge_plan_texts(plan_to_toml(base), plan_to_toml(ours), plan_to_toml(theirs))
    assert result.clean, (result.conflicts, result.errors)
    assert result.text == plan_to_toml(expected)
