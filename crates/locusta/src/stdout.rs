//! Standard output that never panics.
//!
//! `println!` panics when standard output is a closed pipe (`locusta … |
//! head -1`) or a full device (`> /dev/full`). Here a closed pipe ends
//! output quietly, as Unix tools do (the reader has what it wanted; the run
//! and its other outputs go on), and any other error comes back as a
//! [`StdoutError`] for the caller to report.

use std::io::{ErrorKind, Write};
use std::sync::atomic::{AtomicBool, Ordering};

/// Set once a write found the reading end of standard output gone.
static CLOSED: AtomicBool = AtomicBool::new(false);

/// Standard output could not be written (other than a closed pipe).
#[derive(Debug, thiserror::Error)]
#[error("cannot write to standard output: {0}")]
pub struct StdoutError(pub std::io::Error);

/// Writes `text` to standard output and flushes it. A closed pipe is not an
/// error (later writes are skipped); anything else is, and says why.
pub fn write(text: &str) -> Result<(), StdoutError> {
    if CLOSED.load(Ordering::Relaxed) {
        return Ok(());
    }
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == ErrorKind::BrokenPipe => {
            CLOSED.store(true, Ordering::Relaxed);
            Ok(())
        }
        Err(error) => Err(StdoutError(error)),
    }
}

/// [`write`] with a line end.
pub fn line(text: &str) -> Result<(), StdoutError> {
    write(&format!("{text}\n"))
}
