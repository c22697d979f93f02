//! `topology.toml`: the power feeds, the components on them, the business services, the stores
//! and one monitor, each field commented and every default marked `# placeholder`.

use std::fmt::Write as _;

use super::plan::{Plan, comment_text, key, list, q};

pub(super) fn topology(p: &Plan<'_>, ph: &mut Vec<String>) -> String {
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
