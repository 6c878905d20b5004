"""Server-drawn SVG charts: well-formed, labelled, escaped, one mark per value."""

from datetime import UTC, datetime
from xml.etree import ElementTree

from staff.charts import Bar, LineChart, Series, bar_chart, line_chart

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg):
    return ElementTree.fromstring(str(svg))


def test_a_line_chart_has_a_line_and_a_mark_per_series_point():
    chart = LineChart(
        title="Upper trapezius, right",
        series=[
            Series("Before", [(datetime(2026, 1, d, tzinfo=UTC), v) for d, v in ((5, 7), (12, 5))]),
            Series("After", [(datetime(2026, 1, d, tzinfo=UTC), v) for d, v in ((5, 4), (12, 3))]),
        ],
    )

    root = parse(line_chart(chart))

    assert root.get("role") == "img"
    assert root.find(f"{SVG}title").text == "Upper trapezius, right"
    assert "Before: from 7 to 5" in root.find(f"{SVG}desc").text
    assert len(root.findall(f".//{SVG}path")) == 2
    marks = [e for e in root.iter() if e.tag in (f"{SVG}circle", f"{SVG}rect", f"{SVG}polygon")]
    assert len(marks) == 4


def test_a_gap_in_a_series_breaks_its_line():
    chart = LineChart(title="t", series=[Series("s", [(1, 3), (2, None), (3, 5)])])

    [path] = parse(line_chart(chart)).findall(f".//{SVG}path")

    assert path.get("d").count("M") == 2


def test_labels_are_escaped():
    chart = LineChart(title="<script>x</script>", series=[Series("<b>", [(1, 1)])])
    bars = bar_chart("Revenue", [Bar("<img src=x>", 10, "$10")])

    assert "<script>" not in str(line_chart(chart)) and "<b>" not in str(line_chart(chart))
    assert "<img" not in str(bars)
    parse(bars)


def test_a_bar_chart_has_a_bar_per_row_scaled_to_the_largest():
    root = parse(bar_chart("Revenue", [Bar("A", 100, "$100"), Bar("B", 50, "$50")]))

    widths = [float(r.get("width")) for r in root.findall(f".//{SVG}rect")]
    assert len(widths) == 2 and abs(widths[0] - 2 * widths[1]) < 0.2
    assert "A: $100" in root.find(f"{SVG}desc").text


def test_an_empty_chart_still_draws():
    parse(line_chart(LineChart(title="Nothing", series=[])))
    parse(bar_chart("Nothing", []))
