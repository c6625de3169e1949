//! [`ResponseTimes`]: the response-time histogram of one statistics row,
//! small while the row has few distinct times and an HDR histogram after.
//!
//! A request name seen a few times (the classic case: ids in URLs, thousands
//! of names) costs a few dozen bytes here instead of an HDR histogram's
//! 2–11 KiB. Both forms keep the same buckets: a time is recorded as the
//! highest value equivalent to it in an HDR histogram of 2 significant
//! digits, so percentiles, merges and what goes on the wire are the same
//! whichever form a row is in, and a row turns dense (with its counts) once
//! it has more than [`SPARSE_MAX`] distinct buckets or more than
//! [`SPARSE_MAX_TIMES`] times (a busy row records faster into the histogram).

use std::sync::OnceLock;

use hdrhistogram::Histogram;

/// Significant digits of the response-time histograms: ≤ 1 % relative error.
pub const SIGNIFICANT_DIGITS: u8 = 2;

/// Distinct buckets kept in the small form (16 bytes each) before a row gets
/// an HDR histogram.
pub const SPARSE_MAX: usize = 32;

/// Times recorded in the small form before a row gets its HDR histogram
/// whatever its spread: a row this busy is worth the histogram's few KiB,
/// and recording into it is cheaper than the small form's search.
pub const SPARSE_MAX_TIMES: u64 = 256;

/// The largest time recorded (µs, about 8.9 years); larger ones are clamped,
/// so that times from the network cannot make a histogram grow without end.
pub const MAX_US: u64 = 1 << 48;

/// An empty HDR histogram of the same precision: its bucket arithmetic
/// (which values are equivalent) does not depend on its counts.
fn reference() -> &'static Histogram<u64> {
    static REFERENCE: OnceLock<Histogram<u64>> = OnceLock::new();
    REFERENCE.get_or_init(|| {
        Histogram::new(SIGNIFICANT_DIGITS).expect("2 significant digits is a valid precision")
    })
}

#[derive(Debug, Clone)]
enum Form {
    /// (highest equivalent value, count), ascending, at most [`SPARSE_MAX`].
    Sparse(Vec<(u64, u64)>),
    Dense(Box<Histogram<u64>>),
}

/// Response times in microseconds, bucketed as an HDR histogram of
/// [`SIGNIFICANT_DIGITS`] digits.
#[derive(Debug, Clone)]
pub struct ResponseTimes {
    form: Form,
    total: u64,
}

impl Default for ResponseTimes {
    fn default() -> Self {
        Self::new()
    }
}

impl PartialEq for ResponseTimes {
    fn eq(&self, other: &Self) -> bool {
        self.total == other.total && self.buckets().eq(other.buckets())
    }
}

impl ResponseTimes {
    /// An empty histogram (no allocation).
    pub fn new() -> Self {
        ResponseTimes {
            form: Form::Sparse(Vec::new()),
            total: 0,
        }
    }

    /// Records one time.
    pub fn record(&mut self, us: u64) {
        self.record_n(us, 1);
    }

    /// Records `count` times `us` (clamped to [`MAX_US`]).
    pub fn record_n(&mut self, us: u64, count: u64) {
        if count == 0 {
            return;
        }
        let us = us.min(MAX_US);
        self.total = self.total.saturating_add(count);
        match &mut self.form {
            Form::Dense(histogram) => {
                if histogram.record_n(us, count).is_err() {
                    histogram.saturating_record_n(us, count);
                }
            }
            Form::Sparse(buckets) => {
                let key = reference().highest_equivalent(us);
                match buckets.binary_search_by_key(&key, |b| b.0) {
                    Ok(i) => buckets[i].1 = buckets[i].1.saturating_add(count),
                    Err(i) => buckets.insert(i, (key, count)),
                }
                if buckets.len() > SPARSE_MAX || self.total > SPARSE_MAX_TIMES {
                    self.densify();
                }
            }
        }
    }

    /// Turns the small form into an HDR histogram with the same counts.
    fn densify(&mut self) {
        if let Form::Sparse(buckets) = &self.form {
            let mut histogram = Histogram::new(SIGNIFICANT_DIGITS)
                .expect("2 significant digits is a valid precision");
            for &(us, count) in buckets {
                if histogram.record_n(us, count).is_err() {
                    histogram.saturating_record_n(us, count);
                }
            }
            self.form = Form::Dense(Box::new(histogram));
        }
    }

    /// Adds `other`'s counts (lossless: both have the same buckets).
    pub fn add(&mut self, other: &ResponseTimes) {
        if other.total == 0 {
            return;
        }
        if let (Form::Sparse(_), Form::Dense(_)) = (&self.form, &other.form) {
            self.densify();
        }
        match (&mut self.form, &other.form) {
            (Form::Dense(mine), Form::Dense(theirs)) => {
                if mine.add(theirs.as_ref()).is_err() {
                    for bucket in theirs.iter_recorded() {
                        mine.saturating_record_n(
                            bucket.value_iterated_to(),
                            bucket.count_at_value(),
                        );
                    }
                }
                self.total = self.total.saturating_add(other.total);
            }
            _ => {
                for (us, count) in other.buckets() {
                    self.record_n(us, count);
                }
            }
        }
    }

    /// Empties the histogram, keeping its allocation.
    pub fn reset(&mut self) {
        self.total = 0;
        match &mut self.form {
            Form::Sparse(buckets) => buckets.clear(),
            Form::Dense(histogram) => histogram.reset(),
        }
    }

    /// Recorded times.
    pub fn len(&self) -> u64 {
        self.total
    }

    /// Whether nothing is recorded.
    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// Whether the row has its HDR histogram (more than [`SPARSE_MAX`]
    /// distinct buckets, or more than [`SPARSE_MAX_TIMES`] times at once,
    /// seen since it was created).
    pub fn is_dense(&self) -> bool {
        matches!(self.form, Form::Dense(_))
    }

    /// The largest value the histogram can hold without growing (the small
    /// form holds any).
    pub fn high(&self) -> u64 {
        match &self.form {
            Form::Sparse(_) => MAX_US,
            Form::Dense(histogram) => histogram.high(),
        }
    }

    /// The recorded buckets, ascending: (highest value of the bucket in µs,
    /// count), as an HDR histogram's `iter_recorded` gives them.
    pub fn buckets(&self) -> Box<dyn Iterator<Item = (u64, u64)> + '_> {
        match &self.form {
            Form::Sparse(buckets) => Box::new(buckets.iter().copied()),
            Form::Dense(histogram) => Box::new(
                histogram
                    .iter_recorded()
                    .map(|b| (b.value_iterated_to(), b.count_at_value())),
            ),
        }
    }

    /// The middle of the bucket of `us`.
    pub fn median_equivalent(us: u64) -> u64 {
        reference().median_equivalent(us)
    }

    /// Whether `a` and `b` share a bucket.
    pub fn equivalent(a: u64, b: u64) -> bool {
        reference().equivalent(a, b)
    }

    /// Bytes this histogram holds on the heap (for the memory tests).
    pub fn heap_bytes(&self) -> usize {
        match &self.form {
            Form::Sparse(buckets) => buckets.capacity() * 16,
            Form::Dense(histogram) => {
                std::mem::size_of::<Histogram<u64>>() + histogram.distinct_values() * 8
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dense_of(values: &[(u64, u64)]) -> Histogram<u64> {
        let mut histogram = Histogram::new(SIGNIFICANT_DIGITS).unwrap();
        for &(us, n) in values {
            histogram.record_n(us, n).unwrap();
        }
        histogram
    }

    #[test]
    fn the_small_form_has_the_buckets_of_an_hdr_histogram() {
        let values: Vec<(u64, u64)> = [1, 2, 99, 255, 256, 1_000, 12_345, 99_999, 5_000_000]
            .iter()
            .enumerate()
            .map(|(i, &us)| (us, i as u64 + 1))
            .collect();
        let mut times = ResponseTimes::new();
        for &(us, n) in &values {
            times.record_n(us, n);
        }
        assert!(!times.is_dense());
        let hdr = dense_of(&values);
        let expected: Vec<(u64, u64)> = hdr
            .iter_recorded()
            .map(|b| (b.value_iterated_to(), b.count_at_value()))
            .collect();
        assert_eq!(times.buckets().collect::<Vec<_>>(), expected);
        assert_eq!(times.len(), hdr.len());
    }

    #[test]
    fn a_busy_row_turns_dense_with_the_same_counts() {
        let mut times = ResponseTimes::new();
        for i in 0..=SPARSE_MAX_TIMES {
            times.record(250 + i % 3);
        }
        assert!(times.is_dense());
        let values: Vec<(u64, u64)> = (0..=SPARSE_MAX_TIMES).map(|i| (250 + i % 3, 1)).collect();
        let hdr = dense_of(&values);
        assert!(times.buckets().eq(hdr
            .iter_recorded()
            .map(|b| (b.value_iterated_to(), b.count_at_value()))));
        assert_eq!(times.len(), SPARSE_MAX_TIMES + 1);
    }

    #[test]
    fn many_buckets_turn_dense_with_the_same_counts() {
        let mut times = ResponseTimes::new();
        let mut values = Vec::new();
        for i in 0..200u64 {
            let us = 100 + i * 37;
            times.record(us);
            values.push((us, 1));
        }
        assert!(times.is_dense());
        let mut sparse = ResponseTimes::new();
        sparse.record_n(150, 4);
        let mut merged = times.clone();
        merged.add(&sparse);
        let mut other_way = sparse.clone();
        other_way.add(&times);
        assert_eq!(merged, other_way);
        assert_eq!(merged.len(), 204);
        values.push((150, 4));
        let hdr = dense_of(&values);
        assert!(merged.buckets().eq(hdr
            .iter_recorded()
            .map(|b| (b.value_iterated_to(), b.count_at_value()))));
    }

    #[test]
    fn a_new_row_costs_little() {
        let mut times = ResponseTimes::new();
        assert_eq!(times.heap_bytes(), 0);
        times.record(12_345);
        assert!(times.heap_bytes() <= 64, "{}", times.heap_bytes());
        times.reset();
        assert!(times.is_empty());
        times.record_n(u64::MAX, u64::MAX);
        times.record(1);
        assert_eq!(times.len(), u64::MAX);
    }
}
