//! The report's charts section: the statistics history as three charts, as
//! in Locust's report: total requests and failures per second, response times
//! (the charted percentiles and the running average), and the number of users.
//!
//! This module picks the data (one value per history point, non-finite or
//! negative values drawn as 0) and the look of each line; [`svg_chart`] draws
//! them. The charted percentiles are Locust's `PERCENTILES_TO_CHART` that the
//! history holds (it records more, for the web UI), each with its own colour
//! from [`PERCENTILE_COLOURS`] and a label such as `95th percentile`.
//!
//! [`svg_chart`]: super::svg_chart

use super::section_start;
use super::svg_chart::{render_chart, Chart, Series};
use crate::history::{HistoryPoint, StatsHistory, PERCENTILES_TO_CHART};
use crate::readable_percentile;

/// Colours of the response-time lines, in order.
const PERCENTILE_COLOURS: [&str; 6] = [
    "#2563eb", "#ea580c", "#9333ea", "#0d9488", "#db2777", "#ca8a04",
];

/// Writes the charts section from the history points.
pub(super) fn charts(out: &mut String, history: &StatsHistory) {
    section_start(out, "charts", "Charts");
    let points = &history.points;
    let finite = |v: f64| if v.is_finite() { v.max(0.0) } else { 0.0 };
    let column = |f: &dyn Fn(&HistoryPoint) -> f64| -> Vec<f64> {
        points.iter().map(|p| finite(f(p))).collect()
    };

    let rps = Chart {
        id: "chart-rps",
        title: "Total requests per second",
        unit: "per second",
        integer: false,
        series: vec![
            Series {
                label: "Requests/s".to_owned(),
                colour: "#16a34a",
                values: column(&|p| p.current_rps),
                dashed: false,
                area: true,
            },
            Series {
                label: "Failures/s".to_owned(),
                colour: "#dc2626",
                values: column(&|p| p.current_fail_per_sec),
                dashed: false,
                area: false,
            },
        ],
    };

    // Locust's charted percentiles, in the order of the first point that has
    // them (points record more, for the web UI's choice).
    let mut quantiles: Vec<f64> = Vec::new();
    for point in points {
        for (q, _) in &point.response_time_percentiles {
            let charted = PERCENTILES_TO_CHART.iter().any(|k| (k - q).abs() < 1e-9);
            if charted && !quantiles.iter().any(|k| (k - q).abs() < 1e-9) {
                quantiles.push(*q);
            }
        }
    }
    let mut series: Vec<Series> = quantiles
        .iter()
        .zip(PERCENTILE_COLOURS.iter().cycle())
        .map(|(q, colour)| Series {
            label: percentile_label(*q),
            colour,
            values: column(&|p| {
                p.response_time_percentiles
                    .iter()
                    .find(|(k, _)| (k - q).abs() < 1e-9)
                    .map_or(0.0, |(_, ms)| *ms)
            }),
            dashed: false,
            area: false,
        })
        .collect();
    series.push(Series {
        label: "Average (since start)".to_owned(),
        colour: "#64748b",
        values: column(&|p| p.total_avg_response_time),
        dashed: true,
        area: false,
    });
    let response_times = Chart {
        id: "chart-response-times",
        title: "Response times",
        unit: "ms",
        integer: false,
        series,
    };

    let users = Chart {
        id: "chart-users",
        title: "Number of users",
        unit: "users",
        integer: true,
        series: vec![Series {
            label: "Users".to_owned(),
            colour: "#4f46e5",
            values: column(&|p| p.user_count as f64),
            dashed: false,
            area: true,
        }],
    };

    let times: Vec<f64> = points.iter().map(|p| p.time).collect();
    out.push_str("<div class=\"charts\">\n");
    for chart in [rps, response_times, users] {
        render_chart(out, &chart, &times);
    }
    out.push_str("</div>\n</section>\n");
}

/// `50th percentile`, `99.9th percentile`.
fn percentile_label(q: f64) -> String {
    let readable = readable_percentile(q);
    let number = readable.trim_end_matches('%');
    let suffix = match number.parse::<u64>() {
        Ok(n) if (11..=13).contains(&(n % 100)) => "th",
        Ok(n) if n % 10 == 1 => "st",
        Ok(n) if n % 10 == 2 => "nd",
        Ok(n) if n % 10 == 3 => "rd",
        _ => "th",
    };
    format!("{number}{suffix} percentile")
}
