//! What a plan step refers to in the topology: the conditions of `when` and the action of
//! `effect`.

use toml::Spanned;

use super::Source;
use super::build::TopologyNames;
use super::names::{fault_kind, lookup, no_effect, text_ok};
use super::raw::{RawEffect, RawEffects, RawSet, RawTarget, RawWait, RawWhen};
use crate::error::{ScenarioError, ScenarioErrorKind as K};
use crate::model::{CompId, CompSet, Component, Condition, Effect, Wait, WaitAtom};

/// At most this many alternatives once a `wait`'s `any` lists are multiplied out, so that a
/// check after a change of the world stays short.
const MAX_WAIT_CLAUSES: usize = 64;

/// A step's `wait`: facts about the world that must all hold (an `any` list holds when one
/// of its entries does), as alternatives of facts that must all hold.
pub(super) fn wait(src: &Source, w: &Spanned<RawWait>, names: &TopologyNames) -> Result<Wait, ScenarioError> {
    let r = w.get_ref();
    if r.up.is_none()
        && r.down.is_none()
        && r.powered.is_none()
        && r.contained.is_none()
        && r.restored.is_none()
        && r.lost.is_none()
        && r.service_up.is_none()
        && r.service_down.is_none()
        && r.any.is_none()
    {
        return Err(no_effect(
            src,
            w.span(),
            "an empty `wait` waits for nothing".into(),
            "add what the step waits for (up, down, powered, contained, restored, lost, service_up, service_down or any), or remove `wait`",
        ));
    }
    let comp = |n: &Spanned<String>| lookup(src, n, &names.comps, "component");
    let store = |n: &Spanned<String>| lookup(src, n, &names.stores, "store");
    let service = |n: &Spanned<String>| lookup(src, n, &names.services, "service");
    let mut all = Vec::new();
    if let Some(n) = &r.up {
        all.push(WaitAtom::Up(comp(n)?));
    }
    if let Some(n) = &r.down {
        all.push(WaitAtom::Down(comp(n)?));
    }
    if let Some(n) = &r.powered {
        let j = comp(n)?;
        if !names.kinds[j].is_feed() {
            return Err(src.error(
                K::Rule,
                n.span(),
                format!("\"{}\" is not a power feed, region or zone; `powered` waits for one", n.get_ref()),
                Some("name the power feed the component sits on, or wait with `up` for the component itself".into()),
            ));
        }
        all.push(WaitAtom::Powered(j));
    }
    if let Some(b) = &r.contained {
        if !*b.get_ref() {
            return Err(no_effect(
                src,
                b.span(),
                "contained = false waits for nothing".into(),
                "write contained = true to wait until every attack is contained, or remove it",
            ));
        }
        all.push(WaitAtom::Contained);
    }
    if let Some(n) = &r.restored {
        all.push(WaitAtom::Restored(store(n)?));
    }
    if let Some(n) = &r.lost {
        all.push(WaitAtom::Lost(store(n)?));
    }
    if let Some(n) = &r.service_up {
        all.push(WaitAtom::ServiceUp(service(n)?));
    }
    if let Some(n) = &r.service_down {
        all.push(WaitAtom::ServiceDown(service(n)?));
    }
    let mut clauses: Wait = vec![all];
    if let Some(any) = &r.any {
        if any.get_ref().is_empty() {
            return Err(no_effect(
                src,
                any.span(),
                "an empty `any` list can never hold".into(),
                "list the alternatives, e.g. any = [ { up = \"a\" }, { up = \"b\" } ]",
            ));
        }
        let mut alternatives: Wait = Vec::new();
        for a in any.get_ref() {
            alternatives.extend(wait(src, a, names)?);
        }
        let mut product = Vec::with_capacity(clauses.len() * alternatives.len());
        for c in &clauses {
            for a in &alternatives {
                let mut both = c.clone();
                both.extend(a.iter().copied().filter(|x| !c.contains(x)));
                product.push(both);
            }
        }
        clauses = product;
    }
    if clauses.len() > MAX_WAIT_CLAUSES {
        return Err(src.error(
            K::TooMany,
            w.span(),
            format!(
                "this `wait` has {} alternatives once its `any` lists are multiplied out; at most {MAX_WAIT_CLAUSES} are allowed",
                clauses.len()
            ),
            Some("wait for fewer alternatives, or split the step".into()),
        ));
    }
    Ok(clauses)
}

/// A step's `when`: the conditions under which it applies.
pub(super) fn condition(src: &Source, w: &Spanned<RawWhen>, names: &TopologyNames) -> Result<Condition, ScenarioError> {
    let r = w.get_ref();
    if r.fault.is_none() && r.level.is_none() && r.down.is_none() && r.up.is_none() && r.lost.is_none() {
        return Err(no_effect(
            src,
            w.span(),
            "an empty `when` has no effect: the step always applies".into(),
            "add a condition (fault, level, down, up or lost), or remove `when`",
        ));
    }
    let mut c = Condition::default();
    if let Some(f) = &r.fault {
        c.fault = Some(fault_kind(src, f)?);
    }
    if let Some(l) = &r.level {
        if names.levels.is_empty() {
            return Err(src.error(
                K::Missing,
                l.span(),
                format!("level \"{}\" is not defined: this scenario has no [[level]]", l.get_ref()),
                Some("define the levels with [[level]] entries, lowest first".into()),
            ));
        }
        c.level = Some(lookup(src, l, &names.levels, "level")?);
    }
    if let Some(d) = &r.down {
        c.down = Some(lookup(src, d, &names.comps, "component")?);
    }
    if let Some(u) = &r.up {
        c.up = Some(lookup(src, u, &names.comps, "component")?);
    }
    if let Some(s) = &r.lost {
        c.lost = Some(lookup(src, s, &names.stores, "store")?);
    }
    Ok(c)
}

/// A step's `effect`: one table, or a list of them carried out in order.
pub(super) fn effects(
    src: &Source,
    e: &Spanned<RawEffects>,
    names: &TopologyNames,
    comps: &[Component],
) -> Result<Vec<Effect>, ScenarioError> {
    match e.get_ref() {
        RawEffects::One(one) => Ok(vec![effect(src, e.span(), one, names, comps)?]),
        RawEffects::Many(all) => {
            if all.is_empty() {
                return Err(no_effect(
                    src,
                    e.span(),
                    "an empty list of effects does nothing".into(),
                    "list what the step does, e.g. effect = [ { restart = \"a\" }, { restart = \"b\" } ], or remove `effect`",
                ));
            }
            all.iter().map(|x| effect(src, x.span(), x.get_ref(), names, comps)).collect()
        }
    }
}

/// A `restart` or `repair` target: one component, or a set.
fn target(src: &Source, t: &Spanned<RawTarget>, names: &TopologyNames) -> Result<Result<CompId, CompSet>, ScenarioError> {
    match t.get_ref() {
        RawTarget::Name(n) => Ok(Ok(lookup(src, &Spanned::new(t.span(), n.clone()), &names.comps, "component")?)),
        RawTarget::Set(RawSet { compromised, on_feed }) => match (compromised, on_feed) {
            (Some(b), None) if *b.get_ref() => Ok(Err(CompSet::Compromised)),
            (Some(b), None) => Err(src.error(
                K::NoEffect,
                b.span(),
                "compromised = false names no component".into(),
                Some("write { compromised = true } for every component an intruder holds".into()),
            )),
            (None, Some(f)) => {
                let j = lookup(src, f, &names.comps, "component")?;
                if !names.kinds[j].is_feed() {
                    return Err(src.error(
                        K::Rule,
                        f.span(),
                        format!("\"{}\" is not a power feed, region or zone", f.get_ref()),
                        None,
                    ));
                }
                Ok(Err(CompSet::OnFeed(j)))
            }
            _ => Err(src.error(
                K::Rule,
                t.span(),
                "a set of components is either { compromised = true } or { on_feed = \"<feed>\" }".into(),
                Some("give exactly one of compromised, on_feed".into()),
            )),
        },
    }
}

/// One effect: exactly one action, on something that exists and fits.
fn effect(
    src: &Source,
    span: std::ops::Range<usize>,
    r: &RawEffect,
    names: &TopologyNames,
    comps: &[Component],
) -> Result<Effect, ScenarioError> {
    let set = [
        r.failover.is_some(),
        r.fail_back.is_some(),
        r.contain.is_some(),
        r.isolate.is_some(),
        r.restore.is_some(),
        r.restore_power.is_some(),
        r.move_load.is_some(),
        r.restart.is_some(),
        r.repair.is_some(),
        r.reopen.is_some(),
        r.publish.is_some(),
        r.declare_end.is_some(),
    ]
    .iter()
    .filter(|x| **x)
    .count();
    if set != 1 {
        return Err(src.error(K::Rule, span,
            format!("an effect does exactly one thing; this one has {set}"),
            Some("use one of: failover, fail_back, contain, isolate, restore, restore_power, move_load, restart, repair, reopen, publish, declare_end; for several, write a list: effect = [ { restart = \"a\" }, { restart = \"b\" } ]".into()),
        ));
    }
    let comp = |n: &Spanned<String>| lookup(src, n, &names.comps, "component");
    let feed = |n: &Spanned<String>| -> Result<CompId, ScenarioError> {
        let j = comp(n)?;
        if !names.kinds[j].is_feed() {
            return Err(src.error(
                K::Rule,
                n.span(),
                format!("\"{}\" is not a power feed, region or zone", n.get_ref()),
                None,
            ));
        }
        Ok(j)
    };
    let must_be_true = |b: &Spanned<bool>, what: &str| -> Result<(), ScenarioError> {
        if !*b.get_ref() {
            return Err(src.error(
                K::NoEffect,
                b.span(),
                format!("{what} = false does nothing; remove the effect"),
                None,
            ));
        }
        Ok(())
    };
    let with_standby = |n: &Spanned<String>, what: &str| -> Result<CompId, ScenarioError> {
        let j = comp(n)?;
        if comps[j].standby.is_none() {
            return Err(src.error(
                K::Rule,
                n.span(),
                format!("component \"{}\" has no standby to {what}", n.get_ref()),
                Some("add standby = \"<component>\" to it, or name the primary that has the standby".into()),
            ));
        }
        Ok(j)
    };
    Ok(if let Some(n) = &r.failover {
        Effect::Failover(with_standby(n, "fail over to")?)
    } else if let Some(n) = &r.fail_back {
        Effect::FailBack(with_standby(n, "fail back from")?)
    } else if let Some(b) = &r.contain {
        must_be_true(b, "contain")?;
        Effect::Contain
    } else if let Some(n) = &r.isolate {
        Effect::Isolate(comp(n)?)
    } else if let Some(n) = &r.restore {
        Effect::Restore(lookup(src, n, &names.stores, "store")?)
    } else if let Some(n) = &r.restore_power {
        Effect::RestorePower(feed(n)?)
    } else if let Some(m) = &r.move_load {
        let m = m.get_ref();
        let (from, to) = (feed(&m.from)?, feed(&m.to)?);
        if from == to {
            return Err(src.error(K::NoEffect, m.to.span(), "move_load from a feed to itself".into(), None));
        }
        Effect::MoveLoad { from, to }
    } else if let Some(n) = &r.restart {
        match target(src, n, names)? {
            Ok(c) => Effect::Restart(c),
            Err(set) => Effect::RestartAll(set),
        }
    } else if let Some(n) = &r.repair {
        match target(src, n, names)? {
            Ok(c) => Effect::Repair(c),
            Err(set) => Effect::RepairAll(set),
        }
    } else if let Some(n) = &r.reopen {
        Effect::Reopen(lookup(src, n, &names.services, "service")?)
    } else if let Some(p) = &r.publish {
        Effect::Publish(text_ok(src, Some(p), "the status update")?)
    } else if let Some(b) = &r.declare_end {
        must_be_true(b, "declare_end")?;
        Effect::DeclareEnd
    } else {
        unreachable!("exactly one effect is set")
    })
}
