//! The rules of a scenario, checked once, turning raw parts into the checked [`Scenario`].

use std::collections::HashMap;
use std::path::Path;

use toml::Spanned;

use super::raw::{RawEscalation, RawStep};
use super::{Part, Source, dist, topology};
use crate::error::{ScenarioError, similar};
use crate::model::StreamKey;
use crate::model::limits::MAX_TRIALS;
use crate::model::{Clock, Detection, Dist, Escalation, EscalationLevel, FaultKindTag, Monitor, OffHours, Scenario, Step, Team};

/// Most steps, teams and escalation levels a scenario may have (far beyond any real plan).
const MAX_STEPS: usize = 100_000;
const MAX_TEAMS: usize = 10_000;
const MAX_CAPACITY: i64 = 100_000;
const MAX_REPEAT: i64 = 100;
/// Default horizon: a service still down after 30 days counts as unrecovered.
const DEFAULT_HORIZON: f64 = 30.0 * 1440.0;
const ALL_KINDS: [FaultKindTag; 4] = [
    FaultKindTag::Failure,
    FaultKindTag::Attack,
    FaultKindTag::PowerLoss,
    FaultKindTag::DataLoss,
];

pub(super) fn check(path: &Path, parts: &[Part]) -> Result<Scenario, ScenarioError> {
    let main = parts.last().expect("the exercise file itself is always the last part");

    // [exercise]: only in the exercise file.
    for p in &parts[..parts.len() - 1] {
        if let Some(e) = &p.raw.exercise {
            return Err(p.src.error(
                e.span(),
                "[exercise] belongs in the exercise file, not in a file it includes".into(),
                Some(format!("move it to {}", main.src.path.display())),
            ));
        }
    }
    let mut name = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "scenario".into());
    let mut description = String::new();
    let (mut seed, mut trials) = (None, None);
    let mut horizon = DEFAULT_HORIZON;
    let mut start = None;
    if let Some(e) = &main.raw.exercise {
        let e = e.get_ref();
        if let Some(n) = &e.name {
            if n.get_ref().trim().is_empty() {
                return Err(main.src.error(n.span(), "the exercise name is empty".into(), None));
            }
            name = n.get_ref().clone();
        }
        description = e.description.clone().unwrap_or_default();
        if let Some(s) = &e.seed {
            if *s.get_ref() < 0 {
                return Err(main.src.error(
                    s.span(),
                    format!("seed {} is negative", s.get_ref()),
                    Some("a seed is a whole number from 0 up".into()),
                ));
            }
            seed = Some(*s.get_ref() as u64);
        }
        if let Some(t) = &e.trials {
            let n = *t.get_ref();
            if n < 1 || n as u64 > MAX_TRIALS {
                return Err(main.src.error(
                    t.span(),
                    format!("trials = {n} is out of range"),
                    Some(format!("use 1 to {MAX_TRIALS} trials (100000 is a good default)")),
                ));
            }
            trials = Some(n as u64);
        }
        if let Some(c) = &e.start {
            start = Some(if c.get_ref() == "any" {
                Clock::Any
            } else {
                Clock::At(clock(&main.src, c)?)
            });
        }
        if let Some(h) = &e.horizon {
            horizon = match dist::check(&main.src, h)? {
                Dist::Fixed(x) if x > 0.0 => x,
                _ => {
                    return Err(main
                        .src
                        .error(h.span(), "horizon is a fixed duration above 0, such as \"30d\"".into(), None));
                }
            };
        }
    }

    // Teams, from every part; a name defined twice is an error naming both places.
    let raw_teams = topology::collect_named(parts, |r| r.teams.as_ref(), "team")?;
    if raw_teams.is_empty() {
        return Err(main.src.whole(
            "no teams are defined".into(),
            Some("add a [teams.<name>] section with a capacity".into()),
        ));
    }
    if raw_teams.len() > MAX_TEAMS {
        return Err(main
            .src
            .whole(format!("{} teams; at most {MAX_TEAMS} are allowed", raw_teams.len()), None));
    }
    let mut teams = Vec::with_capacity(raw_teams.len());
    let mut has_escalation = Vec::with_capacity(raw_teams.len());
    for (src, name, team) in &raw_teams {
        let t = team.get_ref();
        let cap = *t.capacity.get_ref();
        if !(1..=MAX_CAPACITY).contains(&cap) {
            return Err(src.error(
                t.capacity.span(),
                format!("team \"{}\" has capacity {cap}", name.get_ref()),
                Some(format!("capacity is how many steps the team works on at once: 1 to {MAX_CAPACITY}")),
            ));
        }
        let escalation = match &t.escalation {
            Some(e) => escalation(src, e)?,
            None => Escalation {
                levels: Vec::new(),
                repeat: 0,
                last_resort: crate::model::Dist::Fixed(0.0),
            },
        };
        has_escalation.push(t.escalation.is_some());
        let off_hours = match &t.off_hours {
            None => None,
            Some(o) => {
                if start.is_none() {
                    return Err(src.error(
                        o.span(),
                        format!(
                            "team \"{}\" is slower off hours, but the exercise has no clock time",
                            name.get_ref()
                        ),
                        Some("add start = \"02:30\" (or \"any\") to [exercise]".into()),
                    ));
                }
                let r = o.get_ref();
                let slower = *r.slower.get_ref();
                if !(slower.is_finite() && slower > 0.0 && slower <= 100.0) {
                    return Err(src.error(
                        r.slower.span(),
                        format!("slower = {slower}: use a factor above 0 and at most 100, e.g. 1.5"),
                        None,
                    ));
                }
                Some(OffHours {
                    from: clock(src, &r.from)?,
                    to: clock(src, &r.to)?,
                    slower,
                })
            }
        };
        teams.push(Team {
            name: name.get_ref().clone(),
            capacity: cap as u32,
            escalation,
            key: StreamKey::named(&format!("team:{}", name.get_ref())),
            off_hours,
        });
    }
    let team_index: HashMap<&str, usize> = teams.iter().enumerate().map(|(i, t)| (t.name.as_str(), i)).collect();

    // Detection: exactly one [detection].
    let mut det = None;
    for p in parts {
        if let Some(d) = &p.raw.detection {
            if let Some((other, _)) = &det {
                let other: &&Part = other;
                return Err(p.src.error(
                    d.span(),
                    "[detection] is defined twice".into(),
                    Some(format!("it is also in {}; keep one", other.src.path.display())),
                ));
            }
            det = Some((p, d));
        }
    }
    let Some((dp, d)) = det else {
        return Err(main.src.whole(
            "missing [detection]: how the fault is noticed and which team is paged".into(),
            Some("add [detection] with delay = \"10m\" and page = \"<team>\"".into()),
        ));
    };
    let dp_span = d.span();
    let d = d.get_ref();
    let world = topology::check(parts, &team_index)?;
    let mut monitors = world.topology.monitors.clone();
    let miss = probability(&dp.src, d.miss.as_ref(), "miss")?;
    match (&d.delay, monitors.is_empty()) {
        (Some(delay), true) => {
            monitors.push(Monitor {
                name: "monitoring".into(),
                sees: ALL_KINDS.to_vec(),
                delay: dist::check(&dp.src, delay)?,
                miss,
                key: StreamKey::named("monitor:monitoring"),
            });
        }
        (Some(delay), false) => {
            return Err(dp.src.error(
                delay.span(),
                "[detection] delay is for scenarios without [[monitor]]s; this one has monitors".into(),
                Some("move the delay into a [[monitor]] (or remove the monitors)".into()),
            ));
        }
        (None, true) => {
            return Err(dp.src.error(
                dp_span,
                "nothing detects the fault: [detection] has no delay and there is no [[monitor]]".into(),
                Some("add delay = \"10m\" to [detection], or [[monitor]] entries".into()),
            ));
        }
        (None, false) => {}
    }
    let fallback = match &d.fallback {
        Some(f) => Some(dist::check(&dp.src, f)?),
        None => None,
    };
    if fallback.is_none() {
        let kinds: Vec<FaultKindTag> = if world.topology.faults.is_empty() {
            ALL_KINDS.to_vec()
        } else {
            world.names.fault_kinds.clone()
        };
        let unseen = kinds.iter().find(|k| !monitors.iter().any(|m| m.sees.contains(k)));
        if let Some(m) = monitors.iter().find(|m| m.miss > 0.0) {
            return Err(dp.src.error(
                dp_span,
                format!("monitor \"{}\" can miss the fault but [detection] has no `fallback`", m.name),
                Some("add fallback = \"2h\" to [detection] (when customer reports raise the alarm instead)".into()),
            ));
        }
        if let Some(k) = unseen {
            return Err(dp.src.error(
                dp_span,
                format!("no monitor sees {} faults and [detection] has no `fallback`", k.name()),
                Some("add fallback = \"2h\" to [detection] (customer reports), or a monitor that sees them".into()),
            ));
        }
    }
    let detection = Detection { monitors, fallback };
    let Some(&first_responder) = team_index.get(d.page.get_ref().as_str()) else {
        return Err(unknown(&dp.src, &d.page, "team", teams.iter().map(|t| t.name.as_str())));
    };
    if !has_escalation[first_responder] {
        return Err(dp.src.error(
            d.page.span(),
            format!("team \"{}\" is paged but has no escalation policy", d.page.get_ref()),
            Some(format!(
                "add [teams.{}.escalation] with at least one [[teams.{}.escalation.level]]",
                d.page.get_ref(),
                d.page.get_ref()
            )),
        ));
    }

    // Steps, in file order (includes first).
    let raw_steps: Vec<(&Source, &Spanned<RawStep>)> = parts
        .iter()
        .flat_map(|p| p.raw.step.iter().flatten().map(move |s| (&p.src, s)))
        .collect();
    if raw_steps.is_empty() {
        return Err(main.src.whole(
            "the plan is empty: there are no [[step]] entries".into(),
            Some("add at least one [[step]] with id, team and duration".into()),
        ));
    }
    if raw_steps.len() > MAX_STEPS {
        return Err(main
            .src
            .whole(format!("{} steps; at most {MAX_STEPS} are allowed", raw_steps.len()), None));
    }
    let mut step_index: HashMap<&str, (usize, &Source, std::ops::Range<usize>)> = HashMap::new();
    for (i, (src, s)) in raw_steps.iter().enumerate() {
        let id = &s.get_ref().id;
        check_name(src, id, "step")?;
        if let Some((_, other, span)) = step_index.get(id.get_ref().as_str()) {
            let (l, c) = crate::error::line_col(&other.text, span.start);
            return Err(src.error(
                id.span(),
                format!("step id \"{}\" is used twice", id.get_ref()),
                Some(format!(
                    "it is also used at {}:{l}:{c}; step ids must be unique",
                    other.path.display()
                )),
            ));
        }
        step_index.insert(id.get_ref(), (i, src, id.span()));
    }
    let mut steps = Vec::with_capacity(raw_steps.len());
    for (src, s) in &raw_steps {
        let s = s.get_ref();
        let Some(&team) = team_index.get(s.team.get_ref().as_str()) else {
            return Err(unknown(src, &s.team, "team", teams.iter().map(|t| t.name.as_str())));
        };
        let mut after = Vec::new();
        for a in s.after.iter().flatten() {
            let Some(&(j, ..)) = step_index.get(a.get_ref().as_str()) else {
                return Err(unknown(
                    src,
                    a,
                    "step",
                    raw_steps.iter().map(|(_, s)| s.get_ref().id.get_ref().as_str()),
                ));
            };
            if a.get_ref() == s.id.get_ref() {
                return Err(src.error(
                    a.span(),
                    format!("step \"{}\" waits for itself", a.get_ref()),
                    Some("remove it from its own `after` list".into()),
                ));
            }
            if after.contains(&j) {
                return Err(src.error(a.span(), format!("step \"{}\" is listed twice in `after`", a.get_ref()), None));
            }
            after.push(j);
        }
        let fail = probability(src, s.fail.as_ref(), "fail")?;
        if fail >= 1.0 {
            return Err(src.error(
                s.fail.as_ref().map(|f| f.span()).unwrap_or(0..0),
                format!("step \"{}\" fails with probability 1 and would be retried forever", s.id.get_ref()),
                Some("use a probability below 1".into()),
            ));
        }
        let when = match &s.when {
            Some(w) => topology::condition(src, w, &world.names)?,
            None => Default::default(),
        };
        let effect = match &s.effect {
            Some(e) => Some(topology::effect(src, e, &world.names, &world.topology.components, &world.stores)?),
            None => None,
        };
        steps.push(Step {
            when,
            effect,
            id: s.id.get_ref().clone(),
            title: s.title.clone().unwrap_or_else(|| s.id.get_ref().clone()),
            team,
            after,
            duration: dist::check(src, &s.duration)?,
            fail,
            key: StreamKey::named(&format!("step:{}", s.id.get_ref())),
        });
    }
    if let Some(cycle) = find_cycle(&steps) {
        let (src, s) = raw_steps[cycle[0]];
        let names: Vec<&str> = cycle
            .iter()
            .chain(std::iter::once(&cycle[0]))
            .map(|&i| steps[i].id.as_str())
            .collect();
        // Point at the `after` entry that closes the cycle (the first step waits for the last).
        let closing = &steps[cycle[cycle.len() - 1]].id;
        let span = s
            .get_ref()
            .after
            .iter()
            .flatten()
            .find(|a| a.get_ref() == closing)
            .map(|a| a.span());
        return Err(src.error(
            span.unwrap_or_else(|| s.get_ref().id.span()),
            format!(
                "the plan's steps wait for each other in a cycle: {} (each waits for the one before it)",
                names.join(" -> ")
            ),
            Some("remove one of these `after` entries so that the plan can finish".into()),
        ));
    }

    let mut sc = Scenario {
        name,
        description,
        seed,
        trials,
        detection,
        first_responder,
        teams,
        steps,
        successors: Vec::new(),
        levels: world.topology.levels.iter().map(|l| l.name.clone()).collect(),
        services: world.services,
        stores: world.stores,
        topology: world.topology,
        horizon,
        start,
        objectives: Vec::new(),
    };
    sc.link();
    sc.objectives = crate::objective::check(parts.iter().filter_map(|p| Some((&p.src, p.raw.expect.as_ref()?))), &sc)?;
    Ok(sc)
}

fn escalation(src: &Source, e: &Spanned<RawEscalation>) -> Result<Escalation, ScenarioError> {
    let r = e.get_ref();
    if r.level.is_empty() {
        return Err(src.error(
            e.span(),
            "an escalation policy needs at least one level".into(),
            Some("add [[teams.<name>.escalation.level]] with name, ack, ack_delay and timeout".into()),
        ));
    }
    let mut levels = Vec::new();
    for l in &r.level {
        let l = l.get_ref();
        if l.name.trim().is_empty() || l.name.chars().any(char::is_control) {
            return Err(src.error(
                e.span(),
                "an escalation level's name is empty or has control characters".into(),
                Some("name who is paged, e.g. name = \"primary on-call\"".into()),
            ));
        }
        levels.push(EscalationLevel {
            name: l.name.clone(),
            ack: probability(src, Some(&l.ack), "ack")?,
            ack_delay: dist::check(src, &l.ack_delay)?,
            timeout: match dist::check(src, &l.timeout)? {
                crate::model::Dist::Fixed(t) => t,
                _ => return Err(src.error(l.timeout.span(), "a page timeout is a fixed duration such as \"15m\"".into(), None)),
            },
        });
    }
    let repeat = match &r.repeat {
        Some(n) if !(0..=MAX_REPEAT).contains(n.get_ref()) => {
            return Err(src.error(
                n.span(),
                format!("repeat = {} is out of range", n.get_ref()),
                Some(format!("repeat is how many more times the levels are paged: 0 to {MAX_REPEAT}")),
            ));
        }
        Some(n) => *n.get_ref() as u32,
        None => 0,
    };
    Ok(Escalation {
        levels,
        repeat,
        last_resort: dist::check(src, &r.last_resort)?,
    })
}

/// A clock time "HH:MM" as minutes after midnight.
fn clock(src: &Source, c: &Spanned<String>) -> Result<f64, ScenarioError> {
    let bad = || {
        src.error(
            c.span(),
            format!("\"{}\" is not a clock time", c.get_ref()),
            Some("write hours and minutes, e.g. \"02:30\" or \"20:00\"".into()),
        )
    };
    let (h, m) = c.get_ref().split_once(':').ok_or_else(bad)?;
    let (h, m): (u32, u32) = (h.trim().parse().map_err(|_| bad())?, m.trim().parse().map_err(|_| bad())?);
    if h > 23 || m > 59 {
        return Err(bad());
    }
    Ok((h * 60 + m) as f64)
}

pub(super) fn probability(src: &Source, p: Option<&Spanned<f64>>, what: &str) -> Result<f64, ScenarioError> {
    let Some(p) = p else { return Ok(0.0) };
    let x = *p.get_ref();
    if !(0.0..=1.0).contains(&x) {
        return Err(src.error(
            p.span(),
            format!("`{what}` = {x} is not a probability"),
            Some("a probability is between 0 and 1, e.g. 0.8".into()),
        ));
    }
    Ok(x)
}

pub(super) fn check_name(src: &Source, name: &Spanned<String>, what: &str) -> Result<(), ScenarioError> {
    let n = name.get_ref();
    if n.is_empty() || n.len() > 200 || n.chars().any(|c| c.is_control()) {
        return Err(src.error(
            name.span(),
            format!("{what} name {n:?} is empty, too long or has control characters"),
            Some("use a short name such as \"ops\" or \"restore-db\"".into()),
        ));
    }
    Ok(())
}

pub(super) fn unknown<'a>(src: &Source, name: &Spanned<String>, what: &str, known: impl Iterator<Item = &'a str>) -> ScenarioError {
    let known: Vec<&str> = known.collect();
    let close = known.iter().find(|k| similar(k, name.get_ref()));
    let help = match close {
        Some(k) => format!("did you mean \"{k}\"?"),
        None if known.len() <= 12 => format!("known {what}s: {}", known.join(", ")),
        None => format!("{} {what}s are defined; check the spelling", known.len()),
    };
    src.error(name.span(), format!("unknown {what} \"{}\"", name.get_ref()), Some(help))
}

/// Steps of one dependency cycle in order, if the plan has one.
fn find_cycle(steps: &[Step]) -> Option<Vec<usize>> {
    // Iterative depth-first search over `after` edges: 0 unseen, 1 on the path, 2 done.
    let mut state = vec![0u8; steps.len()];
    for root in 0..steps.len() {
        if state[root] != 0 {
            continue;
        }
        let mut path: Vec<(usize, usize)> = vec![(root, 0)];
        state[root] = 1;
        while let Some(&mut (node, ref mut next)) = path.last_mut() {
            if let Some(&dep) = steps[node].after.get(*next) {
                *next += 1;
                match state[dep] {
                    0 => {
                        state[dep] = 1;
                        path.push((dep, 0));
                    }
                    1 => {
                        let from = path.iter().position(|&(n, _)| n == dep).unwrap_or(0);
                        // The path follows "waits for" edges; reverse it to read in plan order.
                        let mut cyc: Vec<usize> = path[from..].iter().map(|&(n, _)| n).collect();
                        cyc.reverse();
                        return Some(cyc);
                    }
                    _ => {}
                }
            } else {
                state[node] = 2;
                path.pop();
            }
        }
    }
    None
}
