//! locusta engine.
pub mod dispatch;
