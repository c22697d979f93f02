//! The file as written: serde types that mirror the TOML, with positions kept.
//!
//! Nothing here is checked beyond TOML types and field names (`deny_unknown_fields`): the
//! rules live in `validate`, which turns these into the checked model.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, MapAccess, Visitor};
use toml::Spanned;

/// One TOML file: an exercise, or a part (teams, plan) that exercises include.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFile {
    /// Other files whose sections this one uses, relative to this file.
    pub include: Option<Vec<Spanned<String>>>,
    /// Name, description, default seed and trials (only in the exercise file).
    pub exercise: Option<Spanned<RawExercise>>,
    /// How the fault is noticed and who is paged.
    pub detection: Option<Spanned<RawDetection>>,
    /// Response teams by name.
    pub teams: Option<BTreeMap<Spanned<String>, Spanned<RawTeam>>>,
    /// The plan's steps, in order.
    pub step: Option<Vec<Spanned<RawStep>>>,
    /// Topology components by name.
    pub components: Option<BTreeMap<Spanned<String>, Spanned<RawComponent>>>,
    /// Business services by name.
    pub services: Option<BTreeMap<Spanned<String>, Spanned<RawService>>>,
    /// Data stores by name.
    pub stores: Option<BTreeMap<Spanned<String>, Spanned<RawStore>>>,
    /// Faults to inject.
    pub fault: Option<Vec<Spanned<RawFault>>>,
    /// Monitors that notice faults.
    pub monitor: Option<Vec<Spanned<RawMonitor>>>,
    /// Severity levels, lowest first.
    pub level: Option<Vec<Spanned<RawSeverity>>>,
    /// What the plan promises (checked by `drillsim check`).
    pub expect: Option<Spanned<RawExpect>>,
}

/// The `[expect]` section as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawExpect {
    /// One sentence per objective, e.g. `"recovery p95 <= 4h"`.
    pub objectives: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawExercise {
    pub name: Option<Spanned<String>>,
    pub description: Option<Spanned<String>>,
    pub seed: Option<Spanned<i64>>,
    pub trials: Option<Spanned<i64>>,
    pub horizon: Option<Spanned<RawDist>>,
    pub start: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDetection {
    pub delay: Option<Spanned<RawDist>>,
    pub miss: Option<Spanned<f64>>,
    pub fallback: Option<Spanned<RawDist>>,
    pub page: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTeam {
    pub capacity: Spanned<i64>,
    pub escalation: Option<Spanned<RawEscalation>>,
    pub off_hours: Option<Spanned<RawOffHours>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOffHours {
    pub from: Spanned<String>,
    pub to: Spanned<String>,
    pub slower: Spanned<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEscalation {
    pub level: Vec<Spanned<RawLevel>>,
    pub repeat: Option<Spanned<i64>>,
    pub last_resort: Spanned<RawDist>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLevel {
    pub name: Spanned<String>,
    pub ack: Spanned<f64>,
    pub ack_delay: Spanned<RawDist>,
    pub timeout: Spanned<RawDist>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStep {
    pub id: Spanned<String>,
    pub title: Option<Spanned<String>>,
    pub team: Spanned<String>,
    pub after: Option<Vec<Spanned<String>>>,
    pub duration: Spanned<RawDist>,
    pub fail: Option<Spanned<f64>>,
    pub when: Option<Spanned<RawWhen>>,
    pub effect: Option<Spanned<RawEffects>>,
    pub wait: Option<Spanned<RawWait>>,
}

/// A step's `effect` as written: one table, or a list of tables carried out in order.
#[derive(Debug)]
pub enum RawEffects {
    One(Box<RawEffect>),
    Many(Vec<Spanned<RawEffect>>),
}

impl<'de> Deserialize<'de> for RawEffects {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawEffects;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an effect such as { restart = \"app\" } or a list of them")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawEffects, A::Error> {
                RawEffect::deserialize(de::value::MapAccessDeserializer::new(map)).map(|e| RawEffects::One(Box::new(e)))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<RawEffects, A::Error> {
                let mut all = Vec::new();
                while let Some(e) = seq.next_element::<Spanned<RawEffect>>()? {
                    all.push(e);
                }
                Ok(RawEffects::Many(all))
            }
        }
        d.deserialize_any(V)
    }
}

/// What a `restart` or `repair` acts on: one component by name, or a set.
#[derive(Debug)]
pub enum RawTarget {
    Name(String),
    Set(RawSet),
}

/// A set of components: `{ compromised = true }` or `{ on_feed = "feed-a" }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSet {
    pub compromised: Option<Spanned<bool>>,
    pub on_feed: Option<Spanned<String>>,
}

impl<'de> Deserialize<'de> for RawTarget {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawTarget;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a component's name, or a set such as { compromised = true } or { on_feed = \"feed-a\" }")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawTarget, E> {
                Ok(RawTarget::Name(v.to_string()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawTarget, A::Error> {
                RawSet::deserialize(de::value::MapAccessDeserializer::new(map)).map(RawTarget::Set)
            }
        }
        d.deserialize_any(V)
    }
}

/// A step's `wait` as written: facts that must all hold, and `any` for alternatives.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWait {
    pub up: Option<Spanned<String>>,
    pub down: Option<Spanned<String>>,
    pub powered: Option<Spanned<String>>,
    pub contained: Option<Spanned<bool>>,
    pub restored: Option<Spanned<String>>,
    pub lost: Option<Spanned<String>>,
    pub service_up: Option<Spanned<String>>,
    pub service_down: Option<Spanned<String>>,
    pub any: Option<Spanned<Vec<Spanned<RawWait>>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWhen {
    pub fault: Option<Spanned<String>>,
    pub level: Option<Spanned<String>>,
    pub down: Option<Spanned<String>>,
    pub up: Option<Spanned<String>>,
    pub lost: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEffect {
    pub failover: Option<Spanned<String>>,
    pub fail_back: Option<Spanned<String>>,
    pub contain: Option<Spanned<bool>>,
    pub isolate: Option<Spanned<String>>,
    pub restore: Option<Spanned<String>>,
    pub restore_power: Option<Spanned<String>>,
    pub move_load: Option<Spanned<RawMoveLoad>>,
    pub restart: Option<Spanned<RawTarget>>,
    pub repair: Option<Spanned<RawTarget>>,
    pub reopen: Option<Spanned<String>>,
    pub publish: Option<Spanned<String>>,
    pub declare_end: Option<Spanned<bool>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMoveLoad {
    pub from: Spanned<String>,
    pub to: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawComponent {
    pub kind: Spanned<String>,
    pub description: Option<Spanned<String>>,
    pub needs: Option<Vec<Spanned<String>>>,
    pub power: Option<Spanned<String>>,
    pub restart: Option<Spanned<String>>,
    pub standby: Option<Spanned<String>>,
    pub failover: Option<Spanned<RawFailover>>,
    pub replicas: Option<Vec<Spanned<String>>>,
    pub min_up: Option<Spanned<i64>>,
    pub ups: Option<Spanned<String>>,
    pub generator: Option<Spanned<String>>,
    pub battery: Option<Spanned<RawDist>>,
    pub start: Option<Spanned<f64>>,
    pub start_delay: Option<Spanned<RawDist>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFailover {
    pub delay: Spanned<RawDist>,
    pub fail: Option<Spanned<f64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawService {
    pub description: Option<Spanned<String>>,
    pub needs: Vec<Spanned<String>>,
    pub rto: Option<Spanned<RawDist>>,
    pub reopen: Option<Spanned<bool>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStore {
    pub description: Option<Spanned<String>>,
    pub component: Option<Spanned<String>>,
    pub backup_interval: Option<Spanned<RawDist>>,
    pub restore: Option<Spanned<RawDist>>,
    pub bad_backup: Option<Spanned<f64>>,
    pub keep: Option<Spanned<i64>>,
    pub replication_lag: Option<Spanned<RawDist>>,
    pub rpo: Option<Spanned<RawDist>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFault {
    pub id: Spanned<String>,
    pub kind: Spanned<String>,
    pub target: Spanned<String>,
    pub at: Option<Spanned<RawDist>>,
    pub mode: Option<Spanned<String>>,
    pub spread: Option<Spanned<RawDist>>,
    pub leak_rate: Option<Spanned<f64>>,
    pub leak_unit: Option<Spanned<String>>,
    pub encrypt: Option<Vec<Spanned<String>>>,
    pub disrupt: Option<Spanned<bool>>,
    pub outage: Option<Spanned<RawDist>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMonitor {
    pub name: Spanned<String>,
    pub sees: Option<Vec<Spanned<String>>>,
    pub watches: Option<Spanned<RawWatch>>,
    pub delay: Spanned<RawDist>,
    pub miss: Option<Spanned<f64>>,
}

/// What a symptom monitor watches, as written: one of the three.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWatch {
    pub service_down: Option<Spanned<String>>,
    pub down: Option<Spanned<String>>,
    pub lost: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSeverity {
    pub name: Spanned<String>,
    pub services_down: Option<Spanned<i64>>,
    pub service_down: Option<Vec<Spanned<String>>>,
    pub leaked: Option<Spanned<f64>>,
    pub data_loss: Option<Spanned<bool>>,
    pub compromised: Option<Spanned<i64>>,
    pub page: Option<Vec<Spanned<String>>>,
}

/// A distribution as written: a duration string ("15m", fixed) or a table
/// `{ dist = "lognormal", median = "10m", sigma = 0.8 }` whose entries keep their positions.
#[derive(Debug)]
pub enum RawDist {
    /// A plain value: a fixed duration.
    Text(String),
    /// A number with no unit (an error, reported with a hint).
    Number(f64),
    /// `dist = ...` and its parameters.
    Table(BTreeMap<String, Spanned<toml::Value>>),
}

impl<'de> Deserialize<'de> for RawDist {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawDist;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a duration such as \"15m\" or a table such as { dist = \"lognormal\", median = \"10m\", sigma = 0.8 }")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawDist, E> {
                Ok(RawDist::Text(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawDist, E> {
                Ok(RawDist::Number(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawDist, E> {
                Ok(RawDist::Number(v as f64))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<RawDist, E> {
                Ok(RawDist::Number(v))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawDist, A::Error> {
                let mut out = BTreeMap::new();
                while let Some(k) = map.next_key::<String>()? {
                    let v: Spanned<toml::Value> = map.next_value()?;
                    if out.insert(k.clone(), v).is_some() {
                        return Err(de::Error::custom(format!("`{k}` is given twice")));
                    }
                }
                Ok(RawDist::Table(out))
            }
        }
        d.deserialize_any(V)
    }
}
