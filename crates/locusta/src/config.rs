//! Configuration files and their precedence.
