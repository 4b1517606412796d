//! Visual stories, kept in the `usage` table's user partition as `story#{story_id}` items
//! (docs/data-model.md): one Seedream 4 job per story, created all or nothing.
use super::jobs::Reservation;
use super::{CreateOutcome, IdempotencyRecord, Item, Store, StoreError, aws, failed_at, s};
use crate::domain::{Job, Story, StoryId, UserId};
use aws_sdk_dynamodb::types::{Put, TransactWriteItem};

const PREFIX: &str = "story#";

/// What creating a story came to.
pub enum StoryOutcome {
    /// Created, refused (quota, starts) or a key conflict: as for any job.
    Done(CreateOutcome),
    /// The Idempotency-Key made this story before, with the same request.
    Replay(Box<Story>),
}

fn story_key(user: &UserId, id: &StoryId) -> Item {
    Item::from([("user_id".into(), s(user.as_str())), ("period".into(), s(format!("{PREFIX}{id}")))])
}

impl Store {
    /// Records the story and its queued job, reserves the job's estimate (every frame at its
    /// price) and claims the idempotency key (its record names the story), in one transaction.
    pub async fn create_story(
        &self,
        story: &Story,
        job: &Job,
        res: &Reservation,
        idem: Option<&IdempotencyRecord>,
    ) -> Result<StoryOutcome, StoreError> {
        let done = |o| Ok(StoryOutcome::Done(o));
        if res.limit.0 - res.amount.0 < 0 {
            return done(CreateOutcome::QuotaExceeded);
        }
        let put_job = Put::builder()
            .table_name(&self.tables.jobs)
            .set_item(Some(serde_dynamo::to_item(job)?))
            .condition_expression("attribute_not_exists(job_id)")
            .build()
            .map_err(aws("build put"))?;
        let mut items = vec![
            TransactWriteItem::builder().put(put_job).build(),
            self.reserve_item(&story.user_id, res)?,
        ];
        let mut starts_at = None;
        if let Some(w) = &res.starts {
            starts_at = Some(items.len());
            items.push(self.starts_item(&story.user_id, w, 1)?);
        }
        let mut item: Item = serde_dynamo::to_item(story)?;
        item.insert("period".into(), s(format!("{PREFIX}{}", story.story_id)));
        let put_story = Put::builder()
            .table_name(&self.tables.usage)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(period)")
            .build()
            .map_err(aws("build put"))?;
        items.push(TransactWriteItem::builder().put(put_story).build());
        let story_at = items.len() - 1;
        let idem_at = items.len();
        if let Some(rec) = idem {
            let put = Put::builder()
                .table_name(&self.tables.idempotency)
                .set_item(Some(serde_dynamo::to_item(rec)?))
                .condition_expression("attribute_not_exists(#k)")
                .expression_attribute_names("#k", "key")
                .build()
                .map_err(aws("build put"))?;
            items.push(TransactWriteItem::builder().put(put).build());
        }
        let codes = match super::transact(self, "create story", items).await? {
            Ok(()) => return done(CreateOutcome::Created),
            Err(codes) => codes,
        };
        if let Some(rec) = idem.filter(|_| failed_at(&codes, idem_at)) {
            let prev = self.get_idempotency(&rec.key).await?.ok_or_else(|| StoreError::Aws {
                op: "idempotency",
                source: "key vanished".into(),
            })?;
            if prev.request_hash != rec.request_hash {
                return done(CreateOutcome::KeyConflict);
            }
            let id = StoryId::parse(&prev.job_id).ok_or_else(|| StoreError::Aws {
                op: "idempotency",
                source: "the key names no story".into(),
            })?;
            return match self.get_story(&story.user_id, &id).await? {
                Some(s) => Ok(StoryOutcome::Replay(Box::new(s))),
                None => Err(StoreError::Aws {
                    op: "idempotency",
                    source: "story of key missing".into(),
                }),
            };
        }
        if failed_at(&codes, story_at) || failed_at(&codes, 0) {
            // An earlier try of this very transaction was applied (its answer lost).
            return done(CreateOutcome::Created);
        }
        if starts_at.is_some_and(|i| failed_at(&codes, i)) {
            return done(CreateOutcome::TooManyStarts);
        }
        if failed_at(&codes, 1) {
            return done(CreateOutcome::QuotaExceeded);
        }
        Err(StoreError::Aws {
            op: "create story",
            source: format!("transaction cancelled: {codes:?}").into(),
        })
    }

    pub async fn get_story(&self, user: &UserId, id: &StoryId) -> Result<Option<Story>, StoreError> {
        let out = self
            .ddb
            .get_item()
            .table_name(&self.tables.usage)
            .set_key(Some(story_key(user, id)))
            .consistent_read(true)
            .send()
            .await
            .map_err(aws("get story"))?;
        Ok(out.item.map(serde_dynamo::from_item).transpose()?)
    }

    /// A user's stories, newest first, `limit` at a time after the story id `after`.
    pub async fn list_stories(&self, user: &UserId, limit: i32, after: Option<&str>) -> Result<(Vec<Story>, Option<String>), StoreError> {
        // BETWEEN is inclusive: the cursor's own item may come back and is skipped.
        let hi = match after {
            Some(a) => format!("{PREFIX}{a}"),
            None => format!("{PREFIX}\u{ffff}"),
        };
        let out = self
            .ddb
            .query()
            .table_name(&self.tables.usage)
            .key_condition_expression("user_id = :u AND period BETWEEN :lo AND :hi")
            .expression_attribute_values(":u", s(user.as_str()))
            .expression_attribute_values(":lo", s(PREFIX))
            .expression_attribute_values(":hi", s(hi))
            .scan_index_forward(false)
            .consistent_read(true)
            .limit(limit + 2)
            .send()
            .await
            .map_err(aws("list stories"))?;
        let mut stories: Vec<Story> = out
            .items
            .unwrap_or_default()
            .into_iter()
            .map(serde_dynamo::from_item)
            .collect::<Result<_, _>>()?;
        stories.retain(|x| Some(x.story_id.as_str()) != after);
        let next = if stories.len() > limit as usize {
            stories.truncate(limit as usize);
            stories.last().map(|x| x.story_id.to_string())
        } else {
            None
        };
        Ok((stories, next))
    }
}
