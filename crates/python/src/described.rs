//! User classes as the Python side describes them: the JSON that
//! `locust.main._describe` writes for each class when the locustfile loads
//! and when the web UI edits a class. It is the engine's
//! [`ClassDescriptor`] (name, weight, fixed count, host, task ratios,
//! available tasks), read as it is, with the one thing only this crate
//! needs beside it: whether the class needs a host.

use locusta_engine::class_descriptor::ClassDescriptor;

/// A user class as the Python side describes it (`locust.main._describe`).
#[derive(serde::Deserialize)]
pub(crate) struct DescribedClass {
    /// The class, as the engine describes every class.
    #[serde(flatten)]
    pub(crate) class: ClassDescriptor,
    /// Whether its users make HTTP requests (an `HttpUser` or
    /// `FastHttpUser`), so that a start must have a host for them.
    pub(crate) needs_host: bool,
}

impl DescribedClass {
    /// Reads one class's JSON.
    pub(crate) fn parse(described: &str) -> Result<DescribedClass, String> {
        serde_json::from_str(described)
            .map_err(|e| format!("bad class description from Python ({e}): {described}"))
    }
}
