//! The page, its script, its style sheet and icon, embedded in the binary.

/// The page; `{{BASE}}` and `{{TEMPLATE_ARGS}}` are filled in when served.
pub(crate) const INDEX_HTML: &str = include_str!("../assets/index.html");
/// The whole UI's script (plain JavaScript, no build step).
pub(crate) const APP_JS: &str = include_str!("../assets/app.js");
/// The style sheet, with the light and dark themes.
pub(crate) const APP_CSS: &str = include_str!("../assets/app.css");
/// The tab icon.
pub(crate) const FAVICON: &str = include_str!("../assets/favicon.svg");
