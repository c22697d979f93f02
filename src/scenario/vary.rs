//! Changes to a scenario's fields, for `drillsim sweep`: the plan as written, with one team's
//! capacity, one step's duration, one store's backup interval (and so on) set, scaled or
//! moved.
//!
//! **Where a change is made.** A value that is *set* (`teams.ops.capacity = 3`,
//! `stores.orders.backup_interval = 15m`) or a whole number that is *added to*
//! (`capacity += 1`) is written into the parsed file, before the scenario is checked: the
//! variant passes every check a file does, and a value the format refuses gets the file's own
//! message at the place the value stands (with the change named in front of it). A duration
//! that is *scaled* (`*= 0.5`) or *moved* (`+= 30m`) is changed in the checked model, since a
//! distribution's parameters are not all durations (a lognormal's sigma) and a lognormal has
//! no parameter that moves it: [`Dist::scaled`] and [`Dist::shifted`] turn the same random
//! numbers into values `k` times as long, or `d` longer, so a variant's trials stay paired
//! with the base's (common random numbers). Scaling by `k > 0` and moving by `d >= 0` keep a
//! valid distribution valid; a fixed duration that grows past the longest one a file may state
//! is refused.

use std::path::{Path, PathBuf};

use toml::Spanned;

use super::duration::MAX_MINUTES;
use super::raw::{RawDist, RawFile};
use super::{Part, Source, build, parse_toml, sources_with_root};
use crate::error::{ScenarioError, similar};
use crate::model::{Dist, Scenario};

/// What kind of thing a change is about: the first word of `KIND.NAME.FIELD`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `teams.NAME.FIELD`.
    Teams,
    /// `steps.ID.FIELD`.
    Steps,
    /// `stores.NAME.FIELD`.
    Stores,
    /// `monitors.NAME.FIELD`.
    Monitors,
    /// `detection.FIELD` (no name: there is one `[detection]`).
    Detection,
}

impl Kind {
    /// As written.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Teams => "teams",
            Kind::Steps => "steps",
            Kind::Stores => "stores",
            Kind::Monitors => "monitors",
            Kind::Detection => "detection",
        }
    }

    /// The kind written `word`.
    pub fn parse(word: &str) -> Option<Kind> {
        KINDS.iter().copied().find(|k| k.as_str() == word)
    }

    /// What one of them is called in messages.
    pub fn what(self) -> &'static str {
        match self {
            Kind::Teams => "team",
            Kind::Steps => "step",
            Kind::Stores => "store",
            Kind::Monitors => "monitor",
            Kind::Detection => "detection",
        }
    }
}

/// Every kind, in the order the help lists them.
pub const KINDS: [Kind; 5] = [Kind::Teams, Kind::Steps, Kind::Stores, Kind::Detection, Kind::Monitors];

/// What a field holds, which decides the changes it takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueKind {
    /// A whole number (`=` and `+=`).
    Whole,
    /// A probability between 0 and 1 (`=` only).
    Probability,
    /// A distribution of durations (`=` a duration, `*=`, `+=`).
    Duration,
    /// A fixed duration (`=`, `*=`, `+=`).
    FixedDuration,
}

/// One field that can be varied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Field {
    /// The kind it belongs to.
    pub kind: Kind,
    /// As written after the name, e.g. `capacity`.
    pub name: &'static str,
    /// What it holds.
    pub value: ValueKind,
    /// What it changes, for the help and the docs.
    pub about: &'static str,
}

/// Every field a sweep can vary.
pub const FIELDS: &[Field] = &[
    Field {
        kind: Kind::Teams,
        name: "capacity",
        value: ValueKind::Whole,
        about: "steps the team works on at once",
    },
    Field {
        kind: Kind::Teams,
        name: "ack",
        value: ValueKind::Probability,
        about: "chance each escalation level acknowledges",
    },
    Field {
        kind: Kind::Teams,
        name: "ack_delay",
        value: ValueKind::Duration,
        about: "every escalation level's page-to-acknowledgement delay",
    },
    Field {
        kind: Kind::Teams,
        name: "timeout",
        value: ValueKind::FixedDuration,
        about: "every escalation level's timeout",
    },
    Field {
        kind: Kind::Teams,
        name: "last_resort",
        value: ValueKind::Duration,
        about: "the escalation's last resort",
    },
    Field {
        kind: Kind::Teams,
        name: "repeat",
        value: ValueKind::Whole,
        about: "how many more times the escalation list is paged",
    },
    Field {
        kind: Kind::Steps,
        name: "duration",
        value: ValueKind::Duration,
        about: "the step's duration",
    },
    Field {
        kind: Kind::Steps,
        name: "fail",
        value: ValueKind::Probability,
        about: "chance an attempt fails",
    },
    Field {
        kind: Kind::Stores,
        name: "backup_interval",
        value: ValueKind::FixedDuration,
        about: "how often a backup is taken",
    },
    Field {
        kind: Kind::Stores,
        name: "keep",
        value: ValueKind::Whole,
        about: "backups kept (retention)",
    },
    Field {
        kind: Kind::Stores,
        name: "restore",
        value: ValueKind::Duration,
        about: "time to restore a backup",
    },
    Field {
        kind: Kind::Stores,
        name: "bad_backup",
        value: ValueKind::Probability,
        about: "chance a backup is bad",
    },
    Field {
        kind: Kind::Stores,
        name: "replication_lag",
        value: ValueKind::Duration,
        about: "data the standby lags behind",
    },
    Field {
        kind: Kind::Detection,
        name: "delay",
        value: ValueKind::Duration,
        about: "every monitor's delay ([detection] delay, or each [[monitor]]'s)",
    },
    Field {
        kind: Kind::Detection,
        name: "miss",
        value: ValueKind::Probability,
        about: "chance the [detection] monitor misses the fault",
    },
    Field {
        kind: Kind::Detection,
        name: "fallback",
        value: ValueKind::Duration,
        about: "time to customer reports",
    },
    Field {
        kind: Kind::Monitors,
        name: "delay",
        value: ValueKind::Duration,
        about: "the monitor's delay",
    },
    Field {
        kind: Kind::Monitors,
        name: "miss",
        value: ValueKind::Probability,
        about: "chance the monitor misses",
    },
];

/// The field `name` of `kind`, or a message with the closest field (or the list of them).
pub fn field(kind: Kind, name: &str) -> Result<Field, String> {
    let known: Vec<&Field> = FIELDS.iter().filter(|f| f.kind == kind).collect();
    if let Some(f) = known.iter().find(|f| f.name == name.replace('-', "_")) {
        return Ok(**f);
    }
    let names: Vec<&str> = known.iter().map(|f| f.name).collect();
    Err(match names.iter().find(|n| similar(n, name)) {
        Some(n) => format!(
            "{} has no field `{name}`: did you mean `{n}`? fields: {}",
            kind.as_str(),
            names.join(", ")
        ),
        None => format!("{} has no field `{name}`; fields: {}", kind.as_str(), names.join(", ")),
    })
}

/// A change to one value.
#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    /// `=`: the value as written in a file (`3`, `15m`, `0.1`).
    Set(String),
    /// `*=`: every duration times this factor (> 0).
    Scale(f64),
    /// `+=`: this many minutes added to every duration (>= 0), or this whole number added.
    Add(f64),
}

/// What a change is about: `KIND.NAME.FIELD`.
#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    /// The field (and its kind).
    pub field: Field,
    /// The team, step, store or monitor (empty for `detection`).
    pub name: String,
}

impl Target {
    /// As written: `teams.ops.capacity`, `detection.delay`.
    pub fn text(&self) -> String {
        if self.field.kind == Kind::Detection {
            format!("detection.{}", self.field.name)
        } else {
            format!("{}.{}.{}", self.field.kind.as_str(), self.name, self.field.name)
        }
    }
}

/// One change: a target and what is done to it.
#[derive(Clone, Debug, PartialEq)]
pub struct Edit {
    /// What is changed.
    pub target: Target,
    /// How.
    pub op: Op,
}

impl Edit {
    /// As written: `teams.ops.capacity=2`, `steps.fix.duration*=0.5`.
    pub fn text(&self) -> String {
        match &self.op {
            Op::Set(v) => format!("{}={v}", self.target.text()),
            Op::Scale(k) => format!("{}*={k}", self.target.text()),
            Op::Add(d) => match self.target.field.value {
                ValueKind::Whole => format!("{}+={d}", self.target.text()),
                _ => format!("{}+={}", self.target.text(), minutes_text(*d)),
            },
        }
    }
}

/// Minutes as a duration a file would state: `90m`, `12.5m`, `0m`.
pub fn minutes_text(m: f64) -> String {
    format!("{}m", m + 0.0)
}

/// A change that cannot be made to this scenario.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum VaryError {
    /// The team, step, store or monitor is not in the scenario.
    #[error("{target}: unknown {what} \"{name}\"\n  help: {help}")]
    UnknownName {
        /// The change's target as written.
        target: String,
        /// "team", "step", ...
        what: &'static str,
        /// The name as written.
        name: String,
        /// The closest names, or the list of them.
        help: String,
    },
    /// The change does not fit the scenario (a field it does not have, ...).
    #[error("{target}: {message}\n  help: {help}")]
    Unfit {
        /// The change as written.
        target: String,
        /// What is wrong.
        message: String,
        /// What to do.
        help: String,
    },
    /// With the change made, the scenario is not valid: the file's own message.
    #[error("with {changes}: {error}")]
    Invalid {
        /// The changes of the variant, as written.
        changes: String,
        /// The check's error, at the place of the changed value.
        error: Box<ScenarioError>,
    },
}

/// A scenario as read from its files, ready to be varied: the files' text is kept, and each
/// variant is parsed from it afresh, changed, and checked.
#[derive(Debug)]
pub struct Base {
    path: PathBuf,
    sources: Vec<Source>,
    scenario: Scenario,
}

impl Base {
    /// Read and check the scenario at `path` (its files inside `root`).
    pub fn load(path: &Path, root: &Path) -> Result<Base, ScenarioError> {
        let sources = sources_with_root(path, root)?;
        let parts = parse(&sources)?;
        let scenario = build::scenario(path, &parts)?;
        Ok(Base {
            path: path.to_path_buf(),
            sources,
            scenario,
        })
    }

    /// The scenario as written.
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// Whether `target` names something this scenario has (with "did you mean" when not),
    /// and whether `op` can change it here.
    pub fn check(&self, target: &Target, op: &Op) -> Result<(), VaryError> {
        let sc = &self.scenario;
        let names: Vec<&str> = match target.field.kind {
            Kind::Teams => sc.teams.iter().map(|t| t.name.as_str()).collect(),
            Kind::Steps => sc.steps.iter().map(|s| s.id.as_str()).collect(),
            Kind::Stores => sc.stores.iter().map(|s| s.name.as_str()).collect(),
            Kind::Monitors => sc.topology.monitors.iter().map(|m| m.name.as_str()).collect(),
            Kind::Detection => Vec::new(),
        };
        let what = target.field.kind.what();
        if target.field.kind != Kind::Detection && !names.contains(&target.name.as_str()) {
            let help = if names.is_empty() {
                format!("this scenario has no {what}s")
            } else if let Some(n) = names.iter().find(|n| similar(n, &target.name)) {
                format!("did you mean \"{n}\"? ({} {what}s)", names.len())
            } else if names.len() <= 12 {
                format!("{what}s: {}", names.join(", "))
            } else {
                format!("{} {what}s are defined; check the spelling", names.len())
            };
            return Err(VaryError::UnknownName {
                target: target.text(),
                what,
                name: target.name.clone(),
                help,
            });
        }
        let unfit = |message: String, help: &str| VaryError::Unfit {
            target: target.text(),
            message,
            help: help.to_string(),
        };
        if target.field.kind == Kind::Monitors && self.monitors_written() == 0 {
            return Err(unfit(
                "this scenario has no [[monitor]]s; its one monitor is [detection]'s".into(),
                "vary detection.delay or detection.miss",
            ));
        }
        if target.field.kind == Kind::Detection && target.field.name == "miss" && self.monitors_written() > 0 {
            return Err(unfit(
                "[detection] miss is for scenarios without [[monitor]]s; this one has monitors".into(),
                "vary each monitor's miss: monitors.NAME.miss",
            ));
        }
        if target.field.kind == Kind::Teams && matches!(target.field.name, "ack" | "ack_delay" | "timeout" | "last_resort" | "repeat") {
            let t = sc.teams.iter().find(|t| t.name == target.name);
            if t.is_some_and(|t| t.escalation.levels.is_empty()) {
                return Err(unfit(
                    format!(
                        "team \"{}\" has no escalation policy, so `{}` changes nothing",
                        target.name, target.field.name
                    ),
                    "vary the team that is paged, or capacity",
                ));
            }
        }
        if !matches!(op, Op::Set(_)) {
            let absent = match (target.field.kind, target.field.name) {
                (Kind::Stores, "backup_interval") => store(sc, &target.name).is_some_and(|s| s.backup_interval.is_none()),
                (Kind::Stores, "replication_lag") => store(sc, &target.name).is_some_and(|s| s.replication_lag.is_none()),
                (Kind::Stores, "keep") => store(sc, &target.name).is_some_and(|s| s.keep.is_none()),
                (Kind::Detection, "fallback") => sc.detection.fallback.is_none(),
                _ => false,
            };
            if absent {
                return Err(unfit(
                    format!("the scenario has no `{}` here to change", target.field.name),
                    "set a value with `=` instead, e.g. stores.orders.backup_interval=1h,4h",
                ));
            }
        }
        Ok(())
    }

    /// The scenario with `edits` made (in order), checked as a file is.
    pub fn varied(&self, edits: &[Edit]) -> Result<Scenario, VaryError> {
        for e in edits {
            self.check(&e.target, &e.op)?;
        }
        let changes = edits.iter().map(Edit::text).collect::<Vec<_>>().join(", ");
        let invalid = |error: ScenarioError| VaryError::Invalid {
            changes: changes.clone(),
            error: Box::new(error),
        };
        let mut parts = parse(&self.sources).map_err(invalid)?;
        for e in edits {
            if let Some(r) = raw_change(&e.op, e.target.field.value) {
                let written = edit_raw(&mut parts, &e.target, &r);
                if written == 0 {
                    return Err(VaryError::Unfit {
                        target: e.text(),
                        message: "nothing in the files holds this value".into(),
                        help: "check the name and the field".into(),
                    });
                }
            }
        }
        let mut sc = build::scenario(&self.path, &parts).map_err(invalid)?;
        for e in edits {
            edit_model(&mut sc, e)?;
        }
        Ok(sc)
    }

    fn monitors_written(&self) -> usize {
        self.scenario.topology.monitors.len()
    }
}

fn store<'a>(sc: &'a Scenario, name: &str) -> Option<&'a crate::model::DataStore> {
    sc.stores.iter().find(|s| s.name == name)
}

fn parse(sources: &[Source]) -> Result<Vec<Part>, ScenarioError> {
    sources
        .iter()
        .map(|s| {
            let src = Source {
                path: s.path.clone(),
                text: s.text.clone(),
            };
            let raw = parse_toml(&src)?;
            Ok(Part { src, raw })
        })
        .collect()
}

/// A change made in the parsed file: a value set, or a whole number added to.
enum RawChange {
    Whole(i64, bool),
    Number(f64),
    Text(String),
}

fn raw_change(op: &Op, kind: ValueKind) -> Option<RawChange> {
    match (op, kind) {
        (Op::Set(v), ValueKind::Whole) => Some(RawChange::Whole(v.trim().parse().unwrap_or(i64::MIN), false)),
        (Op::Add(d), ValueKind::Whole) => Some(RawChange::Whole(*d as i64, true)),
        (Op::Set(v), ValueKind::Probability) => Some(RawChange::Number(probability_value(v).unwrap_or(f64::NAN))),
        (Op::Set(v), _) => Some(RawChange::Text(v.trim().to_string())),
        _ => None,
    }
}

/// A probability as written on the command line: `0.1` or `10%`.
pub fn probability_value(v: &str) -> Option<f64> {
    let v = v.trim();
    match v.strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().ok().map(|x| x / 100.0),
        None => v.parse().ok(),
    }
}

fn set_whole(slot: &mut Spanned<i64>, c: &RawChange) {
    if let RawChange::Whole(v, add) = c {
        let span = slot.span();
        let new = if *add { slot.get_ref().saturating_add(*v) } else { *v };
        *slot = Spanned::new(span, new);
    }
}

fn set_opt_whole(slot: &mut Option<Spanned<i64>>, at: std::ops::Range<usize>, c: &RawChange) {
    match slot {
        Some(s) => set_whole(s, c),
        // Absent: set, or added to the default of 0 (`repeat`; a store's `keep` has no
        // default and is refused before this).
        None => {
            if let RawChange::Whole(v, _) = c {
                *slot = Some(Spanned::new(at, *v));
            }
        }
    }
}

fn set_number(slot: &mut Option<Spanned<f64>>, at: std::ops::Range<usize>, c: &RawChange) {
    if let RawChange::Number(x) = c {
        let span = slot.as_ref().map_or(at, |s| s.span());
        *slot = Some(Spanned::new(span, *x));
    }
}

fn set_dist(slot: &mut Spanned<RawDist>, c: &RawChange) {
    if let RawChange::Text(t) = c {
        let span = slot.span();
        *slot = Spanned::new(span, RawDist::Text(t.clone()));
    }
}

fn set_opt_dist(slot: &mut Option<Spanned<RawDist>>, at: std::ops::Range<usize>, c: &RawChange) {
    if let RawChange::Text(t) = c {
        let span = slot.as_ref().map_or(at, |s| s.span());
        *slot = Some(Spanned::new(span, RawDist::Text(t.clone())));
    }
}

/// Make `c` in every place of the files that holds the target's value; how many places.
fn edit_raw(parts: &mut [Part], t: &Target, c: &RawChange) -> usize {
    let any_monitor = parts.iter().any(|p| p.raw.monitor.as_ref().is_some_and(|m| !m.is_empty()));
    parts
        .iter_mut()
        .map(|p| {
            let raw: &mut RawFile = &mut p.raw;
            match t.field.kind {
                Kind::Teams => edit_teams(raw, t, c),
                Kind::Steps => edit_steps(raw, t, c),
                Kind::Stores => edit_stores(raw, t, c),
                Kind::Monitors => edit_monitors(raw, t, c),
                Kind::Detection => edit_detection(raw, t, c, any_monitor),
            }
        })
        .sum()
}

/// The team's capacity or its escalation's fields (every level's, for a level's field).
fn edit_teams(raw: &mut RawFile, t: &Target, c: &RawChange) -> usize {
    let mut n = 0;
    let Some(teams) = raw.teams.as_mut() else { return 0 };
    for (name, team) in teams.iter_mut() {
        if name.get_ref() != &t.name {
            continue;
        }
        let team = team.get_mut();
        n += 1;
        match t.field.name {
            "capacity" => set_whole(&mut team.capacity, c),
            "repeat" | "last_resort" | "ack" | "ack_delay" | "timeout" => {
                let Some(esc) = team.escalation.as_mut() else { continue };
                let esc_at = esc.span();
                let esc = esc.get_mut();
                match t.field.name {
                    "repeat" => set_opt_whole(&mut esc.repeat, esc_at, c),
                    "last_resort" => set_dist(&mut esc.last_resort, c),
                    _ => {
                        for lv in esc.level.iter_mut() {
                            let lv_at = lv.span();
                            let lv = lv.get_mut();
                            match t.field.name {
                                "ack" => {
                                    let mut slot = Some(lv.ack.clone());
                                    set_number(&mut slot, lv_at, c);
                                    if let Some(s) = slot {
                                        lv.ack = s;
                                    }
                                }
                                "ack_delay" => set_dist(&mut lv.ack_delay, c),
                                _ => set_dist(&mut lv.timeout, c),
                            }
                        }
                    }
                }
            }
            _ => n -= 1,
        }
    }
    n
}

/// The step's duration or failure chance.
fn edit_steps(raw: &mut RawFile, t: &Target, c: &RawChange) -> usize {
    let mut n = 0;
    let Some(steps) = raw.step.as_mut() else { return 0 };
    for s in steps.iter_mut() {
        let at = s.span();
        let s = s.get_mut();
        if s.id.get_ref() != &t.name {
            continue;
        }
        n += 1;
        match t.field.name {
            "duration" => set_dist(&mut s.duration, c),
            "fail" => set_number(&mut s.fail, at, c),
            _ => n -= 1,
        }
    }
    n
}

/// The store's backup and restore fields.
fn edit_stores(raw: &mut RawFile, t: &Target, c: &RawChange) -> usize {
    let mut n = 0;
    let Some(stores) = raw.stores.as_mut() else { return 0 };
    for (name, s) in stores.iter_mut() {
        if name.get_ref() != &t.name {
            continue;
        }
        let at = s.span();
        let s = s.get_mut();
        n += 1;
        match t.field.name {
            "backup_interval" => set_opt_dist(&mut s.backup_interval, at, c),
            "keep" => set_opt_whole(&mut s.keep, at, c),
            "restore" => set_opt_dist(&mut s.restore, at, c),
            "bad_backup" => set_number(&mut s.bad_backup, at, c),
            "replication_lag" => set_opt_dist(&mut s.replication_lag, at, c),
            _ => n -= 1,
        }
    }
    n
}

/// The monitor's delay or miss chance.
fn edit_monitors(raw: &mut RawFile, t: &Target, c: &RawChange) -> usize {
    let mut n = 0;
    let Some(ms) = raw.monitor.as_mut() else { return 0 };
    for m in ms.iter_mut() {
        let at = m.span();
        let m = m.get_mut();
        if m.name.get_ref() != &t.name {
            continue;
        }
        n += 1;
        match t.field.name {
            "delay" => set_dist(&mut m.delay, c),
            "miss" => set_number(&mut m.miss, at, c),
            _ => n -= 1,
        }
    }
    n
}

/// `[detection]`'s fields; its delay is every monitor's when the files have any.
fn edit_detection(raw: &mut RawFile, t: &Target, c: &RawChange, any_monitor: bool) -> usize {
    let mut n = 0;
    match t.field.name {
        // Every monitor's delay: [detection]'s own, or each [[monitor]]'s.
        "delay" if any_monitor => {
            for m in raw.monitor.iter_mut().flatten() {
                set_dist(&mut m.get_mut().delay, c);
                n += 1;
            }
        }
        _ => {
            let Some(d) = raw.detection.as_mut() else { return 0 };
            let at = d.span();
            let d = d.get_mut();
            n += 1;
            match t.field.name {
                "delay" => set_opt_dist(&mut d.delay, at, c),
                "miss" => set_number(&mut d.miss, at, c),
                "fallback" => set_opt_dist(&mut d.fallback, at, c),
                _ => n -= 1,
            }
        }
    }
    n
}

/// Scale or move a distribution in the checked model.
fn change_dist(d: &mut Dist, op: &Op) {
    match op {
        Op::Scale(k) => *d = d.scaled(*k),
        Op::Add(m) => *d = d.shifted(*m),
        Op::Set(_) => {}
    }
}

/// Scale or move a fixed duration; one longer than a file may state is refused.
fn change_fixed(x: &mut f64, op: &Op, e: &Edit) -> Result<(), VaryError> {
    let new = match op {
        Op::Scale(k) => *x * k,
        Op::Add(m) => *x + m,
        Op::Set(_) => return Ok(()),
    };
    if !(new.is_finite() && new <= MAX_MINUTES) {
        return Err(VaryError::Unfit {
            target: e.text(),
            message: format!("{} would be longer than 10 years", minutes_text(new)),
            help: "use a smaller factor or duration".into(),
        });
    }
    *x = new;
    Ok(())
}

/// Make a scaling or a move of a duration in the checked model (set values and whole numbers
/// were made in the file).
fn edit_model(sc: &mut Scenario, e: &Edit) -> Result<(), VaryError> {
    let op = &e.op;
    if matches!(op, Op::Set(_)) || e.target.field.value == ValueKind::Whole {
        return Ok(());
    }
    let name = e.target.name.as_str();
    match (e.target.field.kind, e.target.field.name) {
        (Kind::Teams, f) => {
            if let Some(t) = sc.teams.iter_mut().find(|t| t.name == name) {
                let esc = &mut t.escalation;
                match f {
                    "last_resort" => change_dist(&mut esc.last_resort, op),
                    "ack_delay" => esc.levels.iter_mut().for_each(|l| change_dist(&mut l.ack_delay, op)),
                    "timeout" => {
                        for l in esc.levels.iter_mut() {
                            change_fixed(&mut l.timeout, op, e)?;
                        }
                    }
                    _ => {}
                }
            }
        }
        (Kind::Steps, "duration") => {
            if let Some(s) = sc.steps.iter_mut().find(|s| s.id == name) {
                change_dist(&mut s.duration, op);
            }
        }
        (Kind::Stores, f) => {
            if let Some(s) = sc.stores.iter_mut().find(|s| s.name == name) {
                match f {
                    "backup_interval" => {
                        if let Some(x) = s.backup_interval.as_mut() {
                            change_fixed(x, op, e)?;
                        }
                    }
                    "restore" => change_dist(&mut s.restore, op),
                    "replication_lag" => {
                        if let Some(d) = s.replication_lag.as_mut() {
                            change_dist(d, op);
                        }
                    }
                    _ => {}
                }
            }
        }
        (Kind::Monitors | Kind::Detection, "delay") => {
            // A [[monitor]] lives in the topology and, checked, in the detection's list.
            let all = e.target.field.kind == Kind::Detection;
            for m in sc.detection.monitors.iter_mut().chain(sc.topology.monitors.iter_mut()) {
                if all || m.name == name {
                    change_dist(&mut m.delay, op);
                }
            }
        }
        (Kind::Detection, "fallback") => {
            if let Some(f) = sc.detection.fallback.as_mut() {
                change_dist(f, op);
            }
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAN: &str = "[detection]\ndelay = \"10m\"\npage = \"ops\"\n[teams.ops]\ncapacity = 1\n[teams.ops.escalation]\nlast_resort = \"1h\"\n[[teams.ops.escalation.level]]\nname = \"p\"\nack = 1.0\nack_delay = \"5m\"\ntimeout = \"15m\"\n[[step]]\nid = \"fix\"\nteam = \"ops\"\nduration = { dist = \"lognormal\", median = \"30m\", sigma = 0.5 }\n";

    fn base() -> (tempfile::TempDir, Base) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("plan.toml");
        std::fs::write(&p, PLAN).unwrap();
        let b = Base::load(&p, dir.path()).unwrap();
        (dir, b)
    }

    fn edit(kind: Kind, name: &str, field_name: &str, op: Op) -> Edit {
        Edit {
            target: Target {
                field: field(kind, field_name).unwrap(),
                name: name.into(),
            },
            op,
        }
    }

    #[test]
    fn set_scale_and_add_reach_the_model() {
        let (_d, b) = base();
        let sc = b.varied(&[edit(Kind::Teams, "ops", "capacity", Op::Set("3".into()))]).unwrap();
        assert_eq!(sc.teams[0].capacity, 3);
        let sc = b.varied(&[edit(Kind::Teams, "ops", "capacity", Op::Add(2.0))]).unwrap();
        assert_eq!(sc.teams[0].capacity, 3);
        let sc = b.varied(&[edit(Kind::Steps, "fix", "duration", Op::Scale(0.5))]).unwrap();
        assert!((sc.steps[0].duration.mean() - 0.5 * b.scenario().steps[0].duration.mean()).abs() < 1e-9);
        let sc = b.varied(&[edit(Kind::Steps, "fix", "duration", Op::Add(30.0))]).unwrap();
        assert!((sc.steps[0].duration.mean() - b.scenario().steps[0].duration.mean() - 30.0).abs() < 1e-9);
        let sc = b.varied(&[edit(Kind::Detection, "", "delay", Op::Set("2m".into()))]).unwrap();
        assert_eq!(sc.detection.monitors[0].delay, Dist::Fixed(2.0));
        let sc = b.varied(&[edit(Kind::Teams, "ops", "timeout", Op::Scale(2.0))]).unwrap();
        assert_eq!(sc.teams[0].escalation.levels[0].timeout, 30.0);
        let sc = b.varied(&[edit(Kind::Teams, "ops", "repeat", Op::Add(2.0))]).unwrap();
        assert_eq!(sc.teams[0].escalation.repeat, 2, "added to the default of 0");
        let sc = b.varied(&[edit(Kind::Steps, "fix", "fail", Op::Set("10%".into()))]).unwrap();
        assert_eq!(sc.steps[0].fail, 0.1);
        // The base is untouched.
        assert_eq!(b.scenario().teams[0].capacity, 1);
    }

    #[test]
    fn a_value_the_format_refuses_gets_the_files_message_at_the_value() {
        let (_d, b) = base();
        let e = b.varied(&[edit(Kind::Teams, "ops", "capacity", Op::Set("0".into()))]).unwrap_err();
        let text = e.to_string();
        assert!(text.starts_with("with teams.ops.capacity=0: "), "{text}");
        assert!(text.contains("plan.toml:5:12: team \"ops\" has capacity 0"), "{text}");
        let e = b.varied(&[edit(Kind::Steps, "fix", "duration", Op::Set("1x".into()))]).unwrap_err();
        assert!(e.to_string().contains("unknown unit \"x\""), "{e}");
        let e = b.varied(&[edit(Kind::Steps, "fix", "fail", Op::Set("2".into()))]).unwrap_err();
        assert!(matches!(e, VaryError::Invalid { .. }), "{e}");
    }

    #[test]
    fn unknown_names_and_fields_say_what_is_close() {
        let (_d, b) = base();
        let e = b.varied(&[edit(Kind::Teams, "opz", "capacity", Op::Set("2".into()))]).unwrap_err();
        assert!(
            e.to_string().contains("unknown team \"opz\"") && e.to_string().contains("did you mean \"ops\""),
            "{e}"
        );
        let e = b.varied(&[edit(Kind::Steps, "fixx", "duration", Op::Scale(2.0))]).unwrap_err();
        assert!(e.to_string().contains("did you mean \"fix\""), "{e}");
        let f = field(Kind::Teams, "capacty").unwrap_err();
        assert!(f.contains("did you mean `capacity`"), "{f}");
        let e = b.varied(&[edit(Kind::Monitors, "x", "delay", Op::Scale(2.0))]).unwrap_err();
        assert!(e.to_string().contains("monitor"), "{e}");
    }
}
