import datetime as dt
import os
import shutil
import stat
import tomllib
from pathlib import Path

import pytest

from model.exchange import export_toml, parse_plan_text, plan_to_toml, write_atomic
from model.schema import REVIEW_LISTS
from model.store import PlanStore
from tests.conftest import align_process
from tests.factories import meeting_review, small_plan


def test_export_follows_the_contract():
    text = plan_to_toml(small_plan())
    doc = tomllib.loads(text)
    assert text.startswith('format = "align-plan"\nversion = 1\nname = "Acme FY26"\n')
    assert doc["fiscal_year_start"] == 1
    assert [d["id"] for d in doc["departments"]] == sorted(d["id"] for d in doc["departments"])
    obj = next(o for o in doc["objectives"] if o["id"] == "grow-smb-pipeline")
    assert obj["departments"] == ["marketing", "sales"] and obj["personas"] == ["ops-olivia"]
    assert obj["key_results"][0] == {"metric": "lead_to_customer", "baseline": 0.08, "target": 0.11}
    assert obj["key_results"][1]["weight"] == 2.0
    roi = next(m for m in doc["metrics"] if m["id"] == "roi")
    assert roi["formula"] == "(revenue - marketing_cost) / marketing_cost"
    assert roi["targets"] == {"2026-Q1": 2.0, "2026-Q2": 2.5}
    rule = doc["scoring_models"][0]["rules"][0]
    assert rule["when"] == [{"field": "industry", "op": "eq", "value": "SaaS"}]
    assert doc["leads"]["won_values"] == ["1", "yes"]
    assert "created_at" not in text and "updated_at" not in text


def test_measurements_sorted_by_metric_then_period_and_keep_recorded_at():
    doc = tomllib.loads(plan_to_toml(small_plan()))
    keys = [(m["metric"], m["period"], str(m["recorded_at"])) for m in doc["measurements"]]
    assert keys == sorted(keys)
    assert str(doc["measurements"][1]["recorded_at"]) == "2026-02-01 09:00:00"
    na = next(m for m in doc["measurements"] if m["metric"] == "visits")
    assert na["not_applicable"] is True and "value" not in na


def test_same_plan_same_bytes_whatever_the_order():
    plan = small_plan()
    shuffled = plan.model_copy(deep=True)
    shuffled.departments.reverse()
    shuffled.objectives.reverse()
    shuffled.measurements.reverse()
    assert plan_to_toml(plan) == plan_to_toml(shuffled)


def test_each_entity_is_its_own_block():
    text = plan_to_toml(small_plan())
    assert text.count("[[objectives]]") == 2
    assert "\n\n[[objectives]]\n" in text and "\n\n  [[objectives.key_results]]\n" in text
    assert "\n\n[metrics.targets]\n2026-Q1 = 2.0\n2026-Q2 = 2.5\n" in text


def test_text_needing_escapes_survives(tmp_path):
    plan = small_plan()
    plan.personas[0].quotes = ['She said "no"\\ then \ttabbed', "ünïcødé ✓", "line\nbreak"]
    text = plan_to_toml(plan)
    assert tomllib.loads(text)["personas"][0]["quotes"] == plan.personas[0].quotes


def test_reviews_come_after_the_scoring_models_sorted_by_id_each_record_a_block():
    plan = small_plan()
    plan.reviews = [meeting_review("review-b", ended_at="2026-04-02T10:30:00"),
                    meeting_review("review-a")]
    text = plan_to_toml(plan)
    doc = tomllib.loads(text)
    assert [r["id"] for r in doc["reviews"]] == ["review-a", "review-b"]
    assert text.index("[[scoring_models]]") < text.index("[[reviews]]") < text.index("[leads]")
    first = doc["reviews"][0]
    assert first["date"] == dt.date(2026, 4, 2)
    assert first["started_at"] == dt.datetime(2026, 4, 2, 9, 0)
    assert "ended_at" not in first
    assert doc["reviews"][1]["ended_at"] == dt.datetime(2026, 4, 2, 10, 30)
    for key in REVIEW_LISTS:  # each record its own block, one line a key, as key results are
        assert text.count(f"\n\n  [[reviews.{key}]]\n") == 2 * len(getattr(plan.reviews[0], key))
    # a key is left out only where leaving it out gives back the same: empty text is kept
    assert first["items"][1] == {"kind": "metric", "id": "visits", "title": "Website visits",
                                 "attention": "rest", "actual": ""}
    assert first["items"][0]["reasons"] == ["red key results: lead_to_customer"]
    assert '  reasons = [\n    "red key results: lead_to_customer",\n  ]\n' in text


def test_the_documented_review_is_what_export_writes():
    doc = (Path(__file__).resolve().parents[1] / "docs" / "toml-format.md").read_text()
    block = doc.split("## Review meetings")[1].split("```toml\n")[1].split("```")[0]
    text = 'format = "align-plan"\nversion = 1\nname = "Untitled plan"\nfiscal_year_start = 1\n\n'
    parsed = parse_plan_text(text + block)
    assert parsed.warnings == []
    assert plan_to_toml(parsed.plan) == text + block


def test_export_from_store_matches_plan(tmp_path):
    with PlanStore.open(tmp_path / "p.db") as s:
        s.apply_plan(small_plan(), replace=True)
        assert export_toml(s) == plan_to_toml(small_plan())


def test_write_atomic_replaces_whole_file_and_leaves_no_temp(tmp_path):
    target = tmp_path / "plan.toml"
    target.write_text("old")
    write_atomic(target, "new text\n")
    assert target.read_text() == "new text\n"
    assert [p.name for p in tmp_path.iterdir()] == ["plan.toml"]


def test_write_atomic_failure_keeps_old_file(tmp_path, monkeypatch):
    import os

    target = tmp_path / "plan.toml"
    target.write_text("old")

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    try:
        write_atomic(target, "new")
    except OSError:
        pass
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["plan.toml"]


def test_written_file_gets_ordinary_permissions(tmp_path):
    import os

    umask = os.umask(0o022)
    try:
        fresh = write_atomic(tmp_path / "new.toml", "x\n")
        assert fresh.stat().st_mode & 0o777 == 0o644
        kept = tmp_path / "kept.toml"
        kept.write_text("old")
        kept.chmod(0o640)
        write_atomic(kept, "new\n")
        assert kept.stat().st_mode & 0o777 == 0o640
    finally:
        os.umask(umask)


def test_atomic_writes_never_go_over_the_plan_its_journals_or_a_database(tmp_path):
    from model.errors import AlignError
    from model.exchange import atomic_file
    from model.store import PlanStore

    plan = tmp_path / "plan.db"
    PlanStore.open(plan).close()
    other = tmp_path / "other.bin"
    PlanStore.open(other).close()
    for target, words in ((plan, "is the plan itself"), (tmp_path / "plan.db-wal", "wal file"),
                          (tmp_path / "plan.db-shm", "shm file"),
                          (tmp_path / "plan.db-journal", "journal file"),
                          (other, "is a SQLite database")):
        try:
            with atomic_file(target, plan=plan, kind=".csv") as fh:
                fh.write("x")
        except AlignError as exc:
            assert words in str(exc) and "export to a .csv file instead" in str(exc)
        else:
            raise AssertionError(target)
    assert not (tmp_path / "plan.db-wal").exists() and not (tmp_path / "plan.db-journal").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.bin", "plan.db"]


def test_a_device_or_pipe_is_written_to_never_replaced(tmp_path):
    """`-o /dev/null` and the like: the file is a device (or a pipe), written to as it is.
    Replaced by a plain file through the temp-and-rename of an ordinary export, /dev/null
    itself became a plain file under root. Tried on a null device made in a temp folder."""
    from model.exchange import is_special_file

    node = tmp_path / "null"
    try:
        os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except (PermissionError, OSError):
        pytest.skip("making a device node needs root")
    plan = tmp_path / "plan.db"
    shutil.copyfile(Path(__file__).resolve().parents[1] / "sample.db", plan)  # it has leads
    for args in (["export", plan, "-o", node], ["score", plan, "--csv", node]):
        done = align_process(*args)
        assert done.returncode == 0, (args, done.stderr)
        assert stat.S_ISCHR(os.stat(node).st_mode), args
        assert sorted(p.name for p in tmp_path.iterdir()) == ["null", "plan.db"]
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    assert is_special_file(fifo) and is_special_file(node)
    assert not is_special_file(plan) and not is_special_file(tmp_path)
    assert not is_special_file(tmp_path / "missing")


def test_a_link_is_written_through_never_replaced(tmp_path):
    """A link to a file: the file is replaced, the link stays. A link into /proc or /dev
    (/dev/stdout is one, leading to a plain file when standard output is redirected): written
    to as it is, so the output lands where the link leads."""
    plan = tmp_path / "plan.db"
    shutil.copyfile(Path(__file__).resolve().parents[1] / "sample.db", plan)
    real = tmp_path / "shared" / "plan.toml"
    real.parent.mkdir()
    real.write_text("old\n")
    link = tmp_path / "plan.toml"
    link.symlink_to(real)
    done = align_process("export", plan, "-o", link)
    assert done.returncode == 0, done.stderr
    assert link.is_symlink() and real.read_text().startswith('format = "align-plan"')

    stdout = tmp_path / "stdout"
    stdout.symlink_to("/proc/self/fd/1")
    out = tmp_path / "out.toml"
    done = align_process("export", plan, "-o", stdout, shell=f"> {out}")
    assert done.returncode == 0, done.stderr
    assert stdout.is_symlink() and os.readlink(stdout) == "/proc/self/fd/1"
    assert out.read_text() == real.read_text()
