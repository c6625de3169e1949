//! `--json` / `--json-file` output.
