//! The warning about too many request names: past a threshold, once per
//! process, naming the pattern most names share (ids in URLs, usually) and
//! how to group them.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Names before the warning, unless `LOCUSTA_NAME_WARNING` or
/// [`set_name_warning_threshold`] says otherwise.
pub const DEFAULT_NAME_WARNING: usize = 1000;

/// 0 means "not set yet": read the environment.
static THRESHOLD: AtomicUsize = AtomicUsize::new(0);
static WARNED: AtomicBool = AtomicBool::new(false);

/// Sets the number of request names past which the warning fires (0: never).
pub fn set_name_warning_threshold(names: usize) {
    THRESHOLD.store(names.saturating_add(1), Ordering::Relaxed);
}

/// The threshold in force: [`set_name_warning_threshold`]'s, else
/// `LOCUSTA_NAME_WARNING` (0 turns the warning off), else
/// [`DEFAULT_NAME_WARNING`]. `None` when off.
pub fn name_warning_threshold() -> Option<usize> {
    let stored = THRESHOLD.load(Ordering::Relaxed);
    let names = if stored > 0 {
        stored - 1
    } else {
        let names = std::env::var("LOCUSTA_NAME_WARNING")
            .ok()
            .and_then(|v| v.trim().parse::<usize>().ok())
            .unwrap_or(DEFAULT_NAME_WARNING);
        THRESHOLD.store(names.saturating_add(1), Ordering::Relaxed);
        names
    };
    (names > 0).then_some(names)
}

/// Whether a path or query segment looks like an id: all digits, a UUID or
/// a long hex string, or anything with four digits or more.
fn looks_like_id(segment: &str) -> bool {
    let digits = segment.bytes().filter(u8::is_ascii_digit).count();
    if digits == 0 {
        return false;
    }
    digits == segment.len()
        || digits >= 4
        || (segment.len() >= 8
            && segment
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || b == b'-' || b == b'_'))
}

/// A name with its id-like segments replaced by `{id}`.
pub fn name_pattern(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut segment = String::new();
    let flush = |segment: &mut String, out: &mut String| {
        if looks_like_id(segment) {
            out.push_str("{id}");
        } else {
            out.push_str(segment);
        }
        segment.clear();
    };
    for c in name.chars() {
        if matches!(c, '/' | '?' | '&' | '=' | ';' | ',' | '#' | '.' | ':') {
            flush(&mut segment, &mut out);
            out.push(c);
        } else {
            segment.push(c);
        }
    }
    flush(&mut segment, &mut out);
    out
}

/// The pattern most of `names` share: (pattern, how many, an example).
pub fn likely_culprit<'a>(names: impl Iterator<Item = &'a str>) -> Option<(String, usize, String)> {
    let mut counts: HashMap<String, (usize, &'a str)> = HashMap::new();
    for name in names {
        counts.entry(name_pattern(name)).or_insert((0, name)).0 += 1;
    }
    counts
        .into_iter()
        .max_by_key(|(_, (count, _))| *count)
        .map(|(pattern, (count, example))| (pattern, count, example.to_string()))
}

/// Warns once per process when `count` names passed the threshold; `names`
/// is only walked then.
pub(crate) fn check<'a>(count: usize, names: impl FnOnce() -> Vec<&'a str>) {
    let Some(threshold) = name_warning_threshold() else {
        return;
    };
    if count <= threshold || WARNED.swap(true, Ordering::Relaxed) {
        return;
    }
    let names = names();
    let culprit = match likely_culprit(names.iter().copied()) {
        Some((pattern, share, example)) if share > 1 && pattern != example => format!(
            " {share} of them look like \"{pattern}\" (e.g. \"{example}\"): ids in the URL \
             make a name each; give such requests one name, e.g. \
             self.client.get(url, name=\"{pattern}\")."
        ),
        _ => " Group requests that differ only by ids under one name (the name= \
              argument of the client's calls)."
            .to_string(),
    };
    log::warn!(
        "{count} request names so far (more than {threshold}; LOCUSTA_NAME_WARNING sets \
         this). Each name keeps its own statistics row.{culprit}"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_found_in_paths_and_queries() {
        assert_eq!(name_pattern("/item/123"), "/item/{id}");
        assert_eq!(name_pattern("/v2/users"), "/v2/users");
        assert_eq!(
            name_pattern("/u/3f2b9c1e-77aa-4c1b-9d2e-0a1b2c3d4e5f/cart?page=2&ref=abc"),
            "/u/{id}/cart?page={id}&ref=abc"
        );
        assert_eq!(name_pattern("/order-20261204"), "/{id}");
        let names = ["/item/1", "/item/2", "/item/3", "/", "/cart"];
        let (pattern, count, example) = likely_culprit(names.iter().copied()).unwrap();
        assert_eq!((pattern.as_str(), count), ("/item/{id}", 3));
        assert!(example.starts_with("/item/"));
    }
}
