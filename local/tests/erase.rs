//! "Delete my data" (`POST /api/account/deletion`, the `account-erase` function): a busy
//! account is deleted and then nothing of it is left in any table, object version, delete
//! marker or queue, but the documented tombstone (until its time) — while another busy user's
//! data stays byte for byte as it was. Its tokens are refused at once, and it can't sign in.
mod common;
use common::busy::{all_items, all_messages, all_versions, busy, mentioning};
use common::{TestStack, User};
use serde_json::{Value, json};
use shared::domain::erasure::{LATE_WRITES, TOMBSTONE_KEEP};
use shared::service::erase::{EraseReport, erase_accounts};

/// Runs the erasure as its own function (its own IAM policy) with the clock at `now`, until
/// `done` says so (at most a few runs: each run is bounded, the next one continues).
async fn erase_until(t: &TestStack, now: chrono::DateTime<chrono::Utc>, done: impl Fn(&EraseReport) -> bool) -> Vec<EraseReport> {
    let app = t.stack.apps["account-erase"].clone();
    let mut runs = Vec::new();
    for _ in 0..8 {
        let r = erase_accounts(&app, now).await;
        let finished = done(&r);
        runs.push(r);
        if finished {
            return runs;
        }
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    }
    panic!("the erasure did not finish: {runs:?}");
}

async fn denials(t: &TestStack) -> Value {
    let url = format!("{}/_vn/iam/denials?key=VN.{}.", t.stack.moto.url, t.stack.prefix);
    t.http.get(url).send().await.unwrap().json().await.unwrap()
}

async fn delete_account(t: &TestStack, u: &User) -> String {
    let (s, b) = t.post(u, "/api/account/deletion", &json!({ "confirm_username": u.name })).await;
    assert_eq!(s, 202, "{b}");
    assert_eq!(b["status"], "running", "{b}");
    b["deletion_id"].as_str().unwrap().to_string()
}

/// What is left of a user: (table, item) mentioning their sub, object keys under their prefix.
async fn left_of(t: &TestStack, sub: &str) -> (Vec<(String, Value)>, Vec<String>) {
    let items = all_items(t).await;
    let items = mentioning(&items, sub).into_iter().cloned().collect();
    let objects = all_versions(t).await.into_keys().filter(|k| k.contains(sub)).collect();
    (items, objects)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_busy_account_leaves_nothing_and_another_user_is_untouched() {
    let t = TestStack::start().await;
    let (alice, bob) = (t.user("alice").await, t.user("bob").await);
    let (a_sub, b_sub) = (t.sub(&alice).await.to_string(), t.sub(&bob).await.to_string());
    let a = busy(&t, &alice, true).await;
    busy(&t, &bob, false).await;
    assert!(a.running.is_some());
    let (mine, objects) = left_of(&t, &a_sub).await;
    assert!(
        mine.len() > 30 && objects.len() > 5,
        "a busy account: {} items, {} objects",
        mine.len(),
        objects.len()
    );
    for kind in [
        "month#",
        "day#",
        "board#",
        "tiles#",
        "collection#",
        "cmember#",
        "preset#",
        "presetname#",
        "upload#",
        "storage",
        "#term#",
    ] {
        assert!(
            mine.iter().any(|(_, v)| v.to_string().contains(kind)),
            "the busy account has {kind} items"
        );
    }
    let bob_before = (
        left_of(&t, &b_sub).await,
        all_versions(&t)
            .await
            .into_iter()
            .filter(|(k, _)| k.contains(&b_sub))
            .collect::<Vec<_>>(),
    );

    let started = delete_account(&t, &alice).await;
    // From the tombstone on, alice's still valid ID token is refused everywhere: nothing can
    // be read or created with it, and asking again is refused the same way.
    let refused = |(s, b): (u16, Value)| (s, b["error"]["code"].as_str().unwrap_or_default().to_string());
    let deleted = (401, "account_deleted".to_string());
    assert_eq!(refused(t.get(&alice, "/api/me").await), deleted);
    assert_eq!(refused(t.get(&alice, &format!("/api/assets/{}", a.images[0])).await), deleted);
    assert_eq!(
        refused(
            t.post(&alice, "/api/images/generate", &json!({ "model": "imagen-4", "prompt": "a cat" }))
                .await
        ),
        deleted
    );
    assert_eq!(refused(t.post(&alice, "/api/boards", &json!({ "name": "after" })).await), deleted);
    assert_eq!(
        refused(
            t.post(&alice, "/api/uploads", &json!({ "content_type": "image/png", "bytes": 100 }))
                .await
        ),
        deleted
    );
    assert_eq!(
        refused(
            t.post(&alice, "/api/account/deletion", &json!({ "confirm_username": "alice" }))
                .await
        ),
        deleted
    );
    assert_eq!(t.get(&bob, "/api/me").await.0, 200, "only the caller's account");
    let runs = erase_until(&t, chrono::Utc::now() + LATE_WRITES, |r| r.accounts_closed == 1).await;
    assert!(
        runs.iter().map(|r| r.canceled).sum::<usize>() >= 1,
        "the running job was canceled: {runs:?}"
    );
    assert_eq!(denials(&t).await["denials"], json!([]), "every call of the erasure is granted");

    // Nothing of alice but the tombstone and the erasure's own item, each reduced.
    let (left, objects) = left_of(&t, &a_sub).await;
    assert_eq!(objects, Vec::<String>::new(), "no object version or delete marker is left");
    let mut left: Vec<Value> = left.into_iter().map(|(_, v)| v).collect();
    left.sort_by_key(|v| v["user_id"] == "_erase");
    assert_eq!(left.len(), 2, "{left:#?}");
    assert_eq!(left[0]["period"], "account", "the tombstone: {:#}", left[0]);
    assert_eq!(left[0]["deletion_id"], started.as_str());
    let tombstone: Vec<&String> = left[0].as_object().unwrap().keys().collect();
    assert!(
        tombstone
            .iter()
            .all(|k| ["user_id", "period", "deleted_at", "deletion_id", "tokens_before"].contains(&k.as_str())),
        "{tombstone:?}"
    );
    assert_eq!(left[1]["user_id"], "_erase", "{:#}", left[1]);
    assert!(
        left[1].get("username").is_none(),
        "the username goes with the Cognito user: {:#}",
        left[1]
    );
    let messages = all_messages(&t).await;
    assert!(messages.iter().all(|m| !m.contains(&a_sub)), "{messages:?}");

    // The Cognito user is gone: signing in fails.
    let login = local::cognito::login(&t.http, &t.stack.pool, "alice", "Test-Password-123").await;
    assert!(login.is_err(), "alice can't sign in any more");

    // Bob's data is byte for byte what it was.
    let bob_after = (
        left_of(&t, &b_sub).await,
        all_versions(&t)
            .await
            .into_iter()
            .filter(|(k, _)| k.contains(&b_sub))
            .collect::<Vec<_>>(),
    );
    assert_eq!(bob_before, bob_after, "another user's data is untouched");

    // After its time the tombstone goes too: nothing of alice at all.
    let runs = erase_until(&t, chrono::Utc::now() + TOMBSTONE_KEEP, |r| r.tombstones_removed == 1).await;
    assert_eq!(runs.last().unwrap().errors, 0, "{runs:?}");
    assert_eq!(left_of(&t, &a_sub).await, (vec![], vec![]));
    t.stop().await;
}

#[tokio::test]
async fn the_confirmation_must_be_the_callers_own_username() {
    let t = TestStack::start().await;
    let (alice, bob) = (t.user("alice").await, t.user("bob").await);
    let alice_sub = t.sub(&alice).await;
    for body in [
        json!({}),
        json!({ "confirm_username": "Alice" }),
        json!({ "confirm_username": "bob" }),
        json!({ "confirm_username": " alice" }),
    ] {
        let (s, b) = t.post(&alice, "/api/account/deletion", &body).await;
        assert_eq!(
            (s, b["error"]["code"].as_str()),
            (400, Some("confirmation_mismatch")),
            "{body}: {b}"
        );
    }
    let (s, b) = t
        .post(
            &alice,
            "/api/account/deletion",
            &json!({ "confirm_username": "alice", "user": "bob" }),
        )
        .await;
    assert_eq!(s, 400, "an unknown field: {b}");
    assert!(
        t.stack.app.store.tombstone(&alice_sub).await.unwrap().is_none(),
        "nothing was deleted"
    );
    // Bob confirming with his own name deletes his account, never alice's.
    delete_account(&t, &bob).await;
    assert!(t.stack.app.store.tombstone(&alice_sub).await.unwrap().is_none());
    assert_eq!(t.get(&alice, "/api/me").await.0, 200);
    // Asked twice at once (two tabs): one deletion, the same id.
    let sub = alice_sub.clone();
    let app = &t.stack.app;
    let first = app
        .store
        .start_deletion(&sub, "alice", "01JFIRST000000000000000000", "2026-12-06T23:00:00Z")
        .await
        .unwrap();
    let again = app
        .store
        .start_deletion(&sub, "alice", "01JSECOND00000000000000000", "2026-12-06T23:00:01Z")
        .await
        .unwrap();
    assert_eq!(
        (first, again),
        (
            shared::store::DeletionStarted::New {
                deletion_id: "01JFIRST000000000000000000".into()
            },
            shared::store::DeletionStarted::Already {
                deletion_id: "01JFIRST000000000000000000".into()
            }
        )
    );
    t.stop().await;
}
