"""Charts drawn on the server as SVG: no script, no library, readable without colour (each
series has its own marker and dash) and always beside a table that holds the same figures.

Every label is escaped (`format_html`); a chart is `role="img"` with a title and a summary."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

# Dark enough on white for graphics (WCAG 1.4.11: 3:1); told apart by shape and dash too.
COLOURS = ["#1f5fbf", "#b3261e", "#23683a", "#7a4d00", "#5b3a99", "#00646e", "#8e2466"]
DASHES = ["", "6 3", "2 3", "8 3 2 3", "1 2", "10 4", "4 4"]
MARKERS = ["circle", "square", "diamond", "triangle", "circle", "square", "diamond"]


@dataclass
class Series:
    label: str
    points: Sequence[tuple[object, float | None]]  # (x, y); y None leaves a gap
    style: int | None = None  # index into the styles; by position when None


@dataclass
class LineChart:
    title: str
    series: list[Series]
    y_max: float = 10
    y_min: float = 0
    y_label: str = ""
    y_format: str = "{:g}"
    width: int = 640
    height: int = 260
    x_labels: list[str] = field(default_factory=list)  # for categorical x; else from the x

    def svg(self) -> SafeString:
        return line_chart(self)


PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 44, 16, 16, 54


def _x_value(x) -> float:
    if isinstance(x, datetime):
        return x.timestamp()
    if isinstance(x, date):
        return datetime(x.year, x.month, x.day).timestamp()
    return float(x)


def _x_text(x) -> str:
    if isinstance(x, datetime):
        return f"{x:%d %b}"
    if isinstance(x, date):
        return f"{x:%d %b}"
    return str(x)


def _n(value: float) -> str:
    return f"{value:.1f}"


def _marker(kind: str, x: float, y: float, colour: str, title: str) -> SafeString:
    if kind == "square":
        return format_html(
            '<rect x="{}" y="{}" width="7" height="7" fill="{}"><title>{}</title></rect>',
            _n(x - 3.5),
            _n(y - 3.5),
            colour,
            title,
        )
    if kind in ("diamond", "triangle"):
        if kind == "diamond":
            pts = f"{x:.1f},{y - 5:.1f} {x + 5:.1f},{y:.1f} {x:.1f},{y + 5:.1f} {x - 5:.1f},{y:.1f}"
        else:
            pts = f"{x:.1f},{y - 5:.1f} {x + 5:.1f},{y + 4:.1f} {x - 5:.1f},{y + 4:.1f}"
        return format_html(
            '<polygon points="{}" fill="{}"><title>{}</title></polygon>', pts, colour, title
        )
    return format_html(
        '<circle cx="{}" cy="{}" r="4" fill="{}"><title>{}</title></circle>',
        _n(x),
        _n(y),
        colour,
        title,
    )


def _joined(parts) -> SafeString:
    """Safe pieces (each from format_html) as one: anything else would be escaped."""
    return format_html_join("", "{}", ((part,) for part in parts))


def line_chart(chart: LineChart) -> SafeString:
    """Lines over time (or over categories given as `x_labels`), y from y_min to y_max."""
    w, h = chart.width, chart.height
    plot_w, plot_h = w - PAD_LEFT - PAD_RIGHT, h - PAD_TOP - PAD_BOTTOM
    categorical = bool(chart.x_labels)
    xs = [
        (chart.x_labels.index(x) if categorical else _x_value(x))
        for s in chart.series
        for x, _ in s.points
    ]
    lo, hi = (min(xs), max(xs)) if xs else (0, 1)
    if hi == lo:
        lo, hi = lo - 1, hi + 1
    span = chart.y_max - chart.y_min or 1

    def px(x) -> float:
        value = chart.x_labels.index(x) if categorical else _x_value(x)
        return PAD_LEFT + (value - lo) / (hi - lo) * plot_w

    def py(y: float) -> float:
        return PAD_TOP + plot_h - (y - chart.y_min) / span * plot_h

    parts = [
        format_html(
            '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" class="chart" '
            'role="img" aria-labelledby="{}-t {}-d" focusable="false">',
            w,
            h,
            _slug(chart.title),
            _slug(chart.title),
        ),
        format_html('<title id="{}-t">{}</title>', _slug(chart.title), chart.title),
        format_html('<desc id="{}-d">{}</desc>', _slug(chart.title), _summary(chart)),
    ]
    for i in range(5):  # gridlines and y ticks
        value = chart.y_min + span * i / 4
        y = py(value)
        parts.append(
            format_html(
                '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#c9d1d6"/>'
                '<text x="{}" y="{}" text-anchor="end" font-size="11" fill="#4a5560">{}</text>',
                PAD_LEFT,
                w - PAD_RIGHT,
                _n(y),
                _n(y),
                PAD_LEFT - 6,
                _n(y + 4),
                chart.y_format.format(value),
            )
        )
    ticks = chart.x_labels or sorted({x for s in chart.series for x, _ in s.points}, key=_x_value)
    step = max(1, len(ticks) // 8)
    for x in ticks[::step]:
        parts.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="middle" font-size="11" fill="#4a5560">{}</text>',
                _n(px(x)),
                h - PAD_BOTTOM + 16,
                x if categorical else _x_text(x),
            )
        )
    for index, series in enumerate(chart.series):
        style = series.style if series.style is not None else index
        colour, dash = COLOURS[style % len(COLOURS)], DASHES[style % len(DASHES)]
        marker = MARKERS[style % len(MARKERS)]
        path, pen_down = [], False
        for x, y in series.points:
            if y is None:
                pen_down = False
                continue
            path.append(f"{'L' if pen_down else 'M'}{px(x):.1f} {py(y):.1f}")
            pen_down = True
        if path:
            parts.append(
                format_html(
                    '<path d="{}" fill="none" stroke="{}" stroke-width="2.5" '
                    'stroke-dasharray="{}" class="chart__line"/>',
                    " ".join(path),
                    colour,
                    dash,
                )
            )
        for x, y in series.points:
            if y is not None:
                label = (
                    f"{series.label}: {chart.y_format.format(y)}"
                    f" ({x if categorical else _x_text(x)})"
                )
                parts.append(_marker(marker, px(x), py(y), colour, label))
    parts.append(_legend(chart.series, h - 18, w))
    return format_html("{}</svg>", _joined(parts))


def _legend(series: list[Series], y: int, width: int) -> SafeString:
    items, x = [], PAD_LEFT
    for index, s in enumerate(series):
        style = s.style if s.style is not None else index
        colour, dash = COLOURS[style % len(COLOURS)], DASHES[style % len(DASHES)]
        items.append(
            format_html(
                '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}" stroke-width="2.5" '
                'stroke-dasharray="{}"/>'
                '<text x="{}" y="{}" font-size="12" fill="#1b1f23">{}</text>',
                x,
                x + 22,
                y - 4,
                y - 4,
                colour,
                dash,
                x + 27,
                y,
                s.label,
            )
        )
        x += 40 + 7 * len(s.label)
        if x > width - 60:
            break
    return _joined(items)


def _slug(text: str) -> str:
    return "chart-" + "".join(c if c.isalnum() else "-" for c in text.lower())[:40]


def _summary(chart: LineChart) -> str:
    bits = []
    for s in chart.series:
        values = [y for _, y in s.points if y is not None]
        if values:
            bits.append(
                f"{s.label}: from {chart.y_format.format(values[0])} "
                f"to {chart.y_format.format(values[-1])}"
            )
    return "; ".join(bits) or "No data."


@dataclass
class Bar:
    label: str
    value: float
    text: str = ""  # the value as shown (a price, a percentage); the number when empty


def bar_chart(title: str, bars: list[Bar], *, width: int = 640, unit: str = "") -> SafeString:
    """Horizontal bars, one per row, each labelled with its value."""
    row, label_w = 28, 180
    h = PAD_TOP + row * max(1, len(bars)) + 8
    top = max((b.value for b in bars), default=0) or 1
    plot_w = width - label_w - 90
    slug = _slug(title)
    parts = [
        format_html(
            '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" class="chart" '
            'role="img" aria-labelledby="{}-t {}-d" focusable="false">',
            width,
            h,
            slug,
            slug,
        ),
        format_html('<title id="{}-t">{}</title>', slug, title),
        format_html(
            '<desc id="{}-d">{}</desc>',
            slug,
            "; ".join(f"{b.label}: {b.text or b.value}{unit}" for b in bars) or "No data.",
        ),
    ]
    parts.append(
        format_html_join(
            "",
            '<text x="{}" y="{}" text-anchor="end" font-size="12" fill="#1b1f23">{}</text>'
            '<rect x="{}" y="{}" width="{}" height="18" fill="#1f5fbf" class="chart__bar">'
            "<title>{}: {}</title></rect>"
            '<text x="{}" y="{}" font-size="12" fill="#1b1f23">{}</text>',
            (
                (
                    label_w - 8,
                    PAD_TOP + i * row + 13,
                    b.label[:28],
                    label_w,
                    PAD_TOP + i * row,
                    _n(max(1.0, b.value / top * plot_w)),
                    b.label,
                    b.text or b.value,
                    _n(label_w + max(1.0, b.value / top * plot_w) + 6),
                    PAD_TOP + i * row + 13,
                    f"{b.text or b.value}{unit}",
                )
                for i, b in enumerate(bars)
            ),
        )
    )
    return format_html("{}</svg>", _joined(parts))
