//! The plan's steps: ids, teams, `after` lists, durations, conditions and effects, and the
//! search for steps that wait for each other in a cycle.

use std::collections::HashMap;

use toml::Spanned;

use super::build::TopologyNames;
use super::conditions::{condition, effects, wait};
use super::names::{FirstAt, defined_twice, distinct, name_ok, probability, text_ok, too_many, unknown};
use super::raw::RawStep;
use super::{Part, Source, dist};
use crate::error::{ScenarioError, ScenarioErrorKind as K};
use crate::model::limits::{MAX_DEPENDENCY_EDGES, MAX_STEPS};
use crate::model::{Component, Step, StreamKey};

/// What a step may refer to.
pub(super) struct StepContext<'a> {
    pub team_index: &'a HashMap<&'a str, usize>,
    pub team_names: Vec<&'a str>,
    pub names: &'a TopologyNames,
    pub components: &'a [Component],
}

/// Every step, in file order (includes first), checked, with no cycle among them.
pub(super) fn steps(parts: &[Part], cx: &StepContext<'_>) -> Result<Vec<Step>, ScenarioError> {
    let main = &parts.last().expect("the exercise file is the last part").src;
    let raw_steps: Vec<(&Source, &Spanned<RawStep>)> = parts
        .iter()
        .flat_map(|p| p.raw.step.iter().flatten().map(move |s| (&p.src, s)))
        .collect();
    if raw_steps.is_empty() {
        return Err(main.whole(
            K::Missing,
            "the plan is empty: there are no [[step]] entries".into(),
            Some("add at least one [[step]] with id, team and duration".into()),
        ));
    }
    if raw_steps.len() > MAX_STEPS {
        return Err(main.whole(
            K::TooMany,
            format!("{} steps; at most {MAX_STEPS} are allowed", raw_steps.len()),
            None,
        ));
    }
    let edges: usize = raw_steps.iter().map(|(_, s)| s.get_ref().after.as_ref().map_or(0, Vec::len)).sum();
    if edges > MAX_DEPENDENCY_EDGES {
        return Err(too_many(
            main,
            None,
            format!("the steps' `after` lists have {edges} entries; at most {MAX_DEPENDENCY_EDGES} are allowed"),
            "a step waits for the few steps it really needs; the rest follows by itself",
        ));
    }
    let mut step_index: HashMap<&str, (usize, FirstAt<'_>)> = HashMap::new();
    for (i, (src, s)) in raw_steps.iter().enumerate() {
        let id = &s.get_ref().id;
        name_ok(src, id, "step")?;
        if let Some((_, first)) = step_index.get(id.get_ref().as_str()) {
            let label = format!("step id \"{}\"", id.get_ref());
            return Err(defined_twice(src, id.span(), &label, "used", first, "; step ids must be unique"));
        }
        step_index.insert(id.get_ref(), (i, (*src, id.span())));
    }
    let ids: Vec<&str> = raw_steps.iter().map(|(_, s)| s.get_ref().id.get_ref().as_str()).collect();
    let mut steps = Vec::with_capacity(raw_steps.len());
    for (src, s) in &raw_steps {
        steps.push(step(src, s.get_ref(), &step_index, &ids, cx)?);
    }
    if let Some(cycle) = find_cycle(&steps) {
        return Err(cycle_error(&raw_steps, &steps, &cycle));
    }
    Ok(steps)
}

fn step(
    src: &Source,
    s: &RawStep,
    step_index: &HashMap<&str, (usize, FirstAt<'_>)>,
    ids: &[&str],
    cx: &StepContext<'_>,
) -> Result<Step, ScenarioError> {
    let Some(&team) = cx.team_index.get(s.team.get_ref().as_str()) else {
        return Err(unknown(src, &s.team, "team", cx.team_names.iter().copied()));
    };
    let after = distinct(src, s.after.iter().flatten(), "after", "step", |a| {
        let Some(&(j, _)) = step_index.get(a.get_ref().as_str()) else {
            return Err(unknown(src, a, "step", ids.iter().copied()));
        };
        if a.get_ref() == s.id.get_ref() {
            return Err(src.error(
                K::Cycle,
                a.span(),
                format!("step \"{}\" waits for itself", a.get_ref()),
                Some("remove it from its own `after` list".into()),
            ));
        }
        Ok(j)
    })?;
    let fail = probability(src, s.fail.as_ref(), "fail")?;
    if fail >= 1.0 {
        return Err(src.error(
            K::OutOfRange,
            s.fail.as_ref().map(|f| f.span()).unwrap_or(0..0),
            format!("step \"{}\" fails with probability 1 and would be retried forever", s.id.get_ref()),
            Some("use a probability below 1".into()),
        ));
    }
    let when = match &s.when {
        Some(w) => condition(src, w, cx.names)?,
        None => Default::default(),
    };
    let wait = match &s.wait {
        Some(w) => wait(src, w, cx.names)?,
        None => Vec::new(),
    };
    let effects = match &s.effect {
        Some(e) => effects(src, e, cx.names, cx.components)?,
        None => Vec::new(),
    };
    let title = match &s.title {
        Some(t) => text_ok(src, Some(t), "the step's title")?,
        None => s.id.get_ref().clone(),
    };
    Ok(Step {
        when,
        wait,
        effects,
        id: s.id.get_ref().clone(),
        title,
        team,
        after,
        duration: dist::distribution(src, &s.duration)?,
        fail,
        key: StreamKey::named(&format!("step:{}", s.id.get_ref())),
    })
}

/// The error for a cycle of steps, at the `after` entry that closes it (the first step
/// waits for the last).
fn cycle_error(raw_steps: &[(&Source, &Spanned<RawStep>)], steps: &[Step], cycle: &[usize]) -> ScenarioError {
    let (src, s) = raw_steps[cycle[0]];
    let names: Vec<&str> = cycle
        .iter()
        .chain(std::iter::once(&cycle[0]))
        .map(|&i| steps[i].id.as_str())
        .collect();
    let closing = &steps[cycle[cycle.len() - 1]].id;
    let span = s
        .get_ref()
        .after
        .iter()
        .flatten()
        .find(|a| a.get_ref() == closing)
        .map(|a| a.span());
    src.error(
        K::Cycle,
        span.unwrap_or_else(|| s.get_ref().id.span()),
        format!(
            "the plan's steps wait for each other in a cycle: {} (each waits for the one before it)",
            names.join(" -> ")
        ),
        Some("remove one of these `after` entries so that the plan can finish".into()),
    )
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
