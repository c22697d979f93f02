//! Checking the topology sections: components, services, stores, faults, monitors, levels,
//! and the conditions and effects of plan steps that refer to them.

use std::collections::{BTreeMap, HashMap};

use toml::Spanned;

use super::raw::{RawEffect, RawFile, RawWhen};
use super::validate::{check_name, probability, unknown};
use super::{Part, Source, dist};
use crate::error::ScenarioError;
use crate::model::StreamKey;
use crate::model::*;

/// A named entry and the file it came from.
pub(super) type Named<'a, T> = (&'a Source, &'a Spanned<String>, &'a Spanned<T>);

/// Entries of a named section (`[teams.x]`, `[components.x]`, ...) from every part, sorted by
/// name; a name defined twice is an error naming both places.
pub(super) fn collect_named<'a, T>(
    parts: &'a [Part],
    get: impl Fn(&'a RawFile) -> Option<&'a BTreeMap<Spanned<String>, Spanned<T>>>,
    what: &str,
) -> Result<Vec<Named<'a, T>>, ScenarioError> {
    let mut seen: HashMap<&str, (&Source, std::ops::Range<usize>)> = HashMap::new();
    let mut out = Vec::new();
    for p in parts {
        for (name, v) in get(&p.raw).into_iter().flatten() {
            if let Some((other, span)) = seen.get(name.get_ref().as_str()) {
                let (l, c) = crate::error::line_col(&other.text, span.start);
                return Err(p.src.error(
                    name.span(),
                    format!("{what} \"{}\" is defined twice", name.get_ref()),
                    Some(format!("it is also defined at {}:{l}:{c}; keep one", other.path.display())),
                ));
            }
            check_name(&p.src, name, what)?;
            seen.insert(name.get_ref(), (&p.src, name.span()));
            out.push((&p.src, name, v));
        }
    }
    out.sort_by(|a, b| a.1.get_ref().cmp(b.1.get_ref()));
    Ok(out)
}

fn k_name(k: ComponentKind) -> &'static str {
    match k {
        ComponentKind::PowerFeed => "power_feed",
        ComponentKind::Ups => "ups",
        ComponentKind::Generator => "generator",
        _ => "component",
    }
}

/// Name to index maps of everything a step may refer to.
pub(super) struct Names {
    pub comps: HashMap<String, CompId>,
    pub services: HashMap<String, ServiceId>,
    pub stores: HashMap<String, StoreId>,
    pub levels: HashMap<String, usize>,
    pub kinds: Vec<ComponentKind>,
    /// Fault kinds injected by this scenario.
    pub fault_kinds: Vec<FaultKindTag>,
}

/// The checked world of a scenario.
pub(super) struct World {
    pub topology: Topology,
    pub services: Vec<BusinessService>,
    pub stores: Vec<DataStore>,
    pub names: Names,
}

fn lookup(src: &Source, name: &Spanned<String>, map: &HashMap<String, usize>, what: &str) -> Result<usize, ScenarioError> {
    map.get(name.get_ref())
        .copied()
        .ok_or_else(|| unknown(src, name, what, sorted_keys(map).into_iter()))
}

fn sorted_keys(map: &HashMap<String, usize>) -> Vec<&str> {
    let mut v: Vec<&str> = map.keys().map(String::as_str).collect();
    v.sort();
    v
}

fn fixed(src: &Source, d: &Spanned<super::raw::RawDist>, what: &str) -> Result<f64, ScenarioError> {
    match dist::check(src, d)? {
        Dist::Fixed(x) => Ok(x),
        _ => Err(src.error(d.span(), format!("{what} is a fixed duration such as \"15m\""), None)),
    }
}

/// Check every topology section of `parts`.
pub(super) fn check(parts: &[Part], teams: &HashMap<&str, usize>) -> Result<World, ScenarioError> {
    let raw_comps = collect_named(parts, |r| r.components.as_ref(), "component")?;
    let comp_index: HashMap<String, usize> = raw_comps.iter().enumerate().map(|(i, c)| (c.1.get_ref().clone(), i)).collect();

    // Components: kinds first (other fields depend on the kinds they refer to).
    let mut kinds = Vec::with_capacity(raw_comps.len());
    for (src, _, c) in &raw_comps {
        let k = &c.get_ref().kind;
        let kind = ComponentKind::parse(k.get_ref()).ok_or_else(|| {
            src.error(
                k.span(),
                format!("unknown component kind \"{}\"", k.get_ref()),
                Some(format!("use one of: {}", ComponentKind::NAMES)),
            )
        })?;
        kinds.push(kind);
    }
    let mut components = Vec::with_capacity(raw_comps.len());
    for (i, (src, name, c)) in raw_comps.iter().enumerate() {
        let r = c.get_ref();
        let kind = kinds[i];
        let refer = |n: &Spanned<String>| lookup(src, n, &comp_index, "component");
        if kind.is_power() {
            let extra = [
                ("needs", r.needs.is_some()),
                ("power", r.power.is_some()),
                ("replicas", r.replicas.is_some()),
                ("standby", r.standby.is_some()),
                ("restart", r.restart.is_some()),
            ];
            if let Some((field, _)) = extra.iter().find(|x| x.1) {
                return Err(src.error(
                    c.span(),
                    format!("power equipment takes no `{field}`: \"{}\" is a {}", name.get_ref(), k_name(kind)),
                    Some("a feed, UPS or generator depends on nothing; put the equipment it powers on it with `power`".into()),
                ));
            }
        }
        let mut needs = Vec::new();
        for n in r.needs.iter().flatten() {
            let j = refer(n)?;
            if j == i {
                return Err(src.error(n.span(), format!("component \"{}\" needs itself", name.get_ref()), None));
            }
            needs.push(j);
        }
        let power = match &r.power {
            Some(p) => {
                let j = refer(p)?;
                if kinds[j] != ComponentKind::PowerFeed {
                    return Err(src.error(
                        p.span(),
                        format!("\"{}\" is not a power feed", p.get_ref()),
                        Some("`power` names a component of kind \"power_feed\"".into()),
                    ));
                }
                Some(j)
            }
            None if !kind.is_power() && r.replicas.is_none() => {
                return Err(src.error(
                    name.span(),
                    format!("component \"{}\" has no path to power: it sits on no power feed", name.get_ref()),
                    Some("add power = \"<feed>\" naming a component of kind \"power_feed\" (only a group of replicas may omit it)".into()),
                ));
            }
            None => None,
        };
        let auto_restart = match &r.restart {
            None => false,
            Some(s) if s.get_ref() == "auto" => true,
            Some(s) if s.get_ref() == "manual" => false,
            Some(s) => return Err(src.error(s.span(), format!("restart = \"{}\": use \"auto\" or \"manual\"", s.get_ref()), None)),
        };
        let standby = match &r.standby {
            Some(s) => {
                let j = refer(s)?;
                if j == i {
                    return Err(src.error(s.span(), "a component cannot be its own standby".into(), None));
                }
                let auto = match &r.failover {
                    Some(f) => {
                        let f = f.get_ref();
                        Some(AutoFailover {
                            delay: dist::check(src, &f.delay)?,
                            fail: probability(src, f.fail.as_ref(), "fail")?,
                        })
                    }
                    None => None,
                };
                Some(Standby { component: j, auto })
            }
            None => {
                if let Some(f) = &r.failover {
                    return Err(src.error(
                        f.span(),
                        "`failover` without a `standby`".into(),
                        Some("name the standby: standby = \"<component>\"".into()),
                    ));
                }
                None
            }
        };
        let quorum = match (&r.replicas, &r.min_up) {
            (Some(of), min_up) => {
                let mut v = Vec::new();
                for n in of {
                    v.push(refer(n)?);
                }
                let up = match min_up {
                    Some(k) => *k.get_ref(),
                    None => v.len() as i64,
                };
                if up < 1 || up as usize > v.len() {
                    let span = min_up.as_ref().map(|k| k.span()).unwrap_or(name.span());
                    return Err(src.error(
                        span,
                        format!("min_up = {up} but there are {} replicas", v.len()),
                        Some("min_up is between 1 and the number of replicas".into()),
                    ));
                }
                Some(Quorum { of: v, up: up as usize })
            }
            (None, Some(k)) => {
                return Err(src.error(
                    k.span(),
                    "`min_up` without `replicas`".into(),
                    Some("list the replicas: replicas = [\"app-1\", \"app-2\"]".into()),
                ));
            }
            (None, None) => None,
        };
        let power_ref = |field: &Option<Spanned<String>>, want: ComponentKind, what: &str| -> Result<Option<usize>, ScenarioError> {
            match field {
                Some(n) => {
                    if kind != ComponentKind::PowerFeed {
                        return Err(src.error(n.span(), format!("only a power feed has a {what}"), None));
                    }
                    let j = refer(n)?;
                    if kinds[j] != want {
                        return Err(src.error(n.span(), format!("\"{}\" is not a {what}", n.get_ref()), None));
                    }
                    Ok(Some(j))
                }
                None => Ok(None),
            }
        };
        let ups = power_ref(&r.ups, ComponentKind::Ups, "ups")?;
        let generator = power_ref(&r.generator, ComponentKind::Generator, "generator")?;
        let battery = match (&r.battery, kind) {
            (Some(b), ComponentKind::Ups) => fixed(src, b, "a UPS battery time")?,
            (Some(b), _) => return Err(src.error(b.span(), "only a UPS has a battery".into(), None)),
            (None, ComponentKind::Ups) => {
                return Err(src.error(
                    name.span(),
                    format!("UPS \"{}\" has no battery time", name.get_ref()),
                    Some("add battery = \"15m\"".into()),
                ));
            }
            (None, _) => 0.0,
        };
        let (start, start_delay) = match kind {
            ComponentKind::Generator => (
                match &r.start {
                    Some(p) => probability(src, Some(p), "start")?,
                    None => 1.0,
                },
                match &r.start_delay {
                    Some(d) => dist::check(src, d)?,
                    None => Dist::Fixed(0.0),
                },
            ),
            _ => {
                if let Some(p) = &r.start {
                    return Err(src.error(p.span(), "only a generator has a start probability".into(), None));
                }
                (0.0, Dist::Fixed(0.0))
            }
        };
        components.push(Component {
            name: name.get_ref().clone(),
            kind,
            description: r.description.clone().unwrap_or_default(),
            needs,
            power,
            auto_restart,
            standby,
            quorum,
            ups,
            generator,
            battery,
            start,
            start_delay,
            key: StreamKey::named(&format!("component:{}", name.get_ref())),
        });
    }
    let order = component_order(&raw_comps, &components)?;

    // Business services.
    let raw_services = collect_named(parts, |r| r.services.as_ref(), "service")?;
    let mut services = Vec::new();
    for (src, name, s) in &raw_services {
        let r = s.get_ref();
        if r.needs.is_empty() {
            return Err(src.error(
                s.span(),
                format!("service \"{}\" needs no component", name.get_ref()),
                Some("list what it runs on: needs = [\"web\", \"db\"]".into()),
            ));
        }
        let mut needs = Vec::new();
        for n in &r.needs {
            needs.push(lookup(src, n, &comp_index, "component")?);
        }
        let rto = match &r.rto {
            Some(d) => Some(fixed(src, d, "an RTO")?),
            None => None,
        };
        services.push(BusinessService {
            name: name.get_ref().clone(),
            description: r.description.clone().unwrap_or_default(),
            needs,
            rto,
            reopen: r.reopen.unwrap_or(false),
        });
    }
    let service_index: HashMap<String, usize> = services.iter().enumerate().map(|(i, s)| (s.name.clone(), i)).collect();

    // Data stores.
    let raw_stores = collect_named(parts, |r| r.stores.as_ref(), "store")?;
    let mut stores = Vec::new();
    let mut stores_on = vec![Vec::new(); components.len()];
    for (i, (src, name, s)) in raw_stores.iter().enumerate() {
        let r = s.get_ref();
        let component = match &r.component {
            Some(c) => {
                let j = lookup(src, c, &comp_index, "component")?;
                stores_on[j].push(i);
                Some(j)
            }
            None => None,
        };
        let keep = match &r.keep {
            Some(k) if *k.get_ref() < 1 => {
                return Err(src.error(k.span(), format!("keep = {}: keep at least 1 backup", k.get_ref()), None));
            }
            Some(k) => Some((*k.get_ref()).min(u32::MAX as i64) as u32),
            None => None,
        };
        let backup_interval = match &r.backup_interval {
            Some(d) => {
                let x = fixed(src, d, "a backup interval")?;
                if x <= 0.0 {
                    return Err(src.error(d.span(), "a backup interval must be above 0".into(), None));
                }
                Some(x)
            }
            None => None,
        };
        stores.push(DataStore {
            name: name.get_ref().clone(),
            description: r.description.clone().unwrap_or_default(),
            component,
            backup_interval,
            restore: match &r.restore {
                Some(d) => dist::check(src, d)?,
                None => Dist::Fixed(0.0),
            },
            bad_backup: probability(src, r.bad_backup.as_ref(), "bad_backup")?,
            keep,
            replication_lag: match &r.replication_lag {
                Some(d) => Some(dist::check(src, d)?),
                None => None,
            },
            key: StreamKey::named(&format!("store:{}", name.get_ref())),
        });
    }
    let store_index: HashMap<String, usize> = stores.iter().enumerate().map(|(i, s)| (s.name.clone(), i)).collect();

    // Faults.
    let mut faults = Vec::new();
    let mut fault_ids: HashMap<String, (&Source, std::ops::Range<usize>)> = HashMap::new();
    for p in parts {
        for f in p.raw.fault.iter().flatten() {
            let src = &p.src;
            let r = f.get_ref();
            check_name(src, &r.id, "fault")?;
            if let Some((other, span)) = fault_ids.get(r.id.get_ref()) {
                let (l, c) = crate::error::line_col(&other.text, span.start);
                return Err(src.error(
                    r.id.span(),
                    format!("fault id \"{}\" is used twice", r.id.get_ref()),
                    Some(format!("it is also used at {}:{l}:{c}", other.path.display())),
                ));
            }
            fault_ids.insert(r.id.get_ref().clone(), (src, r.id.span()));
            let kind_tag = FaultKindTag::parse(r.kind.get_ref()).ok_or_else(|| {
                src.error(
                    r.kind.span(),
                    format!("unknown fault kind \"{}\"", r.kind.get_ref()),
                    Some(format!("use one of: {}", FaultKindTag::NAMES)),
                )
            })?;
            let not_for = |field: &str, present: bool| -> Result<(), ScenarioError> {
                if present {
                    return Err(src.error(f.span(), format!("`{field}` does not apply to a {} fault", kind_tag.name()), None));
                }
                Ok(())
            };
            let comp_target = || lookup(src, &r.target, &comp_index, "component");
            let kind = match kind_tag {
                FaultKindTag::Failure => {
                    not_for("spread", r.spread.is_some())?;
                    not_for("outage", r.outage.is_some())?;
                    not_for("encrypt", r.encrypt.is_some())?;
                    FaultKind::Failure {
                        target: comp_target()?,
                        mode: r.mode.clone().unwrap_or_else(|| "crash".into()),
                    }
                }
                FaultKindTag::Attack => {
                    not_for("outage", r.outage.is_some())?;
                    let target = comp_target()?;
                    if components[target].kind.is_power() {
                        return Err(src.error(
                            r.target.span(),
                            "an attack lands on a service, database, cache, network or site, not on power equipment".into(),
                            None,
                        ));
                    }
                    let Some(spread) = &r.spread else {
                        return Err(src.error(
                            f.span(),
                            format!("attack \"{}\" has no `spread`", r.id.get_ref()),
                            Some("add spread = \"30m\" (time to cross one dependency), or a distribution".into()),
                        ));
                    };
                    let leak_rate = match &r.leak_rate {
                        Some(x) if !(x.get_ref().is_finite() && *x.get_ref() >= 0.0) => {
                            return Err(src.error(
                                x.span(),
                                format!("leak_rate = {} must be 0 or more (volume per hour)", x.get_ref()),
                                None,
                            ));
                        }
                        Some(x) => *x.get_ref() / 60.0,
                        None => 0.0,
                    };
                    let mut encrypt = Vec::new();
                    for s in r.encrypt.iter().flatten() {
                        encrypt.push(lookup(src, s, &store_index, "store")?);
                    }
                    FaultKind::Attack {
                        target,
                        spread: dist::check(src, spread)?,
                        leak_rate,
                        leak_unit: r.leak_unit.clone().unwrap_or_else(|| "GB".into()),
                        encrypt,
                        disrupt: r.disrupt.unwrap_or(false),
                    }
                }
                FaultKindTag::PowerLoss => {
                    not_for("spread", r.spread.is_some())?;
                    not_for("encrypt", r.encrypt.is_some())?;
                    let feed = comp_target()?;
                    if components[feed].kind != ComponentKind::PowerFeed {
                        return Err(src.error(
                            r.target.span(),
                            format!("\"{}\" is not a power feed", r.target.get_ref()),
                            Some("a power_loss targets a component of kind \"power_feed\"".into()),
                        ));
                    }
                    let Some(outage) = &r.outage else {
                        return Err(src.error(
                            f.span(),
                            format!("power loss \"{}\" has no `outage`", r.id.get_ref()),
                            Some("add outage = \"2h\" (until utility power returns), or a distribution".into()),
                        ));
                    };
                    FaultKind::PowerLoss {
                        feed,
                        outage: dist::check(src, outage)?,
                    }
                }
                FaultKindTag::DataLoss => {
                    not_for("spread", r.spread.is_some())?;
                    not_for("outage", r.outage.is_some())?;
                    FaultKind::DataLoss {
                        store: lookup(src, &r.target, &store_index, "store")?,
                        mode: r.mode.clone().unwrap_or_else(|| "corrupted".into()),
                    }
                }
            };
            faults.push(Fault {
                id: r.id.get_ref().clone(),
                kind,
                at: match &r.at {
                    Some(d) => dist::check(src, d)?,
                    None => Dist::Fixed(0.0),
                },
                key: StreamKey::named(&format!("fault:{}", r.id.get_ref())),
            });
        }
    }

    // Monitors.
    let mut monitors = Vec::new();
    for p in parts {
        for m in p.raw.monitor.iter().flatten() {
            let (src, r) = (&p.src, m.get_ref());
            check_name(src, &r.name, "monitor")?;
            if monitors.iter().any(|x: &Monitor| &x.name == r.name.get_ref()) {
                return Err(src.error(r.name.span(), format!("monitor \"{}\" is defined twice", r.name.get_ref()), None));
            }
            let mut sees = Vec::new();
            for k in &r.sees {
                sees.push(FaultKindTag::parse(k.get_ref()).ok_or_else(|| {
                    src.error(
                        k.span(),
                        format!("unknown fault kind \"{}\"", k.get_ref()),
                        Some(format!("use one of: {}", FaultKindTag::NAMES)),
                    )
                })?);
            }
            monitors.push(Monitor {
                name: r.name.get_ref().clone(),
                sees,
                delay: dist::check(src, &r.delay)?,
                miss: probability(src, r.miss.as_ref(), "miss")?,
                key: StreamKey::named(&format!("monitor:{}", r.name.get_ref())),
            });
        }
    }

    // Severity levels: one list, in one file.
    let mut level_part: Option<&Part> = None;
    for p in parts {
        if let Some(l) = &p.raw.level {
            if let Some(other) = level_part {
                return Err(p.src.error(
                    l[0].span(),
                    "[[level]] entries are split over two files".into(),
                    Some(format!(
                        "keep every level in one file (they are also in {})",
                        other.src.path.display()
                    )),
                ));
            }
            level_part = Some(p);
        }
    }
    let mut levels = Vec::new();
    if let Some(p) = level_part {
        let src = &p.src;
        for l in p.raw.level.iter().flatten() {
            let r = l.get_ref();
            check_name(src, &r.name, "level")?;
            if levels.iter().any(|x: &Level| &x.name == r.name.get_ref()) {
                return Err(src.error(r.name.span(), format!("level \"{}\" is defined twice", r.name.get_ref()), None));
            }
            let count = |x: &Option<Spanned<i64>>, what: &str| -> Result<Option<usize>, ScenarioError> {
                match x {
                    Some(n) if *n.get_ref() < 1 => Err(src.error(n.span(), format!("{what} = {} must be at least 1", n.get_ref()), None)),
                    Some(n) => Ok(Some(*n.get_ref() as usize)),
                    None => Ok(None),
                }
            };
            let mut any_down = Vec::new();
            for s in r.service_down.iter().flatten() {
                any_down.push(lookup(src, s, &service_index, "service")?);
            }
            let mut page = Vec::new();
            for t in r.page.iter().flatten() {
                let Some(&ti) = teams.get(t.get_ref().as_str()) else {
                    let mut known: Vec<&str> = teams.keys().copied().collect();
                    known.sort();
                    return Err(unknown(src, t, "team", known.into_iter()));
                };
                page.push(ti);
            }
            let leaked = match &r.leaked {
                Some(x) if !(x.get_ref().is_finite() && *x.get_ref() >= 0.0) => {
                    return Err(src.error(x.span(), "leaked must be 0 or more".into(), None));
                }
                Some(x) => Some(*x.get_ref()),
                None => None,
            };
            let level = Level {
                name: r.name.get_ref().clone(),
                services_down: count(&r.services_down, "services_down")?,
                any_down,
                leaked,
                data_loss: r.data_loss.unwrap_or(false),
                compromised: count(&r.compromised, "compromised")?,
                page,
            };
            if levels.is_empty() != level.is_unconditional() {
                let msg = if levels.is_empty() {
                    "the first level applies to every incident and takes no rule"
                } else {
                    "every level after the first needs a rule (services_down, service_down, leaked, data_loss or compromised)"
                };
                return Err(src.error(l.span(), msg.into(), None));
            }
            levels.push(level);
        }
    }
    let level_index: HashMap<String, usize> = levels.iter().enumerate().map(|(i, l)| (l.name.clone(), i)).collect();

    let mut neighbours = vec![Vec::new(); components.len()];
    for (i, c) in components.iter().enumerate() {
        if c.kind.is_power() {
            continue;
        }
        let mut link = |j: usize| {
            if !components[j].kind.is_power() && !neighbours[i].contains(&j) {
                neighbours[i].push(j);
                neighbours[j].push(i);
            }
        };
        for &j in &c.needs {
            link(j);
        }
        if let Some(q) = &c.quorum {
            for &j in &q.of {
                link(j);
            }
        }
        if let Some(s) = &c.standby {
            link(s.component);
        }
    }
    for n in &mut neighbours {
        n.sort_unstable();
        n.dedup();
    }

    let names = Names {
        comps: comp_index,
        services: service_index,
        stores: store_index,
        levels: level_index,
        kinds,
        fault_kinds: faults.iter().map(|f| f.kind.tag()).collect(),
    };
    let is_feed = components.iter().map(|c| c.kind == ComponentKind::PowerFeed).collect();
    Ok(World {
        topology: Topology {
            components,
            faults,
            monitors,
            levels,
            order,
            is_feed,
            neighbours,
            stores_on,
        },
        services,
        stores,
        names,
    })
}

/// Dependency order of components (needs, replicas and power feed first); a cycle is an error
/// naming its members.
fn component_order<T>(raw: &[Named<'_, T>], comps: &[Component]) -> Result<Vec<CompId>, ScenarioError> {
    let deps = |i: usize| -> Vec<usize> {
        let c = &comps[i];
        let mut d = c.needs.clone();
        if let Some(q) = &c.quorum {
            d.extend(&q.of);
        }
        d.extend(c.power);
        d.extend(c.standby.as_ref().map(|s| s.component));
        d
    };
    let mut state = vec![0u8; comps.len()];
    let mut order = Vec::with_capacity(comps.len());
    // Power equipment first (UPS units and generators, then feeds; they depend on nothing):
    // a feed's change then re-evaluates everything after it, whichever feed a component has
    // been moved to, and a feed sees its UPS and generator as they are now.
    let rank = |i: usize| match comps[i].kind {
        ComponentKind::Ups | ComponentKind::Generator => 0,
        ComponentKind::PowerFeed => 1,
        _ => 2,
    };
    let mut roots: Vec<usize> = (0..comps.len()).collect();
    roots.sort_by_key(|&i| rank(i));
    for root in roots {
        if state[root] != 0 {
            continue;
        }
        let mut path: Vec<(usize, Vec<usize>, usize)> = vec![(root, deps(root), 0)];
        state[root] = 1;
        while let Some(top) = path.last_mut() {
            if top.2 < top.1.len() {
                let d = top.1[top.2];
                top.2 += 1;
                match state[d] {
                    0 => {
                        state[d] = 1;
                        path.push((d, deps(d), 0));
                    }
                    1 => {
                        let from = path.iter().position(|p| p.0 == d).unwrap_or(0);
                        let names: Vec<&str> = path[from..]
                            .iter()
                            .map(|p| comps[p.0].name.as_str())
                            .chain(std::iter::once(comps[d].name.as_str()))
                            .collect();
                        let (src, name, _) = raw[d];
                        return Err(src.error(
                            name.span(),
                            format!("components depend on each other in a cycle: {}", names.join(" -> ")),
                            Some(
                                "remove one of these `needs` (or `replicas`, `power`, `standby`) so that the topology is a hierarchy"
                                    .into(),
                            ),
                        ));
                    }
                    _ => {}
                }
            } else {
                state[top.0] = 2;
                order.push(top.0);
                path.pop();
            }
        }
    }
    Ok(order)
}

/// Check a step's `when`.
pub(super) fn condition(src: &Source, w: &Spanned<RawWhen>, names: &Names) -> Result<Condition, ScenarioError> {
    let r = w.get_ref();
    let mut c = Condition::default();
    if let Some(f) = &r.fault {
        let tag = FaultKindTag::parse(f.get_ref()).ok_or_else(|| {
            src.error(
                f.span(),
                format!("unknown fault kind \"{}\"", f.get_ref()),
                Some(format!("use one of: {}", FaultKindTag::NAMES)),
            )
        })?;
        c.fault = Some(tag);
    }
    if let Some(l) = &r.level {
        if names.levels.is_empty() {
            return Err(src.error(
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

/// Check a step's `effect`: exactly one action, on something that exists and fits.
pub(super) fn effect(
    src: &Source,
    e: &Spanned<RawEffect>,
    names: &Names,
    comps: &[Component],
    stores: &[DataStore],
) -> Result<Effect, ScenarioError> {
    let r = e.get_ref();
    let set = [
        r.failover.is_some(),
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
        return Err(src.error(
            e.span(),
            format!("an effect does exactly one thing; this one has {set}"),
            Some("use one of: failover, contain, isolate, restore, restore_power, move_load, restart, repair, reopen, publish, declare_end; split the rest into more steps".into()),
        ));
    }
    let comp = |n: &Spanned<String>| lookup(src, n, &names.comps, "component");
    let feed = |n: &Spanned<String>| -> Result<CompId, ScenarioError> {
        let j = comp(n)?;
        if names.kinds[j] != ComponentKind::PowerFeed {
            return Err(src.error(n.span(), format!("\"{}\" is not a power feed", n.get_ref()), None));
        }
        Ok(j)
    };
    let must_be_true = |b: &Spanned<bool>, what: &str| -> Result<(), ScenarioError> {
        if !*b.get_ref() {
            return Err(src.error(b.span(), format!("{what} = false does nothing; remove the effect"), None));
        }
        Ok(())
    };
    Ok(if let Some(n) = &r.failover {
        let j = comp(n)?;
        if comps[j].standby.is_none() {
            return Err(src.error(
                n.span(),
                format!("component \"{}\" has no standby to fail over to", n.get_ref()),
                Some("add standby = \"<component>\" to it".into()),
            ));
        }
        Effect::Failover(j)
    } else if let Some(b) = &r.contain {
        must_be_true(b, "contain")?;
        Effect::Contain
    } else if let Some(n) = &r.isolate {
        Effect::Isolate(comp(n)?)
    } else if let Some(n) = &r.restore {
        let s = lookup(src, n, &names.stores, "store")?;
        let _ = &stores[s];
        Effect::Restore(s)
    } else if let Some(n) = &r.restore_power {
        Effect::RestorePower(feed(n)?)
    } else if let Some(m) = &r.move_load {
        let m = m.get_ref();
        let (from, to) = (feed(&m.from)?, feed(&m.to)?);
        if from == to {
            return Err(src.error(m.to.span(), "move_load from a feed to itself".into(), None));
        }
        Effect::MoveLoad { from, to }
    } else if let Some(n) = &r.restart {
        Effect::Restart(comp(n)?)
    } else if let Some(n) = &r.repair {
        Effect::Repair(comp(n)?)
    } else if let Some(n) = &r.reopen {
        Effect::Reopen(lookup(src, n, &names.services, "service")?)
    } else if let Some(p) = &r.publish {
        Effect::Publish(p.get_ref().clone())
    } else if let Some(b) = &r.declare_end {
        must_be_true(b, "declare_end")?;
        Effect::DeclareEnd
    } else {
        unreachable!("exactly one effect is set")
    })
}
