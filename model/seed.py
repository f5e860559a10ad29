"""Deterministic demo content: the Northwind Analytics plan behind `sample.db`.

Everything comes from seeded random generators and fixed dates (never the clock), so two builds
give the same plan and a test can prove the committed `sample.db` matches a fresh build.
Run `python -m model.seed sample.db` to regenerate it.
"""

from __future__ import annotations

import argparse
import calendar
import csv
import datetime as dt
import math
import os
import random
import sys
import tempfile
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from model.catalog import default_departments, default_metrics
from model.errors import AlignError
from model.periods import months_of, quarter_of
from model.schema import (
    Condition,
    Decision,
    KeyResult,
    LeadsRoles,
    Measurement,
    Metric,
    Note,
    Objective,
    Persona,
    Plan,
    PlanSettings,
    Rule,
    ScoringModel,
    reference_errors,
)
from model.store import PlanStore

SEED = 20260630
PLAN_NAME = "Northwind Analytics FY26"
# The sample's "today": the Q2 review meeting, and its leads dataset's date, which scores
# count back from.
AS_OF = dt.date(2026, 6, 30)
FIRST_MONTH = (2025, 1)
MONTH_COUNT = 18  # 2025-01 … 2026-06: six quarters of history
PLAN_QUARTERS = ("2026-Q1", "2026-Q2")
LEADS_COLUMNS = (
    "lead_id", "company", "email_domain", "industry", "employees", "country", "title", "source",
    "page_views", "email_clicks", "demo_requested", "last_activity", "created", "closed",
    "amount", "converted",
)
LEADS_ROLES = LeadsRoles(id="lead_id", outcome="converted", won_values=["1"], created="created",
                         closed="closed", amount="amount")


def seed_months() -> list[str]:
    year, month = FIRST_MONTH
    out = []
    for _ in range(MONTH_COUNT):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def seed_quarters() -> list[str]:
    return sorted({quarter_of(m) for m in seed_months()})


# ---- leads ---------------------------------------------------------------------------------
_INDUSTRIES = (  # name, weight, counts as a core industry for the product
    ("Software", 22, True), ("SaaS", 10, True), ("E-commerce", 12, True),
    ("Financial Services", 12, False), ("Healthcare", 9, False), ("Manufacturing", 10, False),
    ("Retail", 8, False), ("Logistics", 7, False), ("Media", 5, False),
    ("Professional Services", 5, False),
)
_SIZE_BUCKETS = ((2, 19, 14), (20, 49, 16), (50, 199, 28), (200, 1000, 26), (1001, 12000, 16))
_COUNTRIES = (  # name, weight, spellings a CRM ends up with, core market
    ("United States", 38, ("United States", "USA", "US"), True),
    ("United Kingdom", 13, ("United Kingdom", "UK"), True),
    ("Germany", 10, ("Germany",), True),
    ("Canada", 7, ("Canada",), True),
    ("Netherlands", 5, ("Netherlands",), True),
    ("France", 7, ("France",), False),
    ("India", 8, ("India",), False),
    ("Australia", 5, ("Australia",), False),
    ("Brazil", 4, ("Brazil",), False),
    ("Spain", 3, ("Spain",), False),
)
_TITLES = (  # title, weight, seniority
    ("VP Operations", 4, "vp"), ("VP Marketing", 3, "vp"), ("VP Finance", 2, "vp"),
    ("VP Sales", 2, "vp"), ("Director of Operations", 5, "director"),
    ("Director of Marketing", 5, "director"), ("Director of Finance", 3, "director"),
    ("Head of Data", 4, "head"), ("Head of Growth", 3, "head"), ("Head of Revenue Operations", 3, "head"),
    ("Revenue Operations Manager", 7, "manager"), ("Operations Manager", 7, "manager"),
    ("Marketing Manager", 8, "manager"), ("Finance Manager", 4, "manager"),
    ("Data Analyst", 9, "ic"), ("BI Analyst", 6, "ic"), ("Marketing Specialist", 5, "ic"),
    ("Founder", 4, "founder"), ("CEO", 3, "founder"), ("CFO", 2, "founder"),
    ("Consultant", 3, "ic"),
)
_SOURCES = (("Organic search", 30), ("Paid search", 16), ("Paid social", 12), ("Webinar", 10),
            ("Referral", 9), ("Events", 8), ("Outbound", 10), ("Partner", 5))
_NAME_HEADS = ("Blue", "North", "Silver", "Cedar", "Harbor", "Summit", "Bright", "Iron", "Maple",
               "River", "Stone", "Clear", "Atlas", "Pioneer", "Lumen", "Granite", "Crescent",
               "Willow", "Falcon", "Orbit", "Copper", "Redwood", "Beacon", "Meridian")
_NAME_TAILS = ("peak", "field", "line", "works", "gate", "stack", "path", "point", "bridge",
               "scale", "wave", "forge", "view", "track", "loop", "mint")
_NAME_KINDS = ("Labs", "Systems", "Group", "Logistics", "Health", "Retail", "Software", "Capital",
               "Media", "Foods", "Analytics", "Commerce", "Partners", "Technologies")
_UNIVERSITIES = (("State University", "stateu.edu"), ("Lakeside College", "lakeside.edu"),
                 ("Institute of Technology", "inst-tech.edu"), ("City University", "cityu.edu"))
_STUDENT_TITLES = ("Student", "Graduate Student", "Research Assistant")
_PLACEHOLDERS = ("N/A", "n/a", "unknown", "-")
_WEBINAR_MONTH = "2026-05"
_SANDBOX_START = dt.date(2026, 3, 1)  # sales starts demoing in a sandbox with the prospect's data  # a webinar series that drew many students (see the sales feedback)


def _month_days(month: str) -> int:
    year, mon = (int(x) for x in month.split("-"))
    return calendar.monthrange(year, mon)[1]


def _pick(rng: random.Random, items: Sequence[tuple], weight_at: int = 1) -> tuple:
    return rng.choices(items, weights=[item[weight_at] for item in items])[0]


def _messy(rng: random.Random, value: str, blank: float, placeholder: float = 0.0) -> str:
    roll = rng.random()
    if roll < blank:
        return ""
    if roll < blank + placeholder:
        return rng.choice(_PLACEHOLDERS)
    return value


def _yes_no(rng: random.Random, flag: bool) -> str:
    word = "Yes" if flag else "No"
    return word.lower() if rng.random() < 0.05 else word


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def generate_seed_leads(n: int = 2000, seed: int = SEED) -> list[dict[str, str]]:
    """Synthetic CRM leads as the CSV cells a real export would hold.

    Outcomes follow the same fit and engagement signals the seed scoring model rewards, so a
    backtest shows real lift; the role columns (id, created, closed, outcome, amount) stay clean
    so leads-derived KPIs are well defined, while the other columns carry typical CRM mess.
    """
    if n < 0:
        raise ValueError("n must not be negative")
    rng = random.Random(seed)
    months = seed_months()
    weights = [1.02 ** i * (1.35 if m == _WEBINAR_MONTH else 1.0) for i, m in enumerate(months)]
    width = max(6, len(str(n)))
    rows: list[dict[str, str]] = []
    for index in range(1, n + 1):
        month = rng.choices(months, weights=weights)[0]
        created = dt.date.fromisoformat(f"{month}-01") + dt.timedelta(
            days=rng.randrange(_month_days(month)))
        student = rng.random() < (0.16 if month == _WEBINAR_MONTH else 0.025)
        industry, _, core_industry = _pick(rng, _INDUSTRIES)
        low, high, _ = _pick(rng, _SIZE_BUCKETS, 2)
        employees = int(math.exp(rng.uniform(math.log(low), math.log(high + 1))))
        country, _, spellings, core_country = _pick(rng, _COUNTRIES)
        title, _, seniority = _pick(rng, _TITLES)
        source = _pick(rng, _SOURCES)[0]
        company = (f"{rng.choice(_NAME_HEADS)}{rng.choice(_NAME_TAILS)} "
                   f"{rng.choice(_NAME_KINDS)}")
        domain = company.lower().replace(" ", "-") + rng.choice((".com", ".com", ".io", ".co"))
        if student:
            company, domain = rng.choice(_UNIVERSITIES)
            industry, core_industry, seniority = "Education", False, "student"
            title = rng.choice(_STUDENT_TITLES)
            employees = rng.randint(2000, 9000)
            source = "Webinar" if month == _WEBINAR_MONTH or rng.random() < 0.5 else "Organic search"
        midmarket = 50 <= employees <= 1000
        enterprise = employees > 1000 and not student
        fit = (0.7 * core_industry + 0.9 * midmarket + 0.3 * enterprise
               - 0.8 * (employees < 20) + 0.4 * core_country
               + {"vp": 0.6, "director": 0.4, "head": 0.3, "ic": -0.2}.get(seniority, 0.0))
        interest = rng.gauss(0.25 * fit, 1.0)
        page_views = max(0, int(rng.lognormvariate(1.6 + 0.45 * interest, 0.7)))
        email_clicks = max(0, int(rng.expovariate(1.0) * (1.5 + 0.8 * interest)))
        demo = rng.random() < _sigmoid(-2.3 + 0.9 * interest + 0.3 * fit)
        sandbox = demo and created >= _SANDBOX_START  # demos on the prospect's own data
        logit = (-3.7 + fit + 1.5 * demo + 0.6 * sandbox + 0.6 * (page_views >= 15)
                 + 0.4 * (email_clicks >= 3))
        won = not student and rng.random() < _sigmoid(logit)
        closed: dt.date | None
        if won:
            cycle = rng.gauss(58 - 12 * demo - 6 * sandbox + 18 * enterprise, 16)
            closed = created + dt.timedelta(days=int(min(160, max(12, cycle))))
        elif rng.random() < 0.72:
            closed = created + dt.timedelta(days=rng.randint(4, 95))
        else:
            closed = None
        if closed is not None and closed > AS_OF:
            closed, won = None, False
        if closed is not None:
            last = closed - dt.timedelta(days=rng.randint(0, 10))
        else:
            recent = demo or page_views >= 15
            last = AS_OF - dt.timedelta(days=rng.randint(0, 30 if recent else 220))
        last = max(last, created)
        amount = ""
        if won or (closed is not None and rng.random() < 0.3):
            base = 6000 if employees < 50 else 12000 if employees < 200 else 24000 if employees <= 1000 else 52000
            value = round(base * rng.lognormvariate(0.0, 0.3), -2)
            amount = rng.choice((f"{value:.0f}", f"{value:.0f}", f"{value:.2f}"))
            if won and rng.random() < 0.03:
                amount = ""
        employees_text = str(employees)
        roll = rng.random()
        if roll < 0.012 and employees >= 1000:
            employees_text = f"{employees:,}"
        elif roll < 0.024:
            employees_text = f" {employees} "
        industry_text = industry
        if rng.random() < 0.06:
            industry_text = rng.choice((industry.lower(), f" {industry}", f"{industry} ", industry.upper()))
        rows.append({
            "lead_id": f"NW-{index:0{width}d}",
            "company": _messy(rng, company, 0.01),
            "email_domain": domain,
            "industry": _messy(rng, industry_text, 0.03, 0.01),
            "employees": _messy(rng, employees_text, 0.03, 0.01),
            "country": _messy(rng, rng.choice(spellings), 0.02),
            "title": _messy(rng, title, 0.02),
            "source": _messy(rng, source, 0.01),
            "page_views": _messy(rng, str(page_views), 0.02),
            "email_clicks": _messy(rng, str(email_clicks), 0.02, 0.005),
            "demo_requested": _messy(rng, _yes_no(rng, demo), 0.03),
            "last_activity": _messy(rng, last.isoformat(), 0.02),
            "created": created.isoformat(),
            "closed": closed.isoformat() if closed else "",
            "amount": amount,
            "converted": "" if closed is None else ("1" if won else "0"),
        })
    return rows


def write_seed_leads_csv(path: str | Path, n: int = 2000, seed: int = SEED) -> Path:
    """The seed leads as a CSV file, as the import expects them from a CRM export."""
    path = Path(path)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=LEADS_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(generate_seed_leads(n, seed))
    return path


def _number(text: str) -> float | None:
    try:
        value = float(text.strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _won_by_month(rows: Sequence[dict[str, str]]) -> dict[str, int]:
    """Deals won per closed month, so the customer base grows with the leads the plan holds."""
    won_values = {v.strip().lower() for v in LEADS_ROLES.won_values}
    out: dict[str, int] = defaultdict(int)
    for row in rows:
        if row["closed"] and row["converted"].strip().lower() in won_values:
            out[row["closed"][:7]] += 1
    return dict(out)


# ---- KPI history -----------------------------------------------------------------------------
def _stamp(month: str, day: int, clock: str) -> str:
    """A fixed recording time in the month after `month`, as a finance close would have it."""
    first = dt.date.fromisoformat(f"{month}-01")
    following = (first + dt.timedelta(days=32)).replace(day=day)
    return f"{following.isoformat()}T{clock}"


def _monthly_inputs(rng: random.Random, won: dict[str, int]) -> dict[str, dict[str, float]]:
    """Believable monthly values for the manual and imported input metrics."""
    months = seed_months()
    values: dict[str, dict[str, float]] = defaultdict(dict)
    customers = 540.0
    for i, month in enumerate(months):
        noise = lambda spread: 1.0 + rng.uniform(-spread, spread)  # noqa: E731
        december = month.endswith("-12")
        revenue = 1_050_000 * 1.021 ** i * noise(0.015) * (1.06 if december else 1.0)
        values["revenue"][month] = round(revenue, -2)
        webinar = 26_000 if month == _WEBINAR_MONTH else 0
        values["marketing_cost"][month] = round(130_000 * 1.01 ** i * noise(0.04) + webinar, -2)
        values["sales_cost"][month] = round(215_000 * 1.012 ** i * noise(0.03), -2)
        # organic traffic grows until a search update in March 2026, then falls month after month
        peak = 38_000 * 1.025 ** 13
        visits = 38_000 * 1.025 ** i if i < 14 else peak * (1 - 0.085 * (i - 13))
        values["visits"][month] = round(visits * noise(0.02))
        values["purchases"][month] = round(values["visits"][month] * 0.0036 * noise(0.08))
        values["gross_margin"][month] = round(0.765 + 0.0008 * i + rng.uniform(-0.004, 0.004), 4)
        values["avg_lifespan_periods"][month] = round(34 + 0.1 * i + rng.uniform(-0.6, 0.6), 1)
        values["customers_start"][month] = round(customers)
        lost_share = 0.02 if i < 15 else 0.024 + 0.002 * (i - 15)
        lost = round(customers * lost_share * noise(0.15))
        values["customers_lost"][month] = lost
        values["avg_revenue_per_customer"][month] = round(revenue / customers, 2)
        customers += won.get(month, 0) - lost
        responses = round(150 * noise(0.12))
        satisfaction = 0.885 + rng.uniform(-0.01, 0.01) if i < 14 else 0.87 - 0.03 * (i - 14)
        values["responses"][month] = responses
        values["satisfied_responses"][month] = round(responses * satisfaction)
        delivered = round(52_000 * 1.015 ** i * noise(0.05))
        values["delivered"][month] = delivered
        values["opens"][month] = round(delivered * (0.245 - 0.0012 * i) * noise(0.03))
        values["clicks"][month] = round(delivered * 0.031 * noise(0.06))
    return values


_IMPORTED = {"visits", "purchases", "delivered", "opens", "clicks", "responses",
             "satisfied_responses"}


def seed_measurements(lead_rows: Sequence[dict[str, str]] | None = None,
                      seed: int = SEED) -> list[Measurement]:
    """Monthly history 2025-01 … 2026-06, with the gaps and corrections real plans have.

    Only the inputs nobody can count from the leads: leads, deals, deal revenue and sales cycle
    length come from the leads dataset itself (source `leads`), and a recorded figure would
    shadow them.
    """
    rows = generate_seed_leads(seed=seed) if lead_rows is None else lead_rows
    values = _monthly_inputs(random.Random(seed + 1), _won_by_month(rows))
    out: list[Measurement] = []
    for metric in sorted(values):
        source = "import" if metric in _IMPORTED else "manual"
        for month, value in values[metric].items():
            if metric == "clicks" and month == "2025-10":
                continue  # the email tool's export failed that month and nobody re-ran it
            if metric in ("responses", "satisfied_responses") and month == "2025-12":
                out.append(Measurement(
                    metric=metric, period=month, not_applicable=True, source="manual",
                    note="No survey in December: holiday freeze on customer emails",
                    recorded_at=_stamp(month, 3, "09:00:00")))
                continue
            if metric == "revenue" and month == "2026-02":
                out.append(Measurement(
                    metric=metric, period=month, value=round(value - 46_800, -2), source="manual",
                    note="Preliminary close", recorded_at=_stamp(month, 3, "09:00:00")))
                out.append(Measurement(
                    metric=metric, period=month, value=value, source="manual",
                    note="Corrected: two annual invoices were booked in March by mistake",
                    recorded_at=_stamp(month, 10, "16:30:00")))
                continue
            clock = "07:00:00" if source == "import" else "09:00:00"
            out.append(Measurement(metric=metric, period=month, value=value, source=source,
                                   recorded_at=_stamp(month, 1 if source == "import" else 3, clock)))
    return out


# ---- metrics and targets ---------------------------------------------------------------------
def _quarterly(first: float, growth: float, digits: int = -3) -> dict[str, float]:
    return {q: round(first * growth ** i, digits) for i, q in enumerate(seed_quarters())}


def _flat(value: float) -> dict[str, float]:
    return dict.fromkeys(seed_quarters(), value)


def seed_targets() -> dict[str, dict[str, float]]:
    """Quarterly targets from the FY25/FY26 budget, plus monthly ones where finance tracks them."""
    targets: dict[str, dict[str, float]] = {
        "revenue": _quarterly(3_250_000, 1.06),
        "marketing_cost": _quarterly(380_000, 1.04),
        "visits": _quarterly(118_000, 1.06),
        "leads": _quarterly(260, 1.07, 0),
        "new_customers": _quarterly(40, 1.04, 0),
        "deal_revenue": _quarterly(800_000, 1.05),
        "win_rate": _flat(0.2),
        "lead_to_customer": _flat(0.14),
        "sales_cycle_length": _flat(52.0),
        "cac": _flat(24_000.0),
        "ltv_cac": _flat(2.8),
        "roi": _flat(8.0),
        "csat": _flat(0.9),
        "churn": _flat(0.06),
        "email_open_rate": _flat(0.24),
        "gross_margin": _flat(0.775),
    }
    # Q2: sales promised the board 62 new customers, while marketing's 365 leads at the agreed
    # 14 % lead-to-customer give about 51 (a contradiction for the realignment signals to find).
    targets["new_customers"]["2026-Q2"] = 62.0
    for month in months_of("2026-Q1") + months_of("2026-Q2"):
        quarter = quarter_of(month)
        targets["revenue"][month] = round(targets["revenue"][quarter] / 3, -3)
        targets["csat"][month] = 0.9
    return targets


def seed_metrics() -> list[Metric]:
    targets = seed_targets()
    out = []
    for metric in default_metrics():
        data = metric.model_dump()
        data["targets"] = targets.get(metric.id, {})
        if metric.id == "csat":
            data["amber_tolerance"] = 0.05
        out.append(Metric.model_validate(data))
    return out


# ---- personas --------------------------------------------------------------------------------
def seed_personas() -> list[Persona]:
    return [
        Persona(
            id="ops-olivia", name="Operations Olivia",
            tagline="Runs the numbers that everyone else argues about",
            role="Leads revenue operations and owns the funnel reporting for the leadership team",
            titles=["VP Operations", "Director of Operations", "Head of Revenue Operations",
                    "Revenue Operations Manager"],
            seniority="Director to VP", company_size="50–1,000 employees",
            industry="Software, SaaS and e-commerce",
            demographics="35–45, based in North America or Western Europe, 10+ years in "
                         "operations, reports to the COO or CRO",
            goals=["One trusted view of the funnel from lead to renewal",
                   "Cut the weekly reporting work from a day to an hour",
                   "Spot pipeline gaps a quarter before they hit revenue"],
            pain_points=["Manual reporting stitched together from five exports",
                         "Marketing and sales disagree on what counts as a qualified lead",
                         "Dashboards break every time the CRM fields change"],
            buying_triggers=["A board meeting where the numbers did not reconcile",
                             "A new CRO who asks for a single source of truth",
                             "Migrating or consolidating the CRM"],
            decision_criteria=["Connects to the CRM and billing system without engineering help",
                               "Definitions of metrics that everyone can read",
                               "Price that fits an operations budget, not an IT one"],
            objections=["We already have a BI tool nobody uses",
                        "Our data is too messy to automate",
                        "Another tool means another login"],
            channels=["LinkedIn", "RevOps community Slack groups", "Peer referrals",
                      "Operations podcasts"],
            content_formats=["Templates and benchmark reports", "Short product walkthrough videos",
                             "Peer case studies with real numbers"],
            quotes=["\"I spend Mondays reconciling spreadsheets instead of fixing the funnel.\"",
                    "\"If marketing and sales used the same definition, half my meetings would go away.\""],
            key_messages=["One funnel, one definition, updated every hour",
                          "Live in a week with the CRM you already have"],
            plays_marketing=["Funnel benchmark report gated by a short form",
                             "Webinar series with RevOps leaders from customer companies"],
            plays_sales=["Lead with the reconciliation demo on the prospect's own CRM export",
                         "Offer a two-week pilot with a success plan signed by the CRO"],
            plays_product=["Ship prebuilt funnel definitions for the top CRMs",
                           "Alert when a CRM field change breaks a metric"],
            research_basis="14 customer interviews (Q4 2025), win/loss review of 60 deals, "
                           "CRM data on 2025 closed-won accounts",
            last_validated=dt.date(2026, 3, 18),
            match=[Condition(field="title", op="contains", value="Operations"),
                   Condition(field="employees", op="between", value=[50, 1000])],
        ),
        Persona(
            id="finance-fiona", name="Finance Fiona",
            tagline="Signs off the budget and wants proof it pays back",
            role="Owns planning, forecasting and the unit economics the board reviews",
            titles=["VP Finance", "Director of Finance", "CFO", "Finance Manager"],
            seniority="Director to C-level", company_size="200–5,000 employees",
            industry="Financial services, software and retail",
            demographics="40–55, chartered accountant or MBA, manages a team of 3–12",
            goals=["Forecasts that hold within 5 %", "A CAC payback under 12 months",
                   "Budget decisions backed by cohort data"],
            pain_points=["Revenue forecasts built on the sales team's optimism",
                         "CAC and LTV calculated differently by every department",
                         "Month-end close delayed by late data from other teams"],
            buying_triggers=["A missed quarter that the forecast did not predict",
                             "Fundraising or an audit that needs clean unit economics",
                             "A new planning cycle with a mandate to cut tools"],
            decision_criteria=["Audit trail for every number", "Security review passed (SOC 2)",
                               "Total cost over three years"],
            objections=["Our ERP already reports this", "The savings are not proven",
                        "We cannot take on an implementation this year"],
            channels=["CFO newsletters", "Finance conferences", "Analyst reports",
                      "Accounting firm partners"],
            content_formats=["ROI calculators", "Analyst-style whitepapers",
                             "One-page business cases"],
            quotes=["\"Show me the payback period, then we can talk about features.\"",
                    "\"Every department has its own CAC and none of them match mine.\""],
            key_messages=["Unit economics everyone agrees on, with the formula on screen",
                          "Pays back inside two quarters for a team of five planners"],
            plays_marketing=["CAC payback calculator with benchmark ranges",
                             "Sponsor the regional CFO round table"],
            plays_sales=["Bring a business case built from the prospect's own numbers",
                         "Involve finance early: send the security pack before the demo"],
            plays_product=["Export every KPI with its formula and inputs",
                           "Scenario view for budget what-ifs"],
            research_basis="9 interviews with finance leaders, survey of 120 customers' finance "
                           "teams (Jan 2026), analyst briefing notes",
            last_validated=dt.date(2026, 2, 5),
            match=[Condition(field="title", op="contains", value="Finance"),
                   Condition(field="employees", op="gte", value=200)],
        ),
        Persona(
            id="analyst-arjun", name="Analyst Arjun",
            tagline="The hands-on evaluator who decides whether the tool is any good",
            role="Builds dashboards and answers ad-hoc questions for marketing and sales",
            titles=["Data Analyst", "BI Analyst", "Head of Data", "Analytics Engineer"],
            seniority="Individual contributor to team lead", company_size="20–1,000 employees",
            industry="Any data-heavy business; strongest in software and e-commerce",
            demographics="25–35, technical degree, comfortable with SQL, often remote",
            goals=["Stop rebuilding the same report every week",
                   "Give business teams self-service answers they trust",
                   "Learn tools that advance a data career"],
            pain_points=["Request queue that never empties", "Metric definitions that drift",
                         "Tools that hide the SQL behind a black box"],
            buying_triggers=["A new analytics stack project", "Headcount freeze on the data team",
                             "A painful outage of the current dashboard tool"],
            decision_criteria=["Transparent SQL and formulas", "Fast on large tables",
                               "Good documentation and an active community"],
            objections=["I can build this myself in a weekend", "Lock-in to a proprietary format",
                        "Business users will break it"],
            channels=["Developer communities", "YouTube tutorials", "GitHub", "Data newsletters"],
            content_formats=["Technical docs and tutorials", "Sample datasets",
                             "Free trial with real data"],
            quotes=["\"If I can't see the query, I can't defend the number.\"",
                    "\"Half my week is answering the same question for different people.\""],
            key_messages=["Every number shows its formula and inputs",
                          "Self-service for business teams without losing control"],
            plays_marketing=["Free tier with a sample dataset and guided tutorial",
                             "Community office hours with the product team"],
            plays_sales=["Turn the analyst into a champion with a technical deep dive",
                         "Share the architecture and security docs up front"],
            plays_product=["SQL view of every computed metric", "Command palette and keyboard flow"],
            research_basis="Product analytics on 1,800 trial accounts, 11 usability sessions, "
                           "support ticket review (Q1 2026)",
            last_validated=dt.date(2026, 4, 22),
        ),
        Persona(
            id="founder-fran", name="Founder Fran",
            tagline="Wears every hat and buys what works by Friday",
            role="Founder or CEO of a small company who still runs marketing and sales",
            titles=["Founder", "CEO", "Co-founder", "Managing Director"],
            seniority="Owner", company_size="2–49 employees",
            industry="Early-stage software, agencies and online shops",
            demographics="28–45, first- or second-time founder, buys with a company card",
            goals=["Know which channel actually brings customers",
                   "Prepare investor updates in minutes", "Grow without hiring an analyst yet"],
            pain_points=["No time to learn complex tools", "Spend spread across too many apps",
                         "Guessing which leads to call first"],
            buying_triggers=["Raising a seed or Series A round", "First sales hire starts",
                             "A marketing channel suddenly stops working"],
            decision_criteria=["Self-serve sign-up and monthly billing", "Useful in the first hour",
                               "Templates for investor metrics"],
            objections=["Too expensive for our stage", "We will outgrow it",
                        "Spreadsheets are fine for now"],
            channels=["Founder communities", "Product Hunt", "Twitter/X", "Accelerator networks"],
            content_formats=["Templates", "Short how-to posts", "Founder stories"],
            quotes=["\"I need to know by Friday whether the ads are working.\"",
                    "\"Our investors ask for CAC and I make it up every quarter.\""],
            key_messages=["Investor-ready metrics in an afternoon",
                          "Starts free, grows with the team"],
            plays_marketing=["Investor update template with live metrics",
                             "Partnerships with accelerators"],
            plays_sales=["Route to self-serve unless the company has 20+ employees",
                         "Founder-to-founder onboarding call for the first month"],
            plays_product=["One-click import from common CRMs and spreadsheets",
                           "A starter plan with the five metrics investors ask for"],
            research_basis="Self-serve sign-up survey (n=240, Q4 2025) and 6 founder interviews",
            last_validated=dt.date(2025, 11, 14),
        ),
    ]


# ---- scoring ---------------------------------------------------------------------------------
def seed_scoring_model() -> ScoringModel:
    def rule(rule_id: str, name: str, dimension: str, when: list[Condition], points: int,
             owner: str, rationale: str, knockout: bool = False) -> Rule:
        return Rule(id=rule_id, name=name, dimension=dimension, when=when, points=points,  # type: ignore[arg-type]
                    owner=owner, rationale=rationale, knockout=knockout)

    return ScoringModel(
        id="northwind-b2b", name="Northwind B2B FY26",
        fit_bands={"A": 45, "B": 30, "C": 15}, engagement_bands={"1": 40, "2": 25, "3": 10},
        mql_cells=["A1", "A2", "B1"],
        rules=[
            rule("fit-core-industry", "Core industry", "fit",
                 [Condition(field="industry", op="in", value=["Software", "SaaS", "E-commerce"])],
                 15, "marketing", "Software and e-commerce accounts convert at twice the base "
                 "rate in the 2025 win/loss review."),
            rule("fit-midmarket", "Mid-market size", "fit",
                 [Condition(field="employees", op="between", value=[50, 1000])], 20, "sales",
                 "50–1,000 employees is the segment with the best win rate and sales cycle."),
            rule("fit-enterprise", "Enterprise size", "fit",
                 [Condition(field="employees", op="gt", value=1000)], 10, "sales",
                 "Large deals, but long security reviews; worth pursuing, not first in line."),
            rule("fit-title-vp", "VP-level title", "fit",
                 [Condition(field="title", op="starts_with", value="VP")], 15, "sales",
                 "VPs own budget; deals with a VP involved close 40 % more often."),
            rule("fit-title-director", "Director title", "fit",
                 [Condition(field="title", op="contains", value="Director")], 10, "sales",
                 "Directors are usually the champions who run the evaluation."),
            rule("fit-core-country", "Core market", "fit",
                 [Condition(field="country", op="in",
                            value=["United States", "USA", "US", "Canada", "United Kingdom",
                                   "UK", "Germany", "Netherlands"])],
                 10, "sales", "Markets with local sales coverage and billing in local currency."),
            rule("ko-student-domain", "Student email domain", "fit",
                 [Condition(field="email_domain", op="ends_with", value=".edu")], -30,
                 "marketing", "Students and researchers sign up for webinars but never buy; "
                 "asked for by sales after the May webinar series.", knockout=True),
            rule("eng-demo-request", "Requested a demo", "engagement",
                 [Condition(field="demo_requested", op="is_true")], 30, "sales",
                 "The strongest buying signal we have: a third of demo requests become customers."),
            rule("eng-page-views", "Heavy site visitor", "engagement",
                 [Condition(field="page_views", op="gte", value=15)], 15, "marketing",
                 "15+ page views means they read pricing, docs and case studies."),
            rule("eng-email-clicks", "Clicks our emails", "engagement",
                 [Condition(field="email_clicks", op="gte", value=3)], 10, "marketing",
                 "Repeated clicks show interest beyond a single campaign."),
            rule("eng-recent-activity", "Active in the last 30 days", "engagement",
                 [Condition(field="last_activity", op="within_last_days", value=30)], 10,
                 "marketing", "Recent activity is when a call is welcome."),
            rule("eng-gone-quiet", "Quiet for 4 months", "engagement",
                 [Condition(field="last_activity", op="more_than_days_ago", value=120)], -15,
                 "marketing", "Engagement decays: after 120 days without activity the interest "
                 "is gone and the lead goes back to nurture."),
        ],
    )


# ---- objectives, notes, decisions ------------------------------------------------------------
def seed_objectives() -> list[Objective]:
    kr = KeyResult
    return [
        Objective(
            id="q1-usage-insights-launch", title="Launch usage insights to every customer",
            why="Customers asked to see how their teams use the product; it is the top renewal "
                "request from customer service.",
            period="2026-Q1", owner="product", departments=["customer-service"],
            state="achieved", confidence="high", personas=["analyst-arjun"],
            key_results=[kr(metric="csat", baseline=0.87, target=0.875)]),
        Objective(
            id="q1-mql-handoff-sla", title="Hand every MQL to sales within one working day",
            why="Leads went cold in the queue; sales and marketing agreed on an SLA and a shared "
                "MQL definition.",
            period="2026-Q1", owner="marketing", departments=["sales"], state="missed",
            confidence="low", personas=["ops-olivia"],
            key_results=[kr(metric="lead_to_customer", baseline=0.15, target=0.17),
                         kr(metric="win_rate", baseline=0.22, target=0.26)]),
        Objective(
            id="grow-net-new-arr", title="Grow revenue 6 % quarter on quarter, profitably",
            why="The FY26 plan funds the Series C story: steady growth with LTV:CAC of at "
                "least 3.",
            period="2026-Q2", owner="finance",
            departments=["product", "marketing", "sales", "customer-service"],
            state="active", confidence="medium",
            key_results=[kr(metric="revenue", baseline=4_145_000, target=4_400_000, weight=2),
                         kr(metric="ltv_cac", baseline=2.5, target=3.0)]),
        Objective(
            id="grow-smb-pipeline", title="Turn mid-market demand into closed revenue",
            why="Mid-market accounts win most often and fastest; marketing and sales share one "
                "pipeline target instead of two.",
            period="2026-Q2", owner="marketing", departments=["sales"], parent="grow-net-new-arr",
            state="active", confidence="low", personas=["ops-olivia", "finance-fiona"],
            key_results=[kr(metric="leads", baseline=370, target=410),
                         kr(metric="lead_to_customer", baseline=0.12, target=0.15),
                         kr(metric="deal_revenue", baseline=790_000, target=1_000_000)]),
        Objective(
            id="raise-win-rate", title="Win more of the deals we work",
            why="Too many deals die after the demo; product gives sales a sandbox with the "
                "prospect's own data.",
            period="2026-Q2", owner="sales", departments=["product"], parent="grow-net-new-arr",
            state="active", confidence="medium", personas=["finance-fiona"],
            key_results=[kr(metric="win_rate", baseline=0.16, target=0.19),
                         kr(metric="deals_won", baseline=44, target=52)]),
        Objective(
            id="cut-churn", title="Keep the customers we win",
            why="Churn crept up after the March release; every lost customer costs a new one "
                "and a half in CAC.",
            period="2026-Q2", owner="customer-service", departments=["product", "finance"],
            parent="grow-net-new-arr", state="active", confidence="low",
            personas=["analyst-arjun"],
            key_results=[kr(metric="churn", baseline=0.061, target=0.055),
                         kr(metric="csat", baseline=0.878, target=0.9)]),
        Objective(
            id="lower-cac", title="Bring CAC back under 24,000",
            why="Paid social costs rose 30 % last year; finance, marketing and sales review spend "
                "per channel monthly.",
            period="2026-Q2", owner="finance", departments=["marketing", "sales"],
            parent="grow-net-new-arr", state="active", confidence="medium",
            key_results=[kr(metric="cac", baseline=27_200, target=24_000),
                         kr(metric="cac_payback", baseline=14.2, target=12.0)]),
        Objective(
            id="protect-gross-margin", title="Protect gross margin while onboarding scales",
            why="Hosting and onboarding costs grow with every new customer; automation keeps "
                "margin above 78 %.",
            period="2026-Q2", owner="finance", departments=["product"], parent="grow-net-new-arr",
            state="active", confidence="high",
            key_results=[kr(metric="gross_margin", baseline=0.777, target=0.785)]),
        Objective(
            id="recover-organic-traffic", title="Recover organic search traffic",
            why="Visits fell every month since the March search update, and organic search is "
                "our largest lead source.",
            period="2026-Q2", owner="marketing", parent="grow-smb-pipeline", state="active",
            confidence="low", personas=["analyst-arjun", "founder-fran"],
            key_results=[kr(metric="visits", baseline=151_600, target=160_000),
                         kr(metric="conversion_rate", baseline=0.0037, target=0.004)]),
        Objective(
            id="email-nurture-refresh", title="Refresh the nurture emails for mid-market buyers",
            why="Open rates slide every quarter; new content per persona should lift them before "
                "H2 campaigns.",
            period="2026-Q2", owner="marketing", departments=["sales"],
            parent="grow-smb-pipeline", state="draft",
            personas=["ops-olivia", "founder-fran"],
            key_results=[kr(metric="email_open_rate", baseline=0.229, target=0.25),
                         kr(metric="click_through_rate", baseline=0.031, target=0.036)]),
    ]


def seed_notes() -> list[Note]:
    return [
        Note(id="fb-paid-social-company-size", objective="q1-mql-handoff-sla",
             date=dt.date(2026, 2, 10), kind="feedback", from_department="sales",
             to_department="marketing",
             text="Half of the MQLs from paid social arrive without company size, so reps "
                  "cannot tell a 5-person shop from a 500-person account before calling."),
        Note(id="fb-webinar-lead-quality", objective="grow-smb-pipeline",
             date=dt.date(2026, 5, 28), kind="feedback", from_department="sales",
             to_department="marketing",
             text="The May webinar leads are mostly students and consultants. Reps spent two "
                  "days calling leads with no budget; please filter them before they reach the "
                  "queue."),
        Note(id="fb-dashboard-builder-tickets", objective="cut-churn",
             date=dt.date(2026, 4, 21), kind="feedback", from_department="customer-service",
             to_department="product",
             text="Tickets about the new dashboard builder tripled since the March release; "
                  "customers cannot find their saved reports."),
        Note(id="visits-search-update", metric="visits", date=dt.date(2026, 5, 6),
             text="Organic visits down since the March search update; our comparison pages "
                  "lost their top-three rankings."),
        Note(id="csat-survey-change", metric="csat", date=dt.date(2026, 6, 3),
             text="CSAT below target for the third month. Comments mention the dashboard builder "
                  "and slower first replies since the support team shrank."),
        Note(id="revenue-feb-correction", metric="revenue", date=dt.date(2026, 3, 10),
             text="February revenue corrected after finance found two annual invoices booked "
                  "in March."),
        Note(id="crm-history-start", metric="new_customers", date=dt.date(2026, 1, 15),
             text="Lead and deal history starts with the CRM migration in January 2025; deals "
                  "from the old CRM are missing, so early 2025 counts look low."),
        Note(id="win-rate-sandbox-pilot", objective="raise-win-rate", date=dt.date(2026, 5, 14),
             text="Sandbox pilot with six prospects: four moved to the proposal stage within "
                  "two weeks."),
    ]


def seed_decisions() -> list[Decision]:
    return [
        Decision(id="require-company-size", objective="q1-mql-handoff-sla",
                 date=dt.date(2026, 2, 17), owner="marketing", due=dt.date(2026, 3, 1),
                 state="done", answers="fb-paid-social-company-size",
                 text="Company size becomes a required field on paid social forms; leads "
                      "without it go to nurture, not to sales."),
        Decision(id="saved-reports-fix", objective="cut-churn", date=dt.date(2026, 4, 28),
                 owner="product", due=dt.date(2026, 6, 15), state="done",
                 answers="fb-dashboard-builder-tickets",
                 text="Restore the saved-reports list on the home screen and add an in-app "
                      "guide to the new builder."),
        Decision(id="seo-content-audit", metric="visits", date=dt.date(2026, 5, 6),
                 owner="marketing", due=dt.date(2026, 7, 15), state="open",
                 text="Audit and rewrite the twenty comparison pages that lost rankings."),
        Decision(id="csat-deep-dive", metric="csat", date=dt.date(2026, 6, 3),
                 owner="customer-service", due=dt.date(2026, 6, 30), state="open",
                 text="Review every unsatisfied response from April to June with product and "
                      "report the top three causes."),
    ]


# ---- the whole plan --------------------------------------------------------------------------
def build_seed_plan(lead_rows: Sequence[dict[str, str]] | None = None, seed: int = SEED) -> Plan:
    """The demo plan, checked for broken links, so a bad edit here fails the build, not the demo."""
    rows = generate_seed_leads(seed=seed) if lead_rows is None else lead_rows
    plan = Plan(
        settings=PlanSettings(name=PLAN_NAME, fiscal_year_start=1),
        departments=default_departments(),
        objectives=seed_objectives(),
        metrics=seed_metrics(),
        measurements=seed_measurements(rows, seed),
        personas=seed_personas(),
        notes=seed_notes(),
        decisions=seed_decisions(),
        scoring_models=[seed_scoring_model()],
        leads=LEADS_ROLES,
    )
    errors = reference_errors(plan)
    if errors:
        raise AlignError("the seed plan has broken links", details=errors)
    return plan


def _import_leads(store: PlanStore, csv_path: Path) -> None:
    try:
        from model.leads import import_leads_csv
    except ImportError as exc:
        raise ImportError(
            "the seed needs model.leads.import_leads_csv to load the leads dataset, and it is "
            f"not available ({exc}); the plan cannot be built without it") from exc
    import_leads_csv(store, csv_path, roles=LEADS_ROLES, replace=True, day=AS_OF)


def populate_seed_store(store: PlanStore, seed: int = SEED) -> None:
    """Replace the store's plan and leads with the seed content."""
    rows = generate_seed_leads(seed=seed)
    store.apply_plan(build_seed_plan(rows, seed), replace=True)
    with tempfile.TemporaryDirectory(prefix="align-seed-") as work:
        csv_path = Path(work) / "leads.csv"
        with csv_path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=LEADS_COLUMNS, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
        _import_leads(store, csv_path)


def _remove_sidecars(path: Path) -> None:
    for suffix in ("-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def build_sample_db(path: str | Path, seed: int = SEED) -> Path:
    """Write the seed plan to `path` so that readers see the old file or the new one, never half.

    The file leaves in rollback-journal mode, fully checkpointed, so it is self-contained in git;
    the store switches it back to WAL when opened.
    """
    target = Path(path)
    folder = target.parent
    if not folder.is_dir():
        raise AlignError(f"cannot write {target}: folder {folder} does not exist")
    if target.is_dir():
        raise AlignError(f"cannot write {target}: it is a folder")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    os.close(fd)
    tmp = Path(tmp_name)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, target.stat().st_mode & 0o777 if target.exists() else 0o666 & ~umask)
    try:
        store = PlanStore.open(tmp, name=PLAN_NAME)
        try:
            populate_seed_store(store, seed)
            store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            store.db.disable_wal()
            store.db.execute("VACUUM")
        finally:
            store.close()
        _remove_sidecars(target)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        _remove_sidecars(tmp)
        raise
    return target


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m model.seed",
        description="Build the deterministic demo plan (Northwind Analytics) into a plan file.")
    parser.add_argument("path", help="plan file to write, replaced if it exists (e.g. sample.db)")
    args = parser.parse_args(argv)
    try:
        target = build_sample_db(args.path)
    except (AlignError, ImportError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
