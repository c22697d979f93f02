//! Errors of the library, one type per phase, each naming its file.

use std::fmt;
use std::path::PathBuf;

/// What kind of mistake a [`ScenarioError`] is, so that callers and tests match the kind
/// rather than the words of the message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ScenarioErrorKind {
    /// Not valid TOML (quotes, brackets, `key = value`).
    #[error("not valid TOML")]
    Syntax,
    /// A field the format does not have (a misspelling, usually).
    #[error("unknown field")]
    UnknownField,
    /// A required field or section is absent.
    #[error("missing field or section")]
    Missing,
    /// A value of the wrong TOML type (a number where a string belongs, ...).
    #[error("wrong type")]
    WrongType,
    /// A name (team, step, component, ...) that nothing defines.
    #[error("unknown name")]
    UnknownName,
    /// Something defined or listed twice.
    #[error("defined twice")]
    Duplicate,
    /// Steps, components or includes that wait for each other in a circle.
    #[error("cycle")]
    Cycle,
    /// A number, duration or probability outside what the field accepts.
    #[error("out of range")]
    OutOfRange,
    /// A duration or distribution that cannot be read.
    #[error("bad duration or distribution")]
    BadDuration,
    /// A user-given name that is empty, too long or has control characters.
    #[error("bad name")]
    BadName,
    /// A field that would have no effect where it is written (e.g. `leak_rate` on a failure).
    #[error("field has no effect")]
    NoEffect,
    /// More entries than the format allows (see `model::limits`).
    #[error("too many")]
    TooMany,
    /// Any other rule of the format (a field that does not fit the kind of entry, ...).
    #[error("breaks a rule of the format")]
    Rule,
    /// An `[expect]` objective sentence that cannot be read or resolved.
    #[error("bad objective")]
    Objective,
    /// The file does not exist.
    #[error("no such file")]
    NotFound,
    /// A folder, device, FIFO or other thing that is not a regular file.
    #[error("not a regular file")]
    NotAFile,
    /// Larger than a scenario file (or all included files together) may be.
    #[error("too large")]
    TooLarge,
    /// Not UTF-8 text.
    #[error("not text")]
    NotText,
    /// An include that resolves outside the scenario's root folder.
    #[error("outside the scenario's root")]
    OutsideRoot,
    /// The file exists but cannot be read.
    #[error("cannot be read")]
    Unreadable,
}

/// A mistake in a scenario file (or in a file it includes): where it is, what is wrong, and
/// what to do about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioError {
    /// What kind of mistake it is.
    pub kind: ScenarioErrorKind,
    /// The file with the mistake.
    pub path: PathBuf,
    /// 1-based line and column, where the mistake has a place in the file.
    pub position: Option<(usize, usize)>,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub help: Option<String>,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_located(f, &self.path, self.position, &self.message, self.help.as_deref())
    }
}

/// `file:line:col: message` and an indented `help:` line, as every error of a file is shown.
/// Messages quote the file; its control characters are shown escaped, never sent.
fn write_located(
    f: &mut fmt::Formatter<'_>,
    path: &std::path::Path,
    position: Option<(usize, usize)>,
    message: &str,
    help: Option<&str>,
) -> fmt::Result {
    write!(f, "{}", path.display())?;
    if let Some((line, col)) = position {
        write!(f, ":{line}:{col}")?;
    }
    write!(f, ": {}", escape_controls(message))?;
    if let Some(h) = help {
        write!(f, "\n  help: {}", escape_controls(h))?;
    }
    Ok(())
}

impl std::error::Error for ScenarioError {}

/// `text` with control characters (terminal escapes, carriage returns) written as `\u{1b}`,
/// so that text quoted from a file cannot drive the terminal it is shown on.
pub fn escape_controls(text: &str) -> String {
    if !text.chars().any(char::is_control) {
        return text.to_string();
    }
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// 1-based (line, column) of byte offset `offset` in `text`; columns count characters.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let mut line = 1;
    let mut line_start = 0;
    for (i, b) in text.bytes().enumerate().take(offset) {
        if b == b'\n' {
            line += 1;
            line_start = i + 1;
        }
    }
    let col = text
        .get(line_start..offset)
        .map(|s| s.chars().count())
        .unwrap_or(offset - line_start)
        + 1;
    (line, col)
}

/// Same letters but for one edit (a letter added, dropped, changed, or two neighbours
/// swapped), or the same ignoring case.
pub fn similar(a: &str, b: &str) -> bool {
    if a.eq_ignore_ascii_case(b) {
        return true;
    }
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if a.len().abs_diff(b.len()) > 1 || a.len() < 3 {
        return false;
    }
    // Optimal string alignment distance, keeping rows i-2, i-1 and i.
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + (a[i - 1] != b[j - 1]) as usize);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                cur[j] = cur[j].min(before[j - 2] + 1);
            }
        }
        before = std::mem::replace(&mut prev, cur);
    }
    prev[b.len()] <= 1
}

/// What kind of mistake a [`RecordError`] is (a drill record, see `drill`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RecordErrorKind {
    /// Not valid CSV or JSON where the format wants it.
    #[error("not valid CSV or JSON")]
    Syntax,
    /// A column or field the format does not have.
    #[error("unknown column")]
    UnknownColumn,
    /// A required column or value is absent.
    #[error("missing column or value")]
    Missing,
    /// An event name the format does not have.
    #[error("unknown event")]
    UnknownEvent,
    /// A fault, team, step or service the scenario does not have.
    #[error("unknown name")]
    UnknownName,
    /// A time that cannot be read.
    #[error("bad time")]
    BadTime,
    /// A time earlier than the row before it.
    #[error("time goes backwards")]
    Backwards,
    /// A step finished (or failed) before it started, or an outcome that does not fit.
    #[error("events out of order")]
    Order,
    /// The same event twice.
    #[error("duplicate event")]
    Duplicate,
    /// The file cannot be read (missing, not a regular file, too large, not text).
    #[error("cannot be read")]
    Unreadable,
    /// No events at all.
    #[error("empty record")]
    Empty,
    /// Any other rule of the format (a subject where the event takes none, ...).
    #[error("breaks a rule of the format")]
    Rule,
}

/// A mistake in a drill record: where it is, what is wrong, and what to do about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordError {
    /// What kind of mistake it is.
    pub kind: RecordErrorKind,
    /// The record file.
    pub path: PathBuf,
    /// 1-based line and column, where the mistake has a place in the file.
    pub position: Option<(usize, usize)>,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub help: Option<String>,
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_located(f, &self.path, self.position, &self.message, self.help.as_deref())
    }
}

impl std::error::Error for RecordError {}

/// What kind of mistake a [`SourceError`] is (a service description that `drillsim init
/// --from` reads: a Backstage catalog or a Docker Compose file).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SourceErrorKind {
    /// Not valid YAML (indentation, `key: value`, quotes).
    #[error("not valid YAML")]
    Syntax,
    /// Neither a Backstage catalog nor a Compose file.
    #[error("unknown format")]
    Format,
    /// A value of the wrong YAML type (a list where a name belongs, ...).
    #[error("wrong type")]
    WrongType,
    /// A required field is absent (`metadata.name`, `services`).
    #[error("missing field")]
    Missing,
    /// A reference (`dependsOn`, `depends_on`) to something the file does not define.
    #[error("unknown reference")]
    UnknownReference,
    /// Something defined twice.
    #[error("defined twice")]
    Duplicate,
    /// The file cannot be read (missing, not a regular file, too large, not text).
    #[error("cannot be read")]
    Unreadable,
    /// Any other rule (a name that cannot be a scenario name, a dependency cycle, ...).
    #[error("breaks a rule of the format")]
    Rule,
}

/// A mistake in a file that `drillsim init --from` reads: where it is, what is wrong, and
/// what to do about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceError {
    /// What kind of mistake it is.
    pub kind: SourceErrorKind,
    /// The file with the mistake.
    pub path: PathBuf,
    /// 1-based line and column, where the mistake has a place in the file.
    pub position: Option<(usize, usize)>,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub help: Option<String>,
}

impl fmt::Display for SourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_located(f, &self.path, self.position, &self.message, self.help.as_deref())
    }
}

impl std::error::Error for SourceError {}

/// An error writing an output file (`-` is standard output).
#[derive(Debug, thiserror::Error)]
#[error("cannot write {}: {source}", if path.as_os_str() == "-" { "standard output".into() } else { path.display().to_string() })]
pub struct WriteError {
    /// The file that could not be written.
    pub path: PathBuf,
    /// Why.
    #[source]
    pub source: std::io::Error,
}

#[cfg(test)]
mod tests {
    use super::line_col;

    #[test]
    fn positions_are_one_based() {
        let t = "a = 1\nbé = 2\n";
        assert_eq!(line_col(t, 0), (1, 1));
        assert_eq!(line_col(t, 6), (2, 1));
        assert_eq!(line_col(t, 9), (2, 3));
    }
}
