//! Where the catalog's provider rules come from. A model's `facts` each state a claim, its
//! source, whether it was confirmed on Replicate itself (`confirmed: false`: only a real run or
//! `make catalog-check` with a token can settle it), and the catalog entries it stands behind
//! (`rules`). The loader holds every frame rule (a `requires`, `excludes`, `excludes_options`
//! or pinned option of `frames`) to a fact, so no refusal is in the catalog without its source.
use super::ModelSpec;
use crate::domain::FrameRole;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fact {
    /// What the catalog relies on, in words.
    pub claim: String,
    /// The catalog entries this fact stands behind: `official`, `version`, `price`,
    /// `price.by_option.<option>.<value>`, `replicate_defaults.<input>`,
    /// `frames.<role>.requires.<role>`, `frames.<role>.excludes.<role>`,
    /// `frames.<role>.excludes_options.<option>`, `frames.<role>.options.<option>`. Empty: a
    /// fact the catalog records but does not enforce (the claim says why).
    #[serde(default)]
    pub rules: Vec<String>,
    /// Where it comes from (a page, a document, with what it says).
    pub source: String,
    /// True when Replicate's own model page or schema says it.
    pub confirmed: bool,
}

/// Every frame rule of the model, as the path a fact names it by.
pub(super) fn frame_rules(m: &ModelSpec) -> Vec<String> {
    let mut out = Vec::new();
    for (role, f) in &m.frames {
        let at = format!("frames.{}", role.as_str());
        out.extend(f.requires.iter().map(|r| format!("{at}.requires.{}", r.as_str())));
        out.extend(f.excludes.iter().map(|r| format!("{at}.excludes.{}", r.as_str())));
        out.extend(f.excludes_options.iter().map(|o| format!("{at}.excludes_options.{o}")));
        out.extend(f.options.keys().map(|o| format!("{at}.options.{o}")));
    }
    out
}

/// Whether `path` names an entry of the model.
fn exists(m: &ModelSpec, path: &str) -> bool {
    let parts: Vec<&str> = path.split('.').collect();
    match parts.as_slice() {
        ["official"] => m.version.is_none(),
        ["version"] => m.version.is_some(),
        ["price"] => true,
        ["price", "by_option", opt, value] => m.price.by_option.get(*opt).is_some_and(|v| v.contains_key(*value)),
        ["replicate_defaults", name] => m.replicate_defaults.contains_key(*name),
        ["frames", role, ..] => FrameRole::ALL
            .into_iter()
            .find(|r| r.as_str() == *role)
            .is_some_and(|r| m.frames.contains_key(&r) && frame_rules(m).iter().any(|p| p == path)),
        _ => false,
    }
}

/// The loader's checks: facts name entries that exist, with a claim and a source, and every
/// frame rule has a fact.
pub(super) fn check(m: &ModelSpec) -> Result<(), String> {
    for (i, f) in m.facts.iter().enumerate() {
        if f.claim.trim().is_empty() || f.source.trim().is_empty() {
            return Err(format!("facts[{i}] needs a claim and a source"));
        }
        if let Some(p) = f.rules.iter().find(|p| !exists(m, p)) {
            return Err(format!("facts[{i}] names {p:?}, not an entry of the model"));
        }
    }
    if let Some(rule) = frame_rules(m).into_iter().find(|r| !m.facts.iter().any(|f| f.rules.contains(r))) {
        return Err(format!("{rule} has no fact giving its source"));
    }
    Ok(())
}
