//! The trash: a deleted asset is absent to every reader but the Trash view, comes back intact
//! on restore, and a purge (the user's, or the sweep's after TRASH_RETENTION_DAYS) removes its
//! record, its object and every version of the object; the storage count stays exact
//! throughout; another user's ids are 404; the purge needs its bucket-level grant.
mod common;
use common::{TestStack, User};
use serde_json::{Value, json};
use shared::domain::{Asset, AssetId, AssetKind, AssetSource, JobId, UserId};
use shared::media::MediaError;
use shared::service::trash_sweep::sweep_trash;

fn s3(t: &TestStack) -> aws_sdk_s3::Client {
    let sdk = shared::app::sdk_config("us-east-1", Some(&t.stack.moto.url));
    aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&sdk).force_path_style(true).build())
}

/// Every version and delete marker of `key`, as the bucket holds them.
async fn versions(t: &TestStack, key: &str) -> usize {
    let out = s3(t)
        .list_object_versions()
        .bucket(&t.stack.resources.media_bucket)
        .prefix(key)
        .send()
        .await
        .unwrap();
    out.versions().len() + out.delete_markers().len()
}

/// Stores an asset (record and object, written `writes` times: that many versions).
async fn insert(t: &TestStack, user: &UserId, saved: bool, parents: Vec<AssetId>, writes: usize) -> Asset {
    let id = AssetId::for_output(&JobId::new(), 0);
    let key = shared::media::object_key(user, &id, "png");
    let asset = Asset {
        user_id: user.clone(),
        asset_id: id,
        kind: AssetKind::Image,
        source: AssetSource::Generated,
        model: Some("imagen-4".into()),
        prompt: Some("a lighthouse at dusk".into()),
        parent_ids: parents,
        job_id: None,
        saved,
        content_type: "image/png".into(),
        bytes: 1_000,
        width: Some(1),
        height: Some(1),
        duration_s: None,
        created_at: shared::clock::rfc3339(shared::clock::now()),
        s3_key: key.clone(),
        filename: None,
        expires_at: (!saved).then(|| shared::clock::now().timestamp() + 86_400),
        pinned: false,
        counted: false,
        thumb_key: None,
        thumb_bytes: 0,
    };
    for i in 0..writes {
        t.stack
            .app
            .media
            .put(&key, format!("png{i}").into_bytes(), "image/png")
            .await
            .unwrap();
    }
    t.stack.app.store.put_asset(&asset).await.unwrap();
    asset
}

async fn send(t: &TestStack, u: &User, method: reqwest::Method, path: &str, body: Option<&Value>) -> (u16, Value) {
    let mut r = t.http.request(method, t.url(path)).bearer_auth(&u.token);
    if let Some(b) = body {
        r = r.json(b);
    }
    let r = r.send().await.unwrap();
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

fn ids(list: &Value) -> Vec<String> {
    list["assets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_asset_is_absent_everywhere_and_comes_back_intact() {
    let t = TestStack::start().await;
    let u = t.user("tara").await;
    let sub = t.sub(&u).await;
    let job = t.generate(&u, "a red fox in the snow").await;
    let job_id = job["id"].as_str().unwrap().to_string();
    let done = t.wait_finished(&u, &job_id).await;
    let id = done["assets"][0]["id"].as_str().unwrap().to_string();
    let aid = AssetId::parse(&id).unwrap();
    // Its thumbnail comes after the job settles, and counts in storage: wait for it.
    t.wait_thumbnails(&sub, 1).await;
    let before = t.stack.app.store.get_asset(&sub, &aid).await.unwrap().unwrap();
    let child = insert(&t, &sub, true, vec![aid.clone()], 1).await;
    let stored = t.assert_storage_is_the_records(&sub).await;
    let (_, got) = t.get(&u, &format!("/api/assets/{id}")).await;

    assert_eq!(t.delete(&u, &format!("/api/assets/{id}")).await, 204);
    assert_eq!(t.get(&u, &format!("/api/assets/{id}")).await.0, 404);
    // Nor in any order or date range of the gallery (the bound below `~trash#` holds oldest
    // first too), nor in a search (its terms stay, but the record is not found).
    for list in [
        "/api/assets",
        "/api/assets?saved=false",
        "/api/assets?kind=image&model=imagen-4",
        "/api/assets?sort=oldest",
        "/api/assets?from=2000-01-01&sort=oldest",
        "/api/assets?to=9999-12-31&sort=oldest",
        "/api/assets?saved=false&sort=oldest",
        "/api/assets?q=fox",
        "/api/assets?q=red%20fox&sort=oldest",
    ] {
        let (s, l) = t.get(&u, list).await;
        assert_eq!(s, 200, "{l}");
        assert!(!ids(&l).contains(&id), "{list} lists a trashed asset: {l}");
    }
    let (_, j) = t.get(&u, &format!("/api/jobs/{job_id}")).await;
    assert_eq!(j["deleted_asset_ids"], json!([id]), "{j}");
    let (_, lineage) = t.get(&u, &format!("/api/assets/{}/lineage", child.asset_id)).await;
    assert_eq!(ids(&lineage), vec![child.asset_id.to_string()], "the lineage skips it: {lineage}");
    assert!(
        t.stack
            .app
            .store
            .get_assets(&sub, std::slice::from_ref(&aid))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(t.delete(&u, &format!("/api/assets/{id}")).await, 404, "deleted once");
    // The backfill (a scan of every record) leaves it as it is: in no gallery or expiry index.
    shared::service::backfill_assets(&t.stack.app.store, 30).await.unwrap();
    assert!(!ids(&t.get(&u, "/api/assets?saved=false").await.1).contains(&id));
    // The expiry sweep can't see it, even long after its expiry: its object stays.
    let later = shared::clock::now() + chrono::Duration::days(60);
    let r = shared::service::sweep_expired(&t.stack.app, later).await;
    assert_eq!((r.expired, r.errors), (0, 0), "{r:?}");
    assert_eq!(versions(&t, &before.s3_key).await, 1);
    // The trash lists it; it still counts in storage.
    let (s, trash) = t.get(&u, "/api/trash").await;
    assert_eq!((s, ids(&trash)), (200, vec![id.clone()]), "{trash}");
    let purge_at = chrono::DateTime::parse_from_rfc3339(trash["assets"][0]["purge_at"].as_str().unwrap()).unwrap();
    let in_30_days = (shared::clock::now() + chrono::Duration::days(30)).timestamp();
    assert!((purge_at.timestamp() - in_30_days).abs() < 60, "{trash}");
    assert_eq!(t.assert_storage_is_the_records(&sub).await, stored);

    let (s, back) = t.post(&u, &format!("/api/trash/{id}/restore"), &json!({})).await;
    assert_eq!(s, 200, "{back}");
    let (s, again) = t.get(&u, &format!("/api/assets/{id}")).await;
    assert_eq!(s, 200);
    for field in [
        "id",
        "kind",
        "source",
        "model",
        "prompt",
        "parent_ids",
        "saved",
        "bytes",
        "created_at",
    ] {
        assert_eq!(again["asset"][field], got["asset"][field], "{field}");
    }
    let now = t.stack.app.store.get_asset(&sub, &aid).await.unwrap().unwrap();
    assert_eq!((&now.s3_key, now.saved, now.counted), (&before.s3_key, false, true));
    let fresh = shared::clock::now().timestamp() + 30 * 86_400;
    assert!(
        now.expires_at.is_some_and(|e| (e - fresh).abs() < 60),
        "expires 30 days after the restore: {now:?}"
    );
    assert!(ids(&t.get(&u, "/api/assets?saved=false").await.1).contains(&id));
    assert!(
        ids(&t.get(&u, "/api/assets?q=fox").await.1).contains(&id),
        "found again, no re-index"
    );
    assert_eq!(t.get(&u, &format!("/api/jobs/{job_id}")).await.1["deleted_asset_ids"], json!([]));
    assert_eq!(ids(&t.get(&u, "/api/trash").await.1), Vec::<String>::new());
    assert_eq!(t.assert_storage_is_the_records(&sub).await, stored);
    assert!(
        !t.stack.app.media.get_bytes(&before.s3_key).await.unwrap().is_empty(),
        "the object is back with its record"
    );
    t.stop().await;
}

#[tokio::test]
async fn a_purge_removes_the_record_the_object_and_every_version() {
    let t = TestStack::start().await;
    let u = t.user("petra").await;
    let sub = t.sub(&u).await;
    let a = insert(&t, &sub, true, vec![], 3).await;
    let b = insert(&t, &sub, false, vec![], 2).await;
    let keep = insert(&t, &sub, false, vec![], 1).await;
    assert_eq!(versions(&t, &a.s3_key).await, 3);
    assert_eq!(t.assert_storage_is_the_records(&sub).await, 3_000);
    let body = json!({"action": "delete", "asset_ids": [a.asset_id, b.asset_id]});
    assert_eq!(t.post(&u, "/api/assets/batch", &body).await.0, 200);
    assert_eq!(t.assert_storage_is_the_records(&sub).await, 3_000, "trashed bytes still count");

    assert_eq!(
        send(&t, &u, reqwest::Method::DELETE, &format!("/api/trash/{}", a.asset_id), None)
            .await
            .0,
        204
    );
    assert_eq!(versions(&t, &a.s3_key).await, 0, "no version and no delete marker left");
    // Read whole or as a stream, a purged object is missing (one GetObject, one error mapping).
    let media = &t.stack.app.media;
    let got = media.get_bytes(&a.s3_key).await;
    assert!(matches!(got, Err(MediaError::Missing(_))), "{:?}", got.map(|b| b.len()));
    assert!(matches!(media.get_stream(&a.s3_key).await, Err(MediaError::Missing(_))));
    assert!(t.stack.app.store.get_trashed(&sub, &a.asset_id).await.unwrap().is_none());
    assert_eq!(t.assert_storage_is_the_records(&sub).await, 2_000);
    let path = format!("/api/trash/{}/restore", a.asset_id);
    assert_eq!(t.post(&u, &path, &json!({})).await.0, 404, "gone for good");

    // A purge that has begun wins over a restore racing it.
    let tb = t.stack.app.store.get_trashed(&sub, &b.asset_id).await.unwrap().unwrap();
    assert!(t.stack.app.store.mark_purging(&tb, None).await.unwrap());
    assert_eq!(t.post(&u, &format!("/api/trash/{}/restore", b.asset_id), &json!({})).await.0, 404);
    // Emptying the trash finishes it.
    let (s, r) = t.post(&u, "/api/trash/empty", &json!({})).await;
    assert_eq!((s, &r), (200, &json!({"purged": 1, "more": false})));
    assert_eq!(versions(&t, &b.s3_key).await, 0);
    assert_eq!(versions(&t, &keep.s3_key).await, 1, "a live asset is untouched");
    assert_eq!(t.assert_storage_is_the_records(&sub).await, 1_000);
    t.stop().await;
}

#[tokio::test]
async fn the_sweep_purges_only_what_stayed_its_days_in_the_trash() {
    let t = TestStack::start().await;
    let u = t.user("sven").await;
    let sub = t.sub(&u).await;
    let store = &t.stack.app.store;
    let early = insert(&t, &sub, true, vec![], 2).await;
    let late = insert(&t, &sub, false, vec![], 1).await;
    let live = insert(&t, &sub, false, vec![], 1).await;
    let now = shared::clock::now();
    assert_eq!(t.delete(&u, &format!("/api/assets/{}", early.asset_id)).await, 204);
    let ten_days = now + chrono::Duration::days(10);
    let due = shared::domain::trash::purge_at(ten_days, 30);
    assert!(
        store.trash_asset(&late, ten_days, due).await.unwrap().is_some(),
        "trashed ten days later"
    );

    let r = sweep_trash(&t.stack.app, now + chrono::Duration::days(29)).await;
    assert_eq!((r.purged, r.errors), (0, 0), "{r:?}");
    let r = sweep_trash(&t.stack.app, now + chrono::Duration::days(31)).await;
    assert_eq!((r.purged, r.errors, r.stopped_early), (1, 0, false), "{r:?}");
    assert!(store.get_trashed(&sub, &early.asset_id).await.unwrap().is_none());
    assert_eq!(versions(&t, &early.s3_key).await, 0);
    assert!(store.get_trashed(&sub, &late.asset_id).await.unwrap().is_some(), "not due yet");
    assert_eq!(versions(&t, &late.s3_key).await, 1);
    assert_eq!(t.assert_storage_is_the_records(&sub).await, 2_000);

    let r = sweep_trash(&t.stack.app, now + chrono::Duration::days(41)).await;
    assert_eq!((r.purged, r.errors), (1, 0), "{r:?}");
    assert_eq!(versions(&t, &late.s3_key).await, 0);
    assert!(
        store.get_asset(&sub, &live.asset_id).await.unwrap().is_some(),
        "live assets are not the sweep's"
    );
    assert_eq!(versions(&t, &live.s3_key).await, 1);
    assert_eq!(t.assert_storage_is_the_records(&sub).await, 1_000);
    t.stop().await;
}

#[tokio::test]
async fn every_trash_route_answers_404_for_another_users_asset_and_changes_nothing() {
    let t = TestStack::start().await;
    let (alice, bob) = (t.user("alice").await, t.user("bob").await);
    let b = t.sub(&bob).await;
    let trashed = insert(&t, &b, true, vec![], 1).await;
    let live = insert(&t, &b, true, vec![], 1).await;
    assert_eq!(t.delete(&bob, &format!("/api/assets/{}", trashed.asset_id)).await, 204);
    let a = alice_sees_nothing(&t, &alice, &[&trashed.asset_id, &live.asset_id]).await;
    assert!(a.is_empty());
    assert!(t.stack.app.store.get_trashed(&b, &trashed.asset_id).await.unwrap().is_some());
    assert!(t.stack.app.store.get_asset(&b, &live.asset_id).await.unwrap().is_some());
    assert_eq!(versions(&t, &trashed.s3_key).await, 1);
    assert_eq!(ids(&t.get(&bob, "/api/trash").await.1), vec![trashed.asset_id.to_string()]);
    t.stop().await;
}

/// Alice tries every trash route on these ids (another user's, trashed or live): each is 404
/// or `not_found`, her trash is empty. Returns what her trash lists.
async fn alice_sees_nothing(t: &TestStack, alice: &User, theirs: &[&AssetId]) -> Vec<String> {
    for id in theirs {
        for (method, path) in [
            (reqwest::Method::POST, format!("/api/trash/{id}/restore")),
            (reqwest::Method::DELETE, format!("/api/trash/{id}")),
            (reqwest::Method::DELETE, format!("/api/assets/{id}")),
        ] {
            let (s, body) = send(t, alice, method.clone(), &path, Some(&json!({}))).await;
            assert_eq!(s, 404, "{method} {path}: {body}");
            assert_eq!(body["error"]["code"], "not_found");
        }
        for action in ["restore", "purge"] {
            let (s, r) = t
                .post(alice, "/api/trash/batch", &json!({"action": action, "asset_ids": [id]}))
                .await;
            assert_eq!((s, &r["results"][0]["status"]), (200, &json!("not_found")), "{r}");
        }
    }
    let (s, r) = t.post(alice, "/api/trash/empty", &json!({})).await;
    assert_eq!((s, &r), (200, &json!({"purged": 0, "more": false})));
    ids(&t.get(alice, "/api/trash").await.1)
}

/// Without `s3:ListBucketVersions` on the bucket (routes.json `media_bucket`), the purge is
/// refused as AWS refuses it: AccessDenied on the bucket's ARN, a 500 that says nothing of it,
/// and the asset stays in the trash, whole.
#[tokio::test]
async fn a_purge_without_the_bucket_grant_is_refused_with_access_denied() {
    let mut routes: Value = serde_json::from_str(local::routes::ROUTES_JSON).unwrap();
    let access = routes["functions"]["trash-update"]["access"].as_object_mut().unwrap();
    assert_eq!(access.remove("media_bucket"), Some(json!(["ListBucketVersions"])));
    let t = TestStack::with(|o| o.routes_json = Some(routes.to_string())).await;
    let u = t.user("perm-trash").await;
    let sub = t.sub(&u).await;
    let a = insert(&t, &sub, true, vec![], 2).await;
    assert_eq!(t.delete(&u, &format!("/api/assets/{}", a.asset_id)).await, 204);
    let (s, b) = send(&t, &u, reqwest::Method::DELETE, &format!("/api/trash/{}", a.asset_id), None).await;
    assert_eq!(s, 500, "{b}");
    assert!(!b.to_string().contains("AccessDenied"), "a 5xx never leaks internals: {b}");
    let prefix = local::iam::access_key_id(&t.stack.prefix, "");
    let d = local::iam::denials(&t.http, &t.stack.moto.url, &prefix).await.unwrap();
    let bucket = format!("arn:aws:s3:::{}", t.stack.resources.media_bucket);
    assert!(
        d.iter()
            .any(|d| d.name == "trash-update" && d.action == "s3:ListBucketVersions" && d.resource == bucket),
        "{d:?}"
    );
    assert_eq!(versions(&t, &a.s3_key).await, 2, "nothing was deleted");
    assert!(t.stack.app.store.get_trashed(&sub, &a.asset_id).await.unwrap().is_some());
    t.stop().await;
}

/// A copy message redelivered after its output was trashed (the first delivery wrote the
/// output, then stopped before the job settled, and the user deleted the picture meanwhile):
/// the redelivery settles the job and leaves the trashed output as it is, with no live record
/// beside it and no new object version; the picture restores and is deleted again cleanly.
#[tokio::test]
async fn a_copy_redelivered_after_its_output_was_trashed_settles_and_leaves_the_trash_as_it_is() {
    let t = TestStack::with(|o| o.run_worker = false).await;
    let u = t.user("rhea").await;
    let sub = t.sub(&u).await;
    let job = t.generate(&u, "a heron in the reeds").await;
    let job_id = job["id"].as_str().unwrap().to_string();
    common::run_worker_once(&t).await; // the submission
    let copies = common::receive_messages(&t, 1).await;
    let copy: shared::queue::CopyMessage = serde_json::from_str(copies[0].body().unwrap()).unwrap();
    let worker = &t.stack.apps["worker"];
    let budget = std::time::Duration::from_secs(20);
    shared::service::finish_copy(worker, &copy, budget).await.unwrap();
    let done = t.wait_finished(&u, &job_id).await;
    let id = done["assets"][0]["id"].as_str().unwrap().to_string();
    let key = t
        .stack
        .app
        .store
        .get_asset(&sub, &AssetId::parse(&id).unwrap())
        .await
        .unwrap()
        .unwrap()
        .s3_key;
    // As if that delivery had stopped before its settle: the job is still running.
    let ddb = aws_sdk_dynamodb::Client::new(&shared::app::sdk_config("us-east-1", Some(&t.stack.moto.url)));
    ddb.update_item()
        .table_name(&t.stack.resources.tables.jobs)
        .key("user_id", aws_sdk_dynamodb::types::AttributeValue::S(sub.to_string()))
        .key("job_id", aws_sdk_dynamodb::types::AttributeValue::S(job_id.clone()))
        .update_expression("SET #st = :r")
        .expression_attribute_names("#st", "status")
        .expression_attribute_values(":r", aws_sdk_dynamodb::types::AttributeValue::S("running".into()))
        .send()
        .await
        .unwrap();
    assert_eq!(t.delete(&u, &format!("/api/assets/{id}")).await, 204);
    let stored = t.assert_storage_is_the_records(&sub).await;
    let kept = versions(&t, &key).await;

    // The message comes back.
    shared::service::finish_copy(worker, &copy, budget).await.unwrap();
    let again = t.wait_finished(&u, &job_id).await;
    assert_eq!(again["job"]["status"], "succeeded", "{again}");
    assert_eq!(
        t.get(&u, &format!("/api/assets/{id}")).await.0,
        404,
        "no live record beside the trashed one"
    );
    let (_, trash) = t.get(&u, "/api/trash").await;
    assert_eq!(ids(&trash), [id.as_str()], "{trash}");
    assert_eq!(versions(&t, &key).await, kept, "the trashed object is not written again");
    assert_eq!(t.assert_storage_is_the_records(&sub).await, stored);

    // Restored, then deleted again: both answer as usual (deleting again was a 500).
    let (s, b) = t.post(&u, &format!("/api/trash/{id}/restore"), &json!({})).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(t.delete(&u, &format!("/api/assets/{id}")).await, 204);
    assert_eq!(t.assert_storage_is_the_records(&sub).await, stored);
    t.stop().await;
}
