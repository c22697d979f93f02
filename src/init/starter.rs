//! The inventory `drillsim init DIR` starts from when no source is given: a small online shop
//! (a load balancer, web and app tiers, a cache, a database, a core network), owned by two
//! teams, so that every field of the format appears once with its comment.

use super::{Business, Inventory, Item};
use crate::model::ComponentKind as C;

fn item(name: &str, kind: C, description: &str, needs: &[&str], owner: &str) -> Item {
    Item {
        name: name.into(),
        kind,
        description: description.into(),
        needs: needs.iter().map(|s| s.to_string()).collect(),
        owner: Some(owner.into()),
        origin: format!("{name}: a {} of the starter shop; rename it after yours", kind.words()),
        auto_restart: None,
        holds_data: super::kinds::holds_data(kind),
    }
}

/// The starter shop, with exercises named `name-<fault kind>`.
pub fn starter(name: &str) -> Inventory {
    Inventory {
        source: "the starter template".into(),
        name: name.into(),
        components: vec![
            item("core-net", C::Network, "Core switches", &[], "ops"),
            item(
                "lb",
                C::LoadBalancer,
                "Load balancer in front of the web tier",
                &["core-net"],
                "ops",
            ),
            item("web", C::Service, "Web front end", &["lb", "app"], "dev"),
            item("app", C::Service, "Application servers", &["core-net", "cache", "db"], "dev"),
            item("cache", C::Cache, "Session and page cache", &["core-net"], "dev"),
            item("db", C::Database, "Orders database", &["core-net"], "ops"),
        ],
        teams: vec!["ops".into(), "dev".into()],
        services: vec![Business {
            name: "shop".into(),
            description: "The online shop customers use".into(),
            needs: vec!["web".into()],
            origin: "shop: the business service users see; name yours".into(),
        }],
        passed_over: Vec::new(),
    }
}
