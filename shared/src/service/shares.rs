//! Share links, the owner's side: make one for a thing of theirs, list the live ones, revoke.
//! The public read is service::share_view.
use crate::api::{ApiError, Caller};
use crate::app::App;
use crate::clock;
use crate::domain::share::{Share, ShareKind, check_expiry_hours, share_path, valid_share_id};
use crate::domain::{AssetId, BoardId, SetId, StoryId};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShareCreate {
    /// `asset`, `set`, `story` or `board`.
    pub kind: String,
    /// The id of the thing shared (the caller's).
    pub id: String,
    /// 1 to 720 (30 days).
    #[serde(deserialize_with = "whole_hours")]
    pub expires_in_hours: i64,
    #[serde(default)]
    pub show_prompt: bool,
}

fn whole_hours<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    let v = <Value as Deserialize>::deserialize(d)?;
    crate::api::whole_number(&v).ok_or_else(|| serde::de::Error::custom("expires_in_hours must be a whole number of hours"))
}

/// Whether the caller owns the `kind` thing `id` (as the store reads it: a trashed asset is
/// absent). Another user's thing, or an id that can't exist, is not theirs.
async fn owns(app: &App, caller: &Caller, kind: ShareKind, id: &str) -> Result<bool, ApiError> {
    let me = &caller.id;
    Ok(match kind {
        ShareKind::Asset => match AssetId::parse(id) {
            Some(a) => app.store.get_asset(me, &a).await?.is_some(),
            None => false,
        },
        ShareKind::Set => match SetId::parse(id) {
            Some(s) => app.store.get_set(me, &s).await?.is_some(),
            None => false,
        },
        ShareKind::Story => match StoryId::parse(id) {
            Some(s) => app.store.get_story(me, &s).await?.is_some(),
            None => false,
        },
        ShareKind::Board => match BoardId::parse(id) {
            Some(b) => app.store.get_board(me, &b).await?.is_some(),
            None => false,
        },
    })
}

/// Makes a link: `{"share": Share, "url": "{public_base_url}/share.html#t=…"}`. The token is
/// in this answer only; the store keeps its hash.
pub async fn create_share(app: &App, caller: &Caller, req: &ShareCreate) -> Result<Value, ApiError> {
    let kind = ShareKind::parse(&req.kind).ok_or_else(|| ApiError::validation("kind", "kind must be one of asset, set, story, board"))?;
    let hours = check_expiry_hours(req.expires_in_hours).map_err(|m| ApiError::validation("expires_in_hours", m))?;
    if !kind.valid_id(&req.id) || !owns(app, caller, kind, &req.id).await? {
        return Err(ApiError::not_found(kind.noun()));
    }
    let now = clock::now().timestamp();
    let (share, token) = Share::new(&caller.id, kind, &req.id, req.show_prompt, now, hours);
    app.store.create_share(&share).await?;
    tracing::info!(share_id = %share.share_id, kind = kind.noun(), hours, "share link created");
    Ok(json!({
        "share": share.to_api(),
        "url": format!("{}{}", app.config.public_base_url, share_path(&token)),
    }))
}

/// Revokes the caller's link `id`: both its items go, and its token reads 404 from now on.
/// Another user's link, or none, is a 404.
pub async fn revoke_share(app: &App, caller: &Caller, id: &str) -> Result<(), ApiError> {
    let gone = || ApiError::not_found("share link");
    if !valid_share_id(id) {
        return Err(gone());
    }
    let share = app.store.get_share(&caller.id, id).await?.ok_or_else(gone)?;
    if !app.store.revoke_share(&share).await? {
        return Err(gone());
    }
    tracing::info!(share_id = %share.share_id, "share link revoked");
    Ok(())
}
