//! A style preset's options fitted to a model (docs/data-model.md, "Style presets"): a preset
//! saved on one model and applied to another keeps each option the other model takes with a
//! value it accepts, and names every option it drops and why. The browser applies the same rule
//! with the catalog it already has (frontend-static/js/preset-fit.js); both are held to the
//! cases of `shared/catalog/fixtures/preset-fit.json`.
use super::{ModelSpec, request::check_value};
use serde::Serialize;
use serde_json::{Map, Value};

/// Why an option of a preset was not kept for a model.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DropReason {
    /// The model has no such option.
    NotTaken,
    /// The model has the option, but not with this value (out of its range or choices, or of
    /// another type): the message says what it takes.
    Refused(String),
}

/// One option a preset's values lost on a model.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Dropped {
    pub name: String,
    pub value: Value,
    pub reason: DropReason,
}

/// A preset's options as a model takes them: what is kept (as the model's validation would pass
/// it on) and what is dropped, in option-name order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Fitted {
    pub kept: Map<String, Value>,
    pub dropped: Vec<Dropped>,
}

/// Fits `options` (a preset's) to `model`: an option the model has, with a value it accepts,
/// is kept; every other one is dropped with its reason. A `null` value means "the model's
/// default" and is left out without being named.
pub fn fit_options(model: &ModelSpec, options: &Map<String, Value>) -> Fitted {
    let mut out = Fitted::default();
    for (name, value) in options {
        if value.is_null() {
            continue;
        }
        let Some(spec) = model.options.get(name) else {
            out.dropped.push(Dropped {
                name: name.clone(),
                value: value.clone(),
                reason: DropReason::NotTaken,
            });
            continue;
        };
        match check_value(spec, value) {
            Ok(v) => {
                out.kept.insert(name.clone(), v);
            }
            Err(why) => out.dropped.push(Dropped {
                name: name.clone(),
                value: value.clone(),
                reason: DropReason::Refused(why),
            }),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use serde::Deserialize;
    use serde_json::json;

    fn model(id: &str) -> ModelSpec {
        Catalog::builtin().unwrap().get(id).unwrap().clone()
    }

    #[test]
    fn a_model_keeps_what_it_takes_and_names_the_rest() {
        let preset = json!({ "size": "4K", "aspect_ratio": "16:9", "enhance_prompt": false });
        let f = fit_options(&model("nano-banana"), preset.as_object().unwrap());
        assert_eq!(Value::Object(f.kept), json!({ "aspect_ratio": "16:9" }));
        let names: Vec<(&str, &DropReason)> = f.dropped.iter().map(|d| (d.name.as_str(), &d.reason)).collect();
        assert_eq!(names, [("enhance_prompt", &DropReason::NotTaken), ("size", &DropReason::NotTaken)]);
    }

    #[test]
    fn a_value_the_model_refuses_is_dropped_with_what_it_takes() {
        let preset = json!({ "aspect_ratio": "21:9", "output_format": "png" });
        let f = fit_options(&model("imagen-4"), preset.as_object().unwrap());
        assert_eq!(Value::Object(f.kept), json!({ "output_format": "png" }));
        assert_eq!(f.dropped.len(), 1);
        assert_eq!(f.dropped[0].name, "aspect_ratio");
        assert_eq!(f.dropped[0].value, json!("21:9"));
        let DropReason::Refused(why) = &f.dropped[0].reason else {
            panic!("{:?}", f.dropped[0])
        };
        assert!(why.contains("16:9"), "{why}");
    }

    #[test]
    fn numbers_out_of_range_or_of_the_wrong_type_are_dropped() {
        let preset = json!({ "scale": 6, "codeformer_fidelity": 0.7, "upscale": 2.5, "face_upsample": "yes" });
        let f = fit_options(&model("codeformer"), preset.as_object().unwrap());
        assert_eq!(Value::Object(f.kept), json!({ "codeformer_fidelity": 0.7 }));
        let names: Vec<&str> = f.dropped.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["face_upsample", "scale", "upscale"]);
        assert_eq!(f.dropped[1].reason, DropReason::NotTaken);
    }

    #[test]
    fn the_same_model_keeps_everything_and_nulls_are_defaults() {
        let preset = json!({ "duration": 4, "resolution": "720p", "seed": null, "negative_prompt": "blur" });
        let f = fit_options(&model("veo-3.1"), preset.as_object().unwrap());
        assert_eq!(
            Value::Object(f.kept),
            json!({ "duration": 4, "resolution": "720p", "negative_prompt": "blur" })
        );
        assert!(f.dropped.is_empty());
    }

    #[derive(Deserialize)]
    struct Case {
        name: String,
        model: String,
        options: Map<String, Value>,
        kept: Map<String, Value>,
        dropped: Vec<String>,
    }

    /// The cases the browser's copy of this rule is tested against too
    /// (tests/browser/preset-fit.test.mjs).
    #[test]
    fn the_shared_cases_hold() {
        let cases: Vec<Case> = serde_json::from_str(include_str!("../../catalog/fixtures/preset-fit.json")).unwrap();
        assert!(cases.len() >= 5);
        for c in cases {
            let f = fit_options(&model(&c.model), &c.options);
            assert_eq!(f.kept, c.kept, "{}", c.name);
            let dropped: Vec<String> = f.dropped.iter().map(|d| d.name.clone()).collect();
            assert_eq!(dropped, c.dropped, "{}", c.name);
        }
    }
}
