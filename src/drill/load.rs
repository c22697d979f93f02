//! Loading a drill record: the file's text, its rows ([`parse`](super::parse)), checked
//! against the scenario ([`checker`](super::checker)) into a [`Record`].

use std::path::Path;

use super::{Record, checker, parse};
use crate::error::{RecordError, RecordErrorKind as Kind};
use crate::model::Scenario;

/// Largest record file read (16 MiB: a drill of a few thousand rows is a few hundred KiB).
pub const MAX_RECORD_BYTES: u64 = 16 * 1024 * 1024;

/// Read and check the record at `path` against `sc`.
pub fn load(path: &Path, sc: &Scenario) -> Result<Record, RecordError> {
    load_str(path, &read_text(path)?, sc)
}

/// The text of a record file (or of an incident tool's export): a regular file of at most
/// [`MAX_RECORD_BYTES`], UTF-8.
pub fn read_text(path: &Path) -> Result<String, RecordError> {
    let unreadable = |message: String, help: Option<String>| RecordError {
        kind: Kind::Unreadable,
        path: path.to_path_buf(),
        position: None,
        message,
        help,
    };
    let meta = std::fs::metadata(path).map_err(|e| unreadable(format!("cannot read the record: {e}"), None))?;
    if !meta.is_file() {
        return Err(unreadable(
            "not a regular file".into(),
            Some("name a drill record file (.csv or .jsonl)".into()),
        ));
    }
    if meta.len() > MAX_RECORD_BYTES {
        return Err(unreadable(
            format!(
                "the file is {} bytes; a drill record is at most {MAX_RECORD_BYTES} bytes (16 MiB)",
                meta.len()
            ),
            None,
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| unreadable(format!("cannot read the record: {e}"), None))?;
    String::from_utf8(bytes).map_err(|_| unreadable("the file is not UTF-8 text".into(), None))
}

/// Check the record `text` (read from `path`, whose extension picks the form) against `sc`.
pub fn load_str(path: &Path, text: &str, sc: &Scenario) -> Result<Record, RecordError> {
    let (header, rows) = parse::rows(path, text)?;
    checker::check(path, sc, header, rows)
}
