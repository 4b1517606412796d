//! Collections (`/api/collections`): create, rename, list with counts, add and remove a
//! selection, the gallery filtered by a collection (full, exact pages, combinable with the
//! other filters), cross-user 404s, the limits, the studio's "add new results to…", and holds:
//! an unsaved result in a collection or on a board survives the expiry sweep, and gets a fresh
//! expiry when the last holder lets go. Deleting a collection deletes no asset; deleting an
//! asset removes its memberships.
mod common;
use common::{TestStack, User};
use serde_json::{Value, json};
use shared::domain::{AssetId, UserId};
use shared::service::sweep_expired;

const DAY: i64 = 86_400;

async fn send(t: &TestStack, u: &User, method: reqwest::Method, path: &str, body: Option<&Value>) -> (u16, Value) {
    let mut r = t.http.request(method, t.url(path)).bearer_auth(&u.token);
    if let Some(b) = body {
        r = r.json(b);
    }
    let r = r.send().await.unwrap();
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

async fn create(t: &TestStack, u: &User, name: &str) -> String {
    let (s, b) = t.post(u, "/api/collections", &json!({ "name": name })).await;
    assert_eq!(s, 201, "{b}");
    assert_eq!(b["collection"]["item_count"], 0);
    b["collection"]["id"].as_str().unwrap().to_string()
}

async fn members(t: &TestStack, u: &User, c: &str, action: &str, ids: &[&str]) -> (u16, Value) {
    t.post(
        u,
        &format!("/api/collections/{c}/assets"),
        &json!({ "action": action, "asset_ids": ids }),
    )
    .await
}

/// `n` finished images of the user's, newest last.
async fn images(t: &TestStack, u: &User, n: usize) -> Vec<String> {
    let mut out = Vec::new();
    for i in 0..n {
        let job = t.generate(u, &format!("collected picture {i}")).await;
        let done = t.wait_finished(u, job["id"].as_str().unwrap()).await;
        assert_eq!(done["job"]["status"], "succeeded", "{done}");
        out.push(done["job"]["asset_ids"][0].as_str().unwrap().to_string());
    }
    out
}

/// Every asset id of a gallery listing, page by page.
async fn listed(t: &TestStack, u: &User, query: &str, limit: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = format!("/api/assets?{query}&limit={limit}");
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let (s, b) = t.get(u, &path).await;
        assert_eq!(s, 200, "{b}");
        let page: Vec<String> = b["assets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_str().unwrap().to_string())
            .collect();
        match b["next_cursor"].as_str() {
            Some(c) => {
                assert_eq!(page.len(), limit, "a page before the last is full: {b}");
                cursor = Some(c.to_string());
                out.extend(page);
            }
            None => {
                out.extend(page);
                return out;
            }
        }
    }
}

async fn count(t: &TestStack, u: &User, c: &str) -> u64 {
    let (s, b) = t.get(u, &format!("/api/collections/{c}")).await;
    assert_eq!(s, 200, "{b}");
    b["collection"]["item_count"].as_u64().unwrap()
}

async fn expires_at(t: &TestStack, user: &UserId, id: &str) -> Option<i64> {
    t.stack
        .app
        .store
        .get_asset(user, &AssetId::parse(id).unwrap())
        .await
        .unwrap()
        .expect("asset exists")
        .expires_at
}

#[tokio::test]
async fn collections_group_assets_and_filter_the_gallery() {
    let t = TestStack::start().await;
    let (alice, bob) = (t.user("alice").await, t.user("bob").await);
    let imgs = images(&t, &alice, 5).await;
    let trip = create(&t, &alice, "  Trip to Lisbon ").await;
    let faces = create(&t, &alice, "Faces").await;
    let ids: Vec<&str> = imgs.iter().map(String::as_str).collect();

    // A selection goes in with one result per id; an unknown or another user's id is not_found.
    let bobs = images(&t, &bob, 1).await;
    let mut sel = vec![ids[0], ids[2], ids[3], ids[4], bobs[0].as_str(), "nope", ids[2]];
    let (s, b) = members(&t, &alice, &trip, "add", &sel).await;
    assert_eq!(s, 200, "{b}");
    let st: Vec<&str> = b["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(st, ["ok", "ok", "ok", "ok", "not_found", "not_found"], "{b}");
    // Adding again changes nothing; an asset can be in several collections.
    sel.truncate(2);
    assert_eq!(members(&t, &alice, &trip, "add", &sel).await.0, 200);
    assert_eq!(members(&t, &alice, &faces, "add", &[ids[2]]).await.0, 200);
    assert_eq!(count(&t, &alice, &trip).await, 4);
    assert_eq!(count(&t, &alice, &faces).await, 1);

    // The list shows names and counts, newest first.
    let (s, l) = t.get(&alice, "/api/collections").await;
    assert_eq!(s, 200);
    let names: Vec<(&str, u64)> = l["collections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["name"].as_str().unwrap(), c["item_count"].as_u64().unwrap()))
        .collect();
    assert_eq!(names, [("Faces", 1), ("Trip to Lisbon", 4)]);

    // The gallery filtered by it: newest first, full pages, nothing repeated or skipped.
    let want: Vec<String> = [4, 3, 2, 0].iter().map(|&i| imgs[i].clone()).collect();
    assert_eq!(listed(&t, &alice, &format!("collection={trip}"), 3).await, want);
    assert_eq!(listed(&t, &alice, &format!("collection={trip}"), 1).await, want);
    // Combined with saved: only the saved members, pages still full.
    for id in [&imgs[0], &imgs[3]] {
        assert_eq!(t.post(&alice, &format!("/api/assets/{id}/save"), &json!({})).await.0, 200);
    }
    let saved = listed(&t, &alice, &format!("collection={trip}&saved=true"), 1).await;
    assert_eq!(saved, [imgs[3].clone(), imgs[0].clone()]);
    assert_eq!(
        listed(&t, &alice, &format!("collection={trip}&kind=video"), 2).await,
        Vec::<String>::new()
    );
    assert_eq!(
        listed(&t, &alice, &format!("collection={trip}&model=imagen-4&saved=false"), 1).await,
        [imgs[4].clone(), imgs[2].clone()]
    );

    // Another user's collection is a 404 on every route, and their ids never list.
    let path = format!("/api/collections/{trip}");
    assert_eq!(t.get(&bob, &path).await.0, 404);
    assert_eq!(t.get(&bob, &format!("/api/assets?collection={trip}")).await.0, 404);
    assert_eq!(
        send(&t, &bob, reqwest::Method::PATCH, &path, Some(&json!({ "name": "x" }))).await.0,
        404
    );
    assert_eq!(members(&t, &bob, &trip, "add", &[bobs[0].as_str()]).await.0, 404);
    assert_eq!(members(&t, &bob, &trip, "remove", &[ids[0]]).await.0, 404);
    assert_eq!(t.delete(&bob, &path).await, 404);
    assert_eq!(count(&t, &alice, &trip).await, 4);

    // Rename; bad names are 400s naming the field.
    let (s, b) = send(&t, &alice, reqwest::Method::PATCH, &path, Some(&json!({ "name": "Lisbon 2026" }))).await;
    assert_eq!((s, b["collection"]["name"].as_str()), (200, Some("Lisbon 2026")), "{b}");
    let (s, b) = t.post(&alice, "/api/collections", &json!({ "name": "x".repeat(81) })).await;
    assert_eq!((s, b["error"]["field"].as_str()), (400, Some("name")), "{b}");

    // Remove a selection; removing a non-member is not_found and changes no count.
    let (s, b) = members(&t, &alice, &trip, "remove", &[ids[0], ids[1]]).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["results"][0]["status"], "ok");
    assert_eq!(b["results"][1]["status"], "not_found");
    assert_eq!(count(&t, &alice, &trip).await, 3);

    // Deleting an asset moves it to the trash (it leaves the collection's pages at once);
    // purging it removes its memberships (counts follow); deleting a collection deletes no asset.
    assert_eq!(t.delete(&alice, &format!("/api/assets/{}", imgs[2])).await, 204);
    assert!(
        !listed(&t, &alice, &format!("collection={trip}"), 10)
            .await
            .contains(&imgs[2].to_string())
    );
    assert_eq!(t.delete(&alice, &format!("/api/trash/{}", imgs[2])).await, 204);
    assert_eq!(count(&t, &alice, &trip).await, 2);
    assert_eq!(count(&t, &alice, &faces).await, 0);
    assert_eq!(t.delete(&alice, &path).await, 204);
    assert_eq!(t.get(&alice, &path).await.0, 404);
    assert_eq!(t.get(&alice, &format!("/api/assets/{}", imgs[4])).await.0, 200);
    let (_, l) = t.get(&alice, "/api/collections").await;
    assert_eq!(l["collections"].as_array().unwrap().len(), 1, "{l}");
    t.stop().await;
}

#[tokio::test]
async fn held_assets_do_not_expire_until_the_last_holder_lets_go() {
    let t = TestStack::start().await;
    let alice = t.user("alice").await;
    let user = t.sub(&alice).await;
    let imgs = images(&t, &alice, 2).await;
    let (in_coll, on_board) = (imgs[0].as_str(), imgs[1].as_str());
    assert!(expires_at(&t, &user, in_coll).await.is_some(), "an unsaved result expires");

    let c = create(&t, &alice, "Keep").await;
    assert_eq!(members(&t, &alice, &c, "add", &[in_coll]).await.0, 200);
    let (s, b) = t.post(&alice, "/api/boards", &json!({ "name": "Mood" })).await;
    assert_eq!(s, 201);
    let board = b["board"]["id"].as_str().unwrap().to_string();
    let tile = |id: &str| json!({ "id": "t1", "asset_id": id, "x": 0, "y": 0, "w": 100, "h": 100 });
    let (s, b) = send(
        &t,
        &alice,
        reqwest::Method::PUT,
        &format!("/api/boards/{board}"),
        Some(&json!({ "version": 1, "tiles": [tile(on_board)] })),
    )
    .await;
    assert_eq!(s, 200, "{b}");

    // Held: no expiry, and a sweep long after the old expiry deletes neither.
    assert_eq!(expires_at(&t, &user, in_coll).await, None);
    assert_eq!(expires_at(&t, &user, on_board).await, None);
    let later = shared::clock::now() + chrono::Duration::days(400);
    sweep_expired(&t.stack.app, later).await;
    for id in [in_coll, on_board] {
        assert_eq!(t.get(&alice, &format!("/api/assets/{id}")).await.0, 200, "{id} survived the sweep");
    }
    // Saved then unsaved while held: still no expiry.
    assert_eq!(t.post(&alice, &format!("/api/assets/{in_coll}/save"), &json!({})).await.0, 200);
    let r = t
        .http
        .delete(t.url(&format!("/api/assets/{in_coll}/save")))
        .bearer_auth(&alice.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(expires_at(&t, &user, in_coll).await, None);

    // The last holder lets go: a fresh expiry from now (not from creation).
    let before = shared::clock::now().timestamp();
    let days = i64::from(t.stack.app.config.unsaved_expiration_days);
    assert_eq!(members(&t, &alice, &c, "remove", &[in_coll]).await.0, 200);
    let (s, b) = send(
        &t,
        &alice,
        reqwest::Method::PUT,
        &format!("/api/boards/{board}"),
        Some(&json!({ "version": 2, "tiles": [] })),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    for id in [in_coll, on_board] {
        let at = expires_at(&t, &user, id).await.expect("expires again");
        assert!(
            at >= before + days * DAY && at <= shared::clock::now().timestamp() + days * DAY,
            "{id}: {at}"
        );
    }
    // And the sweep past it deletes them.
    sweep_expired(&t.stack.app, later).await;
    assert_eq!(t.get(&alice, &format!("/api/assets/{in_coll}")).await.0, 404);
    assert_eq!(t.get(&alice, &format!("/api/assets/{on_board}")).await.0, 404);

    // Deleting a board or a collection lets its assets go too.
    let more = images(&t, &alice, 1).await;
    let (_, b) = t.post(&alice, "/api/boards", &json!({ "name": "Gone" })).await;
    let gone = b["board"]["id"].as_str().unwrap().to_string();
    send(
        &t,
        &alice,
        reqwest::Method::PUT,
        &format!("/api/boards/{gone}"),
        Some(&json!({ "version": 1, "tiles": [tile(&more[0])] })),
    )
    .await;
    assert_eq!(members(&t, &alice, &c, "add", &[more[0].as_str()]).await.0, 200);
    assert_eq!(t.delete(&alice, &format!("/api/boards/{gone}")).await, 204);
    assert_eq!(expires_at(&t, &user, &more[0]).await, None, "still in a collection");
    assert_eq!(t.delete(&alice, &format!("/api/collections/{c}")).await, 204);
    assert!(expires_at(&t, &user, &more[0]).await.is_some(), "nothing holds it");
    t.stop().await;
}

#[tokio::test]
async fn studio_results_land_in_the_chosen_collection() {
    let t = TestStack::start().await;
    let (alice, bob) = (t.user("alice").await, t.user("bob").await);
    let c = create(&t, &alice, "Studio").await;
    let body = json!({ "model": "imagen-4", "prompt": "a lighthouse at dusk", "collection_id": c });
    let (s, b) = t.post(&alice, "/api/images/generate", &body).await;
    assert_eq!(s, 202, "{b}");
    let done = t.wait_finished(&alice, b["job"]["id"].as_str().unwrap()).await;
    let out = done["job"]["asset_ids"][0].as_str().unwrap().to_string();
    assert_eq!(listed(&t, &alice, &format!("collection={c}"), 10).await, [out]);
    assert_eq!(count(&t, &alice, &c).await, 1);
    // Another user's collection, or a malformed id, is refused before anything is queued.
    assert_eq!(t.post(&bob, "/api/images/generate", &body).await.0, 404);
    let bad = json!({ "model": "imagen-4", "prompt": "x", "collection_id": "nope" });
    let (s, b) = t.post(&alice, "/api/images/generate", &bad).await;
    assert_eq!((s, b["error"]["field"].as_str()), (400, Some("collection_id")), "{b}");
    // null is not "no collection": the contract types it a string, so it is refused too.
    let null = json!({ "model": "imagen-4", "prompt": "x", "collection_id": null });
    let (s, b) = t.post(&alice, "/api/images/generate", &null).await;
    assert_eq!(s, 400, "{b}");
    assert!(b["error"]["message"].as_str().unwrap().contains("null"), "{b}");

    // A collection deleted while its job runs is not recreated, and the job still succeeds.
    let (s, b) = t
        .post(
            &alice,
            "/api/images/generate",
            &json!({ "model": "imagen-4", "prompt": "second", "collection_id": c }),
        )
        .await;
    assert_eq!(s, 202, "{b}");
    assert_eq!(t.delete(&alice, &format!("/api/collections/{c}")).await, 204);
    let done = t.wait_finished(&alice, b["job"]["id"].as_str().unwrap()).await;
    assert_eq!(done["job"]["status"], "succeeded", "{done}");
    assert_eq!(t.get(&alice, &format!("/api/collections/{c}")).await.0, 404);
    let (_, l) = t.get(&alice, "/api/collections").await;
    assert_eq!(l["collections"], json!([]), "{l}");
    t.stop().await;
}

#[tokio::test]
async fn limits_are_409s_that_say_so() {
    let t = TestStack::start().await;
    let alice = t.user("alice").await;
    let max = shared::domain::collection::MAX_COLLECTIONS;
    for i in 0..max {
        create(&t, &alice, &format!("c{i}")).await;
    }
    let (s, b) = t.post(&alice, "/api/collections", &json!({ "name": "one too many" })).await;
    assert_eq!((s, b["error"]["code"].as_str()), (409, Some("conflict")), "{b}");
    assert!(b["error"]["message"].as_str().unwrap().contains(&max.to_string()), "{b}");
    // Deleting one makes room again.
    let (_, l) = t.get(&alice, "/api/collections?limit=1").await;
    let first = l["collections"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(t.delete(&alice, &format!("/api/collections/{first}")).await, 204);
    create(&t, &alice, "room again").await;
    t.stop().await;
}

#[tokio::test]
async fn the_backfill_releases_holds_an_interrupted_board_save_left() {
    use shared::domain::collection::Holder;
    let t = TestStack::start().await;
    let alice = t.user("alice").await;
    let user = t.sub(&alice).await;
    let imgs = images(&t, &alice, 2).await;
    let (stale, kept) = (AssetId::parse(&imgs[0]).unwrap(), imgs[1].as_str());
    let c = create(&t, &alice, "Kept").await;
    assert_eq!(members(&t, &alice, &c, "add", &[kept]).await.0, 200);
    // A save that placed the asset (its hold written first) and was cut before the board was:
    // the board never shows it.
    let (_, b) = t.post(&alice, "/api/boards", &json!({ "name": "Cut" })).await;
    let board = shared::domain::BoardId::parse(b["board"]["id"].as_str().unwrap()).unwrap();
    assert!(t.stack.app.store.add_hold(&user, &stale, &Holder::Board(board)).await.unwrap());
    assert_eq!(expires_at(&t, &user, stale.as_str()).await, None);

    let r = shared::service::backfill_assets(&t.stack.app.store, 30).await.unwrap();
    assert_eq!(r.holds_repaired, 1, "{r:?}");
    assert!(
        expires_at(&t, &user, stale.as_str()).await.is_some(),
        "nothing holds it: it expires again"
    );
    assert_eq!(expires_at(&t, &user, kept).await, None, "a real membership stays");
    let r = shared::service::backfill_assets(&t.stack.app.store, 30).await.unwrap();
    assert_eq!(r.holds_repaired, 0, "a second run finds nothing stale");
    t.stop().await;
}

#[tokio::test]
async fn a_held_asset_keeps_its_holds_through_the_trash_and_a_purge_drops_its_memberships() {
    let t = TestStack::start().await;
    let alice = t.user("alice").await;
    let user = t.sub(&alice).await;
    let imgs = images(&t, &alice, 2).await;
    let (kept, purged) = (imgs[0].as_str(), imgs[1].as_str());
    let c = create(&t, &alice, "Keep").await;
    assert_eq!(members(&t, &alice, &c, "add", &[kept, purged]).await.0, 200);
    assert_eq!(count(&t, &alice, &c).await, 2);

    // Trashed and restored: still held (no expiry), still in the collection, and a sweep long
    // after its old expiry leaves it.
    let del = |id: &str| t.http.delete(t.url(&format!("/api/assets/{id}"))).bearer_auth(&alice.token).send();
    assert_eq!(del(kept).await.unwrap().status().as_u16(), 204);
    let (s, b) = t.post(&alice, &format!("/api/trash/{kept}/restore"), &json!({})).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        expires_at(&t, &user, kept).await,
        None,
        "a restored asset in a collection is still held"
    );
    sweep_expired(&t.stack.app, shared::clock::now() + chrono::Duration::days(400)).await;
    assert_eq!(t.get(&alice, &format!("/api/assets/{kept}")).await.0, 200);
    assert!(listed(&t, &alice, &format!("collection={c}"), 10).await.contains(&kept.to_string()));

    // Trashed then purged: its membership goes with it and the count says so.
    assert_eq!(del(purged).await.unwrap().status().as_u16(), 204);
    let (s, _) = send(&t, &alice, reqwest::Method::DELETE, &format!("/api/trash/{purged}"), None).await;
    assert!(s == 200 || s == 204, "purge: {s}");
    assert_eq!(count(&t, &alice, &c).await, 1, "the purged asset's membership is gone");
    assert_eq!(listed(&t, &alice, &format!("collection={c}"), 10).await, vec![kept.to_string()]);
}

#[tokio::test]
async fn a_collection_counts_only_its_live_members_through_trash_restore_and_purge() {
    let t = TestStack::start().await;
    let u = t.user("cleo").await;
    let imgs = images(&t, &u, 3).await;
    let (a, b, c) = (imgs[0].as_str(), imgs[1].as_str(), imgs[2].as_str());
    let one = create(&t, &u, "One").await;
    let two = create(&t, &u, "Two").await;
    assert_eq!(members(&t, &u, &one, "add", &[a, b, c]).await.0, 200);
    assert_eq!(members(&t, &u, &two, "add", &[a]).await.0, 200);
    // What the Collections page says and what the filtered gallery shows agree at every step.
    let check = async |want_one: u64, want_two: u64| {
        assert_eq!(count(&t, &u, &one).await, want_one, "One");
        assert_eq!(count(&t, &u, &two).await, want_two, "Two");
        assert_eq!(listed(&t, &u, &format!("collection={one}"), 10).await.len() as u64, want_one);
        assert_eq!(listed(&t, &u, &format!("collection={two}"), 10).await.len() as u64, want_two);
    };
    check(3, 1).await;

    // Trashed, one alone and one in a batch: off the counts of every collection holding it.
    assert_eq!(t.delete(&u, &format!("/api/assets/{a}")).await, 204);
    check(2, 0).await;
    assert_eq!(
        t.post(&u, "/api/assets/batch", &json!({"action": "delete", "asset_ids": [b]}))
            .await
            .0,
        200
    );
    check(1, 0).await;
    // Restored: counted again.
    let (s, r) = t.post(&u, &format!("/api/trash/{a}/restore"), &json!({})).await;
    assert_eq!(s, 200, "{r}");
    check(2, 1).await;
    // Purged while trashed: its membership goes, and the count, which no longer held it, stays.
    let (s, _) = send(&t, &u, reqwest::Method::DELETE, &format!("/api/trash/{b}"), None).await;
    assert!(s == 200 || s == 204, "purge: {s}");
    check(2, 1).await;
    // Trashed and restored again, then taken out of a collection: one off, once.
    assert_eq!(t.delete(&u, &format!("/api/assets/{a}")).await, 204);
    assert_eq!(t.post(&u, &format!("/api/trash/{a}/restore"), &json!({})).await.0, 200);
    assert_eq!(members(&t, &u, &one, "remove", &[a]).await.0, 200);
    check(1, 1).await;
    t.stop().await;
}
