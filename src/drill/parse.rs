//! Reading a drill record: the long CSV form, the short CSV form and JSON Lines, into rows of
//! text with their positions; then one checker for every form, which resolves names against
//! the scenario and keeps times, steps and services in order.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::time::{self, Timeline, Written};
use super::{EventKind, Record, RecordEvent, Subject};
use crate::error::{RecordError, RecordErrorKind as Kind, similar};
use crate::model::Scenario;

/// Largest record file read (16 MiB: a drill of a few thousand rows is a few hundred KiB).
pub const MAX_RECORD_BYTES: u64 = 16 * 1024 * 1024;

/// Columns of the long CSV form (`time`, `event` and `subject` required).
pub const LONG_COLUMNS: [&str; 6] = ["time", "event", "subject", "outcome", "note", "team"];

/// Columns of the short CSV form (`step` and `start` required).
pub const SHORT_COLUMNS: [&str; 6] = ["step", "start", "end", "outcome", "team", "note"];

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
    Checker::new(path, sc, header)?.check(rows)
}

/// What a record's leading `# key: value` lines say.
#[derive(Clone, Debug, Default)]
struct Header {
    /// `# start: 03:00`: the first fault's clock time, with its position.
    start: Option<(String, usize, usize)>,
    /// `# date: 2026-11-20`, as written.
    date: Option<String>,
    /// `# stopped: 45m`: the drill stopped here, before the close, with its position.
    stopped: Option<(String, usize, usize)>,
}

/// One field as written, with its 1-based column.
#[derive(Clone, Debug, Default)]
struct Field {
    text: String,
    col: usize,
}

/// One event as written, before it is checked.
#[derive(Clone, Debug, Default)]
struct Row {
    line: usize,
    time: Field,
    event: Field,
    subject: Field,
    team: Field,
    outcome: String,
    note: String,
    /// Minutes from the first fault, when the form has already placed the time (the short
    /// form, whose rows are sorted by it).
    placed: Option<f64>,
}

fn err(path: &Path, kind: Kind, at: (usize, usize), message: String, help: Option<String>) -> RecordError {
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

/// Where each step and service stands as the rows go by.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
enum StepState {
    #[default]
    NotStarted,
    Running,
    Failed,
    Finished,
    Skipped,
}

/// The checks every form goes through.
struct Checker<'a> {
    path: PathBuf,
    sc: &'a Scenario,
    timeline: Timeline,
    header: Header,
    steps: Vec<StepState>,
    unplanned: Vec<(String, StepState)>,
    down: Vec<Option<bool>>,
    seen: HashSet<(EventKind, String)>,
    closed: Option<usize>,
    /// The `stopped` row's line and time, once seen.
    stopped: Option<(usize, f64)>,
    faulted: bool,
}

impl<'a> Checker<'a> {
    fn new(path: &Path, sc: &'a Scenario, header: Header) -> Result<Self, RecordError> {
        let mut timeline = Timeline::default();
        if let Some((s, ..)) = &header.start {
            timeline.origin = time::clock(s).ok();
        }
        Ok(Checker {
            path: path.to_path_buf(),
            sc,
            timeline,
            header,
            steps: vec![StepState::NotStarted; sc.steps.len()],
            unplanned: Vec::new(),
            down: vec![None; sc.services.len()],
            seen: HashSet::new(),
            closed: None,
            stopped: None,
            faulted: false,
        })
    }

    fn err(&self, kind: Kind, at: (usize, usize), message: String, help: Option<String>) -> RecordError {
        err(&self.path, kind, at, message, help)
    }

    fn check(mut self, rows: Vec<Row>) -> Result<Record, RecordError> {
        let mut events = Vec::with_capacity(rows.len());
        for row in rows {
            events.push(self.event(row)?);
        }
        if events.is_empty() {
            return Err(RecordError {
                kind: Kind::Empty,
                path: self.path,
                position: None,
                message: "the record has no events".into(),
                help: Some("write one event a row under the header, e.g. `0m,fault,db-crash,,`".into()),
            });
        }
        Ok(Record {
            path: self.path,
            events,
            start_clock: self.timeline.origin,
            date: self.header.date,
        })
    }

    fn event(&mut self, row: Row) -> Result<RecordEvent, RecordError> {
        // Hand-written event names: any case, a space or a dash for the underscore.
        let written: String = row
            .event
            .text
            .trim()
            .chars()
            .map(|c| if c == ' ' || c == '-' { '_' } else { c.to_ascii_lowercase() })
            .collect();
        let kind = EventKind::from_name(&written).ok_or_else(|| {
            let names: Vec<&str> = EventKind::ALL.iter().map(|(n, _)| *n).collect();
            let close = names.iter().find(|n| similar(&row.event.text, n));
            self.err(
                Kind::UnknownEvent,
                (row.line, row.event.col),
                format!("unknown event `{}`", row.event.text),
                Some(match close {
                    Some(n) => format!("did you mean `{n}`?"),
                    None => format!("events: {}", names.join(", ")),
                }),
            )
        })?;
        if let Some(line) = self.closed {
            return Err(self.err(
                Kind::Order,
                (row.line, row.event.col),
                format!("`{}` after the incident was closed (line {line})", kind.name()),
                Some("the `closed` row is the record's last".into()),
            ));
        }
        let time = self.time(&row, kind)?;
        if let Some((line, stop)) = self.stopped {
            return Err(self.err(
                Kind::Order,
                (row.line, row.time.col),
                format!(
                    "`{}` at {} is after the drill stopped (line {line}, {})",
                    kind.name(),
                    crate::text::clock(time),
                    crate::text::clock(stop)
                ),
                Some("a stopped drill's record ends at the stop: move the stop, or delete this row".into()),
            ));
        }
        let subject = self.subject(&row, kind)?;
        let team = self.team(&row.team, row.line)?;
        self.order(&row, kind, &subject, time)?;
        if kind == EventKind::Closed {
            self.closed = Some(row.line);
        }
        if kind == EventKind::Stopped {
            self.stopped = Some((row.line, time));
        }
        Ok(RecordEvent {
            time,
            kind,
            subject,
            team,
            outcome: row.outcome,
            note: row.note,
            line: row.line,
        })
    }

    fn time(&mut self, row: &Row, kind: EventKind) -> Result<f64, RecordError> {
        let at = (row.line, row.time.col);
        let first_fault = kind == EventKind::Fault && !self.faulted;
        self.faulted |= kind == EventKind::Fault;
        let t = match row.placed {
            Some(t) => t,
            None => {
                let w = time::read(&row.time.text).map_err(|e| self.err(Kind::BadTime, at, e, None))?;
                self.timeline
                    .place(w, first_fault)
                    .map_err(|e| self.err(Kind::BadTime, at, e, None))?
            }
        };
        // Every time counts from the first fault: a first fault anywhere but at 0 would
        // shift every measure by the difference.
        if first_fault && t.abs() > 1e-9 {
            let written = row.time.text.trim();
            return Err(match &self.header.start {
                Some((s, line, _)) => self.err(
                    Kind::BadTime,
                    at,
                    format!("the first fault is at {written}, but `# start: {s}` (line {line}) says it was at {s}"),
                    Some("`# start:` is the first fault's clock time: correct one of the two, or delete the `# start:` line".into()),
                ),
                None => self.err(
                    Kind::BadTime,
                    at,
                    format!("the first fault is at {written}, but times count from the first fault: it is at 0m"),
                    Some("write 0m for the first fault and count every other row from it".into()),
                ),
            });
        }
        let show = crate::text::clock(t.abs());
        if t < -1e-9 {
            return Err(self.err(
                Kind::Backwards,
                at,
                format!("time {} is {show} before the first fault", row.time.text.trim()),
                Some("times count from the first fault: nothing in a record comes before it".into()),
            ));
        }
        if t < self.timeline.last - 1e-9 {
            return Err(self.err(
                Kind::Backwards,
                at,
                format!(
                    "time {} ({show} after the fault) is before the previous row's ({})",
                    row.time.text.trim(),
                    crate::text::clock(self.timeline.last)
                ),
                Some("rows are in time order: move this row up, or correct its time".into()),
            ));
        }
        self.timeline.last = t;
        Ok(t)
    }

    fn subject(&self, row: &Row, kind: EventKind) -> Result<Subject, RecordError> {
        let name = row.subject.text.trim();
        let at = (row.line, row.subject.col);
        let sc = self.sc;
        let lookup = |what: &str, names: Vec<&str>| -> Result<usize, RecordError> {
            if let Some(i) = names.iter().position(|n| *n == name) {
                return Ok(i);
            }
            let help = match names.iter().find(|n| similar(name, n)) {
                Some(n) => format!("did you mean `{n}`?"),
                None => format!("the scenario's {what}s: {}", names.join(", ")),
            };
            let message = if name.is_empty() {
                format!("`{}` needs a {what} as its subject", kind.name())
            } else {
                format!("unknown {what} `{name}`")
            };
            Err(self.err(
                if name.is_empty() { Kind::Missing } else { Kind::UnknownName },
                at,
                message,
                Some(help),
            ))
        };
        use EventKind as E;
        Ok(match kind {
            E::Fault if name.is_empty() => Subject::None,
            E::Fault => Subject::Fault(lookup("fault", sc.topology.faults.iter().map(|f| f.id.as_str()).collect())?),
            E::Detected if name.is_empty() => Subject::None,
            E::Detected => {
                let monitors: Vec<&str> = sc.detection.monitors.iter().map(|m| m.name.as_str()).collect();
                if let Some(i) = monitors.iter().position(|m| *m == name) {
                    Subject::Monitor(i)
                } else {
                    let mut all: Vec<&str> = sc.topology.faults.iter().map(|f| f.id.as_str()).collect();
                    let faults = all.len();
                    all.extend(monitors);
                    let i = lookup("fault or monitor", all)?;
                    if i < faults {
                        Subject::Fault(i)
                    } else {
                        Subject::Monitor(i - faults)
                    }
                }
            }
            E::Paged | E::Acked | E::Escalated => Subject::Team(lookup("team", sc.teams.iter().map(|t| t.name.as_str()).collect())?),
            E::StepStarted | E::StepFinished | E::StepFailed | E::StepSkipped => match name.strip_prefix('+') {
                Some(extra) if !extra.trim().is_empty() => Subject::Unplanned(extra.trim().to_string()),
                _ => Subject::Step(lookup("step", sc.steps.iter().map(|s| s.id.as_str()).collect()).map_err(|mut e| {
                    if e.kind == Kind::UnknownName {
                        let h = e.help.take().unwrap_or_default();
                        e.help = Some(format!(
                            "{h} (a step the plan does not have is written with a leading +, e.g. `+{name}`)"
                        ));
                    }
                    e
                })?),
            },
            E::ServiceDown | E::ServiceUp => {
                Subject::Service(lookup("business service", sc.services.iter().map(|s| s.name.as_str()).collect())?)
            }
            E::Closed | E::Stopped if name.is_empty() => Subject::None,
            E::Closed | E::Stopped => {
                return Err(self.err(
                    Kind::Rule,
                    at,
                    format!("`{}` has no subject", kind.name()),
                    Some("leave the subject empty".into()),
                ));
            }
        })
    }

    fn team(&self, f: &Field, line: usize) -> Result<Option<usize>, RecordError> {
        let name = f.text.trim();
        if name.is_empty() {
            return Ok(None);
        }
        let names: Vec<&str> = self.sc.teams.iter().map(|t| t.name.as_str()).collect();
        match names.iter().position(|n| *n == name) {
            Some(i) => Ok(Some(i)),
            None => Err(self.err(
                Kind::UnknownName,
                (line, f.col),
                format!("unknown team `{name}`"),
                Some(match names.iter().find(|n| similar(name, n)) {
                    Some(n) => format!("did you mean `{n}`?"),
                    None => format!("the scenario's teams: {}", names.join(", ")),
                }),
            )),
        }
    }

    /// Steps start before they end and once at a time; services go down before they come
    /// back; nothing happens twice that cannot.
    fn order(&mut self, row: &Row, kind: EventKind, subject: &Subject, time: f64) -> Result<(), RecordError> {
        let at = (row.line, row.event.col);
        let key = (kind, format!("{subject:?}@{time}"));
        if !self.seen.insert(key) {
            return Err(self.err(
                Kind::Duplicate,
                at,
                format!("the same `{}` event twice at the same time", kind.name()),
                Some("delete one of the two rows".into()),
            ));
        }
        let once = matches!(kind, EventKind::Fault | EventKind::Acked | EventKind::Closed | EventKind::Stopped);
        if once && !self.seen.insert((kind, format!("{subject:?}"))) {
            let what = match kind {
                EventKind::Fault => "this fault happens",
                EventKind::Acked => "this team acknowledges",
                EventKind::Stopped => "the drill stops",
                _ => "the incident closes",
            };
            return Err(self.err(
                Kind::Duplicate,
                at,
                format!("`{}` twice: {what} once", kind.name()),
                Some("delete the later row".into()),
            ));
        }
        let state = match subject {
            Subject::Step(s) => Some(&mut self.steps[*s]),
            Subject::Unplanned(n) => {
                let i = match self.unplanned.iter().position(|(m, _)| m == n) {
                    Some(i) => i,
                    None => {
                        self.unplanned.push((n.clone(), StepState::NotStarted));
                        self.unplanned.len() - 1
                    }
                };
                Some(&mut self.unplanned[i].1)
            }
            _ => None,
        };
        if let Some(state) = state {
            let name = row.subject.text.trim().to_string();
            let next = step_transition(*state, kind)
                .map_err(|(m, h)| err(&self.path, Kind::Order, at, format!("step {name} {m}"), Some(h.into())))?;
            *state = next;
        }
        if let Subject::Service(s) = subject {
            let was_down = self.down[*s];
            let name = &self.sc.services[*s].name;
            match (kind, was_down) {
                (EventKind::ServiceDown, Some(true)) => {
                    return Err(self.err(
                        Kind::Duplicate,
                        at,
                        format!("service {name} goes down twice without coming back"),
                        Some("add its service_up row between, or delete this one".into()),
                    ));
                }
                (EventKind::ServiceUp, Some(false)) => {
                    return Err(self.err(
                        Kind::Duplicate,
                        at,
                        format!("service {name} comes back twice without going down"),
                        Some("add its service_down row between, or delete this one".into()),
                    ));
                }
                _ => {}
            }
            self.down[*s] = Some(kind == EventKind::ServiceDown);
        }
        Ok(())
    }
}

/// A step's next state, or what is wrong and what to do.
fn step_transition(s: StepState, kind: EventKind) -> Result<StepState, (&'static str, &'static str)> {
    use EventKind as E;
    use StepState as S;
    match (s, kind) {
        (S::NotStarted | S::Failed, E::StepStarted) => Ok(S::Running),
        (S::Running, E::StepFinished) => Ok(S::Finished),
        (S::Running, E::StepFailed) => Ok(S::Failed),
        (S::NotStarted, E::StepSkipped) => Ok(S::Skipped),
        (S::NotStarted, E::StepFinished | E::StepFailed) => Err(("ends before it started", "add its step_started row above this one")),
        (S::Failed, E::StepFinished | E::StepFailed) => Err((
            "ends again after it failed, without starting again",
            "add a step_started row for the new attempt",
        )),
        (S::Running, E::StepStarted) => Err((
            "starts twice without finishing or failing",
            "delete one start, or add step_failed between the attempts",
        )),
        (S::Finished, E::StepStarted) => Err(("starts again after it finished", "a step finishes once: delete one of the attempts")),
        (S::Finished, _) => Err(("has another event after it finished", "delete the later row")),
        (S::Skipped, _) => Err(("has another event after it was skipped", "a skipped step is not started")),
        (S::Running | S::Failed, E::StepSkipped) => Err(("is skipped after it started", "write step_failed instead, or delete the start")),
        _ => Err(("has an event out of order", "check the step's rows")),
    }
}
