//! demo target.
