"""The round timeline (挂图作战): one bar per measure from the feedback date to its deadline,
grouped by problem, coloured by status and warning colour, with today marked. Geometry is
computed here and drawn as SVG attributes by the template (no script, no inline style)."""

from __future__ import annotations

import datetime

from django.utils import timezone

from inspections.models import InspectionRound

from .models import Measure

WIDTH = 1000
LABEL_WIDTH = 300
RIGHT = 990
ROW = 22
TOP = 28


def _bar_class(measure: Measure, day: datetime.date) -> str:
    if measure.status == Measure.Status.CLOSED:
        return "closed"
    return measure.warning_colour(day)


def timeline_chart(
    inspection_round: InspectionRound, measures: list[Measure], day: datetime.date
) -> dict:
    """Rows of the chart, oldest problem first; measures sorted as in the plan."""
    if not measures:
        return {"rows": [], "height": 0}
    start = inspection_round.feedback_date or min(
        timezone.localdate(m.created_at) for m in measures
    )
    deadlines = [m.deadline for m in measures if m.deadline]
    end = max([*deadlines, day, start + datetime.timedelta(days=30)])
    end = end + datetime.timedelta(days=7)
    start = min(start, day)
    span = max((end - start).days, 1)

    def x(when: datetime.date) -> float:
        return round(LABEL_WIDTH + (RIGHT - LABEL_WIDTH) * (when - start).days / span, 1)

    rows: list[dict] = []
    y = TOP
    current_problem = None
    for measure in sorted(measures, key=lambda m: (m.problem.seq, m.seq)):
        if measure.problem_id != current_problem:
            current_problem = measure.problem_id
            rows.append(
                {
                    "group": True,
                    "y": y + 15,
                    "label": f"{measure.problem.seq}. {measure.problem.title}"[:28],
                }
            )
            y += ROW
        bar_end = measure.deadline or end
        left = x(start)
        rows.append(
            {
                "group": False,
                "y": y + 4,
                "text_y": y + 15,
                "label": f"{measure.problem.seq}.{measure.seq} {measure.text}"[:24],
                "x": left,
                "w": max(x(bar_end) - left, 2),
                "cls": _bar_class(measure, day),
                "measure": measure,
                "long_term": measure.deadline is None,
            }
        )
        y += ROW
    ticks = []
    month = start.replace(day=1)
    while month <= end:
        if month >= start:
            ticks.append({"x": x(month), "label": month.strftime("%Y-%m")})
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return {
        "width": WIDTH,
        "height": y + 8,
        "rows": rows,
        "today_x": x(day),
        "ticks": ticks,
        "start": start,
        "end": end,
        "label_width": LABEL_WIDTH,
    }
