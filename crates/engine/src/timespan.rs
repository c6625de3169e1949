//! Locust's time spans: `20`, `20s`, `3m`, `2h`, `1h20m`, `3h30m10s`.
//!
//! Used for `--run-time` and every option that takes a duration the way
//! Locust writes it; a bare number is seconds.
//!
//! ```
//! use std::time::Duration;
//! use locusta_engine::timespan::parse_timespan;
//!
//! assert_eq!(parse_timespan("1h20m").unwrap(), Duration::from_secs(4800));
//! assert!(parse_timespan("soon").is_err());
//! ```

use std::time::Duration;

/// The error text Locust prints for a malformed time span.
pub const TIMESPAN_ERROR: &str =
    "Invalid time span format. Valid formats: 20, 20s, 3m, 2h, 1h20m, 3h30m10s, etc.";

/// A malformed time span; it reads as [`TIMESPAN_ERROR`], Locust's message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{}", TIMESPAN_ERROR)]
pub struct TimespanError;

/// Parses a time span: a bare integer is seconds; otherwise the whole string must
/// be `[<n>h][<n>m][<n>s]` in that order, with at least one part.
pub fn parse_timespan(text: &str) -> Result<Duration, TimespanError> {
    if text.is_empty() {
        return Err(TimespanError);
    }
    if text.bytes().all(|b| b.is_ascii_digit()) {
        return text
            .parse::<u64>()
            .map(Duration::from_secs)
            .map_err(|_| TimespanError);
    }
    let mut seconds: u64 = 0;
    let mut rest = text;
    let mut parts = 0;
    for (unit, factor) in [('h', 3600u64), ('m', 60), ('s', 1)] {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 && rest[digits..].starts_with(unit) {
            let value: u64 = rest[..digits].parse().map_err(|_| TimespanError)?;
            seconds = value
                .checked_mul(factor)
                .and_then(|v| seconds.checked_add(v))
                .ok_or(TimespanError)?;
            rest = &rest[digits + 1..];
            parts += 1;
        }
    }
    if rest.is_empty() && parts > 0 {
        Ok(Duration::from_secs(seconds))
    } else {
        Err(TimespanError)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_locust_formats() {
        for (text, secs) in [
            ("20", 20),
            ("20s", 20),
            ("3m", 180),
            ("2h", 7200),
            ("1h20m", 4800),
            ("3h30m10s", 12610),
            ("90s", 90),
            ("1h1s", 3601),
            ("0", 0),
        ] {
            assert_eq!(
                parse_timespan(text),
                Ok(Duration::from_secs(secs)),
                "{text}"
            );
        }
    }

    #[test]
    fn rejects_everything_else_with_locusts_message() {
        for text in [
            "", "1d", "1.5s", "1 h", "s", "10m1h", "-5", "1h 2m", "abc", "5x", "1m1m",
        ] {
            assert_eq!(parse_timespan(text), Err(TimespanError), "{text}");
            assert_eq!(TimespanError.to_string(), TIMESPAN_ERROR);
        }
    }
}
