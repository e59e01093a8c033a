"""The HTML page of ``crm report --html``: one self-contained file, charts by Chart.js.

The page inlines everything it needs (CSS, the vendored Chart.js and its matrix
plugin, the chart spec ``report.js``, the figures as JSON), so it opens offline
and can be mailed or kept. Versions and licences of what is vendored: ``NOTICE``.
The figures are those of :func:`crm_cli.core.report.build_report`, which copy no
note of any kind; the per-client series of every client stay out of the page
(only the slipping clients' are drawn), which keeps a 5,000-client page small.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

__all__ = ["CHARTJS_VERSION", "MATRIX_VERSION", "chart_ids", "render"]

CHARTJS_VERSION = "4.6.1"
MATRIX_VERSION = "3.1.0"


def _asset(name: str) -> str:
    return resources.files(__name__).joinpath(name).read_text(encoding="utf-8")


def _script_safe(text: str) -> str:
    """Text that cannot end the ``<script>`` element it is put in."""
    if "</script" in text.lower():
        raise ValueError("an inlined script contains '</script'")
    return text


def _json_for_script(data: Any) -> str:
    # Sorted like --json; <, > and & as escapes, so no client name can close the element.
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _pct(share: float | None) -> str:
    return "-" if share is None else f"{round(100 * share)}%"


def _days(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:g} day" if value == 1 else f"{value:g} days"


def _group_label(group: str) -> str:
    if group == "none":
        return "no tier"
    return f"tier {group}" if len(group) == 1 else group


def _alternatives(data: dict[str, Any]) -> dict[str, str]:
    """The aria-label of each chart: what it shows, in words and figures."""
    fairness = data["fairness"]

    def shares(groups: list[dict[str, Any]]) -> str:
        return "; ".join(
            f"{_group_label(g['group'])}: {_pct(g['share_within'])} of {g['clients']}, "
            f"{g['neglected']} neglected"
            for g in groups
        )

    replies = data["replies"]
    months = "; ".join(
        f"{m['month']}: median {_days(m['median_days'])}, 90th percentile "
        f"{_days(m['p90_days'])}, {_pct(m['share_within'])} in time"
        for m in replies["months"]
        if m["requests"]
    )
    rec = data["recoveries"]
    activity = data["activity"]
    return {
        "chart-tier": "Bar chart of the share contacted within their cadence, by tier. "
        + shares(fairness["by_tier"]),
        "chart-tenure": "Bar chart of the share contacted within their cadence, by years "
        "as a client. " + shares(fairness["by_tenure"]),
        "chart-replies": "Bar and line chart of days to answer requests per month. " + months,
        "chart-recoveries": f"Doughnut chart of {rec['incidents']} incidents: "
        f"{rec['recovered_within']} recovered in time, {rec['recovered_late']} later, "
        f"{rec['never_recovered']} never recovered.",
        "chart-slipping": "Bar chart of the clients most overdue, in cadences since the last "
        "contact. " + "; ".join(f"{s['client']}: {s['times_cadence']:g}" for s in data["slipping"]),
        "chart-activity": f"Heatmap of contacts per week over {len(activity['weeks'])} weeks, "
        "inbound and outbound and by channel. Totals: "
        + "; ".join(
            f"{name}: {sum(values)}"
            for name, values in (*activity["by_direction"].items(), *activity["by_channel"].items())
        ),
    }


def chart_ids(data: dict[str, Any]) -> list[str]:
    """The charts a page of ``data`` draws (a section with nothing to draw has none)."""
    ids = ["chart-tier", "chart-tenure"]
    if data["replies"]["requests"]:
        ids.append("chart-replies")
    if data["recoveries"]["incidents"]:
        ids.append("chart-recoveries")
    if data["slipping"]:
        ids.append("chart-slipping")
    return [*ids, "chart-activity"]


def render(data: dict[str, Any]) -> str:
    """The page of the report's figures (:func:`crm_cli.core.report.build_report`)."""
    import jinja2
    from markupsafe import Markup

    from crm_cli.core.sparkline import sparkline

    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    template = env.from_string(_asset("page.html.j2"))
    # What the page's script reads: everything but the series of every client.
    shown = {key: value for key, value in data.items() if key != "series"}
    activity = data["activity"]
    values = {**activity["by_direction"], **activity["by_channel"]}
    return template.render(
        **shown,
        alt=_alternatives(data),
        pct=_pct,
        days=_days,
        group_label=_group_label,
        spark=sparkline,
        activity_rows=list(values),
        activity_values=values,
        versions={"chartjs": CHARTJS_VERSION, "matrix": MATRIX_VERSION},
        css=Markup(_asset("style.css")),
        figures_json=Markup(_json_for_script(shown)),
        chartjs=Markup(_script_safe(_asset("vendor/chart.umd.min.js"))),
        matrix=Markup(_script_safe(_asset("vendor/chartjs-chart-matrix.min.js"))),
        spec=Markup(_script_safe(_asset("report.js"))),
    )
