//! PagerDuty's incident log, as the REST API gives it (`GET /incidents/{id}/log_entries` or
//! `GET /log_entries`), turned into a drill record in the long form.
//!
//! Why: a team that runs its paging through PagerDuty already has the timed record of
//! detection, paging, escalation and acknowledgement; re-typing it invites mistakes.
//!
//! What becomes what (times from the first trigger, which is the record's time 0):
//!
//! | log entry | record row |
//! |---|---|
//! | first `trigger_log_entry` | `fault` (when the map names the fault of its service), `detected`, `paged` of its team |
//! | a later `trigger_log_entry` | `paged` of its team (another incident of the same drill) |
//! | `acknowledge_log_entry` | `acked` of its team (the first per team; a later one is a comment) |
//! | `escalate_log_entry` | `escalated` of its team |
//! | the last `resolve_log_entry` | `closed` (an earlier one is a comment) |
//! | any other type (`notify`, `assign`, `annotate`, `snooze`, `unacknowledge`, ...) | a `#` comment at its time, never dropped unseen |
//!
//! PagerDuty knows when it was triggered, not when the fault began: the `fault` row is the
//! trigger's time, so the record's time to detect is 0 unless the drill leader moves the fault
//! row earlier. A team is found by the entry's escalation policy, else its service, by id or
//! name, as the map file says.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::error::{RecordError, RecordErrorKind as Kind, line_col, similar};
use crate::model::Scenario;

/// Which PagerDuty services and escalation policies are which of the scenario's teams (and,
/// optionally, which service's incident is which fault), read from the map file.
#[derive(Clone, Debug)]
pub struct Map {
    path: PathBuf,
    teams: Vec<TeamMatch>,
    /// Fault id, then the services whose incident it is.
    faults: Vec<(String, (usize, usize), Vec<String>)>,
}

/// One team of the map: its name (and place in the map), and the ids and names of the
/// escalation policies and services that page it.
#[derive(Clone, Debug)]
struct TeamMatch {
    name: String,
    at: (usize, usize),
    policies: Vec<String>,
    services: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMap {
    #[serde(default)]
    teams: BTreeMap<Spanned<String>, RawMatch>,
    #[serde(default)]
    faults: BTreeMap<Spanned<String>, RawMatch>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawMatch {
    #[serde(default)]
    services: Vec<String>,
    #[serde(default)]
    escalation_policies: Vec<String>,
}

fn located(path: &Path, kind: Kind, at: Option<(usize, usize)>, message: String, help: Option<String>) -> RecordError {
    RecordError {
        kind,
        path: path.to_path_buf(),
        position: at,
        message,
        help,
    }
}

impl Map {
    /// Read the map `text` (from `path`); with `sc`, every team and fault it names must be
    /// the scenario's.
    pub fn parse(path: &Path, text: &str, sc: Option<&Scenario>) -> Result<Map, RecordError> {
        let raw: RawMap = toml::from_str(text).map_err(|e| {
            let at = e.span().map(|s| line_col(text, s.start));
            located(
                path,
                Kind::Syntax,
                at,
                format!("not a PagerDuty map: {}", e.message()),
                Some("[teams.NAME] with services = [...] and/or escalation_policies = [...] (ids or names); optional [faults.ID] with services = [...]".into()),
            )
        })?;
        let mut seen: HashSet<&str> = HashSet::new();
        let mut teams = Vec::new();
        for (name, m) in &raw.teams {
            let at = line_col(text, name.span().start);
            if m.services.is_empty() && m.escalation_policies.is_empty() {
                return Err(located(
                    path,
                    Kind::Missing,
                    Some(at),
                    format!("team `{}` has no services and no escalation policies", name.get_ref()),
                    Some("list the PagerDuty services or escalation policies (ids or names) that page this team".into()),
                ));
            }
            for k in m.services.iter().chain(&m.escalation_policies) {
                if !seen.insert(k.as_str()) {
                    return Err(located(
                        path,
                        Kind::Duplicate,
                        Some(at),
                        format!("`{k}` is listed for two teams"),
                        Some("a PagerDuty service or escalation policy is one team: keep it under one".into()),
                    ));
                }
            }
            teams.push(TeamMatch {
                name: name.get_ref().clone(),
                at,
                policies: m.escalation_policies.clone(),
                services: m.services.clone(),
            });
        }
        if teams.is_empty() {
            return Err(located(
                path,
                Kind::Empty,
                None,
                "the map names no team".into(),
                Some("add [teams.NAME] with services = [\"PXXXXXX\"] for each team PagerDuty pages".into()),
            ));
        }
        let faults = raw
            .faults
            .iter()
            .map(|(n, m)| (n.get_ref().clone(), line_col(text, n.span().start), m.services.clone()))
            .collect();
        let map = Map {
            path: path.to_path_buf(),
            teams,
            faults,
        };
        if let Some(sc) = sc {
            map.check(sc)?;
        }
        Ok(map)
    }

    fn check(&self, sc: &Scenario) -> Result<(), RecordError> {
        let unknown = |what: &str, name: &str, at: (usize, usize), names: Vec<&str>| {
            let help = match names.iter().find(|n| similar(name, n)) {
                Some(n) => format!("did you mean `{n}`?"),
                None => format!("the scenario's {what}s: {}", names.join(", ")),
            };
            located(
                &self.path,
                Kind::UnknownName,
                Some(at),
                format!("unknown {what} `{name}`"),
                Some(help),
            )
        };
        let team_names: Vec<&str> = sc.teams.iter().map(|t| t.name.as_str()).collect();
        for t in &self.teams {
            if !team_names.contains(&t.name.as_str()) {
                return Err(unknown("team", &t.name, t.at, team_names));
            }
        }
        let fault_names: Vec<&str> = sc.topology.faults.iter().map(|f| f.id.as_str()).collect();
        for (name, at, _) in &self.faults {
            if !fault_names.contains(&name.as_str()) {
                return Err(unknown("fault", name, *at, fault_names));
            }
        }
        Ok(())
    }

    /// The team of an entry: by its escalation policy, else by its service (id or name).
    fn team(&self, e: &Entry) -> Option<&str> {
        let is = |r: &Option<Ref>, keys: &[String]| {
            r.as_ref()
                .is_some_and(|r| keys.iter().any(|k| Some(k) == r.id.as_ref() || Some(k) == r.summary.as_ref()))
        };
        self.teams
            .iter()
            .find(|t| is(&e.escalation_policy, &t.policies))
            .or_else(|| self.teams.iter().find(|t| is(&e.service, &t.services)))
            .map(|t| t.name.as_str())
    }

    fn fault(&self, e: &Entry) -> Option<&str> {
        let r = e.service.as_ref()?;
        self.faults
            .iter()
            .find(|f| f.2.iter().any(|k| Some(k) == r.id.as_ref() || Some(k) == r.summary.as_ref()))
            .map(|f| f.0.as_str())
    }
}

/// A reference to a PagerDuty object (service, escalation policy, user, incident).
#[derive(Deserialize, Clone, Debug, Default)]
struct Ref {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    summary: Option<String>,
}

impl Ref {
    fn shown(&self) -> String {
        match (&self.summary, &self.id) {
            (Some(s), Some(i)) => format!("{s} ({i})"),
            (Some(s), None) => s.clone(),
            (None, Some(i)) => i.clone(),
            (None, None) => "?".into(),
        }
    }
}

/// One log entry: the fields read; the API's others (`html_url`, `contexts`, ...) are not
/// needed and not refused.
#[derive(Deserialize, Clone, Debug)]
struct Entry {
    #[serde(rename = "type")]
    kind: String,
    created_at: String,
    #[serde(default)]
    summary: Option<String>,
    #[serde(default)]
    service: Option<Ref>,
    #[serde(default)]
    escalation_policy: Option<Ref>,
    #[serde(default)]
    agent: Option<Ref>,
    #[serde(default)]
    incident: Option<Ref>,
}

#[derive(Deserialize)]
struct Wrapped {
    log_entries: Vec<Entry>,
}

/// An imported record: the long-form text, and what was not made an event (one line each).
#[derive(Clone, Debug, PartialEq)]
pub struct Imported {
    /// The record, long CSV form.
    pub text: String,
    /// Entries kept as comments rather than events, by type, with counts.
    pub comments: Vec<(String, usize)>,
    /// Log entries read.
    pub entries: usize,
}

/// Seconds since 1970-01-01T00:00:00Z of an RFC 3339 time, and its own UTC offset in minutes.
fn instant(s: &str) -> Result<(i64, i64), String> {
    let bad = |why: &str| format!("`created_at` \"{s}\" is not an RFC 3339 time ({why}), e.g. \"2026-11-18T14:03:12Z\"");
    let dt: toml::value::Datetime = s.trim().parse().map_err(|_| bad("cannot read it"))?;
    let (Some(d), Some(t)) = (dt.date, dt.time) else {
        return Err(bad("it needs a date and a time"));
    };
    let offset = match dt.offset {
        Some(toml::value::Offset::Z) => 0,
        Some(toml::value::Offset::Custom { minutes }) => i64::from(minutes),
        None => return Err(bad("it needs a UTC offset, Z or +01:00")),
    };
    // Days from the civil date (Howard Hinnant's days_from_civil).
    let (y, m, dd) = (i64::from(d.year), i64::from(d.month), i64::from(d.day));
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + dd - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + i64::from(t.hour) * 3600 + i64::from(t.minute) * 60 + i64::from(t.second) - offset * 60;
    Ok((secs, offset))
}

/// A duration in the record's form: `0m`, `12m`, `12m30s`.
fn duration(secs: i64) -> String {
    let (m, s) = (secs / 60, secs % 60);
    if s == 0 { format!("{m}m") } else { format!("{m}m{s}s") }
}

/// Where the `k`-th entry's `created_at` value is in the log's text (the API writes one
/// `created_at` per entry; nested references carry none), for messages.
fn entry_at(text: &str, k: usize) -> Option<(usize, usize)> {
    let (i, _) = text.match_indices("\"created_at\"").nth(k)?;
    let value = text[i + 12..].find('"').map_or(i, |j| i + 12 + j);
    Some(line_col(text, value))
}

/// One entry of the log, placed: its instant (seconds since 1970), its UTC offset in minutes,
/// its place in the file, and the entry.
type Timed = (i64, i64, usize, Entry);

/// A record line: a row (time, event, subject, outcome, note) or a `#` comment.
type Line = Result<[String; 5], String>;

/// Import the PagerDuty log `text` (read from `path`) with `map` into a long-form record.
pub fn import(path: &Path, text: &str, map: &Map) -> Result<Imported, RecordError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let timed = timed_entries(path, text)?;
    let Some(&(t0, off0, ..)) = timed.iter().find(|x| x.3.kind == "trigger_log_entry") else {
        return Err(located(
            path,
            Kind::Missing,
            None,
            "the log has no trigger_log_entry: nothing says when the incident began".into(),
            Some("export the whole incident's log, from its trigger".into()),
        ));
    };
    let log = Log { path, text, map };
    let (lines, comments) = log.lines(&timed, t0)?;
    let (date, start) = civil(t0 + off0 * 60);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Imported from PagerDuty log entries: {} (drillsim import pagerduty)",
        path.display()
    );
    let _ = writeln!(
        out,
        "# times from the first trigger; the start is its clock time at UTC offset {}",
        offset_text(off0)
    );
    let _ = writeln!(out, "# date: {date}");
    let _ = writeln!(out, "# start: {start}");
    out.push_str("time,event,subject,outcome,note\n");
    out.push_str(&csv_text(lines));
    Ok(Imported {
        text: out,
        comments: comments.into_iter().collect(),
        entries: timed.len(),
    })
}

/// The log's entries in time order (the API lists newest first by default; ties keep the
/// file's order), each with its instant and place in the file.
fn timed_entries(path: &Path, text: &str) -> Result<Vec<Timed>, RecordError> {
    let json_err = |e: serde_json::Error| {
        located(
            path,
            Kind::Syntax,
            Some((e.line().max(1), e.column().max(1))),
            {
                // serde_json says "... at line 2 column 32": the position is in front already.
                let m = e.to_string();
                let m = m.rfind(" at line ").map_or(m.as_str(), |i| &m[..i]).to_string();
                format!("not a PagerDuty log: {m}")
            },
            Some("the REST API's log entries: {\"log_entries\": [...]} or a bare array of entries, each with type and created_at".into()),
        )
    };
    let first = text.trim_start().chars().next();
    let entries: Vec<Entry> = if first == Some('[') {
        serde_json::from_str(text).map_err(json_err)?
    } else {
        serde_json::from_str::<Wrapped>(text).map_err(json_err)?.log_entries
    };
    if entries.is_empty() {
        return Err(located(
            path,
            Kind::Empty,
            None,
            "the log has no entries".into(),
            Some("export the incident's log entries (GET /incidents/{id}/log_entries)".into()),
        ));
    }
    // The API lists newest first by default: put them in time order (ties keep the file's).
    let mut timed = Vec::with_capacity(entries.len());
    for (k, e) in entries.into_iter().enumerate() {
        let (t, off) = instant(&e.created_at).map_err(|m| {
            located(
                path,
                Kind::BadTime,
                entry_at(text, k),
                m,
                Some("PagerDuty writes created_at as 2026-11-18T14:03:12Z".into()),
            )
        })?;
        timed.push((t, off, k, e));
    }
    timed.sort_by_key(|x| (x.0, x.2));
    Ok(timed)
}

/// The log being imported, for messages that point into it.
struct Log<'a> {
    path: &'a Path,
    text: &'a str,
    map: &'a Map,
}

impl Log<'_> {
    /// The team of the `k`-th entry of the file, or an error naming what the map lacks.
    fn team_of(&self, k: usize, e: &Entry) -> Result<String, RecordError> {
        let (path, text, map) = (self.path, self.text, self.map);
        map.team(e).map(str::to_string).ok_or_else(|| {
            let what = match (&e.escalation_policy, &e.service) {
                (Some(p), Some(s)) => format!("escalation policy {} and service {}", p.shown(), s.shown()),
                (Some(p), None) => format!("escalation policy {}", p.shown()),
                (None, Some(s)) => format!("service {}", s.shown()),
                (None, None) => "no service and no escalation policy".into(),
            };
            located(
                path,
                Kind::UnknownName,
                entry_at(text, k),
                format!("{} with {what}: the map names no team for it", e.kind),
                Some(format!(
                    "add its service or escalation policy (id or name) under [teams.NAME] in {}",
                    map.path.display()
                )),
            )
        })
    }

    /// The record's lines in time order, and how many entries of each type became comments.
    fn lines(&self, timed: &[Timed], t0: i64) -> Result<(Vec<Line>, BTreeMap<String, usize>), RecordError> {
        let map = self.map;
        let last_resolve = timed.iter().rposition(|x| x.3.kind == "resolve_log_entry");
        let mut lines: Vec<Line> = Vec::new();
        let mut comments: BTreeMap<String, usize> = BTreeMap::new();
        let mut acked: HashSet<String> = HashSet::new();
        let mut detected = false;
        for (i, (t, _, k, e)) in timed.iter().enumerate() {
            let at = duration(t - t0);
            let who = e.agent.as_ref().map(Ref::shown).unwrap_or_default();
            let incident = e.incident.as_ref().map(Ref::shown).unwrap_or_default();
            let row = |event: &str, subject: &str, note: String| Ok([at.clone(), event.into(), subject.into(), String::new(), note]);
            let comment = |why: &str| {
                let s = e.summary.clone().unwrap_or_default().replace(['\n', '\r'], " ");
                Err(format!("# {at} {}{why}: {s}", e.kind))
            };
            let line = if *t < t0 {
                comment(" (before the first trigger)")
            } else if last_resolve.is_some_and(|r| i > r) {
                comment(" (after the incident was resolved)")
            } else {
                match e.kind.as_str() {
                    "trigger_log_entry" => {
                        let team = self.team_of(*k, e)?;
                        if !detected {
                            detected = true;
                            if let Some(f) = map.fault(e) {
                                lines.push(row(
                                    "fault",
                                    f,
                                    "the trigger's time: PagerDuty does not know when the fault began".into(),
                                ));
                            }
                            lines.push(row("detected", "", format!("PagerDuty trigger: {incident}")));
                            row("paged", &team, String::new())
                        } else {
                            row("paged", &team, format!("another incident triggered: {incident}"))
                        }
                    }
                    "acknowledge_log_entry" => {
                        let team = self.team_of(*k, e)?;
                        if acked.insert(team.clone()) {
                            row("acked", &team, who)
                        } else {
                            comment(" (the team had acknowledged already)")
                        }
                    }
                    "escalate_log_entry" => {
                        let team = self.team_of(*k, e)?;
                        row("escalated", &team, e.summary.clone().unwrap_or_default())
                    }
                    "resolve_log_entry" if Some(i) == last_resolve => {
                        let by = if who.is_empty() { String::new() } else { format!(" by {who}") };
                        row("closed", "", format!("resolved in PagerDuty{by}"))
                    }
                    "resolve_log_entry" => comment(" (an earlier incident resolved; the record closes at the last)"),
                    _ => comment(" (not a record event)"),
                }
            };
            if line.is_err() {
                *comments.entry(e.kind.clone()).or_default() += 1;
            }
            lines.push(line);
        }
        Ok((lines, comments))
    }
}

/// The lines as CSV rows and comment lines.
fn csv_text(lines: Vec<Line>) -> String {
    let mut body = String::new();
    for line in lines {
        match line {
            Ok(r) => {
                let mut w = csv::WriterBuilder::new().has_headers(false).from_writer(Vec::new());
                let _ = w.write_record(&r);
                body.push_str(&String::from_utf8_lossy(&w.into_inner().unwrap_or_default()));
            }
            Err(c) => {
                body.push_str(&c);
                body.push('\n');
            }
        }
    }
    body
}

/// The civil date and clock time (`2026-11-18`, `14:03:12`) of `local` seconds since 1970
/// (Howard Hinnant's civil_from_days).
fn civil(local: i64) -> (String, String) {
    let days = local.div_euclid(86_400);
    let s = local.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (
        format!("{y:04}-{m:02}-{d:02}"),
        format!("{:02}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60),
    )
}

fn offset_text(minutes: i64) -> String {
    let sign = if minutes < 0 { '-' } else { '+' };
    format!("{sign}{:02}:{:02}", minutes.abs() / 60, minutes.abs() % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_instants() {
        assert_eq!(instant("1970-01-01T00:00:00Z").unwrap(), (0, 0));
        assert_eq!(instant("2000-03-01T00:00:00Z").unwrap().0, 951_868_800);
        // The same instant written with an offset.
        assert_eq!(
            instant("2026-11-18T15:03:12+01:00").unwrap().0,
            instant("2026-11-18T14:03:12Z").unwrap().0
        );
        assert_eq!(
            instant("2026-11-18T14:03:12.250Z").unwrap().0,
            instant("2026-11-18T14:03:12Z").unwrap().0
        );
        assert!(instant("2026-11-18T14:03:12").unwrap_err().contains("offset"));
        assert!(instant("yesterday").is_err());
    }

    #[test]
    fn civil_dates_invert_instants() {
        assert_eq!(civil(0), ("1970-01-01".into(), "00:00:00".into()));
        assert_eq!(civil(951_868_800 - 1), ("2000-02-29".into(), "23:59:59".into()));
        let t = instant("2026-11-18T14:03:12Z").unwrap().0;
        assert_eq!(civil(t), ("2026-11-18".into(), "14:03:12".into()));
        assert_eq!(civil(-1), ("1969-12-31".into(), "23:59:59".into()));
    }

    #[test]
    fn durations_as_a_record_writes_them() {
        assert_eq!(duration(0), "0m");
        assert_eq!(duration(750), "12m30s");
        assert_eq!(duration(3600), "60m");
    }
}
