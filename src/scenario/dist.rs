//! Checking a written distribution into a [`Dist`].

use std::collections::BTreeMap;
use std::ops::Range;

use toml::Spanned;

use super::Source;
use super::duration::parse_minutes;
use super::raw::RawDist;
use crate::error::{ScenarioError, ScenarioErrorKind as K};
use crate::model::Dist;

/// z of the 95th percentile of the standard normal: a 90% range is mu +- 1.6449 sigma.
const Z95: f64 = 1.644_853_626_951_472_2;

/// Most values an empirical distribution may list.
const MAX_EMPIRICAL: usize = 1_000_000;

const KINDS: &str = "fixed, uniform, triangular, pert, normal, lognormal, exponential, weibull, empirical";

/// Check `raw` (written at `span` in `src`) into a distribution of minutes.
pub fn distribution(src: &Source, raw: &Spanned<RawDist>) -> Result<Dist, ScenarioError> {
    let span = raw.span();
    match raw.get_ref() {
        RawDist::Text(t) => parse_minutes(t)
            .map(Dist::Fixed)
            .map_err(|m| src.error(K::BadDuration, span, m, None)),
        RawDist::Number(n) => Err(src.error(
            K::BadDuration,
            span,
            format!("duration {n} has no unit"),
            Some(format!("write it as a string with a unit, e.g. \"{n}m\" (units: s, m, h, d)")),
        )),
        RawDist::Table(t) => Table { src, span, t }.resolve(),
    }
}

struct Table<'a> {
    src: &'a Source,
    span: Range<usize>,
    t: &'a BTreeMap<String, Spanned<toml::Value>>,
}

impl Table<'_> {
    fn resolve(&self) -> Result<Dist, ScenarioError> {
        let Some(kind) = self.t.get("dist") else {
            return Err(self.src.error(
                K::BadDuration,
                self.span.clone(),
                "a distribution table needs `dist`".into(),
                Some(format!(
                    "e.g. {{ dist = \"lognormal\", median = \"10m\", sigma = 0.8 }}; kinds: {KINDS}"
                )),
            ));
        };
        let kind_name = match kind.get_ref() {
            toml::Value::String(s) => s.as_str(),
            _ => {
                return Err(self.src.error(
                    K::BadDuration,
                    kind.span(),
                    "`dist` must be a string".into(),
                    Some(format!("one of: {KINDS}")),
                ));
            }
        };
        let allowed: &[&str] = match kind_name {
            "fixed" => &["value"],
            "uniform" => &["min", "max"],
            "triangular" | "pert" => &["min", "mode", "max"],
            "normal" => &["mean", "sd"],
            "lognormal" => &["median", "sigma", "p5", "p95"],
            "exponential" => &["mean"],
            "weibull" => &["shape", "scale"],
            "empirical" => &["values"],
            other => {
                return Err(self.src.error(
                    K::BadDuration,
                    kind.span(),
                    format!("unknown distribution \"{other}\""),
                    Some(format!("use one of: {KINDS}")),
                ));
            }
        };
        for (k, v) in self.t {
            if k != "dist" && !allowed.contains(&k.as_str()) {
                return Err(self.src.error(
                    K::BadDuration,
                    v.span(),
                    format!("unknown field `{k}` for a {kind_name} distribution"),
                    Some(format!("a {kind_name} distribution takes: {}", allowed.join(", "))),
                ));
            }
        }
        let d = match kind_name {
            "fixed" => Dist::Fixed(self.minutes("value")?),
            "uniform" => {
                let (low, high) = (self.minutes("min")?, self.minutes("max")?);
                self.ordered("min", low, "max", high)?;
                Dist::Uniform { low, high }
            }
            "triangular" | "pert" => {
                let (min, mode, max) = (self.minutes("min")?, self.minutes("mode")?, self.minutes("max")?);
                self.ordered("min", min, "max", max)?;
                self.ordered("min", min, "mode", mode)?;
                self.ordered("mode", mode, "max", max)?;
                if kind_name == "triangular" {
                    Dist::Triangular { min, mode, max }
                } else {
                    let frac = if max > min { (mode - min) / (max - min) } else { 0.5 };
                    let alpha = 1.0 + 4.0 * frac;
                    Dist::Pert {
                        min,
                        mode,
                        max,
                        alpha,
                        beta: 6.0 - alpha,
                    }
                }
            }
            "normal" => Dist::Normal {
                mean: self.minutes("mean")?,
                sd: self.minutes("sd")?,
            },
            "lognormal" => self.lognormal()?,
            "exponential" => {
                let mean = self.minutes("mean")?;
                Dist::Exponential { mean }
            }
            "weibull" => {
                let shape = self.number("shape")?;
                if shape <= 0.0 {
                    return Err(self.at("shape", format!("weibull shape must be above 0, not {shape}"), None));
                }
                Dist::Weibull {
                    shape,
                    scale: self.minutes("scale")?,
                }
            }
            "empirical" => self.empirical()?,
            _ => unreachable!("kinds are matched above"),
        };
        Ok(d)
    }

    fn lognormal(&self) -> Result<Dist, ScenarioError> {
        let by_median = self.t.contains_key("median") || self.t.contains_key("sigma");
        let by_range = self.t.contains_key("p5") || self.t.contains_key("p95");
        if by_median && by_range {
            return Err(self.src.error(
                K::BadDuration,
                self.span.clone(),
                "a lognormal takes either `median` and `sigma`, or `p5` and `p95`, not both".into(),
                None,
            ));
        }
        if by_range {
            let (p5, p95) = (self.minutes("p5")?, self.minutes("p95")?);
            if p5 <= 0.0 {
                return Err(self.at("p5", "p5 of a lognormal must be above 0".into(), None));
            }
            if p95 <= p5 {
                return Err(self.at("p95", format!("p95 ({p95} min) must be above p5 ({p5} min)"), None));
            }
            let mu = 0.5 * (p5.ln() + p95.ln());
            let sigma = (p95.ln() - p5.ln()) / (2.0 * Z95);
            return Ok(Dist::LogNormal { mu, sigma });
        }
        let median = self.minutes("median")?;
        if median <= 0.0 {
            return Err(self.at("median", "median of a lognormal must be above 0".into(), None));
        }
        let sigma = self.number("sigma")?;
        if !(0.0..=10.0).contains(&sigma) {
            return Err(self.at(
                "sigma",
                format!("sigma must be between 0 and 10, not {sigma}"),
                Some("sigma is the standard deviation of ln(duration); 0.5 to 1.0 is typical".into()),
            ));
        }
        Ok(Dist::LogNormal { mu: median.ln(), sigma })
    }

    fn empirical(&self) -> Result<Dist, ScenarioError> {
        let v = self.get("values")?;
        let toml::Value::Array(items) = v.get_ref() else {
            return Err(self.src.error(
                K::BadDuration,
                v.span(),
                "`values` must be a list of durations, e.g. [\"12m\", \"15m\", \"31m\"]".into(),
                None,
            ));
        };
        if items.is_empty() {
            return Err(self.src.error(
                K::BadDuration,
                v.span(),
                "`values` of an empirical distribution is empty".into(),
                Some("list at least one measured duration".into()),
            ));
        }
        if items.len() > MAX_EMPIRICAL {
            return Err(self.src.error(
                K::BadDuration,
                v.span(),
                format!("`values` lists {} values; at most {MAX_EMPIRICAL} are allowed", items.len()),
                None,
            ));
        }
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let m = match item {
                toml::Value::String(s) => parse_minutes(s),
                other => Err(format!("{other} has no unit: write it as a string such as \"{other}m\"")),
            }
            .map_err(|m| {
                self.src
                    .error(K::BadDuration, v.span(), format!("value {} of `values`: {m}", i + 1), None)
            })?;
            out.push(m);
        }
        Ok(Dist::Empirical(out))
    }

    fn get(&self, key: &str) -> Result<&Spanned<toml::Value>, ScenarioError> {
        self.t.get(key).ok_or_else(|| {
            self.src.error(
                K::BadDuration,
                self.span.clone(),
                format!("missing field `{key}` in this distribution"),
                None,
            )
        })
    }

    fn at(&self, key: &str, msg: String, help: Option<String>) -> ScenarioError {
        let span = self.t.get(key).map(|v| v.span()).unwrap_or(self.span.clone());
        self.src.error(K::BadDuration, span, msg, help)
    }

    fn minutes(&self, key: &str) -> Result<f64, ScenarioError> {
        let v = self.get(key)?;
        match v.get_ref() {
            toml::Value::String(s) => parse_minutes(s).map_err(|m| self.src.error(K::BadDuration, v.span(), m, None)),
            toml::Value::Integer(_) | toml::Value::Float(_) => Err(self.src.error(
                K::BadDuration,
                v.span(),
                format!("`{key}` is a duration and needs a unit"),
                Some(format!("write it as a string, e.g. {key} = \"{}m\"", v.get_ref())),
            )),
            _ => Err(self.src.error(
                K::BadDuration,
                v.span(),
                format!("`{key}` must be a duration such as \"15m\""),
                None,
            )),
        }
    }

    fn number(&self, key: &str) -> Result<f64, ScenarioError> {
        let v = self.get(key)?;
        let x = match v.get_ref() {
            toml::Value::Integer(i) => *i as f64,
            toml::Value::Float(f) => *f,
            _ => return Err(self.src.error(K::BadDuration, v.span(), format!("`{key}` must be a number"), None)),
        };
        if !x.is_finite() {
            return Err(self
                .src
                .error(K::BadDuration, v.span(), format!("`{key}` must be a finite number, not {x}"), None));
        }
        Ok(x)
    }

    fn ordered(&self, a: &str, x: f64, b: &str, y: f64) -> Result<(), ScenarioError> {
        if x > y {
            return Err(self.at(
                b,
                format!("`{a}` ({x} minutes) is greater than `{b}` ({y} minutes)"),
                Some(format!("`{a}` must be at most `{b}`")),
            ));
        }
        Ok(())
    }
}
