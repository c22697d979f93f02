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
    let text = String::from_utf8(bytes).map_err(|_| unreadable("the file is not UTF-8 text".into(), None))?;
    load_str(path, &text, sc)
}

/// Check the record `text` (read from `path`, whose extension picks the form) against `sc`.
pub fn load_str(path: &Path, text: &str, sc: &Scenario) -> Result<Record, RecordError> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    let (header, rows) = match ext.as_str() {
        "jsonl" | "ndjson" => (Header::default(), jsonl_rows(path, text)?),
        _ => csv_rows(path, text)?,
    };
    Checker::new(path, sc, header)?.check(rows)
}

/// What a record's leading `# key: value` lines say.
#[derive(Clone, Debug, Default)]
struct Header {
    /// `# start: 03:00`: the first fault's clock time, with its position.
    start: Option<(String, usize, usize)>,
    /// `# date: 2026-11-20`, as written.
    date: Option<String>,
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
        let key = key.trim();
        let col = line
            .find(':')
            .map_or(1, |c| line[..c + 1].chars().count() + 1 + (value.len() - value.trim_start().len()));
        match key {
            "start" => h.start = Some((value.trim().to_string(), i + 1, col)),
            "date" => h.date = Some(value.trim().to_string()),
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

/// The CSV forms: the header picks long (`time,event,...`) or short (`step,start,...`).
fn csv_rows(path: &Path, text: &str) -> Result<(Header, Vec<Row>), RecordError> {
    let header = header_lines(path, text)?;
    let lines: Vec<&str> = text.lines().collect();
    let mut rdr = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .trim(csv::Trim::All)
        .has_headers(true)
        .from_reader(text.as_bytes());
    let syntax = |e: csv::Error| {
        let at = e.position().map_or((1, 1), |p| (p.line() as usize, 1));
        err(
            path,
            Kind::Syntax,
            at,
            format!("not valid CSV: {e}"),
            Some("one event a row, fields separated by commas; quote a field that has a comma".into()),
        )
    };
    let head = rdr.headers().map_err(syntax)?.clone();
    // The header is the first line that is neither blank nor a `#` comment.
    let head_line = lines
        .iter()
        .position(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map_or(1, |i| i + 1);
    let names: Vec<String> = head.iter().map(str::to_string).collect();
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
    let idx = |name: &str| names.iter().position(|n| n == name);
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(syntax)?;
        let line = rec.position().map_or(0, |p| p.line() as usize);
        let line_text = lines.get(line.saturating_sub(1)).copied().unwrap_or("");
        let get = |name: &str| -> Field {
            idx(name).map_or_else(Field::default, |i| Field {
                text: rec.get(i).unwrap_or("").to_string(),
                col: field_col(line_text, i),
            })
        };
        if short {
            rows.extend(short_row(path, line, &get)?);
        } else {
            rows.push(Row {
                line,
                time: get("time"),
                event: get("event"),
                subject: get("subject"),
                team: get("team"),
                outcome: get("outcome").text,
                note: get("note").text,
            });
        }
    }
    if short {
        // Hand-entered steps come in any order: the events they stand for, in time order
        // (ties keep the file's order).
        let mut keyed: Vec<(f64, Row)> = Vec::with_capacity(rows.len());
        for r in rows {
            let w = time::read(&r.time.text).map_err(|e| err(path, Kind::BadTime, (r.line, r.time.col), e, None))?;
            let key = match w {
                Written::Clock(c) | Written::Offset(c) => c,
            };
            keyed.push((key, r));
        }
        keyed.sort_by(|a, b| a.0.total_cmp(&b.0));
        rows = keyed.into_iter().map(|(_, r)| r).collect();
    }
    Ok((header, rows))
}

/// The events one short-form row stands for: its step's start, and its finish, failure or
/// skip at `end` (a step with no end was still running when the drill stopped).
fn short_row(path: &Path, line: usize, get: &dyn Fn(&str) -> Field) -> Result<Vec<Row>, RecordError> {
    let (step, start, end, outcome) = (get("step"), get("start"), get("end"), get("outcome"));
    let (team, note) = (get("team"), get("note").text);
    let ev = |name: &str, at: &Field| Row {
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
    };
    let o = outcome.text.to_ascii_lowercase();
    match o.as_str() {
        "skipped" => {
            let at = if start.text.is_empty() { &end } else { &start };
            return Ok(vec![ev("step_skipped", at)]);
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
    let mut out = vec![ev("step_started", &start)];
    if o == "running" || end.text.is_empty() {
        if o != "running" && !o.is_empty() {
            return Err(err(
                path,
                Kind::Missing,
                (line, end.col.max(1)),
                format!("outcome `{o}` but no end time"),
                Some("write the end time, or outcome running".into()),
            ));
        }
        return Ok(out);
    }
    out.push(ev(if o == "failed" { "step_failed" } else { "step_finished" }, &end));
    Ok(out)
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
        let kind = EventKind::from_name(row.event.text.trim()).ok_or_else(|| {
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
        let subject = self.subject(&row, kind)?;
        let team = self.team(&row.team, row.line)?;
        self.order(&row, kind, &subject, time)?;
        if kind == EventKind::Closed {
            self.closed = Some(row.line);
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
        let w = time::read(&row.time.text).map_err(|e| self.err(Kind::BadTime, at, e, None))?;
        let first_fault = kind == EventKind::Fault && !self.faulted;
        self.faulted |= kind == EventKind::Fault;
        let t = self
            .timeline
            .place(w, first_fault)
            .map_err(|e| self.err(Kind::BadTime, at, e, None))?;
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
            E::Closed if name.is_empty() => Subject::None,
            E::Closed => {
                return Err(self.err(
                    Kind::Rule,
                    at,
                    "`closed` has no subject".into(),
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
        let once = matches!(kind, EventKind::Fault | EventKind::Acked | EventKind::Closed);
        if once && !self.seen.insert((kind, format!("{subject:?}"))) {
            let what = match kind {
                EventKind::Fault => "this fault happens",
                EventKind::Acked => "this team acknowledges",
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
