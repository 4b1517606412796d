//! Prompt search (`GET /api/assets?q=`; docs/decisions/0004-search-index.md): word prefixes in
//! any case and accent, several words all matching, combined with kind, model, saved, a
//! collection and a date range, newest or oldest first, pages exact; a result's terms are
//! written with it (a real job), stay while it is in the trash (where no search finds it) and
//! go with its purge (the user's or the trash sweep's) and its expiry, a restored one is found
//! whole and keeps its marker (the backfill has nothing to redo), a long prompt is
//! indexed whole once the backfill catches up (and a second backfill writes nothing); another
//! user's assets and collections are never reached.
mod common;
use common::{TestStack, User};
use serde_json::json;
use shared::domain::{Asset, AssetId, AssetKind, AssetSource, UserId};

const DAY_MS: u64 = 86_400_000;
/// 2026-11-01T00:00:00Z in milliseconds.
const NOV_1: u64 = 1_793_491_200_000;

/// An asset id made at `day` days after 2026-11-01, `n` milliseconds into it.
fn id_at(day: u64, n: u64) -> AssetId {
    AssetId::parse(&ulid::Ulid::from_parts(NOV_1 + day * DAY_MS + n, n as u128).to_string()).unwrap()
}

fn date(day: u64) -> String {
    let t = chrono::DateTime::from_timestamp_millis((NOV_1 + day * DAY_MS) as i64).unwrap();
    t.format("%Y-%m-%d").to_string()
}

fn record(user: &UserId, id: AssetId, prompt: &str, kind: AssetKind, model: &str, saved: bool) -> Asset {
    Asset {
        user_id: user.clone(),
        s3_key: shared::media::object_key(user, &id, "png"),
        asset_id: id,
        kind,
        source: AssetSource::Generated,
        model: Some(model.into()),
        prompt: Some(prompt.into()),
        parent_ids: vec![],
        job_id: None,
        saved,
        content_type: "image/png".into(),
        bytes: 3,
        width: Some(1),
        height: Some(1),
        duration_s: None,
        created_at: shared::clock::rfc3339(shared::clock::now()),
        filename: None,
        expires_at: None,
        pinned: false,
        counted: false,
        thumb_key: None,
        thumb_bytes: 0,
    }
}

/// Writes an asset the way the worker does: its record (store::storage), then its terms.
async fn insert(t: &TestStack, user: &UserId, id: AssetId, prompt: &str, kind: AssetKind, model: &str, saved: bool) -> Asset {
    let asset = record(user, id, prompt, kind, model, saved);
    t.stack.app.store.put_asset(&asset).await.unwrap();
    shared::service::index_asset(&t.stack.app.store, &asset).await.unwrap();
    asset
}

/// Every page of `GET /api/assets?{query}&limit={limit}`, following the cursor: the ids.
async fn search(t: &TestStack, u: &User, query: &str, limit: usize) -> Vec<String> {
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..200 {
        let mut path = format!("/api/assets?{query}&limit={limit}");
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let (status, body) = t.get(u, &path).await;
        assert_eq!(status, 200, "{path}: {body}");
        let page: Vec<String> = body["assets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_str().unwrap().to_string())
            .collect();
        cursor = body["next_cursor"].as_str().map(str::to_string);
        if cursor.is_some() {
            assert_eq!(page.len(), limit, "{path}: a page before the last is full");
        }
        ids.extend(page);
        if cursor.is_none() {
            return ids;
        }
    }
    panic!("the cursor never ends");
}

fn ddb(t: &TestStack) -> aws_sdk_dynamodb::Client {
    aws_sdk_dynamodb::Client::new(&shared::app::sdk_config("us-east-1", Some(&t.stack.moto.url)))
}

/// How many of the search term items of an asset with this prompt exist (each term's
/// partition `{sub}#term#{term}`, the asset id its sort key).
async fn terms_of(t: &TestStack, user: &UserId, id: &str, prompt: &str) -> usize {
    use aws_sdk_dynamodb::types::AttributeValue::S;
    let mut n = 0;
    for term in shared::domain::search::index_terms(prompt) {
        let out = ddb(t)
            .get_item()
            .table_name(&t.stack.resources.tables.usage)
            .key("user_id", S(format!("{user}#term#{term}")))
            .key("period", S(id.into()))
            .send()
            .await
            .unwrap();
        n += usize::from(out.item.is_some());
    }
    n
}

/// A collection of `assets`, made and filled through the collections API (its summary and one
/// `cmember#` membership per asset in the usage table: contract 3 of docs/helpers).
async fn collection(t: &TestStack, u: &User, assets: &[&Asset]) -> String {
    let (status, body) = t.post(u, "/api/collections", &json!({"name": "foxes"})).await;
    assert_eq!(status, 201, "{body}");
    let id = body["collection"]["id"].as_str().unwrap().to_string();
    for chunk in assets.chunks(100) {
        let ids: Vec<&str> = chunk.iter().map(|a| a.asset_id.as_str()).collect();
        let path = format!("/api/collections/{id}/assets");
        let (status, body) = t.post(u, &path, &json!({"action": "add", "asset_ids": ids})).await;
        assert_eq!(status, 200, "{body}");
    }
    id
}

#[tokio::test]
async fn words_match_as_prefixes_in_any_case_and_accent_and_all_must_match() {
    let t = TestStack::start().await;
    let (u, other) = (t.user("searcher").await, t.user("neighbour").await);
    let sub = t.sub(&u).await;
    let img = AssetKind::Image;
    let dusk = insert(&t, &sub, id_at(0, 1), "A Lighthouse at dusk", img, "imagen-4", false).await;
    let cafe = insert(&t, &sub, id_at(0, 2), "Café crème on a marble table", img, "imagen-4", false).await;
    let keeper = insert(&t, &sub, id_at(0, 3), "the LIGHTHOUSE keeper drinks a cafe", img, "imagen-4", false).await;
    let flight = insert(
        &t,
        &sub,
        id_at(0, 4),
        "a flight over the photorealistic sea",
        img,
        "imagen-4",
        false,
    )
    .await;
    // Another user's lighthouse is never found by this one, nor theirs by this.
    let theirs = insert(&t, &t.sub(&other).await, id_at(0, 5), "lighthouse", img, "imagen-4", false).await;
    let ids = |v: &[&Asset]| v.iter().map(|a| a.asset_id.to_string()).collect::<Vec<_>>();

    assert_eq!(
        search(&t, &u, "q=light", 10).await,
        ids(&[&keeper, &dusk]),
        "a word prefix, newest first"
    );
    assert_eq!(search(&t, &u, "q=LiGhThOuSe", 10).await, ids(&[&keeper, &dusk]));
    assert_eq!(search(&t, &u, "q=caf%C3%A9", 10).await, ids(&[&keeper, &cafe]), "café finds cafe");
    assert_eq!(search(&t, &u, "q=CAFE", 10).await, ids(&[&keeper, &cafe]), "cafe finds Café");
    assert_eq!(search(&t, &u, "q=cafe%20light", 10).await, ids(&[&keeper]), "every word must match");
    assert_eq!(
        search(&t, &u, "q=ight", 10).await,
        Vec::<String>::new(),
        "a prefix, not a substring"
    );
    assert_eq!(search(&t, &u, "q=photorealistic", 10).await, ids(&[&flight]), "longer than a term");
    assert_eq!(search(&t, &u, "q=photorealisticx", 10).await, Vec::<String>::new());
    assert_eq!(search(&t, &u, "q=light%20sea", 10).await, Vec::<String>::new());
    assert_eq!(search(&t, &other, "q=light", 10).await, ids(&[&theirs]));
    t.stop().await;
}

#[tokio::test]
async fn search_combines_with_filters_a_collection_and_dates_both_ways_in_exact_pages() {
    let t = TestStack::start().await;
    let (u, other) = (t.user("filterer").await, t.user("stranger").await);
    let sub = t.sub(&u).await;
    // 60 assets over 12 days: "red fox" or "blue fox", images and videos, two models, some saved.
    let mut all: Vec<Asset> = Vec::new();
    for i in 0..60u64 {
        let prompt = if i % 3 == 0 { "a blue fox in snow" } else { "a red fox in autumn" };
        let kind = if i % 4 == 0 { AssetKind::Video } else { AssetKind::Image };
        let model = if i % 4 == 0 {
            "veo-3.1"
        } else if i % 2 == 0 {
            "imagen-4"
        } else {
            "nano-banana"
        };
        all.push(insert(&t, &sub, id_at(i / 5, i), prompt, kind, model, i % 5 == 1).await);
    }
    let members: Vec<&Asset> = all
        .iter()
        .filter(|a| a.asset_id.as_str() < all[40].asset_id.as_str())
        .step_by(2)
        .collect();
    let coll = collection(&t, &u, &members).await;
    let in_coll: Vec<String> = members.iter().map(|a| a.asset_id.to_string()).collect();

    let expect = |keep: &dyn Fn(&Asset) -> bool, oldest: bool| {
        let mut v: Vec<String> = all.iter().filter(|a| keep(a)).map(|a| a.asset_id.to_string()).collect();
        if !oldest {
            v.reverse();
        }
        v
    };
    let red = |a: &Asset| a.prompt.as_deref().unwrap().contains("red");
    let (from, to) = (date(2), date(7));
    let in_days = |a: &Asset| {
        let id = a.asset_id.as_str();
        id >= id_at(2, 0).as_str() && id < id_at(8, 0).as_str()
    };
    let cases: Vec<(String, Vec<String>)> = vec![
        ("q=fox".into(), expect(&|_| true, false)),
        ("q=red%20fo".into(), expect(&red, false)),
        ("q=red&sort=oldest".into(), expect(&red, true)),
        (
            "q=fox&kind=image&saved=false".into(),
            expect(&|a| a.kind == AssetKind::Image && !a.saved, false),
        ),
        (
            "q=red&model=nano-banana".into(),
            expect(&|a| red(a) && a.model.as_deref() == Some("nano-banana"), false),
        ),
        (format!("q=fox&from={from}&to={to}"), expect(&in_days, false)),
        (
            format!("q=red&from={from}&to={to}&sort=oldest"),
            expect(&|a| red(a) && in_days(a), true),
        ),
        (
            format!("q=fox&collection={coll}"),
            expect(&|a| in_coll.contains(&a.asset_id.to_string()), false),
        ),
        (
            format!("q=blue&collection={coll}&kind=video&sort=oldest"),
            expect(
                &|a| in_coll.contains(&a.asset_id.to_string()) && !red(a) && a.kind == AssetKind::Video,
                true,
            ),
        ),
        // A collection alone reads its members (the collections' path); with a date range or
        // the oldest first it is the join's: the same assets either way.
        (
            format!("collection={coll}"),
            expect(&|a| in_coll.contains(&a.asset_id.to_string()), false),
        ),
        (
            format!("collection={coll}&sort=oldest&kind=image"),
            expect(&|a| in_coll.contains(&a.asset_id.to_string()) && a.kind == AssetKind::Image, true),
        ),
        (
            format!("collection={coll}&from={from}&to={to}"),
            expect(&|a| in_coll.contains(&a.asset_id.to_string()) && in_days(a), false),
        ),
        // The plain gallery takes the date range and the order too.
        (format!("from={from}&to={to}"), expect(&in_days, false)),
        (
            format!("to={to}&sort=oldest&saved=true"),
            expect(&|a| a.saved && a.asset_id.as_str() < id_at(8, 0).as_str(), true),
        ),
        (
            format!("from={from}&to={from}"),
            expect(
                &|a| a.asset_id.as_str() >= id_at(2, 0).as_str() && a.asset_id.as_str() < id_at(3, 0).as_str(),
                false,
            ),
        ),
    ];
    for (query, want) in &cases {
        assert!(!want.is_empty(), "{query}: the case selects something");
        for limit in [1, 7, 25, 100] {
            assert_eq!(&search(&t, &u, query, limit).await, want, "{query} by {limit}");
        }
    }
    // Another user's collection id is not found, whatever they search.
    let (status, body) = t.get(&other, &format!("/api/assets?q=fox&collection={coll}")).await;
    assert_eq!(status, 404, "{body}");
    t.stop().await;
}

#[tokio::test]
async fn a_job_result_is_found_stays_indexed_in_the_trash_and_leaves_the_index_when_purged_or_expired() {
    let t = TestStack::start().await;
    let u = t.user("keeper").await;
    let sub = t.sub(&u).await;
    // Through the real worker: its result is indexed as it is written.
    let job = t.generate(&u, "A zebra crossing at Montréal").await;
    let job = t.wait_finished(&u, job["id"].as_str().unwrap()).await;
    let made: Vec<String> = job["assets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_string())
        .collect();
    assert!(!made.is_empty(), "{job}");
    assert_eq!(search(&t, &u, "q=montreal%20zeb", 10).await, made);
    let prompt = "A zebra crossing at Montréal";
    assert_eq!(
        terms_of(&t, &sub, &made[0], prompt).await,
        shared::domain::search::index_terms(prompt).len()
    );

    let all_terms = shared::domain::search::index_terms(prompt).len();
    // Deleted (to the trash): no hit, in either order, but its terms stay (trashing is no hard
    // delete), so a restore finds it again without a re-index.
    assert_eq!(t.delete(&u, &format!("/api/assets/{}", made[0])).await, 204);
    for query in ["q=zebra", "q=zebra&sort=oldest", "q=zebra&from=2000-01-01&sort=oldest"] {
        assert!(
            search(&t, &u, query, 10).await.iter().all(|id| *id != made[0]),
            "{query} finds a trashed asset"
        );
    }
    assert_eq!(terms_of(&t, &sub, &made[0], prompt).await, all_terms);
    let (s, back) = t.post(&u, &format!("/api/trash/{}/restore", made[0]), &serde_json::json!({})).await;
    assert_eq!(s, 200, "{back}");
    assert_eq!(search(&t, &u, "q=montreal%20zeb", 10).await, made);
    // Deleted for good (purged from the trash): no hit, no term left behind.
    assert_eq!(t.delete(&u, &format!("/api/assets/{}", made[0])).await, 204);
    assert_eq!(t.delete(&u, &format!("/api/trash/{}", made[0])).await, 204);
    assert!(search(&t, &u, "q=zebra", 10).await.iter().all(|id| *id != made[0]));
    assert_eq!(terms_of(&t, &sub, &made[0], prompt).await, 0);

    // Purged by the trash sweep after its days in the trash: the same.
    let swept = insert(&t, &sub, id_at(0, 8), "a swept zebra", AssetKind::Image, "imagen-4", true).await;
    let long_ago = shared::clock::now() - chrono::Duration::days(40);
    let due = shared::domain::trash::purge_at(long_ago, 30);
    assert!(t.stack.app.store.trash_asset(&swept, long_ago, due).await.unwrap().is_some());
    assert!(!search(&t, &u, "q=zebra", 10).await.contains(&swept.asset_id.to_string()));
    assert!(terms_of(&t, &sub, swept.asset_id.as_str(), "a swept zebra").await > 0);
    let r = shared::service::trash_sweep::sweep_trash(&t.stack.app, shared::clock::now()).await;
    assert_eq!((r.purged, r.errors), (1, 0), "{r:?}");
    assert_eq!(terms_of(&t, &sub, swept.asset_id.as_str(), "a swept zebra").await, 0);

    // Expired (the sweep): the same.
    let doomed = insert(&t, &sub, id_at(0, 9), "an unsaved zebra", AssetKind::Image, "imagen-4", false).await;
    let expiring = Asset {
        expires_at: Some(shared::clock::now().timestamp() - 60),
        counted: true,
        ..doomed.clone()
    };
    assert!(
        t.stack
            .app
            .store
            .set_saved(&expiring, false, expiring.expires_at)
            .await
            .unwrap()
            .is_some()
    );
    assert!(search(&t, &u, "q=zebra", 10).await.contains(&doomed.asset_id.to_string()));
    let r = shared::service::sweep_expired(&t.stack.app, shared::clock::now()).await;
    assert_eq!(r.expired, 1, "{r:?}");
    assert!(!search(&t, &u, "q=zebra", 10).await.contains(&doomed.asset_id.to_string()));
    assert_eq!(terms_of(&t, &sub, doomed.asset_id.as_str(), "an unsaved zebra").await, 0);
    t.stop().await;
}

#[tokio::test]
async fn a_long_prompt_is_indexed_whole_after_the_backfill_catches_up_and_a_second_run_writes_nothing() {
    let t = TestStack::start().await;
    let u = t.user("novelist").await;
    let sub = t.sub(&u).await;
    // 130 distinct words and a repeated filler up to ~2,000 characters: 275 terms, far more
    // than a transaction's 100 items, within the 400 an asset is indexed under.
    let words: Vec<String> = (0..130).map(|i| format!("w{i:03}q")).collect();
    let mut prompt = words.join(" ");
    while prompt.chars().count() < 1_990 {
        prompt.push_str(" again");
    }
    assert!(prompt.chars().count() <= 2000);
    let terms = shared::domain::search::index_terms(&prompt);
    assert!(terms.len() > 250, "{}", terms.len());
    // The writer stopped after 50 terms, before the marker: the end of the prompt is not found.
    let id = id_at(1, 1);
    let a = record(&sub, id.clone(), &prompt, AssetKind::Image, "imagen-4", false);
    t.stack.app.store.put_asset(&a).await.unwrap();
    t.stack.app.store.write_terms(&sub, &id, &terms[..50], true).await.unwrap();
    let last = words.last().unwrap();
    assert_eq!(search(&t, &u, &format!("q={last}"), 10).await, Vec::<String>::new());
    assert_eq!(
        search(&t, &u, &format!("q={}", words[0]), 10).await,
        [id.to_string()],
        "the first terms are there"
    );

    let r = shared::service::backfill_assets(&t.stack.app.store, 30).await.unwrap();
    assert_eq!(r.indexed, 1, "{r:?}");
    assert_eq!(search(&t, &u, &format!("q={last}"), 10).await, [id.to_string()]);
    assert_eq!(search(&t, &u, &format!("q={}%20{last}", words[0]), 10).await, [id.to_string()]);
    assert_eq!(terms_of(&t, &sub, id.as_str(), &prompt).await, terms.len());
    let again = shared::service::backfill_assets(&t.stack.app.store, 30).await.unwrap();
    assert_eq!((again.indexed, again.updated, again.counted), (0, 0, 0), "{again:?}");
    t.stop().await;
}

#[tokio::test]
async fn a_restored_asset_is_found_whole_and_the_backfill_has_nothing_left_to_index() {
    let t = TestStack::start().await;
    let u = t.user("restorer").await;
    let sub = t.sub(&u).await;
    // Indexed whole (marker written), then trashed and restored through the API.
    let whole = insert(&t, &sub, id_at(2, 1), "an owl over the marsh", AssetKind::Image, "imagen-4", true).await;
    // Trashed while its index was half written (the writer stopped before the marker): the
    // end of its prompt was never indexed.
    let words: Vec<String> = (0..40).map(|i| format!("v{i:03}k")).collect();
    let prompt = words.join(" ");
    let terms = shared::domain::search::index_terms(&prompt);
    let half = record(&sub, id_at(2, 2), &prompt, AssetKind::Image, "imagen-4", true);
    t.stack.app.store.put_asset(&half).await.unwrap();
    t.stack
        .app
        .store
        .write_terms(&sub, &half.asset_id, &terms[..20], true)
        .await
        .unwrap();
    let last = words.last().unwrap();
    for a in [&whole, &half] {
        assert_eq!(t.delete(&u, &format!("/api/assets/{}", a.asset_id)).await, 204);
        let (s, b) = t.post(&u, &format!("/api/trash/{}/restore", a.asset_id), &json!({})).await;
        assert_eq!(s, 200, "{b}");
    }
    assert_eq!(search(&t, &u, "q=owl%20marsh", 10).await, [whole.asset_id.to_string()]);
    assert_eq!(
        search(&t, &u, &format!("q={last}"), 10).await,
        [half.asset_id.to_string()],
        "the half-indexed asset is indexed whole on its restore"
    );
    assert_eq!(terms_of(&t, &sub, half.asset_id.as_str(), &prompt).await, terms.len());
    // Both records carry the index marker again: the backfill finds nothing to do.
    let r = shared::service::backfill_assets(&t.stack.app.store, 30).await.unwrap();
    assert_eq!(r.indexed, 0, "{r:?}");
    t.stop().await;
}
