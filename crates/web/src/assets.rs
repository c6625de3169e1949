//! The page and its files, embedded in the binary: no build step, no files
//! to install next to it.
//!
//! [`INDEX_HTML`] is filled in per request (see [`crate::api::page`]); every
//! other file is in [`ASSETS`] and served as it is at `{base}/assets/{path}`.
//! The script is native ES modules (`<script type="module">`), loaded by
//! the browser through their relative `import`s: a new module goes in
//! `assets/js/` and in this table.

/// The page; `{{BASE}}` and `{{TEMPLATE_ARGS}}` are filled in when served.
pub(crate) const INDEX_HTML: &str = include_str!("../assets/index.html");

/// A file served at `{base}/assets/{path}`.
pub(crate) struct Asset {
    /// The path below `/assets/`.
    pub(crate) path: &'static str,
    /// Its `Content-Type`.
    pub(crate) content_type: &'static str,
    /// Its contents.
    pub(crate) body: &'static str,
}

/// The page's files.
/// A JavaScript module.
const fn js(path: &'static str, body: &'static str) -> Asset {
    Asset {
        path,
        content_type: "text/javascript",
        body,
    }
}

/// The page's files: its entry module `app.js`, the modules it imports
/// (`js/`, one per part of the page), the style sheet and the icon.
pub(crate) const ASSETS: &[Asset] = &[
    js("app.js", include_str!("../assets/app.js")),
    js("js/api.js", include_str!("../assets/js/api.js")),
    js("js/chart.js", include_str!("../assets/js/chart.js")),
    js("js/form.js", include_str!("../assets/js/form.js")),
    js("js/format.js", include_str!("../assets/js/format.js")),
    js("js/generator.js", include_str!("../assets/js/generator.js")),
    js("js/html.js", include_str!("../assets/js/html.js")),
    js(
        "js/stats-table.js",
        include_str!("../assets/js/stats-table.js"),
    ),
    js("js/store.js", include_str!("../assets/js/store.js")),
    js(
        "js/tab-charts.js",
        include_str!("../assets/js/tab-charts.js"),
    ),
    js(
        "js/tab-downloads.js",
        include_str!("../assets/js/tab-downloads.js"),
    ),
    js(
        "js/tab-exceptions.js",
        include_str!("../assets/js/tab-exceptions.js"),
    ),
    js(
        "js/tab-extended.js",
        include_str!("../assets/js/tab-extended.js"),
    ),
    js(
        "js/tab-failures.js",
        include_str!("../assets/js/tab-failures.js"),
    ),
    js("js/tab-logs.js", include_str!("../assets/js/tab-logs.js")),
    js("js/tab-ratio.js", include_str!("../assets/js/tab-ratio.js")),
    js(
        "js/tab-workers.js",
        include_str!("../assets/js/tab-workers.js"),
    ),
    js("js/tabs.js", include_str!("../assets/js/tabs.js")),
    js(
        "js/thresholds.js",
        include_str!("../assets/js/thresholds.js"),
    ),
    Asset {
        path: "app.css",
        content_type: "text/css",
        body: include_str!("../assets/app.css"),
    },
    Asset {
        path: "favicon.svg",
        content_type: "image/svg+xml",
        body: include_str!("../assets/favicon.svg"),
    },
];

#[cfg(test)]
mod tests {
    use super::ASSETS;

    /// Every module in `assets/js/` is served, and every module a served
    /// module imports is too (a missing one would break the page).
    #[test]
    fn every_module_and_import_is_in_the_table() {
        let served = |path: &str| ASSETS.iter().any(|asset| asset.path == path);
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/js");
        for file in std::fs::read_dir(dir).expect("assets/js") {
            let name = file.expect("a file").file_name();
            let path = format!("js/{}", name.to_string_lossy());
            assert!(served(&path), "{path} is not in ASSETS");
        }
        for asset in ASSETS.iter().filter(|a| a.path.ends_with(".js")) {
            let folder = asset.path.rsplit_once('/').map_or("", |(folder, _)| folder);
            for line in asset.body.lines().filter(|l| l.starts_with("import ")) {
                let target = line.split('"').nth(1).expect("a quoted path");
                let relative = target.strip_prefix("./").expect("a relative import");
                let path = match folder {
                    "" => relative.to_string(),
                    folder => format!("{folder}/{relative}"),
                };
                assert!(
                    served(&path),
                    "{} imports {path}, not in ASSETS",
                    asset.path
                );
            }
        }
    }
}
