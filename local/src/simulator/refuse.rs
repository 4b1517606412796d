//! Combinations of inputs a model refuses although each input is valid alone: the video
//! models pass Google's refusals through (reference images with a start frame or a negative
//! prompt, or at other than 16:9 and 8 s; an end frame at other than 8 s). A schema fixture's
//! `refuses` lists them with their source; the simulator answers them with 422 like any invalid
//! input, and a test below holds the product's catalog to refusing each of them first (400,
//! nothing reserved).
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::schema::{InvalidField, ModelSchema};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Refusal {
    /// The rule holds when this input is given (not null, not an empty list or string).
    pub when: String,
    /// Inputs that must not be given with it.
    #[serde(default)]
    pub forbids: Vec<String>,
    /// Values inputs must have with it (an absent input has its schema default).
    #[serde(default)]
    pub requires: Map<String, Value>,
    /// Where the rule comes from.
    pub source: String,
}

fn given(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => false,
        Some(Value::Array(a)) => !a.is_empty(),
        Some(Value::String(s)) => !s.is_empty(),
        Some(_) => true,
    }
}

fn same(a: &Value, b: &Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

/// The fixture's check: each rule names inputs of the model.
pub(super) fn check_fixture(m: &ModelSchema) -> Result<(), String> {
    for r in &m.refuses {
        let names = std::iter::once(&r.when).chain(&r.forbids).chain(r.requires.keys());
        if let Some(n) = names.into_iter().find(|n| m.input(n).is_none()) {
            return Err(format!("refuses names {n}, not an input"));
        }
        if r.source.trim().is_empty() {
            return Err(format!("the rule on {} needs a source", r.when));
        }
    }
    Ok(())
}

/// The refusals an otherwise valid `input` runs into.
pub(super) fn check(m: &ModelSchema, input: &Map<String, Value>) -> Vec<InvalidField> {
    let mut out = Vec::new();
    for r in m.refuses.iter().filter(|r| given(input.get(&r.when))) {
        for f in r.forbids.iter().filter(|f| given(input.get(*f))) {
            out.push(InvalidField::new(
                "refused",
                &format!("input.{f}"),
                format!("{f} cannot be combined with {}", r.when),
            ));
        }
        for (k, want) in &r.requires {
            let have = input.get(k).or_else(|| m.input(k).and_then(|i| i.default.as_ref()));
            if !have.is_some_and(|h| same(h, want)) {
                out.push(InvalidField::new(
                    "refused",
                    &format!("input.{k}"),
                    format!("{k} must be {want} with {}", r.when),
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulator::Schemas;
    use serde_json::json;
    use shared::catalog::{Catalog, FrameRequest, FrameRole};

    #[test]
    fn veo_refuses_what_google_refuses() {
        let s = Schemas::builtin();
        let veo = s.get("google/veo-3.1").unwrap();
        let url = "https://x/a.png";
        let fields = |input: Value| -> Vec<String> {
            match veo.validate(&input) {
                Ok(()) => vec![],
                Err(e) => e.into_iter().map(|f| format!("{} {}", f.kind, f.field)).collect(),
            }
        };
        assert!(fields(json!({"prompt": "p", "reference_images": [url]})).is_empty());
        assert!(fields(json!({"prompt": "p", "image": url, "last_frame": url})).is_empty());
        assert!(fields(json!({"prompt": "p", "image": url, "duration": 4, "negative_prompt": "blur"})).is_empty());
        assert!(fields(json!({"prompt": "p", "reference_images": [], "duration": 4})).is_empty());
        assert_eq!(
            fields(json!({"prompt": "p", "reference_images": [url], "image": url, "negative_prompt": "x", "duration": 6})),
            ["refused input.duration", "refused input.image", "refused input.negative_prompt"]
        );
        assert_eq!(
            fields(json!({"prompt": "p", "reference_images": [url], "aspect_ratio": "9:16"})),
            ["refused input.aspect_ratio"]
        );
        assert_eq!(
            fields(json!({"prompt": "p", "image": url, "last_frame": url, "duration": 4})),
            ["refused input.duration"]
        );
    }

    /// Every refusal of the simulator's fixture is one the catalog makes first: a request that
    /// breaks it is a 400 on the field the refusal names, so the two can't drift apart.
    #[test]
    fn the_catalog_refuses_each_refusal_first() {
        let s = Schemas::builtin();
        let c = Catalog::builtin().unwrap();
        let mut checked = 0;
        for spec in c.models() {
            let Some(m) = s.get(&spec.replicate) else { continue };
            let role = |input: &str| spec.frames.iter().find(|(_, f)| f.field == input).map(|(r, _)| *r);
            for r in &m.refuses {
                let base = {
                    let mut f = FrameRequest::default();
                    let when = role(&r.when).expect("a frame input");
                    set(&mut f, when);
                    for q in &spec.frames[&when].requires {
                        set(&mut f, *q);
                    }
                    f
                };
                let mut breaks: Vec<(FrameRequest, Map<String, Value>, String)> = Vec::new();
                for x in &r.forbids {
                    let mut f = base.clone();
                    let mut o = Map::new();
                    let field = match role(x) {
                        Some(x) => {
                            set(&mut f, x);
                            x.request_field().to_string()
                        }
                        None => {
                            o.insert(x.clone(), json!("x"));
                            format!("options.{x}")
                        }
                    };
                    breaks.push((f, o, field));
                }
                for (k, want) in &r.requires {
                    let other = m.input(k).and_then(|i| i.enum_values.clone()).unwrap_or_default();
                    let other = other.into_iter().find(|v| v != want).expect("another value");
                    breaks.push((base.clone(), Map::from_iter([(k.clone(), other)]), format!("options.{k}")));
                }
                for (f, o, field) in breaks {
                    let e = c
                        .validate_video(&spec.id, "x", &o, &f)
                        .expect_err(&format!("{} lets through {o:?} {f:?} ({})", spec.id, r.source));
                    assert_eq!(e.field, field, "{}: {o:?} {f:?}", spec.id);
                    checked += 1;
                }
            }
        }
        assert!(checked >= 6, "{checked}");
    }

    fn set(f: &mut FrameRequest, role: FrameRole) {
        match role {
            FrameRole::StartFrame => f.start_frame = Some(1),
            FrameRole::EndFrame => f.end_frame = Some(1),
            FrameRole::References => f.references = Some(1),
        }
    }
}
