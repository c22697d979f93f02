//! Reading a drill record's text: the long CSV form, the short CSV form and JSON Lines, into
//! rows of text with their positions, the same rows for every form (the `checker`
//! then resolves them against the scenario).

use std::collections::HashSet;
use std::path::Path;

use serde::Deserialize;

use super::time::{self, Written};
use crate::error::{RecordError, RecordErrorKind as Kind, similar};

/// Columns of the long CSV form (`time`, `event` and `subject` required).
pub const LONG_COLUMNS: [&str; 6] = ["time", "event", "subject", "outcome", "note", "team"];

/// Columns of the short CSV form (`step` and `start` required).
pub const SHORT_COLUMNS: [&str; 6] = ["step", "start", "end", "outcome", "team", "note"];

/// The rows of the record `text` (read from `path`, whose extension picks the form), with
/// what its leading `#` lines say; a `# stopped:` line becomes a `stopped` row in its place.
pub(super) fn rows(path: &Path, text: &str) -> Result<(Header, Vec<Row>), RecordError> {
    // A spreadsheet saving "CSV UTF-8" puts a byte order mark first: it is not part of the
    // first line (which may be `# start:` or the header).
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    let (header, mut rows) = match ext.as_str() {
        "jsonl" | "ndjson" => (Header::default(), jsonl_rows(path, text)?),
        _ => csv_rows(path, text)?,
    };
    // `# stopped:` ends the record there, as a `stopped` row after every other would.
    if let Some((t, line, col)) = &header.stopped {
        let placed = match rows.last() {
            Some(r) if r.placed.is_some() => Some(short_time(
                path,
                &header,
                &Field {
                    text: t.clone(),
                    col: *col,
                },
                *line,
            )?),
            _ => None,
        };
        rows.push(Row {
            line: *line,
            time: Field {
                text: t.clone(),
                col: *col,
            },
            event: Field {
                text: "stopped".into(),
                col: 1,
            },
            placed,
            ..Row::default()
        });
        if placed.is_some() {
            // The short form's rows are in time order: the stop among them, after the rows
            // at its own time.
            rows.sort_by(|a, b| a.placed.unwrap_or(0.0).total_cmp(&b.placed.unwrap_or(0.0)));
        }
    }
    Ok((header, rows))
}

/// What a record's leading `# key: value` lines say.
#[derive(Clone, Debug, Default)]
pub(super) struct Header {
    /// `# start: 03:00`: the first fault's clock time, with its position.
    pub(super) start: Option<(String, usize, usize)>,
    /// `# date: 2026-11-20`, as written.
    pub(super) date: Option<String>,
    /// `# stopped: 45m`: the drill stopped here, before the close, with its position.
    pub(super) stopped: Option<(String, usize, usize)>,
}

/// One field as written, with its 1-based column.
#[derive(Clone, Debug, Default)]
pub(super) struct Field {
    pub(super) text: String,
    pub(super) col: usize,
}

/// One event as written, before it is checked.
#[derive(Clone, Debug, Default)]
pub(super) struct Row {
    pub(super) line: usize,
    pub(super) time: Field,
    pub(super) event: Field,
    pub(super) subject: Field,
    pub(super) team: Field,
    pub(super) outcome: String,
    pub(super) note: String,
    /// Minutes from the first fault, when the form has already placed the time (the short
    /// form, whose rows are sorted by it).
    pub(super) placed: Option<f64>,
}

pub(super) fn err(path: &Path, kind: Kind, at: (usize, usize), message: String, help: Option<String>) -> RecordError {
    RecordError {
        kind,
        path: path.to_path_buf(),
        position: Some(at),
        message,
        help,
    }
}

/// The leading `#` lines: `# start:` and `# date:` are read, any other is a comment.
fn header_lines(path: &Path, text: &str) -> Result<Header, RecordError> {
    let mut h = Header::default();
    for (i, line) in text.lines().enumerate() {
        let Some(rest) = line.trim_start().strip_prefix('#') else {
            if line.trim().is_empty() {
                continue;
            }
            break;
        };
        let Some((key, value)) = rest.split_once(':') else {
            continue;
        };
        let key = key.trim().to_ascii_lowercase();
        let col = line
            .find(':')
            .map_or(1, |c| line[..c + 1].chars().count() + 1 + (value.len() - value.trim_start().len()));
        match key.as_str() {
            "start" => h.start = Some((value.trim().to_string(), i + 1, col)),
            "date" => h.date = Some(value.trim().to_string()),
            "stopped" => h.stopped = Some((value.trim().to_string(), i + 1, col)),
            _ => {}
        }
    }
    Ok(h).and_then(|h: Header| {
        if let Some((s, line, col)) = &h.start {
            time::clock(s).map_err(|e| {
                err(
                    path,
                    Kind::BadTime,
                    (*line, *col),
                    format!("`# start:` {e}"),
                    Some("the start is the first fault's clock time, e.g. \"# start: 03:00\"".into()),
                )
            })?;
        }
        Ok(h)
    })
}

/// 1-based column of field `index` on a CSV line (quotes respected).
fn field_col(line: &str, index: usize) -> usize {
    let mut field = 0;
    let mut quoted = false;
    for (col, c) in line.chars().enumerate() {
        if field == index {
            return col + 1;
        }
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => field += 1,
            _ => {}
        }
    }
    line.chars().count() + 1
}

/// 1-based line of byte `offset` in `text` (`starts`: the byte offset of each line's start).
fn line_at(starts: &[usize], offset: usize) -> usize {
    starts.partition_point(|&s| s <= offset).max(1)
}

/// The CSV forms: the header picks long (`time,event,...`) or short (`step,start,...`).
///
/// Positions come from each record's byte offset, not the CSV reader's line count, which
/// does not count `#` comment lines.
fn csv_rows(path: &Path, text: &str) -> Result<(Header, Vec<Row>), RecordError> {
    let header = header_lines(path, text)?;
    let lines: Vec<&str> = text.lines().collect();
    let starts: Vec<usize> = std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
    let mut rdr = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .trim(csv::Trim::All)
        .has_headers(true)
        // Rows may leave out empty trailing fields or add empty ones (a spreadsheet's export
        // ends every line with a comma): checked below, field by field.
        .flexible(true)
        .from_reader(text.as_bytes());
    let syntax = |e: csv::Error| {
        let at = e.position().map_or((1, 1), |p| (line_at(&starts, p.byte() as usize), 1));
        err(
            path,
            Kind::Syntax,
            at,
            format!("not valid CSV: {e}"),
            Some("one event a row, fields separated by commas; quote a field that has a comma".into()),
        )
    };
    let head = rdr.headers().map_err(syntax)?.clone();
    let (names, short) = columns(path, &head, &lines)?;
    let idx = |name: &str| names.iter().position(|n| n == name);
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(syntax)?;
        // The reader's position is where it began reading, before the blank and comment
        // lines it skipped: the record is on the first line after them.
        let mut line = rec.position().map_or(1, |p| line_at(&starts, p.byte() as usize));
        while lines.get(line - 1).is_some_and(|l| l.trim().is_empty() || l.starts_with('#')) {
            line += 1;
        }
        let line_text = lines.get(line.saturating_sub(1)).copied().unwrap_or("");
        if let Some(extra) = (names.len()..rec.len()).find(|&i| !rec.get(i).unwrap_or("").is_empty()) {
            return Err(err(
                path,
                Kind::UnknownColumn,
                (line, field_col(line_text, extra)),
                format!(
                    "`{}` is in no column: the header has {} columns, this is field {}",
                    rec.get(extra).unwrap_or(""),
                    names.len(),
                    extra + 1
                ),
                Some("quote a value that holds a comma, or add the column to the header".into()),
            ));
        }
        let get = |name: &str| -> Field {
            idx(name).map_or_else(Field::default, |i| Field {
                text: rec.get(i).unwrap_or("").to_string(),
                col: field_col(line_text, i),
            })
        };
        if short {
            rows.extend(short_row(path, &header, line, &get)?);
        } else {
            rows.push(Row {
                line,
                time: get("time"),
                event: get("event"),
                subject: get("subject"),
                team: get("team"),
                outcome: get("outcome").text,
                note: get("note").text,
                placed: None,
            });
        }
    }
    if short {
        // Hand-entered steps come in any order: the events they stand for, in time order
        // (ties keep the file's order).
        rows.sort_by(|a, b| a.placed.unwrap_or(0.0).total_cmp(&b.placed.unwrap_or(0.0)));
    }
    Ok((header, rows))
}

/// The header's column names (lower case, trailing empty ones dropped) and whether it is the
/// short form: each name known to the form, none twice, the form's required ones present.
fn columns(path: &Path, head: &csv::StringRecord, lines: &[&str]) -> Result<(Vec<String>, bool), RecordError> {
    // The header is the first line that is neither blank nor a `#` comment.
    let head_line = lines
        .iter()
        .position(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map_or(1, |i| i + 1);
    // Header names in any case; empty names at the end (a trailing comma) are no column.
    let mut names: Vec<String> = head.iter().map(str::to_ascii_lowercase).collect();
    while names.last().is_some_and(String::is_empty) && names.len() > 1 {
        names.pop();
    }
    if names.iter().all(String::is_empty) {
        return Err(RecordError {
            kind: Kind::Empty,
            path: path.to_path_buf(),
            position: None,
            message: "the record has no header and no events".into(),
            help: Some("begin with the header `time,event,subject,outcome,note` (or `step,start,end,outcome`)".into()),
        });
    }
    let short = names.first().is_some_and(|n| n == "step");
    let known: &[&str] = if short { &SHORT_COLUMNS } else { &LONG_COLUMNS };
    let head_text = lines.get(head_line - 1).copied().unwrap_or("");
    let mut seen = HashSet::new();
    for (i, n) in names.iter().enumerate() {
        let at = (head_line, field_col(head_text, i));
        if !known.contains(&n.as_str()) {
            let close = known.iter().find(|k| similar(n, k));
            let help = match close {
                Some(k) => format!("did you mean `{k}`? the columns are {}", known.join(", ")),
                None => format!("the columns are {} (unknown columns are an error, not ignored)", known.join(", ")),
            };
            return Err(err(path, Kind::UnknownColumn, at, format!("unknown column `{n}`"), Some(help)));
        }
        if !seen.insert(n.as_str()) {
            return Err(err(
                path,
                Kind::Duplicate,
                at,
                format!("column `{n}` appears twice"),
                Some("keep one".into()),
            ));
        }
    }
    let required: &[&str] = if short { &["step", "start"] } else { &["time", "event", "subject"] };
    for r in required {
        if !seen.contains(r) {
            return Err(err(
                path,
                Kind::Missing,
                (head_line, 1),
                format!("the header has no `{r}` column"),
                Some(format!(
                    "the {} form needs {}",
                    if short { "short" } else { "long" },
                    required.join(", ")
                )),
            ));
        }
    }
    Ok((names, short))
}

/// A short-form time in minutes from the first fault. A short form has no fault row, so a
/// clock time counts from `# start:` and lies within the 24 hours after it (`00:10` after a
/// `# start: 23:40` is 30 minutes in): the rows are sorted by it.
fn short_time(path: &Path, header: &Header, f: &Field, line: usize) -> Result<f64, RecordError> {
    let at = (line, f.col.max(1));
    match time::read(&f.text).map_err(|e| err(path, Kind::BadTime, at, e, None))? {
        Written::Offset(m) => Ok(m),
        Written::Clock(c) => match header.start.as_ref().and_then(|(s, ..)| time::clock(s).ok()) {
            Some(origin) => Ok((c - origin).rem_euclid(1440.0)),
            None => Err(err(
                path,
                Kind::BadTime,
                at,
                format!("clock time {} but the record has no start to count from", f.text.trim()),
                Some(
                    "put \"# start: 03:00\" (the fault's clock time) above the header, or write durations from the fault (\"12m\")".into(),
                ),
            )),
        },
    }
}

/// The events one short-form row stands for: its step's start, and its finish, failure or
/// skip at `end` (a step with no end was still running when the drill stopped).
fn short_row(path: &Path, header: &Header, line: usize, get: &dyn Fn(&str) -> Field) -> Result<Vec<Row>, RecordError> {
    let (step, start, end, outcome) = (get("step"), get("start"), get("end"), get("outcome"));
    let (team, note) = (get("team"), get("note").text);
    let ev = |name: &str, at: &Field| -> Result<Row, RecordError> {
        Ok(Row {
            line,
            time: at.clone(),
            event: Field {
                text: name.into(),
                col: outcome.col.max(1),
            },
            subject: step.clone(),
            team: team.clone(),
            outcome: outcome.text.clone(),
            note: note.clone(),
            placed: Some(short_time(path, header, at, line)?),
        })
    };
    let o = outcome.text.to_ascii_lowercase();
    match o.as_str() {
        "skipped" => {
            let at = if start.text.is_empty() { &end } else { &start };
            return Ok(vec![ev("step_skipped", at)?]);
        }
        "" | "done" | "ok" | "failed" | "running" => {}
        other => {
            return Err(err(
                path,
                Kind::UnknownEvent,
                (line, outcome.col),
                format!("unknown outcome `{other}`"),
                Some("a short-form outcome is done (the default), failed, skipped or running".into()),
            ));
        }
    }
    let first = ev("step_started", &start)?;
    if o == "running" && !end.text.is_empty() {
        return Err(err(
            path,
            Kind::Order,
            (line, end.col),
            format!("outcome `running` but an end time ({})", end.text),
            Some("a step still running when the drill stopped has no end: clear the end, or write done or failed".into()),
        ));
    }
    if end.text.is_empty() {
        if o != "running" && !o.is_empty() {
            return Err(err(
                path,
                Kind::Missing,
                (line, end.col.max(1)),
                format!("outcome `{o}` but no end time"),
                Some("write the end time, or outcome running".into()),
            ));
        }
        return Ok(vec![first]);
    }
    let last = ev(if o == "failed" { "step_failed" } else { "step_finished" }, &end)?;
    if let (Some(a), Some(b)) = (first.placed, last.placed)
        && b < a - 1e-9
    {
        return Err(err(
            path,
            Kind::Order,
            (line, end.col),
            format!(
                "step {} ends ({}) before it starts ({})",
                step.text,
                end.text.trim(),
                start.text.trim()
            ),
            Some("swap or correct the two times".into()),
        ));
    }
    Ok(vec![first, last])
}

/// One JSON Lines row: the long form's fields.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonRow {
    time: String,
    event: String,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    team: String,
}

/// JSON Lines: one object a line with the long form's fields (`time` as text).
fn jsonl_rows(path: &Path, text: &str) -> Result<Vec<Row>, RecordError> {
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let r: JsonRow = serde_json::from_str(line).map_err(|e| {
            err(
                path,
                if e.to_string().contains("unknown field") {
                    Kind::UnknownColumn
                } else {
                    Kind::Syntax
                },
                (i + 1, e.column().max(1)),
                format!("not a record row: {e}"),
                Some(format!("one JSON object a line with the fields {}", LONG_COLUMNS.join(", "))),
            )
        })?;
        let col = |key: &str| line.find(&format!("\"{key}\"")).map_or(1, |c| line[..c].chars().count() + 1);
        let f = |text: String, key: &str| Field { text, col: col(key) };
        rows.push(Row {
            line: i + 1,
            time: f(r.time, "time"),
            event: f(r.event, "event"),
            subject: f(r.subject, "subject"),
            team: f(r.team, "team"),
            outcome: r.outcome,
            note: r.note,
            placed: None,
        });
    }
    Ok(rows)
}
