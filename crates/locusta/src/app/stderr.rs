//! The console tables' corner of stderr: how wide the name column is (from
//! the terminal's width, as Locust's `STATS_NAME_WIDTH`) and writing a table
//! in one piece. The periodic tables (`background`) and the final ones
//! (`finish`) both print here.

use std::io::{IsTerminal, Write};

/// The name column width: Locust's `STATS_NAME_WIDTH`.
pub(super) fn stats_name_width() -> usize {
    let stderr = std::io::stderr();
    if !stderr.is_terminal() {
        return 80;
    }
    // SAFETY: TIOCGWINSZ fills the winsize struct we own.
    let mut size: libc::winsize = unsafe { std::mem::zeroed() };
    let ok = unsafe { libc::ioctl(libc::STDERR_FILENO, libc::TIOCGWINSZ, &mut size) } == 0;
    if ok && size.ws_col > 0 {
        (size.ws_col as usize).saturating_sub(80).min(80)
    } else {
        80
    }
}

/// Writes `text` to stderr at once (the console tables go there, as Locust's).
pub(super) fn print_stderr(text: &str) {
    let mut stderr = std::io::stderr().lock();
    let _ = stderr.write_all(text.as_bytes());
    let _ = stderr.flush();
}
