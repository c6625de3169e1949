//! The threshold grammar (taught with examples in `docs/thresholds.md`):
//!
//! ```text
//! threshold := metric [scope] op limit clause*
//! metric    := pNN | median | avg | min | max | fail_ratio | failures/s | checks
//!            | rps | requests/s | requests | failures
//! scope     := "{" key ":" value ("," key ":" value)* "}"      key: name | method
//!                                (for checks, key: check)
//! op        := "<" | "<=" | ">" | ">="
//! limit     := number [unit]     time: us, ms (default), s; ratio: % or 0–1;
//!                                rate: optional "/s"; count: a whole number
//! clause    := "over" span | "after" span | "abort" ["after" span]
//! span      := 30s | 2m | 1h | 1m30s | 45 (seconds)
//! ```
//!
//! Spaces are optional between parts; each clause appears at most once, in
//! any order (`after` right behind `abort` is the abort's grace period). A
//! scope value with spaces, `,` or `}` is written in double quotes (`\"`
//! and `\\` inside them). [`parse`] answers malformed input with a [`ParseError`] that names
//! the part it could not read, where it is, and what was expected there.

use std::time::Duration;

use crate::expr::{Kind, Metric, Op, Scope, Threshold};

/// A threshold that could not be read: the expression, the part at fault
/// and what was expected there.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("threshold '{text}': {found} (column {column}): expected {expected}")]
pub struct ParseError {
    /// The whole expression.
    pub text: String,
    /// The part that could not be read, quoted, or "the end" when input
    /// stopped short.
    pub found: String,
    /// Where it starts, counting characters from 1.
    pub column: usize,
    /// What was expected there.
    pub expected: String,
}

const METRICS: &str = "a metric: pNN (p50, p95, p99.9), median, avg, min, max, fail_ratio, failures/s, rps (or requests/s), requests, failures or checks";

/// Parses one threshold expression.
///
/// ```
/// use locusta_thresholds::parse;
/// let t = parse("p99.9{name:/cart} <= 1s over 30s after 10s abort after 5s").unwrap();
/// assert_eq!(t.metric.name(), "p99.9");
/// assert_eq!(t.limit, 1000.0);
/// assert!(parse("p95 < 300xs").unwrap_err().to_string().contains("'xs'"));
/// ```
pub fn parse(text: &str) -> Result<Threshold, ParseError> {
    let trimmed = text.trim();
    let mut cursor = Cursor {
        text: trimmed,
        chars: trimmed.chars().collect(),
        at: 0,
    };
    let metric = cursor.metric()?;
    cursor.skip_spaces();
    let scope = if cursor.peek() == Some('{') {
        cursor.scope(metric)?
    } else {
        Scope::default()
    };
    cursor.skip_spaces();
    let op = cursor.op()?;
    cursor.skip_spaces();
    let limit = cursor.limit(metric)?;
    let mut threshold = Threshold {
        text: trimmed.to_owned(),
        metric,
        scope,
        op,
        limit,
        window: None,
        after: None,
        abort: None,
    };
    cursor.clauses(&mut threshold)?;
    Ok(threshold)
}

struct Cursor<'a> {
    text: &'a str,
    chars: Vec<char>,
    at: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn skip_spaces(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.at += 1;
        }
    }

    /// Characters from `from` while `keep` holds; moves past them.
    fn take_while(&mut self, keep: impl Fn(char) -> bool) -> (usize, String) {
        let from = self.at;
        while self.peek().is_some_and(&keep) {
            self.at += 1;
        }
        (from, self.chars[from..self.at].iter().collect())
    }

    /// An error about the part starting at `from` (`part`, or the next word).
    fn error_at(&self, from: usize, part: Option<&str>, expected: impl Into<String>) -> ParseError {
        let found = match part {
            Some(part) if !part.is_empty() => format!("'{part}'"),
            _ if from >= self.chars.len() => "the end".to_owned(),
            _ => {
                let word: String = self.chars[from..]
                    .iter()
                    .take_while(|c| !c.is_whitespace())
                    .collect();
                format!("'{word}'")
            }
        };
        ParseError {
            text: self.text.to_owned(),
            found,
            column: from + 1,
            expected: expected.into(),
        }
    }

    fn metric(&mut self) -> Result<Metric, ParseError> {
        let (from, word) =
            self.take_while(|c| !c.is_whitespace() && !matches!(c, '{' | '<' | '>' | '=' | '!'));
        let metric = match word.as_str() {
            "avg" => Metric::Avg,
            "min" => Metric::Min,
            "max" => Metric::Max,
            "median" | "med" => Metric::Percentile(0.5),
            "fail_ratio" => Metric::FailRatio,
            "failures/s" => Metric::FailuresPerSec,
            "rps" | "requests/s" => Metric::Rps,
            "requests" => Metric::Requests,
            "failures" => Metric::Failures,
            "checks" => Metric::Checks,
            _ => match word.strip_prefix('p').map(str::parse::<f64>) {
                Some(Ok(pct))
                    if pct > 0.0
                        && pct <= 100.0
                        && word[1..].starts_with(|c: char| c.is_ascii_digit()) =>
                {
                    Metric::Percentile(pct / 100.0)
                }
                Some(Ok(_)) => {
                    return Err(self.error_at(
                        from,
                        Some(&word),
                        "a percentile above 0 and at most 100 (p50, p95, p99.9)",
                    ))
                }
                _ => return Err(self.error_at(from, Some(&word), METRICS)),
            },
        };
        Ok(metric)
    }

    fn scope(&mut self, metric: Metric) -> Result<Scope, ParseError> {
        self.at += 1; // '{'
        let mut scope = Scope::default();
        loop {
            self.skip_spaces();
            let (from, key) = self.take_while(|c| c.is_ascii_alphanumeric() || c == '_');
            let checks = metric == Metric::Checks;
            let slot = match key.as_str() {
                "check" if checks => &mut scope.check,
                _ if checks => {
                    return Err(self.error_at(from, Some(&key), "the scope key of checks: check"))
                }
                "name" => &mut scope.name,
                "method" => &mut scope.method,
                "class" | "user" | "user_class" | "tag" => {
                    return Err(self.error_at(
                        from,
                        Some(&key),
                        "name or method (statistics are kept per method and name, so a scope by user class or tag is not available yet)",
                    ))
                }
                "check" => {
                    return Err(self.error_at(
                        from,
                        Some(&key),
                        "name or method (check is the scope key of the checks metric)",
                    ))
                }
                _ => return Err(self.error_at(from, Some(&key), "a scope key: name or method")),
            };
            if slot.is_some() {
                return Err(self.error_at(from, Some(&key), "each scope key once"));
            }
            self.skip_spaces();
            if self.peek() != Some(':') {
                return Err(self.error_at(self.at, None, format!("':' after the scope key {key}")));
            }
            self.at += 1;
            self.skip_spaces();
            let value = self.scope_value(&key)?;
            *slot = Some(value);
            self.skip_spaces();
            match self.peek() {
                Some(',') => self.at += 1,
                Some('}') => {
                    self.at += 1;
                    return Ok(scope);
                }
                _ => {
                    return Err(self.error_at(
                        self.at,
                        None,
                        "',' or '}' in the scope (a value with spaces, ',' or '}' goes in double quotes)",
                    ))
                }
            }
        }
    }

    fn scope_value(&mut self, key: &str) -> Result<String, ParseError> {
        let from = self.at;
        if self.peek() == Some('"') {
            self.at += 1;
            let mut value = String::new();
            loop {
                match self.peek() {
                    None => {
                        return Err(self.error_at(
                            self.at,
                            None,
                            "the closing '\"' of the quoted value",
                        ))
                    }
                    Some('\\') if self.chars.get(self.at + 1).is_some() => {
                        value.push(self.chars[self.at + 1]);
                        self.at += 2;
                    }
                    Some('"') => {
                        self.at += 1;
                        return Ok(value);
                    }
                    Some(c) => {
                        value.push(c);
                        self.at += 1;
                    }
                }
            }
        }
        let (_, value) = self.take_while(|c| c != ',' && c != '}' && !c.is_whitespace());
        if value.is_empty() {
            return Err(self.error_at(from, None, format!("a value for the scope key {key}")));
        }
        Ok(value)
    }

    fn op(&mut self) -> Result<Op, ParseError> {
        let from = self.at;
        let (op, len) = match (self.peek(), self.chars.get(self.at + 1)) {
            (Some('<'), Some('=')) => (Op::Le, 2),
            (Some('<'), _) => (Op::Lt, 1),
            (Some('>'), Some('=')) => (Op::Ge, 2),
            (Some('>'), _) => (Op::Gt, 1),
            _ => {
                let (_, part) = self.take_while(|c| !c.is_whitespace() && !c.is_ascii_digit());
                return Err(self.error_at(from, Some(&part), "a comparison: <, <=, > or >="));
            }
        };
        self.at += len;
        Ok(op)
    }

    fn number(&mut self, what: &str) -> Result<(usize, f64), ParseError> {
        let (from, digits) = self.take_while(|c| c.is_ascii_digit() || c == '.');
        match digits.parse::<f64>() {
            Ok(value) if value.is_finite() && !digits.starts_with('.') => Ok((from, value)),
            _ => Err(self.error_at(from, Some(&digits), what)),
        }
    }

    fn limit(&mut self, metric: Metric) -> Result<f64, ParseError> {
        let kind = metric.kind();
        let expected = match kind {
            Kind::Time => "a time limit such as 300ms, 1.5s or 800us",
            Kind::Ratio => "a ratio such as 1% or 0.01",
            Kind::Rate => "a rate such as 100 or 100/s",
            Kind::Count => "a whole number",
        };
        let (from, value) = self.number(expected)?;
        // The unit is glued on or after spaces; clause words are not units.
        let save = self.at;
        self.skip_spaces();
        let (unit_at, unit) = self.take_while(|c| !c.is_whitespace());
        let unit = match unit.as_str() {
            "over" | "after" | "abort" | "" => {
                self.at = save;
                None
            }
            _ => Some(unit),
        };
        let bad_unit = |cursor: &Self, unit: &str, units: &str| {
            Err(cursor.error_at(
                unit_at,
                Some(unit),
                format!("{units} after {}", &cursor.text_of(from, unit_at)),
            ))
        };
        match (kind, unit.as_deref()) {
            (Kind::Time, None | Some("ms")) => Ok(value),
            (Kind::Time, Some("s")) => Ok(value * 1000.0),
            (Kind::Time, Some("us" | "µs")) => Ok(value / 1000.0),
            (Kind::Time, Some(unit)) => bad_unit(self, unit, "a time unit (us, ms or s)"),
            (Kind::Ratio, Some("%")) if value <= 100.0 => Ok(value / 100.0),
            (Kind::Ratio, None) if value <= 1.0 => Ok(value),
            (Kind::Ratio, Some("%") | None) => Err(self.error_at(
                from,
                Some(&self.text_of(from, self.at)),
                "a ratio from 0 to 1, or a percentage up to 100%",
            )),
            (Kind::Ratio, Some(unit)) => bad_unit(self, unit, "'%' or nothing"),
            (Kind::Rate, None | Some("/s")) => Ok(value),
            (Kind::Rate, Some(unit)) => bad_unit(self, unit, "'/s' or nothing"),
            (Kind::Count, None) if value.fract() == 0.0 => Ok(value),
            (Kind::Count, None) => {
                Err(self.error_at(from, Some(&self.text_of(from, self.at)), "a whole number"))
            }
            (Kind::Count, Some(unit)) => bad_unit(self, unit, "no unit (a count)"),
        }
    }

    fn text_of(&self, from: usize, to: usize) -> String {
        self.chars[from..to]
            .iter()
            .collect::<String>()
            .trim()
            .to_owned()
    }

    fn clauses(&mut self, threshold: &mut Threshold) -> Result<(), ParseError> {
        const CLAUSES: &str = "the end, or a clause: over 30s, after 10s, abort, abort after 5s";
        loop {
            self.skip_spaces();
            if self.peek().is_none() {
                return Ok(());
            }
            let (from, word) = self.take_while(|c| !c.is_whitespace());
            match word.as_str() {
                "over" if threshold.window.is_none() => {
                    let span = self.span("over")?;
                    threshold.window = Some(span);
                }
                "after" if threshold.after.is_none() => threshold.after = Some(self.span("after")?),
                "abort" if threshold.abort.is_none() => {
                    let save = self.at;
                    self.skip_spaces();
                    let (_, next) = self.take_while(|c| !c.is_whitespace());
                    threshold.abort = Some(if next == "after" {
                        self.span("abort after")?
                    } else {
                        self.at = save;
                        Duration::ZERO
                    });
                }
                "over" | "after" | "abort" => {
                    return Err(self.error_at(
                        from,
                        Some(&word),
                        format!("each clause once ('{word}' is given twice)"),
                    ))
                }
                _ => return Err(self.error_at(from, Some(&word), CLAUSES)),
            }
        }
    }

    /// A time span after `clause`: `30s`, `2m`, `1h`, `1m30s`, `45`.
    fn span(&mut self, clause: &str) -> Result<Duration, ParseError> {
        self.skip_spaces();
        let (from, word) = self.take_while(|c| !c.is_whitespace());
        let expected = format!("a time span after '{clause}' (30s, 2m, 1h, 1m30s, or seconds)");
        let span =
            timespan(&word).ok_or_else(|| self.error_at(from, Some(&word), expected.clone()))?;
        if clause == "over" && span.is_zero() {
            return Err(self.error_at(from, Some(&word), "a window of at least 1s"));
        }
        Ok(span)
    }
}

/// `[<n>h][<n>m][<n>s]` (at least one part) or a bare number of seconds.
fn timespan(text: &str) -> Option<Duration> {
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse().ok().map(Duration::from_secs);
    }
    let mut seconds: u64 = 0;
    let mut rest = text;
    let mut parts = 0;
    for (unit, factor) in [('h', 3600u64), ('m', 60), ('s', 1)] {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 && rest[digits..].starts_with(unit) {
            let value: u64 = rest[..digits].parse().ok()?;
            seconds = seconds.checked_add(value.checked_mul(factor)?)?;
            rest = &rest[digits + 1..];
            parts += 1;
        }
    }
    (rest.is_empty() && parts > 0).then(|| Duration::from_secs(seconds))
}
