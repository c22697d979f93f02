//! Changes made in the checked model: a duration scaled or moved, through the same random
//! numbers ([`Dist::scaled`], [`Dist::shifted`]), so a variant's trials stay paired with the base's.

use super::change::{Edit, Kind, Op, ValueKind, VaryError, minutes_text};
use crate::model::{Dist, Scenario};
use crate::scenario::duration::MAX_MINUTES;

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
pub(super) fn edit_model(sc: &mut Scenario, e: &Edit) -> Result<(), VaryError> {
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
