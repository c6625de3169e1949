//! The page and its files, embedded in the binary: no build step, no files
//! to install next to it.
//!
//! [`INDEX_HTML`] is filled in per request (see [`crate::api::page`]); every
//! other file is in [`ASSETS`] and served as it is at `{base}/assets/{path}`.

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
pub(crate) const ASSETS: &[Asset] = &[
    Asset {
        path: "app.js",
        content_type: "text/javascript",
        body: include_str!("../assets/app.js"),
    },
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
