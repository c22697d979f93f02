//! Reading a scenario's files: the exercise file and everything it includes, depth first.
//!
//! Only what a scenario should be is read: regular files (never a device, a FIFO or piped
//! stdin), inside the scenario's root folder, within a size limit counted while reading (a
//! file that grows after its size was looked at is still cut off), and within a total over
//! all included files. A file is parsed only after it passed these checks, so a TOML error
//! never quotes a file that is not a scenario.

use std::collections::HashSet;
use std::io::Read;
use std::ops::Range;
use std::path::{Path, PathBuf};

use super::raw::RawFile;
use super::{Part, Source, parse_toml};
use crate::error::{ScenarioError, ScenarioErrorKind as K};
use crate::model::limits::{MAX_FILE_BYTES, MAX_INCLUDE_DEPTH, MAX_INCLUDED_FILES, MAX_TOTAL_BYTES};

const INCLUDE_HELP: &str = "paths in `include` are relative to the folder of the file that includes them";

/// What went wrong reading one file, without its path (the caller names it).
struct ReadError {
    kind: K,
    message: String,
    help: Option<String>,
}

fn read_error(kind: K, message: impl Into<String>, help: Option<&str>) -> ReadError {
    ReadError {
        kind,
        message: message.into(),
        help: help.map(str::to_string),
    }
}

/// The files read so far and what they may still add up to.
pub(super) struct Reader {
    /// Canonical root folder: every file read lies below it.
    root: PathBuf,
    /// The root as given, for messages.
    root_shown: PathBuf,
    /// Parsed files, includes before the files that include them.
    pub parts: Vec<Part>,
    /// Canonical paths of `parts`, so a file included twice counts once (in constant time).
    read: HashSet<PathBuf>,
    /// The chain of files being read: canonical path and path as shown.
    stack: Vec<(PathBuf, PathBuf)>,
    /// Canonical paths on `stack`, for the cycle test.
    on_stack: HashSet<PathBuf>,
    /// Bytes read so far over all files.
    total: u64,
    /// Files opened so far (the exercise file too).
    files: usize,
}

impl Reader {
    /// A reader whose files must lie below `root`.
    pub fn new(root: &Path) -> Reader {
        let root_shown = if root.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            root.to_path_buf()
        };
        Reader {
            root: canonical(&root_shown),
            root_shown,
            parts: Vec::new(),
            read: HashSet::new(),
            stack: Vec::new(),
            on_stack: HashSet::new(),
            total: 0,
            files: 0,
        }
    }

    /// Read `path` (the exercise file) and everything it includes.
    pub fn read_exercise(&mut self, path: &Path) -> Result<(), ScenarioError> {
        self.read_tree(path, None)
    }

    /// Take `text` as the exercise file at `path` (not read from disk) and read its includes.
    pub fn given_exercise(&mut self, path: &Path, text: &str) -> Result<(), ScenarioError> {
        let src = Source {
            path: path.to_path_buf(),
            text: text.to_string(),
        };
        self.files += 1;
        self.parse_with_includes(canonical(path), src)
    }

    /// Parse `src` (which passed every check) and read its includes before it.
    fn parse_with_includes(&mut self, key: PathBuf, src: Source) -> Result<(), ScenarioError> {
        let raw = parse_toml(&src)?;
        self.enter(key.clone(), tidy(&src.path));
        self.includes(&src, &raw)?;
        self.leave(&key);
        self.read.insert(key);
        self.parts.push(Part { src, raw });
        Ok(())
    }

    fn enter(&mut self, key: PathBuf, shown: PathBuf) {
        self.on_stack.insert(key.clone());
        self.stack.push((key, shown));
    }

    fn leave(&mut self, key: &Path) {
        self.stack.pop();
        self.on_stack.remove(key);
    }

    /// Depth-first: a file's includes come before the file itself, in the order listed.
    fn read_tree(&mut self, path: &Path, from: Option<(&Source, Range<usize>)>) -> Result<(), ScenarioError> {
        // A file that cannot be read is reported where it is included, or as itself.
        let at = |e: ReadError| match &from {
            Some((src, span)) => src.error(
                e.kind,
                span.clone(),
                format!("included file {}: {}", tidy(path).display(), e.message),
                e.help.or_else(|| Some(INCLUDE_HELP.to_string())),
            ),
            None => ScenarioError {
                kind: e.kind,
                path: path.to_path_buf(),
                position: None,
                message: e.message,
                help: e.help,
            },
        };
        let key = canonical(path);
        if self.on_stack.contains(&key) {
            let message = self.cycle_message(&key, path);
            let help = Some("remove one `include` of the cycle".to_string());
            return Err(match &from {
                Some((src, span)) => src.error(K::Cycle, span.clone(), message, help),
                None => ScenarioError {
                    kind: K::Cycle,
                    path: path.to_path_buf(),
                    position: None,
                    message,
                    help,
                },
            });
        }
        if self.stack.len() > MAX_INCLUDE_DEPTH {
            return Err(at(read_error(
                K::TooMany,
                format!("includes nest deeper than {MAX_INCLUDE_DEPTH} files"),
                Some("include the parts from the exercise file directly"),
            )));
        }
        if self.read.contains(&key) {
            return Ok(()); // included twice through different files: its sections count once
        }
        self.files += 1;
        if self.files > MAX_INCLUDED_FILES {
            return Err(at(read_error(
                K::TooMany,
                format!("more than {MAX_INCLUDED_FILES} files are included"),
                Some("a scenario is a few files; merge parts that belong together"),
            )));
        }
        self.inside_root(&key, path).map_err(at)?;
        let text = read_text(path, &key, MAX_TOTAL_BYTES.saturating_sub(self.total)).map_err(at)?;
        self.total += text.len() as u64;
        let src = Source {
            path: path.to_path_buf(),
            text,
        };
        self.parse_with_includes(key, src)
    }

    /// The files of an include cycle, from the one included again back to it.
    fn cycle_message(&self, key: &Path, path: &Path) -> String {
        let from_here = self.stack.iter().position(|(k, _)| k == key).unwrap_or(0);
        let chain: Vec<String> = self.stack[from_here..]
            .iter()
            .map(|(_, shown)| shown.display().to_string())
            .chain(std::iter::once(tidy(path).display().to_string()))
            .collect();
        format!("include cycle: {}", chain.join(", which includes "))
    }

    /// Refuse a file whose real place (symbolic links followed) is outside the root. A file
    /// that does not exist is left to the read, which says so.
    fn inside_root(&self, key: &Path, path: &Path) -> Result<(), ReadError> {
        if !path.exists() || key.starts_with(&self.root) {
            return Ok(());
        }
        Err(read_error(
            K::OutsideRoot,
            format!("it is outside the scenario's folder {}", self.root_shown.display()),
            Some("a scenario reads only files below the folder of its exercise file (or the root it is given); copy the part there"),
        ))
    }

    fn includes(&mut self, src: &Source, raw: &RawFile) -> Result<(), ScenarioError> {
        for inc in raw.include.iter().flatten() {
            let dir = src.path.parent().unwrap_or(Path::new(""));
            let p = dir.join(inc.get_ref());
            self.read_tree(&p, Some((src, inc.span())))?;
        }
        Ok(())
    }
}

fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// Open for reading without blocking: should the path become a FIFO between the look at its
/// metadata and the open, the open does not wait for a writer (and the handle's own metadata
/// then refuses it).
fn open_nonblocking(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    options.open(path)
}

/// The text of a regular file of at most [`MAX_FILE_BYTES`] (and at most `budget`, what the
/// total over all files leaves).
///
/// `checked` is the real path that was found inside the root: the file opened must be that
/// file, so a link swapped between the check and the open is refused.
fn read_text(path: &Path, checked: &Path, budget: u64) -> Result<String, ReadError> {
    let io = |e: std::io::Error| match e.kind() {
        std::io::ErrorKind::NotFound => read_error(K::NotFound, "no such file", None),
        _ => read_error(K::Unreadable, format!("cannot read it: {e}"), None),
    };
    let not_a_file = || {
        read_error(
            K::NotAFile,
            "this is not a regular file (a device, a pipe or a socket)",
            Some("give a scenario file (.toml); scenarios are not read from pipes or devices"),
        )
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if meta.is_dir() {
        return Err(read_error(
            K::NotAFile,
            "this is a folder, not a file",
            Some("give a scenario file (.toml)"),
        ));
    }
    if !meta.is_file() {
        return Err(not_a_file());
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(too_large(format!(
            "the file is {} bytes; a scenario file is at most {MAX_FILE_BYTES} bytes (16 MiB)",
            meta.len()
        )));
    }
    let file = open_nonblocking(path).map_err(io)?;
    let opened = file.metadata().map_err(io)?;
    if !opened.is_file() {
        return Err(not_a_file());
    }
    if !same_file(&opened, checked) {
        return Err(read_error(
            K::OutsideRoot,
            "the file changed while it was being read (a link was replaced)",
            Some("run again once nothing rewrites the scenario's folder"),
        ));
    }
    let limit = MAX_FILE_BYTES.min(budget);
    let mut bytes = Vec::new();
    file.take(limit + 1).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > limit {
        return Err(too_large(if limit == MAX_FILE_BYTES {
            format!("the file is more than {MAX_FILE_BYTES} bytes; a scenario file is at most that (16 MiB)")
        } else {
            format!("the scenario's files together are more than {MAX_TOTAL_BYTES} bytes")
        }));
    }
    String::from_utf8(bytes).map_err(|e| {
        read_error(
            K::NotText,
            format!("not a text file (invalid UTF-8 at byte {})", e.utf8_error().valid_up_to()),
            Some("a scenario is a TOML text file, saved as UTF-8"),
        )
    })
}

/// Whether the opened file is the one at `checked` (same device and inode).
fn same_file(opened: &std::fs::Metadata, checked: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(checked).is_ok_and(|m| m.dev() == opened.dev() && m.ino() == opened.ino())
    }
    #[cfg(not(unix))]
    {
        let _ = (opened, checked);
        true
    }
}

fn too_large(message: String) -> ReadError {
    read_error(
        K::TooLarge,
        message,
        Some("a scenario is a TOML text file of a few kilobytes; is this the right file?"),
    )
}

/// `path` with `.` and `folder/..` removed, for messages (`parts/../main.toml` reads as
/// `main.toml`). Files are still opened by the path as given.
pub(super) fn tidy(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.components().next_back(), Some(Component::Normal(_))) => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    if out.as_os_str().is_empty() { PathBuf::from(".") } else { out }
}
