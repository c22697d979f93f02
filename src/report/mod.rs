//! Exporters, one per format, and the rule that files are written whole or not at all.

pub mod charts;
pub mod content;
pub mod doc;
pub mod full;
pub mod html;
pub mod json;
pub mod markdown;
pub mod terminal;
pub mod timeline;

pub use full::{Formats, OutFile, build, write};

use std::io::Write;
use std::path::Path;

use crate::error::WriteError;

/// Write `bytes` to `path` through a temporary file in the same folder, then rename, so a
/// reader never sees half a file and a failed run leaves the previous file intact.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    let err = |source| WriteError {
        path: path.to_path_buf(),
        source,
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).map_err(err)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    let tmp = dir.join(format!(".{name}.tmp{}", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(err)
}
