//! Checks of what the programs printed: a wanted piece of text, a line by
//! its prefix, `key=value` words.
//!
//! Shared by the tests of `crates/locusta` and `crates/wheel` (the wheel's
//! `tests/common` includes this file with `#[path]`).

/// Fails with the whole of `text` when it lacks `wanted`.
#[track_caller]
pub fn assert_contains(text: &str, wanted: &str) {
    assert!(text.contains(wanted), "{wanted:?} is missing from:\n{text}");
}

/// The line of `text` that starts with `prefix`, without it.
#[track_caller]
pub fn line<'a>(text: &'a str, prefix: &str) -> &'a str {
    text.lines()
        .find_map(|l| l.strip_prefix(prefix))
        .unwrap_or_else(|| panic!("no line starting with {prefix:?} in:\n{text}"))
}

/// `key=value` of a line of `key=value` words.
#[track_caller]
pub fn field<'a>(words: &'a str, key: &str) -> &'a str {
    words
        .split_whitespace()
        .find_map(|w| w.strip_prefix(key).and_then(|w| w.strip_prefix('=')))
        .unwrap_or_else(|| panic!("no {key}= in {words:?}"))
}

/// The number `key=N` of a line of `key=value` words.
#[track_caller]
pub fn number(words: &str, key: &str) -> u64 {
    field(words, key)
        .parse()
        .unwrap_or_else(|e| panic!("{key} in {words:?}: {e}"))
}
