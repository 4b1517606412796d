//! Lists of large items across DynamoDB's 1 MB Query page (the emulator cuts pages at 1 MB as
//! AWS does): full boards and long text jobs are listed page by page with every item exactly
//! once, newest first, full pages, and no cursor after the last. Long text jobs cross the 1 MB;
//! full boards must not (the list reads their small summary items), or boards-list runs past
//! its 5 s deadline (it did, when the summary was a projection of the whole board).
mod common;
use common::{TestStack, User};
use serde_json::{Value, json};

/// Follows `next_cursor` from `first` to the end: each page's ids (`key` names the list).
async fn all_pages(t: &TestStack, u: &User, first: &str, key: &str) -> Vec<Vec<String>> {
    let mut pages = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("{first}&cursor={c}"),
            None => first.to_string(),
        };
        let (s, page) = t.get(u, &path).await;
        assert_eq!(s, 200, "{path}: {page}");
        let ids: Vec<String> = page[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["id"].as_str().unwrap().to_string())
            .collect();
        pages.push(ids);
        assert!(pages.len() <= 50, "the cursor never ends");
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => return pages,
        }
    }
}

/// `n` finished images of the user's, by asset id.
async fn images(t: &TestStack, u: &User, n: usize) -> Vec<String> {
    let mut out = Vec::new();
    for i in 0..n {
        let id = t.generate(u, &format!("tile source {i}")).await["id"].as_str().unwrap().to_string();
        let done = t.wait_finished(u, &id).await;
        assert_eq!(done["job"]["status"], "succeeded", "{done}");
        out.push(done["job"]["asset_ids"][0].as_str().unwrap().to_string());
    }
    out
}

/// 500 tiles of the longest ids, each linked, at far coordinates: a board item of ~60 KB.
fn full_tiles(assets: &[String]) -> Vec<Value> {
    (0..500)
        .map(|i| {
            json!({
                "id": format!("tile-{i:011}"), "asset_id": assets[i % assets.len()],
                "x": -99_000 - i as i64, "y": 99_000 + i as i64, "w": 4000, "h": 3999, "z": 999_000 + i as i64,
                "linked_from": format!("tile-{:011}", (i + 1) % 500),
            })
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thirty_full_boards_are_listed_each_once_across_pages() {
    let t = TestStack::start().await;
    let u = t.user("alice").await;
    let assets = images(&t, &u, 3).await;
    let tiles = full_tiles(&assets);
    let mut made = Vec::new();
    for i in 0..30 {
        let (s, b) = t.post(&u, "/api/boards", &json!({ "name": format!("Full board {i:02}") })).await;
        assert_eq!(s, 201, "{b}");
        let id = b["board"]["id"].as_str().unwrap().to_string();
        let r = t
            .http
            .put(t.url(&format!("/api/boards/{id}")))
            .bearer_auth(&u.token)
            .json(&json!({ "version": 1, "tiles": tiles }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200, "{}", r.text().await.unwrap_or_default());
        made.push(id);
    }

    let pages = all_pages(&t, &u, "/api/boards?limit=25", "boards").await;
    let sizes: Vec<usize> = pages.iter().map(Vec::len).collect();
    assert_eq!(sizes, [25, 5], "full pages, then the rest");
    let seen: Vec<String> = pages.concat();
    made.reverse();
    assert_eq!(seen, made, "every board once, newest first");
    // The summaries carry their tile count (the list reads summary items, never the tiles).
    let (_, last) = t.get(&u, "/api/boards?limit=1").await;
    assert_eq!(last["boards"][0]["tile_count"], 500, "{last}");
    t.stop().await;
}

/// Records a finished prompt-rewrite job of the longest text a user can cause: a 2 000-character
/// prompt and four 2 000-character proposals, all of 4-byte characters (about 40 KB).
async fn long_text_job(app: &shared::App, user: &shared::domain::UserId) -> String {
    use shared::clock;
    use shared::domain::text::{MAX_PROPOSAL_CHARS, MAX_PROPOSALS};
    use shared::domain::{Job, JobId, JobKind, JobStatus, MAX_PROMPT_CHARS, Micros};
    use shared::store::{CreateOutcome, Reservation};
    let now = clock::rfc3339(clock::now());
    let mut options = serde_json::Map::new();
    options.insert("system_prompt".into(), json!("You rewrite prompts for a text-to-image model."));
    options.insert("max_tokens".into(), json!(400));
    let job = Job {
        user_id: user.clone(),
        job_id: JobId::new(),
        kind: JobKind::Text,
        model: "llama-3-8b".into(),
        prompt: "\u{1F98A}".repeat(MAX_PROMPT_CHARS),
        options,
        source_asset_ids: vec![],
        source_roles: vec![],
        status: JobStatus::Succeeded,
        error: None,
        asset_ids: vec![],
        estimated_micros: Micros(1_000),
        cost_micros: Some(Micros(500)),
        created_at: now.clone(),
        updated_at: now,
        prediction_id: None,
        open: None,
        quota_period: clock::period(clock::now()),
        request_hash: None,
        claimed_at: None,
        texts: vec!["\u{1F332}".repeat(MAX_PROPOSAL_CHARS); MAX_PROPOSALS],
        provider: None,
        strays: vec![],
        collection_id: None,
    };
    let res = Reservation {
        period: job.quota_period.clone(),
        amount: job.estimated_micros,
        limit: Micros(100_000_000),
        starts: None,
        storage_limit: None,
    };
    let out = app.store.create_job(&job, &res, None).await.unwrap();
    assert!(matches!(out, CreateOutcome::Created), "{out:?}");
    job.job_id.to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_and_twenty_long_text_jobs_are_listed_each_once_across_pages() {
    let t = TestStack::start().await;
    let u = t.user("alice").await;
    let me = t.sub(&u).await;
    let mut made = Vec::new();
    for _ in 0..120 {
        made.push(long_text_job(&t.stack.app, &me).await);
    }
    // About 24 of these fill a 1 MB Query page; a page of 50 spans several.
    let pages = all_pages(&t, &u, "/api/jobs?limit=50", "jobs").await;
    let sizes: Vec<usize> = pages.iter().map(Vec::len).collect();
    assert_eq!(sizes, [50, 50, 20], "full pages, then the rest");
    let seen: Vec<String> = pages.concat();
    made.sort();
    made.reverse();
    assert_eq!(seen, made, "every job once, newest first");
    t.stop().await;
}
