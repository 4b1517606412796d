//! Style presets in the `usage` table's user partition (docs/data-model.md, "Style presets"):
//! - `preset#{id}`: the preset (name, model, options, prompt suffix, times) and its `name_key`;
//! - `presetname#{name_key}`: the user's claim on a name (`preset_id`), so two presets of one
//!   user never share a name (domain::preset::name_key: case and spacing do not count);
//! - `presets`: the user's number of presets (`n`), the limit's condition.
//!
//! The three change together, in one transaction, so they never disagree.
use super::collections::{cancelled, key, num};
use super::{Item, Store, StoreError, aws, failed_at, s};
use crate::domain::preset::{MAX_PRESETS, name_key};
use crate::domain::{Preset, PresetId, UserId};
use aws_sdk_dynamodb::types::{Delete, Put, TransactWriteItem, Update};

/// A preset's sort-key prefix.
pub const PRESET: &str = "preset#";
/// A name claim's prefix.
pub const NAME: &str = "presetname#";
/// The counter item of a user's presets.
const COUNTER: &str = "presets";
/// Tries of a rename or delete that raced another change of the same preset.
const TRIES: usize = 4;

/// What saving or renaming a preset came to.
#[derive(Clone, Debug, PartialEq)]
pub enum PresetWrite {
    Done(Box<Preset>),
    /// Another preset of the user has that name.
    NameTaken,
    /// The user has `MAX_PRESETS` already.
    Full,
    /// No such preset (of this user).
    Missing,
}

fn claim(user: &UserId, name: &str, id: &PresetId) -> Item {
    let mut item = key(user, format!("{NAME}{}", name_key(name)));
    item.insert("preset_id".into(), s(id.as_str()));
    item
}

impl Store {
    /// A transaction step that writes a new usage-table item, refused if that key exists
    /// (presets and their name claims, export items).
    pub(super) fn put_new(&self, item: Item) -> Result<TransactWriteItem, StoreError> {
        let put = Put::builder()
            .table_name(&self.tables.usage)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(period)")
            .build()
            .map_err(aws("build put"))?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    /// Deletes the claim on `name` if it is `id`'s.
    fn drop_claim(&self, user: &UserId, name: &str, id: &PresetId) -> Result<TransactWriteItem, StoreError> {
        let del = Delete::builder()
            .table_name(&self.tables.usage)
            .set_key(Some(key(user, format!("{NAME}{}", name_key(name)))))
            .condition_expression("preset_id = :id")
            .expression_attribute_values(":id", s(id.as_str()))
            .build()
            .map_err(aws("build delete"))?;
        Ok(TransactWriteItem::builder().delete(del).build())
    }

    fn count(&self, user: &UserId, by: i64) -> Result<TransactWriteItem, StoreError> {
        let b = self.usage_update(key(user, COUNTER.into()));
        let u: Update = if by > 0 {
            b.update_expression("SET n = if_not_exists(n, :zero) + :one")
                .condition_expression("attribute_not_exists(n) OR n < :max")
                .expression_attribute_values(":max", num(MAX_PRESETS))
        } else {
            b.update_expression("SET n = n - :one").condition_expression("n > :zero")
        }
        .expression_attribute_values(":zero", num(0))
        .expression_attribute_values(":one", num(1))
        .build()
        .map_err(aws("build count"))?;
        Ok(super::holds::txn(u))
    }

    /// Saves a new preset with its name claim, and counts it, in one transaction.
    pub async fn create_preset(&self, user: &UserId, p: &Preset) -> Result<PresetWrite, StoreError> {
        let mut item: Item = serde_dynamo::to_item(p)?;
        item.insert("user_id".into(), s(user.as_str()));
        item.insert("period".into(), s(format!("{PRESET}{}", p.preset_id)));
        let items = vec![
            self.put_new(item)?,
            self.put_new(claim(user, &p.name, &p.preset_id))?,
            self.count(user, 1)?,
        ];
        Ok(match super::transact(self, "create preset", items).await? {
            Ok(()) => PresetWrite::Done(Box::new(p.clone())),
            // An earlier try of this very transaction was applied: ids are fresh ULIDs.
            Err(codes) if failed_at(&codes, 0) => PresetWrite::Done(Box::new(p.clone())),
            Err(codes) if failed_at(&codes, 1) => PresetWrite::NameTaken,
            Err(codes) if failed_at(&codes, 2) => PresetWrite::Full,
            Err(codes) => return Err(cancelled("create preset", &codes)),
        })
    }

    /// The preset, read consistently (another user's is a miss).
    pub async fn get_preset(&self, user: &UserId, id: &PresetId) -> Result<Option<Preset>, StoreError> {
        self.get_owned(user, PRESET, id.as_str(), "get preset").await
    }

    /// All the user's presets (at most `MAX_PRESETS`), newest first.
    pub async fn list_presets(&self, user: &UserId) -> Result<Vec<Preset>, StoreError> {
        let id_of = |p: &Preset| p.preset_id.to_string();
        let (presets, _) = self
            .list_owned(user, PRESET, (MAX_PRESETS as i32, None), id_of, "list presets")
            .await?;
        Ok(presets)
    }

    /// Renames a preset: its name, the claim on the new name and the old claim's release, in one
    /// transaction (read again and retried if the preset changed meanwhile).
    pub async fn rename_preset(&self, user: &UserId, id: &PresetId, name: &str, now: &str) -> Result<PresetWrite, StoreError> {
        for _ in 0..TRIES {
            let Some(mut p) = self.get_preset(user, id).await? else {
                return Ok(PresetWrite::Missing);
            };
            let old = p.name.clone();
            p.name = name.to_string();
            p.updated_at = now.to_string();
            let update = self
                .usage_update(key(user, format!("{PRESET}{id}")))
                .update_expression("SET #n = :name, updated_at = :now")
                .condition_expression("attribute_exists(period) AND #n = :old")
                .expression_attribute_names("#n", "name")
                .expression_attribute_values(":name", s(name))
                .expression_attribute_values(":old", s(&old))
                .expression_attribute_values(":now", s(now))
                .build()
                .map_err(aws("build rename"))?;
            let mut items = vec![super::holds::txn(update)];
            if name_key(&old) != name_key(name) {
                items.push(self.put_new(claim(user, name, id))?);
                items.push(self.drop_claim(user, &old, id)?);
            }
            match super::transact(self, "rename preset", items).await? {
                Ok(()) => return Ok(PresetWrite::Done(Box::new(p))),
                Err(codes) if failed_at(&codes, 1) => return Ok(PresetWrite::NameTaken),
                Err(codes) if failed_at(&codes, 0) => continue,
                Err(codes) => return Err(cancelled("rename preset", &codes)),
            }
        }
        Err(StoreError::Busy {
            op: "rename preset",
            reason: "the preset kept changing".into(),
        })
    }

    /// Deletes a preset, its name claim and one off the count, in one transaction. False when
    /// there is none.
    pub async fn delete_preset(&self, user: &UserId, id: &PresetId) -> Result<bool, StoreError> {
        for _ in 0..TRIES {
            let Some(p) = self.get_preset(user, id).await? else {
                return Ok(false);
            };
            let del = Delete::builder()
                .table_name(&self.tables.usage)
                .set_key(Some(key(user, format!("{PRESET}{id}"))))
                .condition_expression("attribute_exists(period) AND #n = :name")
                .expression_attribute_names("#n", "name")
                .expression_attribute_values(":name", s(&p.name))
                .build()
                .map_err(aws("build delete"))?;
            let mut items = vec![
                TransactWriteItem::builder().delete(del).build(),
                self.drop_claim(user, &p.name, id)?,
                self.count(user, -1)?,
            ];
            match super::transact(self, "delete preset", items.clone()).await? {
                Ok(()) => return Ok(true),
                Err(codes) if failed_at(&codes, 0) => continue,
                // The count is at 0 already (it never goes below): the preset and claim go.
                Err(codes) if failed_at(&codes, 2) => {
                    items.truncate(2);
                    match super::transact(self, "delete preset", items).await? {
                        Ok(()) => return Ok(true),
                        Err(_) => continue,
                    }
                }
                Err(codes) => return Err(cancelled("delete preset", &codes)),
            }
        }
        Err(StoreError::Busy {
            op: "delete preset",
            reason: "the preset kept changing".into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A preset's items never fall in another range of the partition, nor a claim in the
    /// presets' range (the list reads `preset#` only).
    #[test]
    fn preset_items_sort_outside_every_other_range() {
        let p = format!("{PRESET}{}", PresetId::new());
        let c = format!("{NAME}{}", name_key("Moody dusk"));
        for prefix in ["board#", "day#", "set#", "story#", "collection#", "cmember#", "month#", "upload#"] {
            for k in [p.as_str(), c.as_str(), COUNTER] {
                assert!(!k.starts_with(prefix), "{k} in {prefix}");
            }
        }
        let (lo, hi) = (PRESET.to_string(), format!("{PRESET}\u{ffff}"));
        for k in [c.as_str(), COUNTER] {
            assert!(!(lo.as_str() <= k && k <= hi.as_str()), "{k} in the presets' range");
        }
    }
}
