//! An inventory written out as an exercise folder: `topology.toml`, `teams.toml`, `plan.toml`
//! and one exercise per fault kind, every field with a comment saying what it does, every
//! value the source could not give marked `# placeholder` and listed.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::PathBuf;

use super::{Folder, Inventory, Item};

/// The power feed written when no component is hosted by a region or zone.
const MAIN_FEED: &str = "main-feed";

/// A TOML basic string.
fn q(s: &str) -> String {
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
fn key(s: &str) -> String {
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        s.to_string()
    } else {
        q(s)
    }
}

/// A TOML list of strings.
fn list<S: AsRef<str>>(v: &[S]) -> String {
    let items: Vec<String> = v.iter().map(|s| q(s.as_ref())).collect();
    format!("[{}]", items.join(", "))
}

/// A free-text line for a comment (no line breaks, no control characters).
fn comment_text(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

/// Who does what and where the faults land, decided once for every file.
struct Plan<'a> {
    inv: &'a Inventory,
    /// Non-feed components in inventory order, with the feed (or zone) each sits on.
    hosts: Vec<(&'a Item, String)>,
    /// Feeds: zones and regions from the source, or [`MAIN_FEED`].
    feeds: Vec<String>,
    main_feed: bool,
    /// The power feed's name when there is one ([`MAIN_FEED`], or a variant if that is taken).
    main_name: String,
    /// Stores: name, component, from the source or a placeholder.
    stores: Vec<(String, String, bool)>,
    /// Business services: name, description, needs, origin.
    services: Vec<Service>,
    teams: Vec<String>,
    paged: String,
    failure_target: &'a Item,
    attack_target: &'a Item,
    power_target: String,
    data_target: String,
}

/// A business service as written: name, description, needs, origin.
type Service = (String, String, Vec<String>, String);

fn plan(inv: &Inventory) -> Result<Plan<'_>, String> {
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
fn hosts_and_feeds<'a>(
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
fn services(
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
fn teams_and_paged(inv: &Inventory, hosts: &[(&Item, String)]) -> (Vec<String>, String) {
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
    fn owner(&self, component: &str) -> &str {
        self.hosts
            .iter()
            .find(|h| h.0.name == component)
            .and_then(|h| h.0.owner.as_deref())
            .filter(|o| self.teams.iter().any(|t| t == o))
            .unwrap_or(&self.paged)
    }
}

/// The folder for `inv`: its files and the placeholders to review. An error says why the
/// inventory cannot make a scenario (nothing to run).
pub fn render(inv: &Inventory) -> Result<Folder, String> {
    let p = plan(inv)?;
    let mut ph: Vec<String> = Vec::new();
    let files = vec![
        (PathBuf::from("topology.toml"), topology(&p, &mut ph)),
        (PathBuf::from("teams.toml"), teams(&p, &mut ph)),
        (PathBuf::from("plan.toml"), steps(&p, &mut ph)),
    ];
    let mut folder = Folder {
        files,
        ..Folder::default()
    };
    for (file, text) in exercises(&p, &mut ph) {
        folder.exercises.push(file.clone());
        folder.files.push((file, text));
    }
    folder.placeholders = ph;
    folder.services = p.services.len();
    Ok(folder)
}

fn topology(p: &Plan<'_>, ph: &mut Vec<String>) -> String {
    let mut t = String::new();
    let _ = writeln!(
        t,
        "# The world the plan acts on, written by `drillsim init` from {}.\n\
         # Components are what can fail; business services are what users use; stores hold the\n\
         # data that backups protect. Values marked `# placeholder` are not in the source: each is\n\
         # a sensible default to replace with what you know. docs/topology.md explains every field.\n\
         #\n\
         # Fields a component may also take (see docs/topology.md): standby = \"<component>\" and\n\
         # failover = {{ delay = \"3m\", fail = 0.1 }} (a standby that takes over), replicas = [...]\n\
         # and min_up = 1 (a group up while min_up replicas serve).",
        p.inv.source
    );
    topology_power(&mut t, p, ph);
    topology_components(&mut t, p, ph);
    topology_business_services(&mut t, p, ph);
    topology_stores(&mut t, p, ph);
    topology_monitor(&mut t, ph);
    t
}

/// The power section: the main feed (a placeholder) and the source's zones and regions.
fn topology_power(t: &mut String, p: &Plan<'_>, ph: &mut Vec<String>) {
    t.push_str("\n# --- power and hosting --------------------------------------------------------------\n");
    if p.main_feed {
        let on = p.hosts.iter().filter(|h| h.1 == p.main_name).count();
        let who = if on == p.hosts.len() {
            "every component sits".to_string()
        } else {
            format!("{on} component(s) not in a zone sit")
        };
        ph.push(format!(
            "topology.toml: power: {who} on one feed `{}` with no UPS or generator; split it to match your halls, or host components in a `zone`",
            p.main_name
        ));
        let _ = writeln!(
            t,
            "[components.{}]\n\
             kind = \"power_feed\"            # utility power; a power_loss fault cuts it for its `outage`\n\
             description = \"Utility power of every component (placeholder: the source names no power)\"   # shown in reports\n\
             # ups = \"ups-1\"               # a UPS (kind = \"ups\", battery = \"15m\") carries the load for its battery time\n\
             # generator = \"gen-1\"         # a generator (kind = \"generator\", start = 0.9) carries it until power returns",
            key(&p.main_name)
        );
    }
    for c in p.inv.components.iter().filter(|c| c.kind.is_feed()) {
        let _ = writeln!(
            t,
            "\n[components.{}]\n\
             kind = {}                   # a cloud {}: gives power and network to what it hosts (power = {}); a zone outage is a power_loss or failure of it\n\
             description = {}            # {}",
            key(&c.name),
            q(c.kind.name()),
            c.kind.words(),
            q(&c.name),
            q(&comment_text(&c.description)),
            comment_text(&c.origin)
        );
    }
}

/// The components that run: kind, needs, power and restart policy.
fn topology_components(t: &mut String, p: &Plan<'_>, ph: &mut Vec<String>) {
    t.push_str("\n# --- components ---------------------------------------------------------------------\n");
    let is_feed = |n: &str| p.feeds.iter().any(|f| f == n);
    let mut manual = Vec::new();
    let mut auto = 0;
    for (c, feed) in &p.hosts {
        let needs: Vec<&String> = c.needs.iter().filter(|n| !is_feed(n)).collect();
        let _ = writeln!(t, "\n# {}", comment_text(&c.origin));
        let _ = writeln!(t, "[components.{}]", key(&c.name));
        let _ = writeln!(t, "kind = {:<22} # what it is: decides which fields apply", q(c.kind.name()));
        if !c.description.is_empty() {
            let _ = writeln!(t, "description = {}   # shown in reports", q(&comment_text(&c.description)));
        }
        if !needs.is_empty() {
            let _ = writeln!(t, "needs = {}   # down while any of these does not serve", list(&needs));
        }
        let host_word = if *feed == p.main_name {
            "the power feed it sits on"
        } else {
            "the zone that hosts it"
        };
        let _ = writeln!(t, "power = {}   # {host_word}", q(feed));
        let (restart, why) = match c.auto_restart {
            Some(true) => ("auto", "from the source's restart policy"),
            Some(false) => ("manual", "from the source's restart policy"),
            None if c.holds_data => {
                manual.push(c.name.clone());
                ("manual", "placeholder: a data component is restarted by hand after checks")
            }
            None => {
                auto += 1;
                ("auto", "placeholder: comes back by itself when power returns")
            }
        };
        let _ = writeln!(t, "restart = {:<19} # {why}", q(restart));
    }
    if auto > 0 || !manual.is_empty() {
        ph.push(format!(
            "topology.toml: restart after a power loss: \"auto\" for {auto} stateless component(s), \"manual\" for {}",
            if manual.is_empty() { "none".to_string() } else { manual.join(", ") }
        ));
    }
}

/// The business services, each with a placeholder recovery time objective.
fn topology_business_services(t: &mut String, p: &Plan<'_>, ph: &mut Vec<String>) {
    t.push_str("\n# --- business services: what users use -------------------------------------------------\n");
    for (name, desc, needs, origin) in &p.services {
        let _ = writeln!(t, "\n# {}", comment_text(origin));
        let _ = writeln!(t, "[services.{}]", key(name));
        if !desc.is_empty() {
            let _ = writeln!(t, "description = {}   # shown in reports", q(&comment_text(desc)));
        }
        let _ = writeln!(t, "needs = {}   # up while all of these serve", list(needs));
        let _ = writeln!(
            t,
            "rto = \"4h\"                     # placeholder: recovery time objective, the longest outage allowed"
        );
        let _ = writeln!(
            t,
            "# reopen = true                 # after an outage, stay down until a step reopens it"
        );
    }
    ph.push(format!(
        "topology.toml: rto = \"4h\" for every business service ({})",
        p.services.iter().map(|s| s.0.as_str()).collect::<Vec<_>>().join(", ")
    ));
}

/// The data stores and their backups, all placeholders but the component.
fn topology_stores(t: &mut String, p: &Plan<'_>, ph: &mut Vec<String>) {
    t.push_str("\n# --- data stores and their backups ---------------------------------------------------\n");
    for (name, comp, from_source) in &p.stores {
        if !from_source {
            ph.push(format!(
                "topology.toml: store `{name}` on `{comp}`: the source names no database; say where your data lives"
            ));
            t.push_str("\n# placeholder: the source names no database; this store stands for the data of the most\n# depended-on component. Put it on the component that holds your data.\n");
        }
        let _ = writeln!(
            t,
            "\n[stores.{}]\n\
             component = {}   # the component holding it: it stops serving while the data is lost\n\
             backup_interval = \"24h\"        # placeholder: a backup every 24h (no backup_interval: no backups)\n\
             restore = {{ dist = \"lognormal\", median = \"1h\", sigma = 0.5 }}   # placeholder: time a restore takes, added to the restoring step\n\
             bad_backup = 0.02              # placeholder: chance any one backup is corrupt\n\
             keep = 14                      # placeholder: backups kept\n\
             rpo = \"24h\"                    # placeholder: recovery point objective, the most writes the plan may lose",
            key(name),
            q(comp)
        );
        ph.push(format!(
            "topology.toml: store `{name}`: backup every 24h, restore ~1h, 2% bad backups, 14 kept, rpo 24h"
        ));
    }
}

/// How faults are noticed: one placeholder monitor that sees every fault kind.
fn topology_monitor(t: &mut String, ph: &mut Vec<String>) {
    t.push_str("\n# --- how faults are noticed ------------------------------------------------------------\n");
    let _ = writeln!(
        t,
        "[[monitor]]\n\
         name = \"alerting\"              # its name in traces\n\
         sees = [\"failure\", \"attack\", \"power_loss\", \"data_loss\"]   # fault kinds it can notice\n\
         delay = {{ dist = \"lognormal\", median = \"5m\", sigma = 0.6 }}  # placeholder: fault to alert\n\
         miss = 0.05                    # placeholder: chance it misses a fault it could see\n\
         # A symptom monitor alerts on a state instead: watches = {{ service_down = \"<service>\" }}"
    );
    ph.push("topology.toml: monitor `alerting`: alerts ~5m after any fault, misses 5%".into());
}

fn teams(p: &Plan<'_>, ph: &mut Vec<String>) -> String {
    let mut t = String::new();
    let _ = writeln!(
        t,
        "# The response teams, written by `drillsim init` from {}.\n\
         # A team works on `capacity` steps at once; the team paged first has an escalation\n\
         # policy (who is paged, how likely and how fast they acknowledge, when the page moves\n\
         # on). Other teams join when the first responder acknowledges (or when a severity level\n\
         # with `page = [...]` pages them).",
        p.inv.source
    );
    for team in &p.teams {
        let _ = writeln!(t, "\n[teams.{}]", key(team));
        if *team == p.paged {
            let _ = writeln!(
                t,
                "capacity = 2                   # placeholder: steps the team works on at once\n\
                 # off_hours = {{ from = \"22:00\", to = \"07:00\", slower = 1.3 }}   # slower at night\n\
                 \n\
                 [teams.{k}.escalation]\n\
                 repeat = 1                     # placeholder: times the list is paged again after its last level\n\
                 last_resort = \"30m\"            # placeholder: someone acknowledges this long after the last page at worst\n\
                 \n\
                 [[teams.{k}.escalation.level]]\n\
                 name = \"primary on-call\"      # who is paged at this level\n\
                 ack = 0.9                      # placeholder: chance the page is acknowledged\n\
                 ack_delay = {{ dist = \"lognormal\", median = \"5m\", sigma = 0.6 }}   # placeholder: page to acknowledgement\n\
                 timeout = \"15m\"                # placeholder: unacknowledged this long, the next level is paged\n\
                 \n\
                 [[teams.{k}.escalation.level]]\n\
                 name = \"secondary on-call\"    # paged when the primary does not acknowledge in time\n\
                 ack = 0.9                      # placeholder\n\
                 ack_delay = {{ dist = \"lognormal\", median = \"8m\", sigma = 0.6 }}   # placeholder\n\
                 timeout = \"15m\"                # placeholder",
                k = key(team)
            );
        } else {
            let _ = writeln!(t, "capacity = 1                   # placeholder: steps the team works on at once");
        }
    }
    ph.push(format!(
        "teams.toml: capacity 2 for `{}` (paged first: primary then secondary on-call, 90% ack, ~5m and ~8m, 15m timeouts), 1 for the other teams",
        p.paged
    ));
    t
}

/// One step's TOML.
struct Step<'a> {
    id: &'a str,
    title: &'a str,
    team: &'a str,
    after: Vec<&'a str>,
    when: Option<String>,
    wait: Option<String>,
    duration: &'a str,
    effect: Option<String>,
}

fn step(t: &mut String, s: &Step<'_>) {
    let _ = writeln!(
        t,
        "\n[[step]]\nid = {}   # its name: `after` lists, traces and reports use it\ntitle = {}   # what is done, in words",
        q(s.id),
        q(s.title)
    );
    let _ = writeln!(
        t,
        "team = {}   # who does it (waits for a free slot of the team's capacity)",
        q(s.team)
    );
    if !s.after.is_empty() {
        let _ = writeln!(t, "after = {}   # starts when these are done (or skipped)", list(&s.after));
    }
    if let Some(w) = &s.when {
        let _ = writeln!(t, "when = {w}   # looked at once when ready: false, the step is skipped");
    }
    if let Some(w) = &s.wait {
        let _ = writeln!(t, "wait = {w}   # held back until this holds");
    }
    let _ = writeln!(t, "duration = {}   # placeholder: how long the work takes", s.duration);
    if let Some(e) = &s.effect {
        let _ = writeln!(t, "effect = {e}   # what it does to the world when it finishes");
    }
}

fn steps(p: &Plan<'_>, ph: &mut Vec<String>) -> String {
    let mut t = String::new();
    let _ = writeln!(
        t,
        "# The plan, written by `drillsim init` from {}.\n\
         # What each team does, in which order. Shared by every exercise in this folder; a\n\
         # step with `when = {{ fault = ... }}` applies only to exercises with that kind of fault,\n\
         # and is skipped at once in the others.",
        p.inv.source
    );
    detection_and_levels(&mut t, p);
    let last = response_steps(&mut t, p);
    closing_steps(&mut t, p, &last);
    ph.push(
        "plan.toml: every step's duration (triage ~10m, repair ~45m, contain ~40m, rebuild ~1h, restart ~15m, restore ~15m plus the store's restore, verify ~15m); customer reports after ~1h"
            .into(),
    );
    t
}

/// `[detection]` and the two severity levels.
fn detection_and_levels(t: &mut String, p: &Plan<'_>) {
    let _ = writeln!(
        t,
        "\n[detection]\n\
         fallback = {{ dist = \"lognormal\", median = \"1h\", sigma = 0.7 }}   # placeholder: customers report what no monitor saw\n\
         page = {}   # the team the first alert pages",
        q(&p.paged)
    );
    let _ = writeln!(
        t,
        "\n# Severity levels: the first applies to every incident; a later one when its rule holds.\n\
         [[level]]\n\
         name = \"minor\"               # a level's name; steps may wait for it with when = {{ level = ... }}\n\
         \n\
         [[level]]\n\
         name = \"major\"               # reached when a rule below holds\n\
         services_down = {}   # this many business services down at once\n\
         data_loss = true     # or any store's data lost\n\
         # page = [\"<team>\"]  # teams paged when the incident reaches this level",
        p.services.len().min(2)
    );
}

/// Triage, then one step per fault kind and one restore per store, each applying only where
/// its fault is; returns the steps `verify` waits for.
fn response_steps(t: &mut String, p: &Plan<'_>) -> Vec<String> {
    let fail = &p.failure_target.name;
    let repair_id = format!("repair-{fail}");
    let repair_title = format!("Find and repair what broke {fail}");
    let restart_title = format!("Restart what did not come back by itself on {}", p.power_target);
    let triage = Step {
        id: "triage",
        title: "Collect symptoms and scope, open the incident",
        team: &p.paged,
        after: vec![],
        when: None,
        wait: None,
        duration: "{ dist = \"triangular\", min = \"5m\", mode = \"10m\", max = \"25m\" }",
        effect: None,
    };
    step(t, &triage);
    step(
        t,
        &Step {
            id: &repair_id,
            title: &repair_title,
            team: p.owner(fail),
            after: vec!["triage"],
            when: Some(format!("{{ fault = \"failure\", down = {} }}", q(fail))),
            wait: None,
            duration: "{ dist = \"lognormal\", median = \"45m\", sigma = 0.6 }",
            effect: Some(format!("{{ repair = {} }}", q(fail))),
        },
    );
    step(
        t,
        &Step {
            id: "contain",
            title: "Stop the intruder spreading",
            team: &p.paged,
            after: vec!["triage"],
            when: Some("{ fault = \"attack\" }".into()),
            wait: None,
            duration: "{ dist = \"lognormal\", median = \"40m\", sigma = 0.6 }",
            effect: Some("{ contain = true }".into()),
        },
    );
    step(
        t,
        &Step {
            id: "clean-compromised",
            title: "Rebuild every host the intruder reached",
            team: &p.paged,
            after: vec!["contain"],
            when: Some("{ fault = \"attack\" }".into()),
            wait: None,
            duration: "{ dist = \"lognormal\", median = \"1h\", sigma = 0.5 }",
            effect: Some("{ repair = { compromised = true } }".into()),
        },
    );
    step(
        t,
        &Step {
            id: "restart-after-power",
            title: &restart_title,
            team: &p.paged,
            after: vec!["triage"],
            when: Some("{ fault = \"power_loss\" }".into()),
            wait: Some(format!("{{ powered = {} }}", q(&p.power_target))),
            duration: "{ dist = \"lognormal\", median = \"15m\", sigma = 0.5 }",
            effect: Some(format!("{{ restart = {{ on_feed = {} }} }}", q(&p.power_target))),
        },
    );
    let mut last: Vec<String> = vec![repair_id.clone(), "clean-compromised".into(), "restart-after-power".into()];
    let restores: Vec<(String, String, String)> = p
        .stores
        .iter()
        .map(|(s, c, _)| {
            (
                format!("restore-{s}"),
                format!("Restore {s} from the newest good backup"),
                c.clone(),
            )
        })
        .collect();
    for ((id, title, comp), (store, _, _)) in restores.iter().zip(&p.stores) {
        step(
            t,
            &Step {
                id,
                title,
                team: p.owner(comp),
                after: vec!["triage", "contain"],
                when: Some(format!("{{ lost = {} }}", q(store))),
                wait: None,
                duration: "{ dist = \"lognormal\", median = \"15m\", sigma = 0.4 }",
                effect: Some(format!("{{ restore = {} }}", q(store))),
            },
        );
        last.push(id.clone());
    }
    last
}

/// `verify` after every response step, then `declare-end`.
fn closing_steps(t: &mut String, p: &Plan<'_>, last: &[String]) {
    let last_refs: Vec<&str> = last.iter().map(String::as_str).collect();
    step(
        t,
        &Step {
            id: "verify",
            title: "Check that every business service works again",
            team: &p.paged,
            after: last_refs,
            when: None,
            wait: None,
            duration: "{ dist = \"lognormal\", median = \"15m\", sigma = 0.4 }",
            effect: None,
        },
    );
    step(
        t,
        &Step {
            id: "declare-end",
            title: "Declare the end of the incident",
            team: &p.paged,
            after: vec!["verify"],
            when: None,
            wait: None,
            duration: "\"5m\"",
            effect: Some("{ declare_end = true }".into()),
        },
    );
}

fn exercises(p: &Plan<'_>, ph: &mut Vec<String>) -> Vec<(PathBuf, String)> {
    let name = &p.inv.name;
    let head = |kind: &str, what: String| {
        format!(
            "# Exercise: {what}.\n\
             # Written by `drillsim init` from {}; run it with `drillsim run {kind}.toml`,\n\
             # replay one trial with `drillsim trace {kind}.toml --trial 0`, and check the objectives\n\
             # of the whole folder with `drillsim check .`.\n\
             include = [\"topology.toml\", \"teams.toml\", \"plan.toml\"]   # the shared parts\n\
             \n\
             [exercise]\n\
             name = {}   # the exercise's name in reports\n\
             description = {}   # shown in reports\n\
             seed = 1                       # same seed, same numbers\n\
             start = \"any\"                  # the fault comes at any hour (off-hours slow teams down)\n",
            p.inv.source,
            q(&format!("{name}-{kind}")),
            q(&what)
        )
    };
    let rto_objectives: Vec<String> = p.services.iter().map(|s| format!("services.{} rto_met >= 95%", s.0)).collect();
    let expect = |extra: &[String]| {
        let mut all = vec!["recovery p95 <= 8h".to_string()];
        all.extend(rto_objectives.iter().cloned());
        all.extend(extra.iter().cloned());
        let lines: Vec<String> = all.iter().map(|o| format!("  {},", q(o))).collect();
        format!(
            "\n# What the plan promises, checked by `drillsim check` (exit 1 when missed).\n\
             # placeholder: recovery within 8h in 95% of trials, and every RTO in 95%.\n\
             [expect]\nobjectives = [   # one sentence each: measure, statistic, comparison, threshold\n{}\n]\n",
            lines.join("\n")
        )
    };
    let fail = &p.failure_target.name;
    let mut out = Vec::new();
    let mut t = head("failure", format!("{fail} fails"));
    let _ = writeln!(
        t,
        "\n[[fault]]\n\
         id = \"{}-fails\"   # its name in traces and reports\n\
         kind = \"failure\"               # a component goes down until a step repairs it\n\
         target = {}   # where it strikes\n\
         mode = \"crash\"                 # shown in traces (bad deploy, disk full, ...)\n\
         at = \"0m\"                      # when, from the start of the exercise",
        fail.replace(|c: char| !c.is_ascii_alphanumeric() && c != '-' && c != '_', "-"),
        q(fail)
    );
    t.push_str(&expect(&[]));
    out.push((PathBuf::from("failure.toml"), t));

    let atk = &p.attack_target.name;
    let mut t = head("attack", format!("an intruder lands on {atk} and encrypts {}", p.data_target));
    let _ = writeln!(
        t,
        "\n[[fault]]\n\
         id = \"intrusion\"   # its name in traces and reports\n\
         kind = \"attack\"                # an intruder lands and spreads along dependencies\n\
         target = {}   # where it strikes\n\
         spread = {{ dist = \"lognormal\", median = \"40m\", sigma = 0.8 }}   # placeholder: time to cross one dependency\n\
         leak_rate = 1.0                # placeholder: volume leaked per hour until contained\n\
         leak_unit = \"GB\"              # the unit of leak_rate, shown in reports\n\
         encrypt = [{}]                 # stores encrypted when the intruder reaches their component\n\
         disrupt = false                # true: what it reaches goes down (a wiper)",
        q(atk),
        q(&p.data_target)
    );
    t.push_str(&expect(&[]));
    out.push((PathBuf::from("attack.toml"), t));

    let feed = &p.power_target;
    let mut t = head("power-loss", format!("{feed} loses power"));
    let _ = writeln!(
        t,
        "\n[[fault]]\n\
         id = \"outage\"   # its name in traces and reports\n\
         kind = \"power_loss\"            # the feed (or zone) loses power; what sits on it goes down\n\
         target = {}   # where it strikes\n\
         outage = {{ dist = \"lognormal\", median = \"2h\", sigma = 0.5 }}   # placeholder: until power returns",
        q(feed)
    );
    t.push_str(&expect(&[]));
    out.push((PathBuf::from("power-loss.toml"), t));

    let store = &p.data_target;
    let mut t = head("data-loss", format!("the data of {store} is deleted"));
    let _ = writeln!(
        t,
        "\n[[fault]]\n\
         id = \"data-deleted\"   # its name in traces and reports\n\
         kind = \"data_loss\"             # a store's data is corrupted or deleted\n\
         target = {}   # the store that loses its data\n\
         mode = \"deleted by a faulty job\"   # shown in traces",
        q(store)
    );
    t.push_str(&expect(&[format!("stores.{store} rpo_met >= 95%")]));
    out.push((PathBuf::from("data-loss.toml"), t));
    ph.push(format!(
        "exercises: faults at 0m; attack spread ~40m per dependency, 1 GB/h leaked; outage of `{feed}` ~2h; objectives recovery p95 <= 8h and every RTO in 95% of trials"
    ));
    out
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
