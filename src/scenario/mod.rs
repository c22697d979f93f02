//! Reading scenario files: TOML into raw types, includes resolved, then checked into the model.
//!
//! An exercise file may `include` other files (the teams, the plan, later the topology), so a
//! plan is revised in one place and run against many exercises. Each section lives in one
//! file; teams and steps may be spread over several, and a name defined twice is an error
//! that names both places.

mod dist;
pub mod duration;
mod raw;
mod topology;
mod validate;

use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::error::{ScenarioError, line_col};
use crate::model::Scenario;
use raw::RawFile;

/// Largest scenario file read (a plan is a few kilobytes; beyond this is not a plan).
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;
/// Deepest chain of includes.
const MAX_INCLUDE_DEPTH: usize = 16;

/// One file's text, kept to turn byte offsets into line and column.
#[derive(Debug)]
pub struct Source {
    /// As given (relative paths stay relative, so messages read like the command line).
    pub path: PathBuf,
    /// The file's text.
    pub text: String,
}

impl Source {
    /// An error at byte range `span` of this file.
    pub fn error(&self, span: Range<usize>, message: String, help: Option<String>) -> ScenarioError {
        ScenarioError {
            path: self.path.clone(),
            position: Some(line_col(&self.text, span.start)),
            message,
            help,
        }
    }

    /// An error about the file as a whole.
    pub fn whole(&self, message: String, help: Option<String>) -> ScenarioError {
        ScenarioError {
            path: self.path.clone(),
            position: None,
            message,
            help,
        }
    }
}

/// A parsed file with its source.
struct Part {
    src: Source,
    raw: RawFile,
}

/// Read, parse and check the scenario at `path` and everything it includes.
pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
    let mut parts = Vec::new();
    let mut stack = Vec::new();
    read_tree(path, &mut parts, &mut stack, None)?;
    validate::check(path, &parts)
}

/// Check scenario text given directly (tests, tools); `path` is only used in messages and to
/// resolve includes.
pub fn load_str(path: &Path, text: &str) -> Result<Scenario, ScenarioError> {
    let src = Source {
        path: path.to_path_buf(),
        text: text.to_string(),
    };
    let raw = parse(&src)?;
    let mut parts = Vec::new();
    let mut stack = vec![canonical(path)];
    includes(&src, &raw, &mut parts, &mut stack)?;
    parts.push(Part { src, raw });
    validate::check(path, &parts)
}

fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// Depth-first: a file's includes come before the file itself, in the order listed.
fn read_tree(
    path: &Path,
    parts: &mut Vec<Part>,
    stack: &mut Vec<PathBuf>,
    from: Option<(&Source, Range<usize>)>,
) -> Result<(), ScenarioError> {
    let at = |message: String, help: Option<String>| match &from {
        Some((src, span)) => src.error(span.clone(), message, help),
        None => ScenarioError {
            path: path.to_path_buf(),
            position: None,
            message,
            help,
        },
    };
    let key = canonical(path);
    if stack.contains(&key) {
        return Err(at(
            format!("{} includes itself (through a chain of includes)", path.display()),
            Some("remove one include of the cycle".into()),
        ));
    }
    if stack.len() > MAX_INCLUDE_DEPTH {
        return Err(at(format!("includes nest deeper than {MAX_INCLUDE_DEPTH} files"), None));
    }
    if parts.iter().any(|p| canonical(&p.src.path) == key) {
        return Ok(()); // included twice through different files: its sections count once
    }
    let text = read_text(path).map_err(|m| at(m, None))?;
    let src = Source {
        path: path.to_path_buf(),
        text,
    };
    let raw = parse(&src)?;
    stack.push(key);
    includes(&src, &raw, parts, stack)?;
    stack.pop();
    parts.push(Part { src, raw });
    Ok(())
}

fn includes(src: &Source, raw: &RawFile, parts: &mut Vec<Part>, stack: &mut Vec<PathBuf>) -> Result<(), ScenarioError> {
    for inc in raw.include.iter().flatten() {
        let dir = src.path.parent().unwrap_or(Path::new(""));
        let p = dir.join(inc.get_ref());
        read_tree(&p, parts, stack, Some((src, inc.span())))?;
    }
    Ok(())
}

fn read_text(path: &Path) -> Result<String, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if meta.is_dir() {
        return Err(format!("{} is a folder; give a scenario file (.toml)", path.display()));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(format!(
            "{} is {} bytes; a scenario file is at most {MAX_FILE_BYTES} bytes",
            path.display(),
            meta.len()
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "{} is not a text file (invalid UTF-8 at byte {}); a scenario is a TOML text file",
            path.display(),
            e.utf8_error().valid_up_to()
        )
    })
}

fn parse(src: &Source) -> Result<RawFile, ScenarioError> {
    toml::from_str::<RawFile>(&src.text).map_err(|e| {
        let message = e.message().trim().to_string();
        let help = if message.starts_with("unknown field") {
            Some("check the spelling; the README lists every field".to_string())
        } else if message.starts_with("missing field") {
            Some("add the field; the README shows an example of every section".to_string())
        } else {
            None
        };
        match e.span() {
            Some(span) => src.error(span, message, help),
            None => src.whole(message, help),
        }
    })
}
