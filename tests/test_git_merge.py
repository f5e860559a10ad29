"""Two teammates edit different entities of one exported plan; git merges without conflict and the
merged file imports with both edits."""

import shutil
import subprocess

import pytest

from model.exchange import export_toml, import_file, plan_to_toml
from model.schema import Department, Persona
from model.store import PlanStore
from tests.factories import small_plan

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def _edit(tmp_path, name, change):
    with PlanStore.open(tmp_path / f"{name}.db") as s:
        s.apply_plan(small_plan(), replace=True)
        change(s)
        return export_toml(s)


def _merge(tmp_path, base, ours, theirs):
    for label, content in (("base", base), ("ours", ours), ("theirs", theirs)):
        (tmp_path / f"{label}.toml").write_text(content)
    result = subprocess.run(["git", "merge-file", "-p", str(tmp_path / "ours.toml"),
                             str(tmp_path / "base.toml"), str(tmp_path / "theirs.toml")],
                            capture_output=True, text=True)
    return result.returncode, result.stdout


def test_edits_to_different_entities_merge_cleanly(tmp_path):
    base = plan_to_toml(small_plan())

    def marketing_edit(s):
        o = s.objective("grow-smb-pipeline")
        o.key_results[0].target = 0.12
        o.title = "Turn more SMB demand into revenue"
        s.save_objective(o)
        s.save_persona(Persona(id="cfo-carl", name="CFO Carl", pain_points=["Budget surprises"]))

    def sales_edit(s):
        o = s.objective("company-growth")
        o.state = "achieved"
        s.save_objective(o)
        m = s.metric("roi")
        m.targets["2026-Q3"] = 3.0
        s.save_metric(m)
        s.save_department(Department(id="partners", name="Partners"))

    ours = _edit(tmp_path, "ours", marketing_edit)
    theirs = _edit(tmp_path, "theirs", sales_edit)
    code, merged = _merge(tmp_path, base, ours, theirs)
    assert code == 0, merged
    merged_path = tmp_path / "merged.toml"
    merged_path.write_text(merged)
    with PlanStore.open(tmp_path / "result.db") as s:
        import_file(s, merged_path)
        assert s.objective("grow-smb-pipeline").key_results[0].target == 0.12
        assert s.objective("company-growth").state == "achieved"
        assert s.metric("roi").targets["2026-Q3"] == 3.0
        assert s.persona("cfo-carl") is not None
        assert {d.id for d in s.departments()} >= {"partners", "sales"}


def test_edits_to_the_same_field_conflict(tmp_path):
    base = plan_to_toml(small_plan())

    def set_title(title):
        def change(s):
            o = s.objective("company-growth")
            o.title = title
            s.save_objective(o)
        return change

    ours = _edit(tmp_path, "a", set_title("Grow A"))
    theirs = _edit(tmp_path, "b", set_title("Grow B"))
    code, _ = _merge(tmp_path, base, ours, theirs)
    assert code > 0
