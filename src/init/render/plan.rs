//! What every file of the folder agrees on, decided once: the feeds, the hosts on them, the
//! business services, the teams and who is paged first; and how a value is written in TOML.

use std::collections::{BTreeMap, HashMap};

use crate::init::{Inventory, Item};

/// The power feed written when no component is hosted by a region or zone.
pub(super) const MAIN_FEED: &str = "main-feed";

/// A TOML basic string.
pub(super) fn q(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A TOML key: bare when it can be, quoted otherwise (`"api.v2"`).
pub(super) fn key(s: &str) -> String {
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        s.to_string()
    } else {
        q(s)
    }
}

/// A TOML list of strings.
pub(super) fn list<S: AsRef<str>>(v: &[S]) -> String {
    let items: Vec<String> = v.iter().map(|s| q(s.as_ref())).collect();
    format!("[{}]", items.join(", "))
}

/// A free-text line for a comment (no line breaks, no control characters).
pub(super) fn comment_text(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

/// Who does what and where the faults land, decided once for every file.
pub(super) struct Plan<'a> {
    pub(super) inv: &'a Inventory,
    /// Non-feed components in inventory order, with the feed (or zone) each sits on.
    pub(super) hosts: Vec<(&'a Item, String)>,
    /// Feeds: zones and regions from the source, or [`MAIN_FEED`].
    pub(super) feeds: Vec<String>,
    pub(super) main_feed: bool,
    /// The power feed's name when there is one ([`MAIN_FEED`], or a variant if that is taken).
    pub(super) main_name: String,
    /// Stores: name, component, from the source or a placeholder.
    pub(super) stores: Vec<(String, String, bool)>,
    /// Business services: name, description, needs, origin.
    pub(super) services: Vec<Service>,
    pub(super) teams: Vec<String>,
    pub(super) paged: String,
    pub(super) failure_target: &'a Item,
    pub(super) attack_target: &'a Item,
    pub(super) power_target: String,
    pub(super) data_target: String,
}

/// A business service as written: name, description, needs, origin.
pub(super) type Service = (String, String, Vec<String>, String);

pub(super) fn plan(inv: &Inventory) -> Result<Plan<'_>, String> {
    let is_feed: HashMap<&str, bool> = inv.components.iter().map(|c| (c.name.as_str(), c.kind.is_feed())).collect();
    let (hosts, feeds, main_feed, main_name) = hosts_and_feeds(inv, &is_feed)?;
    // How many components and services need each component.
    let mut dependents: HashMap<&str, usize> = HashMap::new();
    for (c, _) in &hosts {
        for n in &c.needs {
            *dependents.entry(n.as_str()).or_default() += 1;
        }
    }
    for s in &inv.services {
        for n in &s.needs {
            *dependents.entry(n.as_str()).or_default() += 1;
        }
    }
    let count = |c: &Item| dependents.get(c.name.as_str()).copied().unwrap_or(0);
    // The most depended-on component (a data component first among equals), the first of
    // equals in file order: what a failure drill usually breaks.
    let rank = |c: &Item| (count(c), c.holds_data);
    let best = hosts.iter().map(|h| rank(h.0)).max().unwrap_or((0, false));
    let failure_target = hosts.iter().map(|h| h.0).find(|c| rank(c) == best).unwrap_or(hosts[0].0);
    let entries: Vec<&Item> = hosts
        .iter()
        .map(|h| h.0)
        .filter(|c| count(c) == 0 || inv.services.iter().any(|s| s.needs.contains(&c.name)))
        .collect();
    let attack_target = entries
        .iter()
        .find(|c| !c.holds_data)
        .or(entries.first())
        .copied()
        .unwrap_or(failure_target);
    let mut stores: Vec<(String, String, bool)> = hosts
        .iter()
        .filter(|h| h.0.holds_data)
        .map(|h| (h.0.name.clone(), h.0.name.clone(), true))
        .collect();
    if stores.is_empty() {
        stores.push((format!("{}-data", failure_target.name), failure_target.name.clone(), false));
    }
    let data_target = stores.iter().find(|s| s.1 == failure_target.name).unwrap_or(&stores[0]).0.clone();
    let services = services(inv, &hosts, &is_feed, &count, failure_target);
    let (teams, paged) = teams_and_paged(inv, &hosts);
    // The feed or zone that hosts the most components: its outage is the power drill.
    let hosted = |f: &String| hosts.iter().filter(|h| h.1 == *f).count();
    let most_hosted = feeds.iter().map(hosted).max().unwrap_or(0);
    let power_target = feeds.iter().find(|f| hosted(f) == most_hosted).unwrap_or(&feeds[0]).clone();
    Ok(Plan {
        inv,
        hosts,
        feeds,
        main_feed,
        main_name,
        stores,
        services,
        teams,
        paged,
        failure_target,
        attack_target,
        power_target,
        data_target,
    })
}

/// The components that run, each with the feed (or zone) it sits on; the feeds; whether the
/// main feed is needed (for a component on no zone) and its name.
#[allow(clippy::type_complexity)]
pub(super) fn hosts_and_feeds<'a>(
    inv: &'a Inventory,
    is_feed: &HashMap<&str, bool>,
) -> Result<(Vec<(&'a Item, String)>, Vec<String>, bool, String), String> {
    let mut main_feed = false;
    // The feed's name, unless a component of the source has it already.
    let taken = |n: &str| inv.components.iter().any(|c| c.name == n);
    let main_name = (1..)
        .map(|i| {
            if i == 1 {
                MAIN_FEED.to_string()
            } else {
                format!("{MAIN_FEED}-{i}")
            }
        })
        .find(|n| !taken(n))
        .unwrap_or_default();
    let mut hosts = Vec::new();
    for c in inv.components.iter().filter(|c| !c.kind.is_power()) {
        let zone = c.needs.iter().find(|n| is_feed.get(n.as_str()) == Some(&true));
        let feed = match zone {
            Some(z) => z.clone(),
            None => {
                main_feed = true;
                main_name.clone()
            }
        };
        hosts.push((c, feed));
    }
    if hosts.is_empty() {
        return Err("the source names no component to run (only regions, zones or power equipment)".into());
    }
    let mut feeds: Vec<String> = inv.components.iter().filter(|c| c.kind.is_feed()).map(|c| c.name.clone()).collect();
    if main_feed {
        feeds.insert(0, main_name.clone());
    }
    Ok((hosts, feeds, main_feed, main_name))
}

/// The business services: the source's, else the components nothing depends on (users reach
/// them), else the most depended-on component.
pub(super) fn services(
    inv: &Inventory,
    hosts: &[(&Item, String)],
    is_feed: &HashMap<&str, bool>,
    count: &dyn Fn(&Item) -> usize,
    failure_target: &Item,
) -> Vec<Service> {
    let mut services: Vec<Service> = inv
        .services
        .iter()
        .map(|s| {
            // A business service needs what it runs on; the zones under it are reached through
            // its components.
            let needs: Vec<String> = s.needs.iter().filter(|n| is_feed.get(n.as_str()) != Some(&true)).cloned().collect();
            (s.name.clone(), s.description.clone(), needs, s.origin.clone())
        })
        .filter(|s| !s.2.is_empty())
        .collect();
    if services.is_empty() {
        for c in hosts.iter().map(|h| h.0).filter(|c| count(c) == 0) {
            services.push((
                c.name.clone(),
                c.description.clone(),
                vec![c.name.clone()],
                format!("nothing in the source depends on {}: users reach it", c.name),
            ));
        }
    }
    if services.is_empty() {
        services.push((
            failure_target.name.clone(),
            failure_target.description.clone(),
            vec![failure_target.name.clone()],
            "the most depended-on component".into(),
        ));
    }
    services
}

/// The teams (`ops` when the source names none) and the one paged first: the team that owns
/// the most components, the first of equals.
pub(super) fn teams_and_paged(inv: &Inventory, hosts: &[(&Item, String)]) -> (Vec<String>, String) {
    let mut teams = inv.teams.clone();
    if teams.is_empty() {
        teams.push("ops".into());
    }
    let mut owned: BTreeMap<&str, usize> = BTreeMap::new();
    for (c, _) in hosts {
        if let Some(o) = &c.owner {
            *owned.entry(o.as_str()).or_default() += 1;
        }
    }
    let most = owned.values().copied().max().unwrap_or(0);
    let paged = teams
        .iter()
        .find(|t| owned.get(t.as_str()).copied().unwrap_or(0) == most)
        .unwrap_or(&teams[0])
        .clone();
    (teams, paged)
}

impl Plan<'_> {
    pub(super) fn owner(&self, component: &str) -> &str {
        self.hosts
            .iter()
            .find(|h| h.0.name == component)
            .and_then(|h| h.0.owner.as_deref())
            .filter(|o| self.teams.iter().any(|t| t == o))
            .unwrap_or(&self.paged)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_strings_are_valid_toml() {
        assert_eq!(key("web-1"), "web-1");
        assert_eq!(key("api.v2"), "\"api.v2\"");
        assert_eq!(q("a \"b\" \\ c\u{1b}"), "\"a \\\"b\\\" \\\\ c \"");
        let doc: toml::Table = toml::from_str(&format!("{} = {}", key("x.y"), q("\"q\"\n"))).unwrap();
        assert_eq!(doc["x.y"].as_str(), Some("\"q\"\n"));
    }
}
