//! Teams: capacity, escalation policy and off hours.

use std::collections::HashMap;
use std::ops::Range;

use toml::Spanned;

use super::exercise::clock;
use super::names::{Named, collect_named, no_effect, probability, too_many};
use super::raw::{RawEscalation, RawTeam};
use super::{Part, Source, dist};
use crate::error::{ScenarioError, ScenarioErrorKind as K};
use crate::model::limits::{MAX_CAPACITY, MAX_ESCALATION_LEVELS, MAX_REPEAT, MAX_TEAMS};
use crate::model::{Clock, Dist, Escalation, EscalationLevel, Level, OffHours, StreamKey, Team};

/// The checked teams, in name order, and which of them can be paged.
pub(super) struct Teams<'a> {
    pub teams: Vec<Team>,
    /// Per team: whether it has an escalation policy.
    pub has_escalation: Vec<bool>,
    /// Per team: where its escalation policy is written.
    escalation_at: Vec<Option<(&'a Source, Range<usize>)>>,
}

impl Teams<'_> {
    /// An escalation policy is used only when its team is paged (by `[detection] page` or a
    /// level's `page`); one that nothing pages is an error.
    pub fn every_policy_paged(&self, first_responder: usize, levels: &[Level]) -> Result<(), ScenarioError> {
        let mut paged = vec![false; self.teams.len()];
        paged[first_responder] = true;
        for l in levels {
            for &t in &l.page {
                paged[t] = true;
            }
        }
        for (i, at) in self.escalation_at.iter().enumerate() {
            if let (Some((src, span)), false) = (at, paged[i]) {
                return Err(no_effect(
                    src,
                    span.clone(),
                    format!("team \"{}\" has an escalation policy but nothing pages it", self.teams[i].name),
                    "page the team from [detection] page or a [[level]]'s page, or remove its `escalation`",
                ));
            }
        }
        Ok(())
    }

    /// Team name to index.
    pub fn index(&self) -> HashMap<&str, usize> {
        self.teams.iter().enumerate().map(|(i, t)| (t.name.as_str(), i)).collect()
    }
}

/// Teams from every part; a name defined twice is an error naming both places.
pub(super) fn teams(parts: &[Part], start: Option<Clock>) -> Result<Teams<'_>, ScenarioError> {
    let main = &parts.last().expect("the exercise file is the last part").src;
    let raw_teams = collect_named(parts, |r| r.teams.as_ref(), "team")?;
    if raw_teams.is_empty() {
        return Err(main.whole(
            K::Missing,
            "no teams are defined".into(),
            Some("add a [teams.<name>] section with a capacity".into()),
        ));
    }
    if raw_teams.len() > MAX_TEAMS {
        return Err(main.whole(
            K::TooMany,
            format!("{} teams; at most {MAX_TEAMS} are allowed", raw_teams.len()),
            None,
        ));
    }
    let mut out = Teams {
        teams: Vec::with_capacity(raw_teams.len()),
        has_escalation: Vec::with_capacity(raw_teams.len()),
        escalation_at: Vec::with_capacity(raw_teams.len()),
    };
    for entry in &raw_teams {
        let escalation = entry.2.get_ref().escalation.as_ref();
        out.has_escalation.push(escalation.is_some());
        out.escalation_at.push(escalation.map(|e| (entry.0, e.span())));
        out.teams.push(team(entry, start)?);
    }
    Ok(out)
}

fn team((src, name, team): &Named<'_, RawTeam>, start: Option<Clock>) -> Result<Team, ScenarioError> {
    let t = team.get_ref();
    let cap = *t.capacity.get_ref();
    if !(1..=MAX_CAPACITY).contains(&cap) {
        return Err(src.error(
            K::OutOfRange,
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
            last_resort: Dist::Fixed(0.0),
        },
    };
    let off_hours = match &t.off_hours {
        None => None,
        Some(o) => {
            if start.is_none() {
                return Err(src.error(
                    K::Rule,
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
                    K::OutOfRange,
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
    Ok(Team {
        name: name.get_ref().clone(),
        capacity: cap as u32,
        escalation,
        key: StreamKey::named(&format!("team:{}", name.get_ref())),
        off_hours,
    })
}

fn escalation(src: &Source, e: &Spanned<RawEscalation>) -> Result<Escalation, ScenarioError> {
    let r = e.get_ref();
    if r.level.is_empty() {
        return Err(src.error(
            K::Missing,
            e.span(),
            "an escalation policy needs at least one level".into(),
            Some("add [[teams.<name>.escalation.level]] with name, ack, ack_delay and timeout".into()),
        ));
    }
    if r.level.len() > MAX_ESCALATION_LEVELS {
        return Err(too_many(
            src,
            Some(r.level[MAX_ESCALATION_LEVELS].span()),
            format!("{} escalation levels; a policy has at most {MAX_ESCALATION_LEVELS}", r.level.len()),
            "page a few levels and use `repeat` to page them again",
        ));
    }
    let mut levels = Vec::with_capacity(r.level.len());
    for l in &r.level {
        let l = l.get_ref();
        let name = l.name.get_ref();
        if name.trim().is_empty() || name.chars().any(char::is_control) {
            return Err(src.error(
                K::BadName,
                l.name.span(),
                "an escalation level's name is empty or has control characters".into(),
                Some("name who is paged, e.g. name = \"primary on-call\"".into()),
            ));
        }
        levels.push(EscalationLevel {
            name: name.clone(),
            ack: probability(src, Some(&l.ack), "ack")?,
            ack_delay: dist::distribution(src, &l.ack_delay)?,
            timeout: match dist::distribution(src, &l.timeout)? {
                Dist::Fixed(t) => t,
                _ => {
                    return Err(src.error(
                        K::Rule,
                        l.timeout.span(),
                        "a page timeout is a fixed duration such as \"15m\"".into(),
                        None,
                    ));
                }
            },
        });
    }
    let repeat = match &r.repeat {
        Some(n) if !(0..=MAX_REPEAT).contains(n.get_ref()) => {
            return Err(src.error(
                K::OutOfRange,
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
        last_resort: dist::distribution(src, &r.last_resort)?,
    })
}
