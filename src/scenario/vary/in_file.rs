//! Changes written into the parsed file, before it is checked: a value set, or a whole number
//! added to, at the place the value stands, so a variant gets the file's own messages.

use toml::Spanned;

use super::change::{Kind, Op, Target, ValueKind, probability_value};
use crate::scenario::Part;
use crate::scenario::raw::{RawDist, RawFile};

/// A change made in the parsed file: a value set, or a whole number added to.
pub(super) enum RawChange {
    Whole(i64, bool),
    Number(f64),
    Text(String),
}

pub(super) fn raw_change(op: &Op, kind: ValueKind) -> Option<RawChange> {
    match (op, kind) {
        (Op::Set(v), ValueKind::Whole) => Some(RawChange::Whole(v.trim().parse().unwrap_or(i64::MIN), false)),
        (Op::Add(d), ValueKind::Whole) => Some(RawChange::Whole(*d as i64, true)),
        (Op::Set(v), ValueKind::Probability) => Some(RawChange::Number(probability_value(v).unwrap_or(f64::NAN))),
        (Op::Set(v), _) => Some(RawChange::Text(v.trim().to_string())),
        _ => None,
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
pub(super) fn edit_raw(parts: &mut [Part], t: &Target, c: &RawChange) -> usize {
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
