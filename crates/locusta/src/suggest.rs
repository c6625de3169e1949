//! "Did you mean …?" for configuration keys: a key in a config file or
//! `pyproject.toml` that locusta does not know is answered with the known key
//! closest to it — Locust's attribute name for an option (`num_users` →
//! `users`), underscores where dashes belong, or a small typo (an edit
//! distance of at most 2). `config.rs` asks; this module only compares names.

/// The known key closest to `key`: Locust's attribute names (`num_users`),
/// underscores for dashes, or a small typo.
pub(crate) fn closest_key<'a>(key: &str, keys: &[&'a str]) -> Option<&'a str> {
    let aliases = [
        ("num_users", "users"),
        ("list_commands", "list"),
        ("csv_prefix", "csv"),
        ("stats_history_enabled", "csv-full-history"),
        ("html_file", "html"),
    ];
    let wanted = aliases.iter().find(|(alias, _)| *alias == key).map_or_else(
        || key.replace('_', "-").to_ascii_lowercase(),
        |(_, k)| k.to_string(),
    );
    let limit = (wanted.chars().count() / 3).max(2);
    keys.iter()
        .map(|k| (edit_distance(&wanted, k), *k))
        .filter(|(distance, _)| *distance <= limit)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            current.push(
                (previous[j] + cost)
                    .min(previous[j + 1] + 1)
                    .min(current[j] + 1),
            );
        }
        previous = current;
    }
    previous[b.len()]
}
