//! CSV files (`--csv PREFIX`).
