//! The Prometheus text format (version 0.0.4), written by hand: a
//! [`TextWriter`] appends `# HELP`/`# TYPE` headers and sample lines to one
//! `String`, escaping what must be escaped.
//!
//! The rules followed (from the format's specification):
//!
//! * a label value is written between double quotes, with `\` as `\\`, `"`
//!   as `\"` and a line feed as `\n`; every other character, any Unicode,
//!   goes as it is (request names come from users' code and URLs);
//! * HELP text escapes `\` and line feeds (not quotes);
//! * values are Go-style floats: `+Inf`, `-Inf`, `NaN`, else a decimal
//!   number; integers are written exactly.
//!
//! Every sample of one metric follows its header, without a gap, as
//! `promtool check metrics` wants.

use std::fmt::Write as _;

/// The kind of a metric, as its `# TYPE` line says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Only goes up (resets when the process restarts or the statistics are reset).
    Counter,
    /// Any value now.
    Gauge,
    /// Cumulative `_bucket{le=…}` counts, `_sum` and `_count`.
    Histogram,
    /// `{quantile=…}` values, `_sum` and `_count`.
    Summary,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
            Kind::Histogram => "histogram",
            Kind::Summary => "summary",
        }
    }
}

/// A sample's value.
#[derive(Clone, Copy, Debug)]
pub enum Value {
    /// An exact count.
    Int(u64),
    /// Anything else.
    Float(f64),
}

impl From<u64> for Value {
    fn from(value: u64) -> Self {
        Value::Int(value)
    }
}

impl From<f64> for Value {
    fn from(value: f64) -> Self {
        Value::Float(value)
    }
}

/// The labels of one series, escaped once for all its samples (a row has
/// dozens: counters, buckets, quantiles).
pub struct Labels(String);

impl Labels {
    /// `label="value",…`, values escaped.
    pub fn new(labels: &[(&str, &str)]) -> Labels {
        let mut out = String::new();
        for (i, (label, text)) in labels.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(label);
            out.push_str("=\"");
            push_escaped(&mut out, text);
            out.push('"');
        }
        Labels(out)
    }
}

/// The text of a `/metrics` answer, built up metric by metric.
#[derive(Default)]
pub struct TextWriter {
    out: String,
}

impl TextWriter {
    /// An empty text with room for `capacity` bytes.
    pub fn with_capacity(capacity: usize) -> Self {
        TextWriter {
            out: String::with_capacity(capacity),
        }
    }

    /// Starts a metric: its `# HELP` and `# TYPE` lines.
    pub fn header(&mut self, name: &str, kind: Kind, help: &str) {
        self.out.push_str("# HELP ");
        self.out.push_str(name);
        self.out.push(' ');
        for c in help.chars() {
            match c {
                '\\' => self.out.push_str("\\\\"),
                '\n' => self.out.push_str("\\n"),
                c => self.out.push(c),
            }
        }
        self.out.push_str("\n# TYPE ");
        self.out.push_str(name);
        self.out.push(' ');
        self.out.push_str(kind.as_str());
        self.out.push('\n');
    }

    /// A comment line for people reading the text (`# ` and `text`, which
    /// must not hold a line feed; any is replaced by a space).
    pub fn comment(&mut self, text: &str) {
        self.out.push_str("# ");
        self.out
            .extend(text.chars().map(|c| if c == '\n' { ' ' } else { c }));
        self.out.push('\n');
    }

    /// One sample: `name{label="value",…} value`. Label names must be valid
    /// (they are constants of this crate); values are escaped.
    pub fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: impl Into<Value>) {
        self.sample_of(name, &Labels::new(labels), None, value);
    }

    /// One sample of a series whose labels are already escaped, with one
    /// more label (`le`, `quantile`) if given; its value must need no escaping.
    pub fn sample_of(
        &mut self,
        name: &str,
        labels: &Labels,
        extra: Option<(&str, &str)>,
        value: impl Into<Value>,
    ) {
        self.out.push_str(name);
        let mut sep = '{';
        if !labels.0.is_empty() {
            self.out.push('{');
            self.out.push_str(&labels.0);
            sep = ',';
        }
        if let Some((label, text)) = extra {
            self.out.push(sep);
            self.out.push_str(label);
            self.out.push_str("=\"");
            self.out.push_str(text);
            self.out.push('"');
            sep = ',';
        }
        if sep == ',' {
            self.out.push('}');
        }
        self.out.push(' ');
        push_value(&mut self.out, value.into());
        self.out.push('\n');
    }

    /// The text written so far.
    pub fn finish(self) -> String {
        self.out
    }
}

/// Appends a label value with `\`, `"` and line feeds escaped.
fn push_escaped(out: &mut String, text: &str) {
    if !text.contains(['\\', '"', '\n']) {
        out.push_str(text);
        return;
    }
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

/// Appends a value as the format writes numbers.
fn push_value(out: &mut String, value: Value) {
    match value {
        Value::Int(n) => {
            let _ = write!(out, "{n}");
        }
        Value::Float(f) if f.is_nan() => out.push_str("NaN"),
        Value::Float(f) if f == f64::INFINITY => out.push_str("+Inf"),
        Value::Float(f) if f == f64::NEG_INFINITY => out.push_str("-Inf"),
        Value::Float(f) => {
            let _ = write!(out, "{f}");
        }
    }
}

/// A bound of a histogram bucket as its `le` label writes it.
pub fn le_label(bound_seconds: f64) -> String {
    let mut out = String::new();
    push_value(&mut out, Value::Float(bound_seconds));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped() {
        let mut text = TextWriter::default();
        text.sample(
            "m",
            &[("name", "a\"b\\c\nd é"), ("method", "GET")],
            Value::Int(3),
        );
        assert_eq!(
            text.finish(),
            "m{name=\"a\\\"b\\\\c\\nd é\",method=\"GET\"} 3\n"
        );
    }

    #[test]
    fn escaped_labels_take_one_more() {
        let mut text = TextWriter::default();
        let labels = Labels::new(&[("name", "a\"b")]);
        text.sample_of("m", &labels, Some(("le", "0.5")), 1u64);
        text.sample_of("m", &labels, None, 2u64);
        text.sample_of("n", &Labels::new(&[]), Some(("quantile", "1")), 3u64);
        text.sample_of("o", &Labels::new(&[]), None, 4u64);
        assert_eq!(
            text.finish(),
            "m{name=\"a\\\"b\",le=\"0.5\"} 1\nm{name=\"a\\\"b\"} 2\nn{quantile=\"1\"} 3\no 4\n"
        );
    }

    #[test]
    fn values_are_written_as_go_floats() {
        let mut text = TextWriter::default();
        text.sample("a", &[], f64::INFINITY);
        text.sample("b", &[], f64::NAN);
        text.sample("c", &[], 0.0025);
        text.sample("d", &[], 1.0);
        text.sample("e", &[], u64::MAX);
        assert_eq!(
            text.finish(),
            "a +Inf\nb NaN\nc 0.0025\nd 1\ne 18446744073709551615\n"
        );
    }

    #[test]
    fn help_escapes_backslashes_and_line_feeds_only() {
        let mut text = TextWriter::default();
        text.header("m", Kind::Gauge, "a \"b\" \\ c\nd");
        text.comment("x\ny");
        assert_eq!(
            text.finish(),
            "# HELP m a \"b\" \\\\ c\\nd\n# TYPE m gauge\n# x y\n"
        );
    }
}
