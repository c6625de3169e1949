//! A line chart as inline SVG: time on the x axis (UTC clock ticks), values on
//! the y axis, one polyline per [`Series`], optional filled areas and hover
//! markers. No script and no external resource: the browser draws it as it
//! draws text.
//!
//! The drawing is laid out in a fixed box of user units ([`CHART_WIDTH`] ×
//! [`CHART_HEIGHT`]), which the `viewBox` scales to the page width. Value ticks
//! are "nice" steps (1, 2 or 5 × 10^k, see [`nice_step`]) and time ticks land
//! on round seconds, minutes or hours ([`time_step`]), so at most about 7 of
//! each show. A chart with fewer than two points shows "No data yet".
//!
//! The CSS classes used here (`plot`, `grid`, `axis`, `tick`, `line`, `area`,
//! `marker`, …) are styled by `report.css`.

use std::fmt::Write;

use super::{escape, format_rate};
use crate::console::format_ms;
use crate::time_format::format_clock;

/// The chart's drawing size (SVG user units; the SVG scales to the page width).
const CHART_WIDTH: f64 = 960.0;
const CHART_HEIGHT: f64 = 280.0;
const MARGIN_LEFT: f64 = 64.0;
const MARGIN_RIGHT: f64 = 36.0;
const MARGIN_TOP: f64 = 16.0;
const MARGIN_BOTTOM: f64 = 48.0;
/// Markers (with hover titles) are drawn when there are at most this many points.
const MAX_MARKERS: usize = 80;

/// One line of a chart.
pub(super) struct Series {
    /// Its legend text (escaped when written).
    pub(super) label: String,
    /// A CSS colour.
    pub(super) colour: &'static str,
    /// One value per time of the chart, in the same order.
    pub(super) values: Vec<f64>,
    /// A dashed line, with no markers.
    pub(super) dashed: bool,
    /// The area under the line is filled (lightly).
    pub(super) area: bool,
}

/// One chart: its title, the unit of its values and its lines.
pub(super) struct Chart {
    /// The `id` of its `<figure>`.
    pub(super) id: &'static str,
    /// Its heading, also the SVG's accessible label.
    pub(super) title: &'static str,
    /// The y axis title; `ms` values are shown with [`format_ms`], others as
    /// rates.
    pub(super) unit: &'static str,
    /// Values are counts: integer ticks and markers.
    pub(super) integer: bool,
    /// Its lines, drawn in order (filled areas first).
    pub(super) series: Vec<Series>,
}

/// A "nice" step (1, 2 or 5 × 10^k) of at least `raw`.
fn nice_step(raw: f64) -> f64 {
    if !(raw.is_finite() && raw > 0.0) {
        return 1.0;
    }
    let magnitude = 10f64.powf(raw.log10().floor());
    let fraction = raw / magnitude;
    let nice = if fraction <= 1.0 {
        1.0
    } else if fraction <= 2.0 {
        2.0
    } else if fraction <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * magnitude
}

/// A time-axis step (seconds) giving at most about 7 ticks over `span`.
fn time_step(span: f64) -> f64 {
    const STEPS: [f64; 19] = [
        1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0,
        10_800.0, 21_600.0, 43_200.0, 86_400.0, 172_800.0,
    ];
    STEPS
        .iter()
        .copied()
        .find(|step| span / step <= 7.0)
        .unwrap_or_else(|| (span / 7.0 / 86_400.0).ceil() * 86_400.0)
}

/// Writes `chart` as a `<figure>`: its title and legend, then the SVG plot of
/// its series against `times` (epoch seconds).
pub(super) fn render_chart(out: &mut String, chart: &Chart, times: &[f64]) {
    let _ = writeln!(
        out,
        "<figure class=\"chart\" id=\"{}\">\n<figcaption><h3>{}</h3><ul class=\"legend\">",
        chart.id, chart.title
    );
    for s in &chart.series {
        let style = if s.dashed { " dashed" } else { "" };
        let _ = writeln!(
            out,
            "<li><span class=\"swatch{style}\" style=\"--c:{}\"></span>{}</li>",
            s.colour,
            escape(&s.label)
        );
    }
    out.push_str("</ul></figcaption>\n");
    let _ = writeln!(
        out,
        "<svg class=\"plot\" viewBox=\"0 0 {CHART_WIDTH} {CHART_HEIGHT}\" \
         preserveAspectRatio=\"xMidYMid meet\" role=\"img\" aria-label=\"{}\">",
        chart.title
    );
    let plot_w = CHART_WIDTH - MARGIN_LEFT - MARGIN_RIGHT;
    let plot_h = CHART_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM;
    let bottom = MARGIN_TOP + plot_h;
    let right = MARGIN_LEFT + plot_w;

    if times.len() < 2 {
        let _ = writeln!(
            out,
            "<rect class=\"frame\" x=\"{MARGIN_LEFT}\" y=\"{MARGIN_TOP}\" width=\"{plot_w}\" \
             height=\"{plot_h}\" rx=\"8\"/>\
             <text class=\"nodata\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">No data yet</text>\n</svg>\n</figure>",
            MARGIN_LEFT + plot_w / 2.0,
            MARGIN_TOP + plot_h / 2.0 + 6.0,
        );
        return;
    }

    // Scales.
    let t0 = times.iter().copied().fold(f64::INFINITY, f64::min);
    let t1 = times.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let span = if t1 > t0 { t1 - t0 } else { 1.0 };
    let x_of = |t: f64| MARGIN_LEFT + (t - t0) / span * plot_w;
    let max = chart
        .series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .fold(0.0, f64::max);
    let mut step = nice_step(if max > 0.0 { max / 4.0 } else { 0.25 });
    if chart.integer {
        step = step.max(1.0);
    }
    let y_max = ((max / step).ceil() * step).max(step);
    let y_of = |v: f64| bottom - v / y_max * plot_h;
    let decimals = if step >= 1.0 {
        0
    } else {
        (-step.log10().floor()).max(0.0) as usize
    };

    // Horizontal grid and value ticks.
    let ticks = (y_max / step).round() as usize;
    for i in 0..=ticks {
        let v = step * i as f64;
        let y = y_of(v);
        let _ = writeln!(
            out,
            "<line class=\"grid\" x1=\"{MARGIN_LEFT}\" x2=\"{right}\" y1=\"{y:.1}\" y2=\"{y:.1}\"/>\
             <text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{v:.decimals$}</text>",
            MARGIN_LEFT - 8.0,
            y + 4.0,
        );
    }
    // Time ticks.
    let t_step = time_step(span);
    let mut t = (t0 / t_step).ceil() * t_step;
    while t <= t1 + 1e-9 {
        let x = x_of(t);
        let _ = writeln!(
            out,
            "<line class=\"xtick\" x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{bottom}\" y2=\"{:.1}\"/>\
             <text class=\"tick\" x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            bottom + 5.0,
            bottom + 20.0,
            format_clock(t),
        );
        t += t_step;
    }
    // Axes and their titles.
    let _ = writeln!(
        out,
        "<line class=\"axis\" x1=\"{MARGIN_LEFT}\" x2=\"{MARGIN_LEFT}\" y1=\"{MARGIN_TOP}\" y2=\"{bottom}\"/>\
         <line class=\"axis\" x1=\"{MARGIN_LEFT}\" x2=\"{right}\" y1=\"{bottom}\" y2=\"{bottom}\"/>\
         <text class=\"axis-title\" transform=\"translate(14 {:.1}) rotate(-90)\" text-anchor=\"middle\">{}</text>\
         <text class=\"axis-title\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">time (UTC)</text>",
        MARGIN_TOP + plot_h / 2.0,
        chart.unit,
        MARGIN_LEFT + plot_w / 2.0,
        CHART_HEIGHT - 6.0,
    );

    // The lines, areas first so that no area covers a line.
    let coords = |s: &Series| -> Vec<(f64, f64)> {
        times
            .iter()
            .zip(&s.values)
            .map(|(t, v)| (x_of(*t), y_of(*v)))
            .collect()
    };
    for s in chart.series.iter().filter(|s| s.area) {
        let pts = coords(s);
        let mut d = format!("M{:.1},{bottom:.1}", pts[0].0);
        for (x, y) in &pts {
            let _ = write!(d, " L{x:.1},{y:.1}");
        }
        let _ = write!(d, " L{:.1},{bottom:.1} Z", pts[pts.len() - 1].0);
        let _ = writeln!(
            out,
            "<path class=\"area\" d=\"{d}\" fill=\"{}\"/>",
            s.colour
        );
    }
    for s in &chart.series {
        let pts: Vec<String> = coords(s)
            .iter()
            .map(|(x, y)| format!("{x:.1},{y:.1}"))
            .collect();
        let dash = if s.dashed {
            " stroke-dasharray=\"6 4\""
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "<polyline class=\"line\" points=\"{}\" stroke=\"{}\"{dash}/>",
            pts.join(" "),
            s.colour
        );
    }
    if times.len() <= MAX_MARKERS {
        for s in chart.series.iter().filter(|s| !s.dashed) {
            for (t, v) in times.iter().zip(&s.values) {
                let value = if chart.integer {
                    format!("{v:.0}")
                } else if chart.unit == "ms" {
                    format_ms(*v)
                } else {
                    format_rate(*v)
                };
                let _ = writeln!(
                    out,
                    "<circle class=\"marker\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"{}\">\
                     <title>{} UTC · {}: {value} {}</title></circle>",
                    x_of(*t),
                    y_of(*v),
                    s.colour,
                    format_clock(*t),
                    escape(&s.label),
                    chart.unit,
                );
            }
        }
    }
    out.push_str("</svg>\n</figure>\n");
}
