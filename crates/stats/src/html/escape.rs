//! HTML escaping: the one way locusta puts a string from the test (a request
//! name, an error, a traceback, the host, …) into a page.
//!
//! Escaping the five characters HTML gives a meaning to (`&`, `<`, `>`, `"`,
//! `'`) is enough for both text and quoted attribute values, so one function
//! serves both. Everything else, non-ASCII included, is kept as is: the pages
//! are UTF-8.
//!
//! ```
//! use locusta_stats::html::escape;
//!
//! assert_eq!(escape("<b title='x'>a & b</b>"), "&lt;b title=&#39;x&#39;&gt;a &amp; b&lt;/b&gt;");
//! assert_eq!(escape("\"ünïcode\""), "&quot;ünïcode&quot;");
//! ```

/// Escapes `&`, `<`, `>`, `"` and `'` for HTML text and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}
