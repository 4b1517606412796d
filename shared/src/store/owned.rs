//! Things a user owns that live in the `usage` table's user partition under a sort-key prefix
//! (`set#{id}`, `story#{id}`, `board#{id}`; docs/data-model.md): read by key, listed newest
//! first by a range on the prefix. One reading of that layout for comparison sets, stories and
//! boards.
use super::{Item, Store, StoreError, aws, s};
use crate::domain::UserId;
use serde::de::DeserializeOwned;

/// What creating a thing of several items (a story, a set) with an Idempotency-Key came to.
pub enum ReplayOr<T> {
    /// Created, refused (quota, starts) or a key conflict: as for any job.
    Done(super::CreateOutcome),
    /// The Idempotency-Key made this before, with the same request.
    Replay(Box<T>),
}

/// The item key of `{prefix}{id}` in `user`'s partition.
pub(crate) fn key(user: &UserId, prefix: &str, id: &str) -> Item {
    Item::from([("user_id".into(), s(user.as_str())), ("period".into(), s(format!("{prefix}{id}")))])
}

/// What a list reads of each item: all of it, or a projection (with its attribute names).
pub(crate) struct Projection {
    pub expression: &'static str,
    pub names: &'static [(&'static str, &'static str)],
}

impl Store {
    /// The user's `{prefix}{id}` item, read consistently (another user's is a miss).
    pub(crate) async fn get_owned<T: DeserializeOwned>(
        &self,
        user: &UserId,
        prefix: &str,
        id: &str,
        op: &'static str,
    ) -> Result<Option<T>, StoreError> {
        let out = self
            .ddb
            .get_item()
            .table_name(&self.tables.usage)
            .set_key(Some(key(user, prefix, id)))
            .consistent_read(true)
            .send()
            .await
            .map_err(aws(op))?;
        Ok(out.item.map(serde_dynamo::from_item).transpose()?)
    }

    /// The user's items under `prefix`, newest first (ids are ULIDs), `limit` at a time after
    /// the id `after`; the second value is the id to continue after, when there is more.
    pub(crate) async fn list_owned<T: DeserializeOwned>(
        &self,
        user: &UserId,
        prefix: &str,
        page: (i32, Option<&str>),
        projection: Option<&Projection>,
        id_of: impl Fn(&T) -> String,
        op: &'static str,
    ) -> Result<(Vec<T>, Option<String>), StoreError> {
        let (limit, after) = page;
        // BETWEEN is inclusive: the cursor's own item may come back and is skipped.
        let hi = match after {
            Some(a) => format!("{prefix}{a}"),
            None => format!("{prefix}\u{ffff}"),
        };
        let mut q = self
            .ddb
            .query()
            .table_name(&self.tables.usage)
            .key_condition_expression("user_id = :u AND period BETWEEN :lo AND :hi")
            .expression_attribute_values(":u", s(user.as_str()))
            .expression_attribute_values(":lo", s(prefix))
            .expression_attribute_values(":hi", s(hi))
            .scan_index_forward(false)
            .consistent_read(true)
            .limit(limit + 2);
        if let Some(p) = projection {
            q = q.projection_expression(p.expression);
            for (k, v) in p.names {
                q = q.expression_attribute_names(*k, *v);
            }
        }
        let out = q.send().await.map_err(aws(op))?;
        let mut items: Vec<T> = out
            .items
            .unwrap_or_default()
            .into_iter()
            .map(serde_dynamo::from_item)
            .collect::<Result<_, _>>()?;
        items.retain(|x| Some(id_of(x).as_str()) != after);
        let next = if items.len() > limit as usize {
            items.truncate(limit as usize);
            items.last().map(&id_of)
        } else {
            None
        };
        Ok((items, next))
    }
}
