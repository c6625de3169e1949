//! locusta.
