//! The catalog checks itself when it loads: a wrong entry fails at startup and in `cargo test`,
//! never at a user's request.
use super::request::check_value;
use super::{CatalogError, ModelKind, ModelSpec, OptionSpec};
use serde_json::Value;
use std::collections::HashSet;

/// The most source images any model may take.
const MAX_SOURCES: u32 = 16;

pub(super) fn check(models: &[ModelSpec]) -> Result<(), CatalogError> {
    if models.is_empty() {
        return Err(invalid("-", "no models".into()));
    }
    let mut ids = HashSet::new();
    for m in models {
        if !ids.insert(&m.id) {
            return Err(invalid(&m.id, "duplicate id".into()));
        }
        check_model(m).map_err(|p| invalid(&m.id, p))?;
    }
    // The picker preselects one model per kind: every kind offered has exactly one default.
    let mut kinds: Vec<ModelKind> = models.iter().flat_map(|m| m.kinds.iter().copied()).collect();
    kinds.sort_by_key(|k| *k as u8);
    kinds.dedup();
    for kind in kinds {
        let n = models.iter().filter(|m| m.default_for.contains(&kind)).count();
        if n != 1 {
            return Err(invalid("-", format!("{n} default models for kind {kind:?}; want exactly 1")));
        }
    }
    Ok(())
}

fn invalid(model: &str, problem: String) -> CatalogError {
    CatalogError::Invalid {
        model: model.into(),
        problem,
    }
}

fn check_model(m: &ModelSpec) -> Result<(), String> {
    let slug = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
    };
    if !slug(&m.id) {
        return Err("id must be lowercase letters, digits, '-' or '.'".into());
    }
    let parts: Vec<_> = m.replicate.split('/').collect();
    if parts.len() != 2 || parts.iter().any(|p| p.is_empty()) {
        return Err(format!("replicate name {:?} is not owner/name", m.replicate));
    }
    if let Some(v) = &m.version
        && (v.len() != 64 || !v.chars().all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)))
    {
        return Err("version must be 64 lowercase hex digits".into());
    }
    if m.kinds.is_empty() {
        return Err("no kinds".into());
    }
    let mut seen = HashSet::new();
    if !m.kinds.iter().all(|k| seen.insert(*k)) {
        return Err("a kind is listed twice".into());
    }
    if let Some(k) = m.default_for.iter().find(|k| !m.offers(**k)) {
        return Err(format!("default_for {k:?}, a kind the model does not offer"));
    }
    check_sources(m)?;
    check_price(m)?;
    super::frames::check(m)?;
    super::facts::check(m)?;
    for (name, spec) in &m.options {
        if name == "prompt"
            || name.is_empty()
            || m.sources.as_ref().is_some_and(|s| &s.field == name)
            || m.frames.values().any(|f| &f.field == name)
        {
            return Err(format!("option name {name:?} is reserved"));
        }
        if let Some(p) = option_problem(spec) {
            return Err(format!("option {name}: {p}"));
        }
    }
    if !m.edit_defaults.is_empty() && m.source_kind().is_none() {
        return Err("edit_defaults on a model that does not edit".into());
    }
    for name in m.replicate_defaults.keys() {
        if name == "prompt" || m.sources.as_ref().is_some_and(|s| &s.field == name) || m.frames.values().any(|f| &f.field == name) {
            return Err(format!("replicate_defaults names {name:?}, an input the catalog always fills"));
        }
    }
    for (name, v) in &m.edit_defaults {
        let spec = m
            .options
            .get(name)
            .ok_or_else(|| format!("edit_defaults names unknown option {name}"))?;
        check_value(spec, v).map_err(|e| format!("edit_defaults.{name}: {e}"))?;
    }
    Ok(())
}

fn check_sources(m: &ModelSpec) -> Result<(), String> {
    match (m.source_kind(), &m.sources) {
        (Some(_), None) => Err("a model that edits or restores needs `sources`".into()),
        (None, Some(_)) => Err("`sources` on a model that neither edits nor restores".into()),
        (None, None) if m.min_source_images != 0 || m.max_source_images != 0 => {
            Err("source image counts on a model that takes none".into())
        }
        (None, None) => Ok(()),
        (Some(_), Some(s)) => {
            if s.field.is_empty() || s.field == "prompt" {
                return Err("sources.field must name the input".into());
            }
            if m.min_source_images < 1 || m.min_source_images > m.max_source_images || m.max_source_images > MAX_SOURCES {
                return Err(format!("want 1 <= min_source_images <= max_source_images <= {MAX_SOURCES}"));
            }
            if !s.list && m.max_source_images != 1 {
                return Err("a single-string source field takes exactly one image".into());
            }
            Ok(())
        }
    }
}

fn check_price(m: &ModelSpec) -> Result<(), String> {
    if m.price.usd_micros <= 0 {
        return Err("price must be positive".into());
    }
    match (m.price.per, m.price.input_usd_micros) {
        (super::PriceUnit::Tokens, Some(i)) if i > 0 => {
            if !matches!(
                m.options.get("max_tokens"),
                Some(OptionSpec::Integer {
                    max: Some(_),
                    default: Some(_),
                    ..
                })
            ) {
                return Err("a model priced per token needs a max_tokens option with a max and a default".into());
            }
        }
        (super::PriceUnit::Tokens, _) => return Err("a model priced per token needs a positive input_usd_micros".into()),
        (_, Some(_)) => return Err("input_usd_micros is only for per: 1k_tokens".into()),
        (_, None) => {}
    }
    for (opt, values) in &m.price.by_option {
        let spec = m
            .options
            .get(opt)
            .ok_or_else(|| format!("price.by_option names unknown option {opt}"))?;
        for (value, micros) in values {
            if *micros <= 0 {
                return Err(format!("price.by_option.{opt}.{value} must be positive"));
            }
            if super::price::parse_option_value(spec, value).is_none() {
                return Err(format!("price.by_option.{opt}: {value:?} is not a value of the option"));
            }
        }
    }
    Ok(())
}

fn option_problem(spec: &OptionSpec) -> Option<&'static str> {
    match spec {
        OptionSpec::Enum { values, default } => {
            if values.is_empty() {
                Some("enum without values")
            } else if default.as_ref().is_some_and(|d| !values.contains(d)) {
                Some("enum default not among values")
            } else {
                None
            }
        }
        OptionSpec::Integer {
            values: Some(values),
            default,
            ..
        } if values.is_empty() || default.is_some_and(|d| !values.contains(&d)) => {
            Some("integer values empty, or the default not among them")
        }
        OptionSpec::Integer { values, min, max, default } => {
            let out = |v: &i64| min.is_some_and(|m| *v < m) || max.is_some_and(|m| *v > m);
            if values.as_ref().is_some_and(|vs| vs.iter().any(out)) {
                return Some("an integer value is out of range");
            }
            range_problem(min.map(|v| v as f64), max.map(|v| v as f64), default.map(|v| v as f64))
        }
        OptionSpec::Number { min, max, default } => range_problem(*min, *max, *default),
        OptionSpec::Boolean { .. } => None,
        OptionSpec::String { max_len, default } => default
            .as_ref()
            .zip(*max_len)
            .and_then(|(d, n)| (d.chars().count() > n).then_some("string default longer than max_len")),
    }
}

fn range_problem(min: Option<f64>, max: Option<f64>, default: Option<f64>) -> Option<&'static str> {
    if let (Some(a), Some(b)) = (min, max)
        && a > b
    {
        return Some("min greater than max");
    }
    match default {
        Some(d) if min.is_some_and(|m| d < m) || max.is_some_and(|m| d > m) => Some("default out of range"),
        _ => None,
    }
}

/// Whether a JSON value is what the option's `by_option` key spells (`"true"`, `"8"`, `"720p"`).
pub(super) fn spelled(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}
