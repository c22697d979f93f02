//! Components: kinds, dependencies, power, standbys and replicas, the power equipment's own
//! fields, the dependency order (a cycle is an error) and the neighbours an intruder crosses.

use std::collections::HashMap;

use toml::Spanned;

use super::names::{Named, distinct, fixed, lookup, no_effect, probability, text_ok, too_many};
use super::raw::RawComponent;
use super::{Source, dist};
use crate::error::{ScenarioError, ScenarioErrorKind as K};
use crate::model::limits::MAX_DEPENDENCY_EDGES;
use crate::model::{AutoFailover, CompId, Component, ComponentKind, Dist, Quorum, Standby, StreamKey};

/// The kinds of every component, in name order (other fields depend on the kinds they refer to).
pub(super) fn component_kinds(raw: &[Named<'_, RawComponent>]) -> Result<Vec<ComponentKind>, ScenarioError> {
    let mut edges = 0;
    let mut kinds = Vec::with_capacity(raw.len());
    for (src, _, c) in raw {
        let r = c.get_ref();
        edges += r.needs.as_ref().map_or(0, Vec::len) + r.replicas.as_ref().map_or(0, Vec::len);
        if edges > MAX_DEPENDENCY_EDGES {
            return Err(too_many(
                src,
                Some(c.span()),
                format!("the components' `needs` and `replicas` have more than {MAX_DEPENDENCY_EDGES} entries"),
                "model the components a failure really travels through; group the rest",
            ));
        }
        let k = &r.kind;
        kinds.push(ComponentKind::parse(k.get_ref()).ok_or_else(|| {
            src.error(
                K::UnknownName,
                k.span(),
                format!("unknown component kind \"{}\"", k.get_ref()),
                Some(format!("use one of: {}", ComponentKind::names())),
            )
        })?);
    }
    Ok(kinds)
}

/// Everything a component's fields may refer to.
pub(super) struct ComponentContext<'a> {
    pub index: &'a HashMap<String, usize>,
    pub kinds: &'a [ComponentKind],
}

/// Component `i` (entry `entry` of the name-ordered list), checked.
pub(super) fn component(i: usize, entry: &Named<'_, RawComponent>, cx: &ComponentContext<'_>) -> Result<Component, ScenarioError> {
    let (src, name, c) = *entry;
    let r = c.get_ref();
    let kind = cx.kinds[i];
    let refer = |n: &Spanned<String>| lookup(src, n, cx.index, "component");
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
                K::Rule,
                c.span(),
                format!("power equipment takes no `{field}`: \"{}\" is a {}", name.get_ref(), kind.name()),
                Some("a feed, UPS or generator depends on nothing; put the equipment it powers on it with `power`".into()),
            ));
        }
    }
    let needs = distinct(src, r.needs.iter().flatten(), "needs", "", |n| {
        let j = refer(n)?;
        if j == i {
            return Err(src.error(K::Cycle, n.span(), format!("component \"{}\" needs itself", name.get_ref()), None));
        }
        Ok(j)
    })?;
    let power = power(src, name, r, kind, cx)?;
    let auto_restart = match &r.restart {
        None => false,
        Some(s) if power.is_none() && !kind.is_power() => {
            return Err(no_effect(
                src,
                s.span(),
                format!(
                    "`restart` has no effect on \"{}\": it sits on no power feed, so it never loses power",
                    name.get_ref()
                ),
                "set `restart` on the replicas, which have feeds of their own, and remove it here",
            ));
        }
        Some(s) if s.get_ref() == "auto" => true,
        Some(s) if s.get_ref() == "manual" => false,
        Some(s) => {
            return Err(src.error(
                K::Rule,
                s.span(),
                format!("restart = \"{}\": use \"auto\" or \"manual\"", s.get_ref()),
                None,
            ));
        }
    };
    let standby = standby(src, i, r, &refer)?;
    let quorum = quorum(src, name, r, &refer)?;
    let power_ref = |field: &Option<Spanned<String>>, want: ComponentKind, what: &str| -> Result<Option<usize>, ScenarioError> {
        let Some(n) = field else { return Ok(None) };
        if kind != ComponentKind::PowerFeed {
            let help = kind.is_feed().then(|| {
                format!(
                    "a cloud {} keeps its own power: remove the {what}, and model a zone outage as a fault on it",
                    kind.words()
                )
            });
            return Err(src.error(K::Rule, n.span(), format!("only a power feed has a {what}"), help));
        }
        let j = refer(n)?;
        if cx.kinds[j] != want {
            return Err(src.error(K::Rule, n.span(), format!("\"{}\" is not a {what}", n.get_ref()), None));
        }
        Ok(Some(j))
    };
    let ups = power_ref(&r.ups, ComponentKind::Ups, "ups")?;
    let generator = power_ref(&r.generator, ComponentKind::Generator, "generator")?;
    let battery = match (&r.battery, kind) {
        (Some(b), ComponentKind::Ups) => fixed(src, b, "a UPS battery time")?,
        (Some(b), _) => return Err(src.error(K::Rule, b.span(), "only a UPS has a battery".into(), None)),
        (None, ComponentKind::Ups) => {
            return Err(src.error(
                K::Missing,
                name.span(),
                format!("UPS \"{}\" has no battery time", name.get_ref()),
                Some("add battery = \"15m\"".into()),
            ));
        }
        (None, _) => 0.0,
    };
    let (start, start_delay) = generator_start(src, r, kind)?;
    Ok(Component {
        name: name.get_ref().clone(),
        kind,
        description: text_ok(src, r.description.as_ref(), "the description")?,
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
    })
}

/// The power feed a component sits on; only power equipment and a group of replicas may
/// have none.
fn power(
    src: &Source,
    name: &Spanned<String>,
    r: &RawComponent,
    kind: ComponentKind,
    cx: &ComponentContext<'_>,
) -> Result<Option<CompId>, ScenarioError> {
    match &r.power {
        Some(p) => {
            let j = lookup(src, p, cx.index, "component")?;
            if !cx.kinds[j].is_feed() {
                return Err(src.error(
                    K::Rule,
                    p.span(),
                    format!("\"{}\" is not a power feed, region or zone", p.get_ref()),
                    Some("`power` names a component of kind \"power_feed\", or the \"region\" or \"zone\" that hosts it".into()),
                ));
            }
            Ok(Some(j))
        }
        None if !kind.is_power() && r.replicas.is_none() => Err(src.error(
            K::Missing,
            name.span(),
            format!("component \"{}\" has no path to power: it sits on no power feed", name.get_ref()),
            Some("add power = \"<feed>\" naming a component of kind \"power_feed\" (or the \"region\" or \"zone\" that hosts it; only a group of replicas may omit it)".into()),
        )),
        None => Ok(None),
    }
}

fn standby(
    src: &Source,
    i: usize,
    r: &RawComponent,
    refer: &dyn Fn(&Spanned<String>) -> Result<usize, ScenarioError>,
) -> Result<Option<Standby>, ScenarioError> {
    let Some(s) = &r.standby else {
        if let Some(f) = &r.failover {
            return Err(src.error(
                K::NoEffect,
                f.span(),
                "`failover` without a `standby`".into(),
                Some("name the standby: standby = \"<component>\"".into()),
            ));
        }
        return Ok(None);
    };
    let j = refer(s)?;
    if j == i {
        return Err(src.error(K::Cycle, s.span(), "a component cannot be its own standby".into(), None));
    }
    let auto = match &r.failover {
        Some(f) => {
            let f = f.get_ref();
            Some(AutoFailover {
                delay: dist::distribution(src, &f.delay)?,
                fail: probability(src, f.fail.as_ref(), "fail")?,
            })
        }
        None => None,
    };
    Ok(Some(Standby { component: j, auto }))
}

fn quorum(
    src: &Source,
    name: &Spanned<String>,
    r: &RawComponent,
    refer: &dyn Fn(&Spanned<String>) -> Result<usize, ScenarioError>,
) -> Result<Option<Quorum>, ScenarioError> {
    match (&r.replicas, &r.min_up) {
        (Some(of), min_up) => {
            let v = distinct(src, of, "replicas", "", refer)?;
            let up = match min_up {
                Some(k) => *k.get_ref(),
                None => v.len() as i64,
            };
            if up < 1 || up as usize > v.len() {
                let span = min_up.as_ref().map(|k| k.span()).unwrap_or(name.span());
                return Err(src.error(
                    K::OutOfRange,
                    span,
                    format!("min_up = {up} but there are {} replicas", v.len()),
                    Some("min_up is between 1 and the number of replicas".into()),
                ));
            }
            Ok(Some(Quorum { of: v, up: up as usize }))
        }
        (None, Some(k)) => Err(src.error(
            K::NoEffect,
            k.span(),
            "`min_up` without `replicas`".into(),
            Some("list the replicas: replicas = [\"app-1\", \"app-2\"]".into()),
        )),
        (None, None) => Ok(None),
    }
}

/// A generator's start probability and delay; other kinds take neither.
fn generator_start(src: &Source, r: &RawComponent, kind: ComponentKind) -> Result<(f64, Dist), ScenarioError> {
    if kind == ComponentKind::Generator {
        let start = match &r.start {
            Some(p) => probability(src, Some(p), "start")?,
            None => 1.0,
        };
        let delay = match &r.start_delay {
            Some(d) => dist::distribution(src, d)?,
            None => Dist::Fixed(0.0),
        };
        return Ok((start, delay));
    }
    if let Some(p) = &r.start {
        return Err(src.error(K::Rule, p.span(), "only a generator has a start probability".into(), None));
    }
    if let Some(d) = &r.start_delay {
        return Err(no_effect(
            src,
            d.span(),
            "`start_delay` applies only to a generator".into(),
            "remove `start_delay`, or make the component a generator",
        ));
    }
    Ok((0.0, Dist::Fixed(0.0)))
}

/// Dependency order of components (needs, replicas and power feed first); a cycle is an error
/// naming its members.
pub(super) fn component_order<T>(raw: &[Named<'_, T>], comps: &[Component]) -> Result<Vec<CompId>, ScenarioError> {
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
        k if k.is_feed() => 1,
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
                            K::Cycle,
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

/// Neighbours along dependencies, both directions, power equipment excluded: where an
/// intruder can spread. Sorted, each once.
pub(super) fn neighbours(components: &[Component]) -> Vec<Vec<CompId>> {
    let mut neighbours = vec![Vec::new(); components.len()];
    for (i, c) in components.iter().enumerate() {
        if c.kind.is_power() {
            continue;
        }
        let linked = c
            .needs
            .iter()
            .chain(c.quorum.iter().flat_map(|q| &q.of))
            .chain(c.standby.as_ref().map(|s| &s.component));
        for &j in linked {
            if !components[j].kind.is_power() {
                neighbours[i].push(j);
                neighbours[j].push(i);
            }
        }
    }
    for n in &mut neighbours {
        n.sort_unstable();
        n.dedup();
    }
    neighbours
}
