//! What a threshold says, once parsed: [`Threshold`] — a [`Metric`] of the
//! requests a [`Scope`] selects, compared ([`Op`]) with a limit, over the
//! whole run or a trailing window, perhaps ignoring the first seconds
//! (`after`) and perhaps stopping the test when it fails (`abort`).
//!
//! Limits are held in the metric's base unit ([`Kind`]): milliseconds for
//! response times, a ratio 0–1 for the failure ratio, per second for rates,
//! a number for counts. [`Kind::format`] writes a value back the way the
//! tables show it.

use std::fmt;
use std::time::Duration;

/// What is measured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Metric {
    /// A response-time percentile, 0 < q ≤ 1 (`p95` is 0.95, `median` 0.5).
    Percentile(f64),
    /// The average response time.
    Avg,
    /// The smallest response time.
    Min,
    /// The largest response time.
    Max,
    /// Failures ÷ requests.
    FailRatio,
    /// Failures per second.
    FailuresPerSec,
    /// Requests per second.
    Rps,
    /// The number of requests.
    Requests,
    /// The number of failures.
    Failures,
    /// Checks that passed ÷ checks evaluated (`locust.check`, `u.check`).
    Checks,
}

/// The kind of figure a metric is, which decides its unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A response time, in milliseconds.
    Time,
    /// A ratio, 0 to 1 (shown as a percentage).
    Ratio,
    /// Events per second.
    Rate,
    /// A count.
    Count,
}

impl Metric {
    /// The kind of figure, hence the unit of its limit.
    pub fn kind(self) -> Kind {
        match self {
            Metric::Percentile(_) | Metric::Avg | Metric::Min | Metric::Max => Kind::Time,
            Metric::FailRatio | Metric::Checks => Kind::Ratio,
            Metric::FailuresPerSec | Metric::Rps => Kind::Rate,
            Metric::Requests | Metric::Failures => Kind::Count,
        }
    }

    /// The metric's canonical name: `p95`, `p99.9`, `avg`, `fail_ratio`,
    /// `failures/s`, `rps`, …
    pub fn name(self) -> String {
        match self {
            Metric::Percentile(q) => {
                let pct = format!("{:.4}", q * 100.0);
                format!("p{}", pct.trim_end_matches('0').trim_end_matches('.'))
            }
            Metric::Avg => "avg".into(),
            Metric::Min => "min".into(),
            Metric::Max => "max".into(),
            Metric::FailRatio => "fail_ratio".into(),
            Metric::FailuresPerSec => "failures/s".into(),
            Metric::Rps => "rps".into(),
            Metric::Requests => "requests".into(),
            Metric::Failures => "failures".into(),
            Metric::Checks => "checks".into(),
        }
    }
}

impl Kind {
    /// The unit word of this kind's values in outputs (`ms`, `ratio`, `/s`, ``).
    pub fn unit(self) -> &'static str {
        match self {
            Kind::Time => "ms",
            Kind::Ratio => "ratio",
            Kind::Rate => "/s",
            Kind::Count => "",
        }
    }

    /// A value of this kind for people: `123.4 ms`, `2.50%`, `12.3/s`, `42`.
    pub fn format(self, value: f64) -> String {
        match self {
            Kind::Time if value >= 10_000.0 => format!("{:.2} s", value / 1000.0),
            Kind::Time if value < 10.0 => format!("{value:.2} ms"),
            Kind::Time => format!("{value:.1} ms"),
            Kind::Ratio => format!("{:.2}%", value * 100.0),
            Kind::Rate => format!("{value:.2}/s"),
            Kind::Count => format!("{value:.0}"),
        }
    }
}

/// Which requests a threshold looks at: all of them (no key), the rows of one
/// name (any method), of one method or request type (any name), or one row.
/// For the `checks` metric: every check (no key) or the check of one name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    /// The request type (`GET`, `POST`, a custom protocol's `xmlrpc`).
    pub method: Option<String>,
    /// The statistics name.
    pub name: Option<String>,
    /// The check name (the `checks` metric only).
    pub check: Option<String>,
}

impl Scope {
    /// Whether this is every request (the Aggregated row), or every check.
    pub fn is_all(&self) -> bool {
        self.method.is_none() && self.name.is_none() && self.check.is_none()
    }

    /// Whether a row of (method, name) is in the scope.
    pub fn matches(&self, method: &str, name: &str) -> bool {
        self.method.as_deref().is_none_or(|m| m == method)
            && self.name.as_deref().is_none_or(|n| n == name)
    }
}

impl fmt::Display for Scope {
    /// `{method:GET,name:/cart}`, or nothing for every request.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_all() {
            return Ok(());
        }
        let quote = |v: &str| {
            if v.is_empty() || v.contains([',', '}', '"', '\\']) || v.contains(char::is_whitespace)
            {
                format!("\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\""))
            } else {
                v.to_owned()
            }
        };
        let mut parts = Vec::new();
        if let Some(method) = &self.method {
            parts.push(format!("method:{}", quote(method)));
        }
        if let Some(name) = &self.name {
            parts.push(format!("name:{}", quote(name)));
        }
        if let Some(check) = &self.check {
            parts.push(format!("check:{}", quote(check)));
        }
        write!(f, "{{{}}}", parts.join(","))
    }
}

/// How the measured value is compared with the limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl Op {
    /// Whether `value op limit` holds.
    pub fn holds(self, value: f64, limit: f64) -> bool {
        match self {
            Op::Lt => value < limit,
            Op::Le => value <= limit,
            Op::Gt => value > limit,
            Op::Ge => value >= limit,
        }
    }

    /// Whether `a` is a worse value than `b` for this comparison (larger for
    /// `<`/`<=`, smaller for `>`/`>=`).
    pub fn worse(self, a: f64, b: f64) -> bool {
        match self {
            Op::Lt | Op::Le => a > b,
            Op::Gt | Op::Ge => a < b,
        }
    }

    /// `<`, `<=`, `>` or `>=`.
    pub fn symbol(self) -> &'static str {
        match self {
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
        }
    }
}

/// One objective of the test.
#[derive(Debug, Clone, PartialEq)]
pub struct Threshold {
    /// The expression as the user wrote it (trimmed): the threshold's label.
    pub text: String,
    /// What is measured.
    pub metric: Metric,
    /// Which requests.
    pub scope: Scope,
    /// The comparison.
    pub op: Op,
    /// The limit, in the metric's base unit (see [`Kind`]).
    pub limit: f64,
    /// `over D`: judged on every trailing window of D, evaluated each
    /// second; `None`: on the whole run.
    pub window: Option<Duration>,
    /// `after D`: the first D of the test are ignored (not measured, not
    /// judged).
    pub after: Option<Duration>,
    /// `abort`: the test stops when the threshold fails while it runs;
    /// `abort after G`: when it has failed without a break for G.
    pub abort: Option<Duration>,
}

impl Threshold {
    /// The limit as the outputs show it, with its comparison: `< 300.0 ms`.
    pub fn limit_text(&self) -> String {
        format!(
            "{} {}",
            self.op.symbol(),
            self.metric.kind().format(self.limit)
        )
    }

    /// Whether a measured value meets the threshold.
    pub fn holds(&self, value: f64) -> bool {
        self.op.holds(value, self.limit)
    }
}

impl fmt::Display for Threshold {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}
