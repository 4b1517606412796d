//! Style presets (docs/data-model.md, "Style presets"): save the options of a model and an
//! optional prompt suffix under a name, list, rename and delete them. A preset's options are
//! checked against the model it is saved on (the catalog's rule, catalog::fit_options): one
//! the model would refuse is a 400 on that option, so a stored preset always held for its model.
use crate::api::{ApiError, Caller};
use crate::app::App;
use crate::catalog::{DropReason, fit_options};
use crate::clock;
use crate::domain::preset::{MAX_PRESETS, PresetRuleError, check_preset_name, check_suffix};
use crate::domain::{Preset, PresetId};
use crate::store::PresetWrite;
use serde::Deserialize;
use serde_json::{Map, Value};

impl From<PresetRuleError> for ApiError {
    fn from(e: PresetRuleError) -> Self {
        ApiError::validation(e.field, e.message)
    }
}

/// `POST /api/presets` body.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PresetCreate {
    pub name: String,
    pub model: String,
    #[serde(default)]
    pub options: Map<String, Value>,
    #[serde(default)]
    pub prompt_suffix: String,
}

/// `PATCH /api/presets/{id}` body.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PresetRename {
    pub name: String,
}

fn not_found() -> ApiError {
    ApiError::not_found("preset")
}

fn name_taken(name: &str) -> ApiError {
    ApiError::Conflict(format!(
        "You have a preset named \"{name}\" already. Choose another name, or delete or rename that one."
    ))
}

pub async fn create_preset(app: &App, caller: &Caller, req: &PresetCreate) -> Result<Preset, ApiError> {
    let name = check_preset_name(&req.name)?;
    let prompt_suffix = check_suffix(&req.prompt_suffix)?;
    let model = app
        .catalog
        .get(&req.model)
        .ok_or_else(|| ApiError::validation("model", format!("unknown model {:?}", req.model)))?;
    let fitted = fit_options(model, &req.options);
    if let Some(d) = fitted.dropped.first() {
        let message = match &d.reason {
            DropReason::NotTaken => format!("unknown option {:?} for model {}", d.name, model.id),
            DropReason::Refused(why) => why.clone(),
        };
        return Err(ApiError::validation(format!("options.{}", d.name), message));
    }
    let now = clock::rfc3339(clock::now());
    let p = Preset {
        preset_id: PresetId::new(),
        name,
        model: model.id.clone(),
        options: fitted.kept,
        prompt_suffix,
        created_at: now.clone(),
        updated_at: now,
    };
    match app.store.create_preset(&caller.id, &p).await? {
        PresetWrite::Done(p) => {
            tracing::info!(preset_id = %p.preset_id, "preset saved");
            Ok(*p)
        }
        PresetWrite::NameTaken => Err(name_taken(&p.name)),
        PresetWrite::Full => Err(ApiError::Validation {
            message: format!("You have {MAX_PRESETS} presets, the most an account can have. Delete one to save another."),
            field: None,
        }),
        PresetWrite::Missing => Err(not_found()),
    }
}

pub async fn list_presets(app: &App, caller: &Caller) -> Result<Vec<Preset>, ApiError> {
    Ok(app.store.list_presets(&caller.id).await?)
}

fn parse_id(raw: &str) -> Result<PresetId, ApiError> {
    PresetId::parse(raw).ok_or_else(not_found)
}

pub async fn rename_preset(app: &App, caller: &Caller, id: &str, req: &PresetRename) -> Result<Preset, ApiError> {
    let id = parse_id(id)?;
    let name = check_preset_name(&req.name)?;
    let now = clock::rfc3339(clock::now());
    match app.store.rename_preset(&caller.id, &id, &name, &now).await? {
        PresetWrite::Done(p) => Ok(*p),
        PresetWrite::NameTaken => Err(name_taken(&name)),
        PresetWrite::Full | PresetWrite::Missing => Err(not_found()),
    }
}

pub async fn delete_preset(app: &App, caller: &Caller, id: &str) -> Result<(), ApiError> {
    let id = parse_id(id)?;
    if !app.store.delete_preset(&caller.id, &id).await? {
        return Err(not_found());
    }
    tracing::info!(preset_id = %id, "preset deleted");
    Ok(())
}
