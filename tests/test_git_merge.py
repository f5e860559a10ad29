"""Two teammates edit different entities of one exported plan; git merges without conflict and the
merged file imports with both edits."""

import datetime as dt
import shlex
import shutil
import subprocess
import sys

import pytest

from model.exchange import export_toml, import_file, parse_plan_text, plan_to_toml
from model.reviews import latest_review, render_minutes
from model.schema import Department, Persona
from model.store import PlanStore
from tests.factories import meeting_review, small_plan

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


# ---- with Align as git's merge driver for plan files (docs/toml-format.md) -------------------
def _git(repo, *args):
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True)


def _repo_with_driver(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    driver = f"{shlex.quote(sys.executable)} -m tui merge-file --marker-size %L %A %O %B"
    for args in (("init", "-q", "-b", "main"), ("config", "user.email", "planner@example.com"),
                 ("config", "user.name", "Planner"),
                 ("config", "merge.align.name", "Align plan, merged by entity"),
                 ("config", "merge.align.driver", driver)):
        assert _git(repo, *args).returncode == 0
    (repo / ".gitattributes").write_text("plan.toml merge=align\n")
    (repo / "plan.toml").write_text(plan_to_toml(small_plan()))
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "base")
    return repo


def _commit_on(repo, branch, edit, line_ends="\n"):
    _git(repo, "checkout", "-q", "-b", branch, "main")
    plan = parse_plan_text((repo / "plan.toml").read_text()).plan.model_copy(deep=True)
    edit(plan)
    (repo / "plan.toml").write_bytes(plan_to_toml(plan).replace("\n", line_ends).encode())
    _git(repo, "commit", "-q", "-am", branch)


def test_with_the_driver_new_personas_on_two_branches_merge(tmp_path):
    repo = _repo_with_driver(tmp_path)
    _commit_on(repo, "marketing", lambda p: p.personas.append(Persona(id="zoe-a", name="Zoe A")))
    _commit_on(repo, "sales", lambda p: p.personas.append(Persona(id="zoe-b", name="Zoe B")))
    merged = _git(repo, "merge", "-q", "--no-edit", "marketing")
    assert merged.returncode == 0, merged.stdout + merged.stderr
    plan = parse_plan_text((repo / "plan.toml").read_text()).plan
    assert {p.id for p in plan.personas} == {"ops-olivia", "zoe-a", "zoe-b"}
    assert _git(repo, "status", "--porcelain").stdout == ""


def test_with_the_driver_reviews_held_on_two_branches_are_both_kept(tmp_path):
    """Two teams each hold a review meeting and commit the plan: git's line merge conflicts
    (both blocks land after the scoring models), the driver keeps both meetings, and their
    minutes come out of the merged file as they were saved."""
    first = meeting_review("review-2026-q1-2026-04-02")
    second = meeting_review("review-2026-q1-2026-04-09", date=dt.date(2026, 4, 9),
                            started_at="2026-04-09T14:00:00", signals=["Churn is red"])
    repo = _repo_with_driver(tmp_path)
    _commit_on(repo, "marketing", lambda p: p.reviews.append(first))
    _commit_on(repo, "sales", lambda p: p.reviews.append(second))
    base = plan_to_toml(small_plan())
    ours, theirs = (_git(repo, "show", f"{b}:plan.toml").stdout for b in ("sales", "marketing"))
    assert _merge(tmp_path, base, ours, theirs)[0] > 0  # what git alone would do
    merged = _git(repo, "merge", "-q", "--no-edit", "marketing")
    assert merged.returncode == 0, merged.stdout + merged.stderr
    assert _git(repo, "status", "--porcelain").stdout == ""
    merged_file = repo / "plan.toml"
    assert [r.id for r in parse_plan_text(merged_file.read_text()).plan.reviews] == [first.id,
                                                                                    second.id]
    with PlanStore.open(tmp_path / "merged.db") as s:
        import_file(s, merged_file)
        assert latest_review(s) == second
        assert render_minutes(latest_review(s, "2026-Q1")) == render_minutes(second)
        assert s.get("reviews", first.id) == first


def test_with_the_driver_a_real_conflict_stops_the_merge_marked(tmp_path):
    def retitle(title):
        def edit(plan):
            next(o for o in plan.objectives if o.id == "company-growth").title = title
        return edit
    repo = _repo_with_driver(tmp_path)
    _commit_on(repo, "marketing", retitle("Grow A"))
    _commit_on(repo, "sales", retitle("Grow B"))
    merged = _git(repo, "merge", "-q", "--no-edit", "marketing")
    assert merged.returncode != 0
    assert "objectives 'company-growth' title" in merged.stderr
    text = (repo / "plan.toml").read_text()
    assert '<<<<<<< ours\ntitle = "Grow B"\n=======\ntitle = "Grow A"\n>>>>>>> theirs\n' in text
    assert "UU plan.toml" in _git(repo, "status", "--porcelain").stdout


@pytest.mark.parametrize("on", ["scoring", "windows"])
def test_with_the_driver_a_branch_that_gave_the_file_windows_line_ends_merges_keeping_them(
        tmp_path, on):
    def edit_rule(plan):
        rule = next(r for r in plan.scoring_models[0].rules if r.id == "recent")
        rule.points = 25

    def retitle(plan):
        next(o for o in plan.objectives if o.id == "company-growth").title = "Grow"
    repo = _repo_with_driver(tmp_path)
    _commit_on(repo, "scoring", edit_rule)
    _commit_on(repo, "windows", retitle, line_ends="\r\n")
    _git(repo, "checkout", "-q", on)
    merged = _git(repo, "merge", "-q", "--no-edit", "windows" if on == "scoring" else "scoring")
    assert merged.returncode == 0, merged.stdout + merged.stderr
    assert "not merged by entity" not in merged.stderr
    data = (repo / "plan.toml").read_bytes()
    assert b"\n" not in data.replace(b"\r\n", b"")
    plan = parse_plan_text(data.decode().replace("\r\n", "\n")).plan
    assert next(r for r in plan.scoring_models[0].rules if r.id == "recent").points == 25
    assert next(o for o in plan.objectives if o.id == "company-growth").title == "Grow"
    assert _git(repo, "status", "--porcelain").stdout == ""
