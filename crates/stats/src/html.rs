//! The HTML report (`--html FILE`).
