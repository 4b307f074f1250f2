//! Renderings of a partner's tiers over time ([`crate::timeline`]): a
//! readable block per partner, and one JSON object per partner.

use std::fmt::Write as _;

use serde_json::{Value, json};

use crate::data::DataError;
use crate::eval::Evaluated;
use crate::model::{Policy, TierLevelId};
use crate::money::count as count_grouped;
use crate::money::plain as amount_text;
use crate::timeline::{Change, Event, Flip, LineKind, LineRef, Timeline};

fn tier_name(policy: &Policy, tier: Option<TierLevelId>) -> &str {
    tier.and_then(|t| policy.tiers.get(t.0))
        .map_or("no tier", |t| t.id.as_str())
}

fn tier_json(policy: &Policy, tier: Option<TierLevelId>) -> Value {
    tier.and_then(|t| policy.tiers.get(t.0))
        .map_or(Value::Null, |t| Value::String(t.id.clone()))
}

/// An amount or count for people.
fn value_text(value: rust_decimal::Decimal, money: bool) -> String {
    if money {
        crate::money::grouped(value)
    } else {
        count_grouped(value)
    }
}

/// A line in a few words: `revenue line 2017-03-15 CRM Online 150,000.00 USD
/// (Alpine Ski House)`.
fn line_text(line: &LineRef) -> String {
    let kind = match line.kind {
        LineKind::Revenue => "revenue",
        LineKind::Usage => "usage",
    };
    let value = match &line.currency {
        Some(currency) => format!("{} {currency}", crate::money::grouped(line.value)),
        None => format!("{} {}", count_grouped(line.value), line.what),
    };
    let customer = line
        .customer
        .as_deref()
        .map(|c| format!(" ({c})"))
        .unwrap_or_default();
    format!(
        "{kind} line {} of {}: {value}{customer}",
        line.date, line.product
    )
}

fn event_text(event: &Event) -> String {
    match event {
        Event::LineEnters(line) => format!("+ {} is dated this day", line_text(line)),
        Event::LineLeaves { line, months } => {
            format!("- {} leaves the {months}-month window", line_text(line))
        }
        Event::LineInPeriod {
            line,
            period,
            first,
            last,
            enters,
        } => {
            let (sign, what) = if *enters {
                ("+", "counts")
            } else {
                ("-", "no longer counts")
            };
            format!(
                "{sign} {} {what}: the {period} is now {first} to {last}",
                line_text(line)
            )
        }
        Event::PassCounts {
            person,
            exam,
            passed,
        } => format!("+ person {person} passed {exam} on {passed}"),
        Event::VersionTakesEffect { version, file } => format!(
            "* version {} of the policy ({file}) takes effect",
            version.as_deref().unwrap_or("without a label")
        ),
        Event::NoLongerAccepted {
            person,
            exam,
            until,
            grace,
        } => {
            let why = if *grace {
                "its grace period ended"
            } else {
                "it retired"
            };
            format!("- {exam} of person {person} no longer accepted: {why} on {until}")
        }
    }
}

fn flip_text(flip: &Flip) -> String {
    let mark = if flip.met { "✓" } else { "✗" };
    let values = flip
        .measure
        .map(|m| {
            format!(
                " ({} → {})",
                value_text(m.before, m.money),
                value_text(m.after, m.money)
            )
        })
        .unwrap_or_default();
    format!(
        "{mark} {} {}: {}{values}",
        flip.option, flip.tier, flip.requirement
    )
}

/// The readable block for one partner.
pub fn human(
    policy: &Policy,
    evaluated: &Evaluated<'_, '_>,
    timeline: &Timeline,
    warnings: &[DataError],
) -> String {
    let mut out = String::new();
    let _ = write!(out, "partner {}", evaluated.id.text());
    if let Some(name) = &evaluated.name {
        let _ = write!(out, " {name:?}");
    }
    if let Some(market) = &evaluated.market {
        let _ = write!(out, " (market {market})");
    }
    let _ = writeln!(
        out,
        ": {} on {}",
        tier_name(policy, timeline.start),
        timeline.from
    );
    if timeline.changes.is_empty() {
        let _ = writeln!(out, "  no change to {}", timeline.to);
    }
    for change in &timeline.changes {
        let _ = writeln!(
            out,
            "  {}: {} → {}",
            change.date,
            tier_name(policy, change.before),
            tier_name(policy, change.after)
        );
        details(&mut out, change);
    }
    if let Some(loss) = &timeline.upcoming {
        let unless: Vec<String> = loss
            .flips
            .iter()
            .map(
                |f| match f.measure.and_then(|m| m.required.map(|r| (m, r))) {
                    Some((m, required)) => format!(
                        "{} reaches {} again (it will be {})",
                        f.requirement.split(" >=").next().unwrap_or_default(),
                        value_text(required, m.money),
                        value_text(m.after, m.money)
                    ),
                    None => format!("{} is met again", f.requirement),
                },
            )
            .collect();
        let _ = writeln!(
            out,
            "  loses {} on {} (→ {}) unless {}",
            tier_name(policy, loss.before),
            loss.date,
            tier_name(policy, loss.after),
            if unless.is_empty() {
                "something changes".to_owned()
            } else {
                unless.join(" and ")
            }
        );
        details(&mut out, loss);
    }
    for warning in warnings {
        let _ = writeln!(out, "  ! {warning}");
    }
    out.push('\n');
    out
}

fn details(out: &mut String, change: &Change) {
    for flip in &change.flips {
        let _ = writeln!(out, "      {}", flip_text(flip));
    }
    for event in &change.events {
        let _ = writeln!(out, "      {}", event_text(event));
    }
}

fn line_json(line: &LineRef) -> Value {
    let mut value = json!({
        "list": match line.kind { LineKind::Revenue => "revenue", LineKind::Usage => "usage" },
        "index": line.index,
        "date": line.date.to_string(),
        "product": line.product,
        "customer": line.customer,
    });
    if let Value::Object(map) = &mut value {
        match &line.currency {
            Some(currency) => {
                map.insert("type".into(), json!(line.what));
                map.insert("amount".into(), json!(amount_text(line.value)));
                map.insert("currency".into(), json!(currency));
            }
            None => {
                map.insert("metric".into(), json!(line.what));
                map.insert("quantity".into(), json!(line.value.normalize().to_string()));
            }
        }
    }
    value
}

fn event_json(event: &Event) -> Value {
    match event {
        Event::LineEnters(line) => json!({ "event": "line_enters", "line": line_json(line) }),
        Event::LineLeaves { line, months } => {
            json!({ "event": "line_leaves", "window_months": months, "line": line_json(line) })
        }
        Event::LineInPeriod {
            line,
            period,
            first,
            last,
            enters,
        } => json!({
            "event": if *enters { "line_enters_period" } else { "line_leaves_period" },
            "period": period,
            "from": first.to_string(),
            "to": last.to_string(),
            "line": line_json(line),
        }),
        Event::PassCounts {
            person,
            exam,
            passed,
        } => json!({
            "event": "pass_counts", "person": person, "exam": exam, "passed": passed.to_string()
        }),
        Event::VersionTakesEffect { version, file } => json!({
            "event": "version_takes_effect", "version": version, "file": file
        }),
        Event::NoLongerAccepted {
            person,
            exam,
            until,
            grace,
        } => json!({
            "event": if *grace { "grace_period_ends" } else { "credential_retires" },
            "person": person, "exam": exam, "accepted_until": until.to_string()
        }),
    }
}

fn flip_json(flip: &Flip) -> Value {
    let mut value = json!({
        "option": flip.option,
        "tier": flip.tier,
        "requirement": flip.requirement,
        "met": flip.met,
    });
    if let (Value::Object(map), Some(m)) = (&mut value, flip.measure) {
        let text = |v: rust_decimal::Decimal| {
            if m.money {
                amount_text(v)
            } else {
                v.normalize().to_string()
            }
        };
        map.insert("before".into(), json!(text(m.before)));
        map.insert("after".into(), json!(text(m.after)));
        map.insert("required".into(), json!(m.required.map(text)));
    }
    value
}

fn change_json(policy: &Policy, change: &Change) -> Value {
    json!({
        "date": change.date.to_string(),
        "from": tier_json(policy, change.before),
        "to": tier_json(policy, change.after),
        "requirements": change.flips.iter().map(flip_json).collect::<Vec<_>>(),
        "events": change.events.iter().map(event_json).collect::<Vec<_>>(),
    })
}

/// The JSON object for one partner.
pub fn json(
    policy: &Policy,
    evaluated: &Evaluated<'_, '_>,
    timeline: &Timeline,
    warnings: &[DataError],
) -> Value {
    let id: Value = serde_json::from_str(evaluated.id.json().get()).unwrap_or(Value::Null);
    let mut value = json!({
        "partner": id,
        "status": "evaluated",
        "from": timeline.from.to_string(),
        "to": timeline.to.to_string(),
        "tier_on_from": tier_json(policy, timeline.start),
        "changes": timeline.changes.iter().map(|c| change_json(policy, c)).collect::<Vec<_>>(),
        "upcoming_loss": timeline.upcoming.as_ref().map(|c| change_json(policy, c)),
        "dates_evaluated": timeline.evaluated,
    });
    if let Value::Object(map) = &mut value {
        if let Some(name) = &evaluated.name {
            map.insert("name".into(), json!(name));
        }
        if let Some(market) = &evaluated.market {
            map.insert("market".into(), json!(market));
        }
        if !warnings.is_empty() {
            let warnings: Vec<Value> = warnings
                .iter()
                .map(|w| {
                    serde_json::to_value(super::json::ErrorResult::from_error(w))
                        .unwrap_or(Value::Null)
                })
                .collect();
            map.insert("warnings".into(), Value::Array(warnings));
        }
    }
    value
}
