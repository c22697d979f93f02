//! Building the checked [`Scenario`] from the raw parts, section by section, in the order in
//! which sections refer to each other: exercise, teams, the topology, detection, steps, and
//! last the objectives (which name services and stores).

use std::collections::HashMap;
use std::path::Path;

use super::components::{ComponentContext, component, component_kinds, component_order, neighbours};
use super::detection::{detection, detection_section, first_responder};
use super::exercise::exercise_head;
use super::faults::{FaultContext, faults};
use super::monitors::{levels, monitors};
use super::names::collect_named;
use super::steps::{StepContext, steps};
use super::stores::{services, stores};
use super::teams::teams;
use super::{Part, objective};
use crate::error::ScenarioError;
use crate::model::{BusinessService, CompId, ComponentKind, DataStore, FaultKindTag, Scenario, ServiceId, StoreId, Topology};

/// Name to index maps of everything a step may refer to.
pub(super) struct TopologyNames {
    pub comps: HashMap<String, CompId>,
    pub services: HashMap<String, ServiceId>,
    pub stores: HashMap<String, StoreId>,
    pub levels: HashMap<String, usize>,
    pub kinds: Vec<ComponentKind>,
}

/// The checked topology sections of a scenario.
pub(super) struct CheckedTopology {
    pub topology: Topology,
    pub services: Vec<BusinessService>,
    pub stores: Vec<DataStore>,
    pub names: TopologyNames,
}

/// The checked scenario of `parts` (the exercise file last), named after `path` by default.
pub(super) fn scenario(path: &Path, parts: &[Part]) -> Result<Scenario, ScenarioError> {
    let head = exercise_head(path, parts)?;
    let teams = teams(parts, head.start)?;
    let team_index = teams.index();
    let (det_src, det) = detection_section(parts)?;
    let world = topology(parts, &team_index)?;
    let mut injected: Vec<FaultKindTag> = Vec::new();
    for f in &world.topology.faults {
        if !injected.contains(&f.kind.tag()) {
            injected.push(f.kind.tag());
        }
    }
    let detection = detection(det_src, det, world.topology.monitors.clone(), &injected)?;
    let first_responder = first_responder(det_src, det.get_ref(), &teams, &team_index)?;
    teams.every_policy_paged(first_responder, &world.topology.levels)?;
    let steps = steps(
        parts,
        &StepContext {
            team_index: &team_index,
            team_names: teams.teams.iter().map(|t| t.name.as_str()).collect(),
            names: &world.names,
            components: &world.topology.components,
        },
    )?;
    drop(team_index);
    let mut sc = Scenario {
        name: head.name,
        description: head.description,
        seed: head.seed,
        trials: head.trials,
        detection,
        first_responder,
        teams: teams.teams,
        steps,
        successors: Vec::new(),
        levels: world.topology.levels.iter().map(|l| l.name.clone()).collect(),
        services: world.services,
        stores: world.stores,
        topology: world.topology,
        horizon: head.horizon,
        start: head.start,
        objectives: Vec::new(),
    };
    sc.link();
    sc.objectives = objective::objectives(parts.iter().filter_map(|p| Some((&p.src, p.raw.expect.as_ref()?))), &sc)?;
    Ok(sc)
}

/// Every topology section of `parts`: components, services, stores, faults, monitors, levels.
fn topology(parts: &[Part], teams: &HashMap<&str, usize>) -> Result<CheckedTopology, ScenarioError> {
    let raw_comps = collect_named(parts, |r| r.components.as_ref(), "component")?;
    let comp_index: HashMap<String, usize> = raw_comps.iter().enumerate().map(|(i, c)| (c.1.get_ref().clone(), i)).collect();
    let kinds = component_kinds(&raw_comps)?;
    let cx = ComponentContext {
        index: &comp_index,
        kinds: &kinds,
    };
    let mut components = Vec::with_capacity(raw_comps.len());
    for (i, entry) in raw_comps.iter().enumerate() {
        components.push(component(i, entry, &cx)?);
    }
    let order = component_order(&raw_comps, &components)?;

    let services = services(&collect_named(parts, |r| r.services.as_ref(), "service")?, &comp_index)?;
    let service_index: HashMap<String, usize> = services.iter().enumerate().map(|(i, s)| (s.name.clone(), i)).collect();
    let (stores, stores_on) = stores(&collect_named(parts, |r| r.stores.as_ref(), "store")?, &comp_index, &components)?;
    let store_index: HashMap<String, usize> = stores.iter().enumerate().map(|(i, s)| (s.name.clone(), i)).collect();
    let faults = faults(
        parts,
        &FaultContext {
            comp_index: &comp_index,
            store_index: &store_index,
            components: &components,
        },
    )?;
    let monitors = monitors(parts, &comp_index, &service_index, &store_index)?;
    let levels = levels(parts, &service_index, teams)?;
    let level_index: HashMap<String, usize> = levels.iter().enumerate().map(|(i, l)| (l.name.clone(), i)).collect();
    let neighbours = neighbours(&components);
    let is_feed = components.iter().map(|c| c.kind.is_feed()).collect();
    Ok(CheckedTopology {
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
        names: TopologyNames {
            comps: comp_index,
            services: service_index,
            stores: store_index,
            levels: level_index,
            kinds,
        },
    })
}
