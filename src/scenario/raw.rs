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
    /// What the plan promises (checked by `drillsim check`).
    pub expect: Option<Spanned<crate::objective::RawExpect>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawExercise {
    pub name: Option<Spanned<String>>,
    pub description: Option<String>,
    pub seed: Option<Spanned<i64>>,
    pub trials: Option<Spanned<i64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDetection {
    pub delay: Spanned<RawDist>,
    pub miss: Option<Spanned<f64>>,
    pub fallback: Option<Spanned<RawDist>>,
    pub page: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTeam {
    pub capacity: Spanned<i64>,
    pub escalation: Option<Spanned<RawEscalation>>,
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
    pub name: String,
    pub ack: Spanned<f64>,
    pub ack_delay: Spanned<RawDist>,
    pub timeout: Spanned<RawDist>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStep {
    pub id: Spanned<String>,
    pub title: Option<String>,
    pub team: Spanned<String>,
    pub after: Option<Vec<Spanned<String>>>,
    pub duration: Spanned<RawDist>,
    pub fail: Option<Spanned<f64>>,
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
