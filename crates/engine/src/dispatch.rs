//! User dispatch.
