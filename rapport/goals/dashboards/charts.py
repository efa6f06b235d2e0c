"""ECharts options built on the server: labels are translated here, numbers are plain, and
each drillable data item carries the `url` of the records behind it (charts.js opens it)."""

from __future__ import annotations

from django.utils.translation import gettext as _


def bars(
    categories: list[str], series: list[dict], *, percent: bool = False, horizontal=False
) -> dict:
    """series: [{"name": str, "data": [{"value": float|None, "url": str}]}]"""
    value_axis = {"type": "value"}
    if percent:
        value_axis["axisLabel"] = {"formatter": "{value} %"}
    category_axis = {"type": "category", "data": categories, "axisLabel": {"interval": 0}}
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"show": len(series) > 1},
        "grid": {"left": 8, "right": 16, "bottom": 8, "top": 32, "containLabel": True},
        "xAxis": value_axis if horizontal else category_axis,
        "yAxis": category_axis if horizontal else value_axis,
        "series": [{"type": "bar", "name": s["name"], "data": s["data"]} for s in series],
    }


def funnel(items: list[dict]) -> dict:
    """items: [{"name": str, "value": float, "url": str}] in stage order."""
    return {
        "tooltip": {"trigger": "item"},
        "series": [
            {
                "type": "funnel",
                "sort": "none",
                "left": "10%",
                "width": "80%",
                "label": {"show": True, "position": "inside"},
                "data": items,
            }
        ],
    }


def heatmap(x_labels: list[str], y_labels: list[str], cells: list[list], top: int) -> dict:
    """cells: [[x index, y index, count]]"""
    return {
        "tooltip": {"position": "top"},
        "grid": {"left": 8, "right": 8, "top": 8, "bottom": 56, "containLabel": True},
        "xAxis": {"type": "category", "data": x_labels, "splitArea": {"show": True}},
        "yAxis": {"type": "category", "data": y_labels, "splitArea": {"show": True}},
        "visualMap": {
            "min": 0,
            "max": max(top, 1),
            "calculable": True,
            "orient": "horizontal",
            "left": "center",
            "bottom": 0,
        },
        "series": [{"type": "heatmap", "name": _("Follow-ups"), "data": cells}],
    }


def lines(categories: list[str], series: list[dict]) -> dict:
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"show": True},
        "grid": {"left": 8, "right": 16, "bottom": 8, "top": 32, "containLabel": True},
        "xAxis": {"type": "category", "data": categories},
        "yAxis": {"type": "value"},
        "series": [
            {"type": "line", "name": s["name"], "data": s["data"], "smooth": True} for s in series
        ],
    }
