"""The default departments and KPI catalog that `align init` puts into a new plan.

Percent metrics hold fractions (0.08 means 8 %), so formulas need no factor of 100.
"""

from __future__ import annotations

from model.schema import Department, Metric

DEFAULT_DEPARTMENTS = (
    ("product", "Product"),
    ("marketing", "Marketing"),
    ("sales", "Sales"),
    ("customer-service", "Customer service"),
    ("finance", "Finance"),
)

# id, name, unit, direction, aggregation, formula, departments, description
_CATALOG: tuple[tuple[str, str, str, str, str, str | None, tuple[str, ...], str], ...] = (
    # inputs
    ("revenue", "Revenue", "currency", "increase", "sum", None, ("finance", "sales"),
     "Recognised revenue in the period."),
    ("marketing_cost", "Marketing cost", "currency", "decrease", "sum", None, ("marketing", "finance"),
     "All marketing spend: media, tools, agency and people."),
    ("sales_cost", "Sales cost", "currency", "decrease", "sum", None, ("sales", "finance"),
     "All sales spend: people, commissions and tools."),
    ("visits", "Website visits", "count", "increase", "sum", None, ("marketing",),
     "Sessions on the website."),
    ("purchases", "Purchases", "count", "increase", "sum", None, ("sales",),
     "Completed purchases."),
    ("leads", "Leads", "count", "increase", "sum", None, ("marketing",),
     "New leads created in the period."),
    ("new_customers", "New customers", "count", "increase", "sum", None, ("sales",),
     "Leads that became paying customers in the period."),
    ("deals_won", "Deals won", "count", "increase", "sum", None, ("sales",),
     "Deals closed as won in the period."),
    ("deals_lost", "Deals lost", "count", "decrease", "sum", None, ("sales",),
     "Deals closed as lost in the period."),
    ("deal_revenue", "Revenue from deals", "currency", "increase", "sum", None, ("sales",),
     "Amount of the deals won in the period."),
    ("sales_cycle_length", "Sales cycle length", "days", "decrease", "avg", None, ("sales",),
     "Mean days from created to closed over the deals won in the period."),
    ("avg_revenue_per_customer", "Average revenue per customer", "currency", "increase", "avg",
     None, ("finance",), "Revenue per customer per period."),
    ("gross_margin", "Gross margin", "percent", "increase", "avg", None, ("finance",),
     "Share of revenue left after the cost of goods sold."),
    ("avg_lifespan_periods", "Average customer lifespan", "count", "increase", "avg", None,
     ("customer-service", "finance"), "How many periods a customer stays, on average."),
    ("customers_start", "Customers at start", "count", "increase", "avg", None,
     ("customer-service",), "Paying customers at the start of the period."),
    ("customers_lost", "Customers lost", "count", "decrease", "sum", None, ("customer-service",),
     "Customers who cancelled in the period."),
    ("responses", "Survey responses", "count", "increase", "sum", None, ("customer-service",),
     "Customer satisfaction survey responses."),
    ("satisfied_responses", "Satisfied responses", "count", "increase", "sum", None,
     ("customer-service",), "Responses rating 4 or 5 out of 5."),
    ("delivered", "Emails delivered", "count", "increase", "sum", None, ("marketing",),
     "Marketing emails delivered."),
    ("opens", "Email opens", "count", "increase", "sum", None, ("marketing",), "Unique opens."),
    ("clicks", "Email clicks", "count", "increase", "sum", None, ("marketing",), "Unique clicks."),
    # derived
    ("roi", "Marketing ROI", "ratio", "increase", "formula",
     "(revenue - marketing_cost) / marketing_cost", ("marketing", "finance"),
     "Return on marketing spend."),
    ("conversion_rate", "Conversion rate", "percent", "increase", "formula", "purchases / visits",
     ("marketing", "sales"), "Share of visits that end in a purchase."),
    ("lead_to_customer", "Lead-to-customer rate", "percent", "increase", "formula",
     "new_customers / leads", ("marketing", "sales"), "Share of leads that become customers."),
    ("win_rate", "Win rate", "percent", "increase", "formula",
     "deals_won / (deals_won + deals_lost)", ("sales",), "Share of closed deals that were won."),
    ("cac", "Customer acquisition cost", "currency", "decrease", "formula",
     "(marketing_cost + sales_cost) / new_customers", ("marketing", "sales", "finance"),
     "What it costs to win one customer."),
    ("clv", "Customer lifetime value", "currency", "increase", "formula",
     "avg_revenue_per_customer * gross_margin * avg_lifespan_periods", ("finance",),
     "Gross profit a customer brings over their lifetime."),
    ("ltv_cac", "LTV:CAC", "ratio", "increase", "formula", "clv / cac", ("finance", "marketing"),
     "Lifetime value per unit of acquisition cost."),
    ("cac_payback", "CAC payback", "count", "decrease", "formula",
     "cac / (avg_revenue_per_customer * gross_margin)", ("finance",),
     "Periods of gross profit needed to earn back the acquisition cost."),
    ("csat", "Customer satisfaction (CSAT)", "percent", "increase", "formula",
     "satisfied_responses / responses", ("customer-service", "product"),
     "Share of survey responses that are satisfied."),
    ("email_open_rate", "Email open rate", "percent", "increase", "formula", "opens / delivered",
     ("marketing",), "Share of delivered emails opened."),
    ("click_through_rate", "Click-through rate", "percent", "increase", "formula",
     "clicks / delivered", ("marketing",), "Share of delivered emails clicked."),
    ("churn", "Churn rate", "percent", "decrease", "formula", "customers_lost / customers_start",
     ("customer-service", "finance"), "Share of customers lost in the period."),
)


def default_departments() -> list[Department]:
    return [Department(id=i, name=n) for i, n in DEFAULT_DEPARTMENTS]


def default_metrics() -> list[Metric]:
    return [Metric(id=i, name=n, unit=u, direction=d, aggregation=a, formula=f,  # type: ignore[arg-type]
                   departments=list(depts), description=desc)
            for i, n, u, d, a, f, depts, desc in _CATALOG]
