//! `GET /v1/models/{owner}/{name}` and `GET /v1/models/{owner}/{name}/versions/{id}`, answered
//! from the schema fixture ([`schemas.json`](super::schema)) in Replicate's own shape: the
//! model with `is_official` (no pinned version in the fixture) and `latest_version`, whose
//! `openapi_schema` is what Cog writes (inputs under `components.schemas.Input` in `x-order`,
//! each enum its own schema reached through `allOf` + `$ref`, optional inputs `nullable`). So
//! `make catalog-check` without a token reads the simulator exactly as it reads Replicate, and
//! the catalog can't drift from the schemas the simulator checks predictions against.
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::schema::{InputSpec, InputType, ModelSchema, OutputShape};
use super::server::{Sim, authorized, not_found, unauthorized};

/// The version id the simulator gives a model: its pinned version, or for an official model a
/// hash of its schema (a changed schema is a new version, as on Replicate).
pub fn version_id(m: &ModelSchema) -> String {
    use sha2::{Digest, Sha256};
    if let Some(v) = &m.version {
        return v.clone();
    }
    let text = serde_json::to_string(&openapi_schema(m)).unwrap_or_default();
    let d: [u8; 32] = Sha256::new()
        .chain_update(m.model.as_bytes())
        .chain_update(text.as_bytes())
        .finalize()
        .into();
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// The model body of `GET /v1/models/{owner}/{name}`.
pub fn model_body(m: &ModelSchema, origin: &str) -> Value {
    let (owner, name) = m.model.split_once('/').unwrap_or((&m.model, ""));
    json!({
        "url": format!("{origin}/{}", m.model),
        "owner": owner,
        "name": name,
        "description": "A model of the Replicate simulator",
        "visibility": "public",
        "github_url": null,
        "paper_url": null,
        "license_url": null,
        "run_count": 0,
        "cover_image_url": null,
        "default_example": null,
        "is_official": m.version.is_none(),
        "latest_version": version_body(m),
    })
}

fn version_body(m: &ModelSchema) -> Value {
    json!({
        "id": version_id(m),
        "created_at": "2025-01-01T00:00:00.000000Z",
        "cog_version": "0.16.8",
        "openapi_schema": openapi_schema(m),
    })
}

/// The version's `openapi_schema`, in the shape Cog writes it.
pub fn openapi_schema(m: &ModelSchema) -> Value {
    let mut schemas = Map::new();
    let mut props = Map::new();
    for (order, input) in m.inputs.iter().enumerate() {
        props.insert(input.name.clone(), property(input, order, &mut schemas));
    }
    let required: Vec<&str> = m.inputs.iter().filter(|i| i.required).map(|i| i.name.as_str()).collect();
    schemas.insert(
        "Input".into(),
        json!({ "type": "object", "title": "Input", "required": required, "properties": props }),
    );
    let uri = json!({ "type": "string", "format": "uri" });
    let output = match m.output {
        OutputShape::Uri => json!({ "type": "string", "title": "Output", "format": "uri" }),
        OutputShape::Array => json!({ "type": "array", "title": "Output", "items": uri }),
        OutputShape::Text => json!({ "type": "array", "title": "Output", "items": { "type": "string" },
            "x-cog-array-type": "iterator", "x-cog-array-display": "concatenate" }),
    };
    schemas.insert("Output".into(), output);
    json!({
        "openapi": "3.0.2",
        "info": { "title": "Cog", "version": "0.1.0" },
        "paths": {},
        "components": { "schemas": schemas },
    })
}

fn property(input: &InputSpec, order: usize, schemas: &mut Map<String, Value>) -> Value {
    let mut p = Map::new();
    if let Some(values) = &input.enum_values {
        // Cog makes each enum a schema of its own, named after the input.
        schemas.insert(
            input.name.clone(),
            json!({ "enum": values, "type": type_name(input.ty), "title": input.name, "description": "An enumeration." }),
        );
        p.insert("allOf".into(), json!([{ "$ref": format!("#/components/schemas/{}", input.name) }]));
    } else {
        p.insert("type".into(), json!(type_name(input.ty)));
        p.insert("title".into(), json!(title(&input.name)));
        if input.ty == InputType::Uri {
            p.insert("format".into(), json!("uri"));
        }
        if let Some(item) = input.items {
            let mut items = json!({ "type": type_name(item) });
            if item == InputType::Uri {
                items["format"] = json!("uri");
            }
            p.insert("items".into(), items);
        }
    }
    for (key, v) in [
        ("minimum", input.minimum.map(|n| json!(n))),
        ("maximum", input.maximum.map(|n| json!(n))),
        ("minItems", input.min_items.map(|n| json!(n))),
        ("maxItems", input.max_items.map(|n| json!(n))),
        ("default", input.default.clone()),
    ] {
        if let Some(v) = v {
            p.insert(key.into(), v);
        }
    }
    if !input.required && input.default.is_none() {
        p.insert("nullable".into(), json!(true));
    }
    p.insert("x-order".into(), json!(order));
    Value::Object(p)
}

fn type_name(t: InputType) -> &'static str {
    match t {
        InputType::String | InputType::Uri => "string",
        InputType::Integer => "integer",
        InputType::Number => "number",
        InputType::Boolean => "boolean",
        InputType::Array => "array",
    }
}

/// `face_enhance` → `Face Enhance`, as Cog titles inputs.
fn title(name: &str) -> String {
    name.split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next().map(|f| f.to_uppercase().chain(c).collect::<String>()).unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

pub(super) async fn get_model(State(sim): State<Arc<Sim>>, Path((owner, name)): Path<(String, String)>, headers: HeaderMap) -> Response {
    if !authorized(&sim, &headers) {
        return unauthorized();
    }
    match sim.cfg.schemas.get(&format!("{owner}/{name}")) {
        Some(m) => axum::Json(model_body(m, "https://replicate.com")).into_response(),
        None => not_found(),
    }
}

pub(super) async fn get_version(
    State(sim): State<Arc<Sim>>,
    Path((owner, name, id)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Response {
    if !authorized(&sim, &headers) {
        return unauthorized();
    }
    match sim.cfg.schemas.get(&format!("{owner}/{name}")) {
        Some(m) if version_id(m) == id => axum::Json(version_body(m)).into_response(),
        _ => not_found(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulator::Schemas;

    #[test]
    fn the_schema_has_replicates_shape() {
        let s = Schemas::builtin();
        let gfpgan = model_body(s.get("tencentarc/gfpgan").unwrap(), "https://replicate.com");
        assert_eq!(gfpgan["is_official"], json!(false));
        assert_eq!(
            gfpgan["latest_version"]["id"],
            json!("0fbacf7afc6c144e5be9767cff80f25aff23e52b0708f17e20f9879b2f21516c")
        );
        let schemas = &gfpgan["latest_version"]["openapi_schema"]["components"]["schemas"];
        assert_eq!(
            schemas["Input"]["properties"]["version"]["allOf"],
            json!([{"$ref": "#/components/schemas/version"}])
        );
        assert_eq!(schemas["version"]["enum"], json!(["v1.2", "v1.3", "v1.4", "RestoreFormer"]));
        assert_eq!(schemas["Input"]["required"], json!(["img"]));
        assert_eq!(schemas["Input"]["properties"]["img"]["format"], json!("uri"));
        let veo = model_body(s.get("google/veo-3.1").unwrap(), "https://replicate.com");
        assert_eq!(veo["is_official"], json!(true));
        let input = &veo["latest_version"]["openapi_schema"]["components"]["schemas"]["Input"]["properties"];
        assert_eq!(input["seed"]["nullable"], json!(true));
        assert_eq!(input["reference_images"]["items"], json!({"type": "string", "format": "uri"}));
        // An official model's version follows its schema.
        let a = version_id(s.get("google/veo-3.1").unwrap());
        assert_eq!(a.len(), 64);
        assert_ne!(a, version_id(s.get("google/veo-3.1-fast").unwrap()));
    }
}
