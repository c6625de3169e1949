//! locusta HTTP client.
