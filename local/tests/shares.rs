//! Share links (`/api/shares`, the public `POST /api/shared`): a link opens without sign-in and
//! shows its one thing and nothing else of the owner's; the prompt only when switched on; a
//! revoked or expired link, or one whose asset is in the trash, is the same 404 at once as a
//! malformed, truncated, over-long or guessed token; a trashed tile leaves a shared board;
//! another user can neither share nor revoke what is not theirs; the owner's list counts
//! opens; the public route answers 429 past its per-source limit.
mod common;
use common::{TestStack, User};
use serde_json::{Value, json};

/// The public read, as the share page makes it: no Authorization, the token in the body.
async fn open(t: &TestStack, token: &Value) -> (u16, Value, reqwest::header::HeaderMap) {
    let r = t
        .http
        .post(t.url("/api/shared"))
        .json(&json!({ "token": token }))
        .send()
        .await
        .unwrap();
    let (s, h) = (r.status().as_u16(), r.headers().clone());
    (s, r.json().await.unwrap_or(Value::Null), h)
}

fn token_of(url: &str) -> String {
    let (_, t) = url.split_once("#t=").unwrap_or_else(|| panic!("no #t= in {url}"));
    t.to_string()
}

async fn share(t: &TestStack, u: &User, kind: &str, id: &str, show_prompt: bool) -> (String, String) {
    let body = json!({ "kind": kind, "id": id, "expires_in_hours": 24, "show_prompt": show_prompt });
    let (s, b) = t.post(u, "/api/shares", &body).await;
    assert_eq!(s, 201, "{b}");
    let url = b["url"].as_str().unwrap();
    assert!(url.contains("/share.html#t="), "{url}");
    (b["share"]["id"].as_str().unwrap().to_string(), token_of(url))
}

async fn image(t: &TestStack, u: &User, prompt: &str) -> String {
    let id = t.generate(u, prompt).await["id"].as_str().unwrap().to_string();
    let done = t.wait_finished(u, &id).await;
    assert_eq!(done["job"]["status"], "succeeded", "{done}");
    done["job"]["asset_ids"][0].as_str().unwrap().to_string()
}

/// Every key anywhere in `v`.
fn keys(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(o) => {
            for (k, x) in o {
                out.push(k.clone());
                keys(x, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| keys(x, out)),
        _ => {}
    }
}

/// The `Expires` of a signed media URL, in seconds from now.
fn expires_in(url: &str) -> i64 {
    let e = url.split("Expires=").nth(1).expect("a signed URL").split('&').next().unwrap();
    e.parse::<i64>().unwrap() - shared::clock::now().timestamp()
}

#[tokio::test]
async fn a_link_shows_its_asset_to_anyone_until_revoked_and_nothing_else() {
    let t = TestStack::start().await;
    let (alice, bob) = (t.user("alice").await, t.user("bob").await);
    let shared_id = image(&t, &alice, "a secret lighthouse recipe").await;
    let other = image(&t, &alice, "something private").await;

    let (share_id, token) = share(&t, &alice, "asset", &shared_id, false).await;
    let (s, page, headers) = open(&t, &json!(token)).await;
    assert_eq!(s, 200, "{page}");
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(page["kind"], "asset");
    let assets = page["assets"].as_array().unwrap();
    assert_eq!(assets.len(), 1, "{page}");
    assert_eq!(assets[0]["id"], shared_id.as_str());
    // Media signed for minutes, not the app's hour, and it loads.
    let url = assets[0]["url"].as_str().unwrap();
    let ttl = expires_in(url);
    assert!((60..=600).contains(&ttl), "signed for {ttl} s");
    let media = t.http.get(url).send().await.unwrap();
    assert_eq!(media.status(), 200);
    // Nothing of the owner's but this asset: no prompt (switched off), owner, costs, lineage.
    let text = page.to_string();
    for secret in ["secret lighthouse", "something private", &other, "alice"] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
    let mut found = Vec::new();
    keys(&page, &mut found);
    for banned in [
        "prompt",
        "user_id",
        "email",
        "username",
        "cost_usd",
        "estimated_cost_usd",
        "cost",
        "parent_ids",
        "job_id",
        "s3_key",
        "download_url",
        "saved",
        "bytes",
        "token_hash",
    ] {
        assert!(!found.iter().any(|k| k == banned), "{banned} in {text}");
    }

    // With the switch on, the prompt is there.
    let (_, with_prompt) = share(&t, &alice, "asset", &shared_id, true).await;
    let (s, page, _) = open(&t, &json!(with_prompt)).await;
    assert_eq!(s, 200, "{page}");
    assert_eq!(page["assets"][0]["prompt"], "a secret lighthouse recipe");

    // The owner's list counts the opens; bob sees none of alice's links and can't revoke one.
    open(&t, &json!(token)).await;
    let (s, list) = t.get(&alice, "/api/shares").await;
    assert_eq!(s, 200, "{list}");
    let mine = list["shares"].as_array().unwrap();
    assert_eq!(mine.len(), 2, "{list}");
    let first = mine.iter().find(|x| x["id"] == share_id.as_str()).unwrap();
    assert_eq!(first["opens"], 2, "{first}");
    assert_eq!(first["target_id"], shared_id.as_str());
    assert!(!list.to_string().contains(&token), "the list shows no token");
    let (_, theirs) = t.get(&bob, "/api/shares").await;
    assert_eq!(theirs["shares"], json!([]));
    assert_eq!(t.delete(&bob, &format!("/api/shares/{share_id}")).await, 404);
    let (s, _, _) = open(&t, &json!(token)).await;
    assert_eq!(s, 200, "bob's revoke touched nothing");

    // Revoked: a 404 at once, the same answer as a token that never was.
    assert_eq!(t.delete(&alice, &format!("/api/shares/{share_id}")).await, 204);
    let (s, gone, headers) = open(&t, &json!(token)).await;
    assert_eq!(s, 404, "{gone}");
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(gone["error"]["code"], "not_found");
    let (_, never, _) = open(&t, &json!("A".repeat(43))).await;
    assert_eq!(gone, never);
    assert_eq!(t.delete(&alice, &format!("/api/shares/{share_id}")).await, 404);
    let (_, list) = t.get(&alice, "/api/shares").await;
    assert_eq!(list["shares"].as_array().unwrap().len(), 1, "{list}");

    // A deleted asset (in the trash) is gone from its link at once: the same 404 as a token
    // that never was. Restored, the same link opens it again; purged, it is gone for good.
    assert_eq!(t.delete(&alice, &format!("/api/assets/{shared_id}")).await, 204);
    let (s, trashed, _) = open(&t, &json!(with_prompt)).await;
    assert_eq!(s, 404, "{trashed}");
    assert_eq!(trashed, never);
    let (s, back) = t.post(&alice, &format!("/api/trash/{shared_id}/restore"), &json!({})).await;
    assert_eq!(s, 200, "{back}");
    let (s, page, _) = open(&t, &json!(with_prompt)).await;
    assert_eq!((s, &page["assets"][0]["id"]), (200, &json!(shared_id)), "{page}");
    assert_eq!(t.delete(&alice, &format!("/api/assets/{shared_id}")).await, 204);
    assert_eq!(t.delete(&alice, &format!("/api/trash/{shared_id}")).await, 204);
    let (s, purged, _) = open(&t, &json!(with_prompt)).await;
    assert_eq!((s, &purged), (404, &never));
    t.stop().await;
}

#[tokio::test]
async fn bad_truncated_over_long_guessed_and_expired_tokens_are_the_same_404() {
    let t = TestStack::start().await;
    let alice = t.user("alice").await;
    let asset = image(&t, &alice, "a harbour at dawn").await;
    let (share_id, token) = share(&t, &alice, "asset", &asset, true).await;
    let (s, _, _) = open(&t, &json!(token)).await;
    assert_eq!(s, 200);

    let mut guessed = token.clone().into_bytes();
    guessed[10] = if guessed[10] == b'A' { b'B' } else { b'A' };
    let candidates = [
        json!(""),
        json!(&token[..token.len() - 1]),
        json!(&token[..8]),
        json!(format!("{token}A")),
        json!(format!("{token}{}", "A".repeat(5000))),
        json!(String::from_utf8(guessed).unwrap()),
        json!(token.to_uppercase()),
        json!(format!("{} ", &token[..42])),
        json!("../../etc/passwd"),
        json!("é".repeat(43)),
    ];
    let (_, reference, _) = open(&t, &json!("A".repeat(43))).await;
    assert_eq!(reference["error"]["code"], "not_found", "{reference}");
    for c in &candidates {
        let (s, body, _) = open(&t, c).await;
        assert_eq!((s, &body), (404, &reference), "token {c}");
    }
    // Not a string at all is a malformed request, not a token.
    let (s, body, _) = open(&t, &json!(12345)).await;
    assert_eq!(s, 400, "{body}");

    // Expired (the clock passed it; DynamoDB's TTL has not removed the items yet): 404 too,
    // and the owner's list no longer shows it.
    let sdk = shared::app::sdk_config("us-east-1", Some(&t.stack.moto.url));
    let ddb = aws_sdk_dynamodb::Client::new(&sdk);
    let table = &t.stack.resources.tables.shares;
    let items = ddb.scan().table_name(table).send().await.unwrap().items.unwrap_or_default();
    let past = shared::clock::now().timestamp() - 1;
    let mut touched = 0;
    for item in items.iter().filter(|i| i.contains_key("share_id")) {
        let key = [("pk", item["pk"].clone()), ("sk", item["sk"].clone())];
        ddb.update_item()
            .table_name(table)
            .set_key(Some(key.into_iter().map(|(k, v)| (k.to_string(), v)).collect()))
            .update_expression("SET expires_at = :p")
            .expression_attribute_values(":p", aws_sdk_dynamodb::types::AttributeValue::N(past.to_string()))
            .send()
            .await
            .unwrap();
        touched += 1;
    }
    assert_eq!(touched, 2, "the owner's item and the token's lookup item");
    let (s, body, _) = open(&t, &json!(token)).await;
    assert_eq!((s, &body), (404, &reference));
    let (_, list) = t.get(&alice, "/api/shares").await;
    assert_eq!(list["shares"], json!([]), "{list}");
    // Still the owner's to revoke (it is theirs until TTL removes it).
    assert_eq!(t.delete(&alice, &format!("/api/shares/{share_id}")).await, 204);
    t.stop().await;
}

#[tokio::test]
async fn only_the_owner_shares_and_every_rule_is_a_400_naming_its_field() {
    let t = TestStack::start().await;
    let (alice, bob) = (t.user("alice").await, t.user("bob").await);
    let asset = image(&t, &alice, "a quiet field").await;
    let (s, board) = t.post(&alice, "/api/boards", &json!({ "name": "moodboard" })).await;
    assert_eq!(s, 201, "{board}");
    let board_id = board["board"]["id"].as_str().unwrap();

    for (kind, id) in [
        ("asset", asset.as_str()),
        ("board", board_id),
        ("set", board_id),
        ("story", asset.as_str()),
    ] {
        let body = json!({ "kind": kind, "id": id, "expires_in_hours": 1 });
        let (s, b) = t.post(&bob, "/api/shares", &body).await;
        assert_eq!(s, 404, "bob shares alice's {kind}: {b}");
        assert_eq!(b["error"]["code"], "not_found");
    }
    let ok = json!({ "kind": "asset", "id": asset, "expires_in_hours": 1 });
    let mut cases = Vec::new();
    for (field, value, want) in [
        ("expires_in_hours", json!(0), "expires_in_hours"),
        ("expires_in_hours", json!(721), "expires_in_hours"),
        ("expires_in_hours", json!(-1), "expires_in_hours"),
        ("kind", json!("folder"), "kind"),
    ] {
        let mut b = ok.clone();
        b[field] = value;
        cases.push((b, Some(want)));
    }
    for (field, value) in [
        ("expires_in_hours", json!(1.5)),
        ("expires_in_hours", json!("24")),
        ("show_prompt", json!("yes")),
    ] {
        let mut b = ok.clone();
        b[field] = value;
        cases.push((b, None));
    }
    let mut unknown = ok.clone();
    unknown["surprise"] = json!(1);
    cases.push((unknown, None));
    for (body, field) in cases {
        let (s, b) = t.post(&alice, "/api/shares", &body).await;
        assert_eq!(s, 400, "{body}: {b}");
        assert_eq!(b["error"]["code"], "validation_error", "{b}");
        if let Some(f) = field {
            assert_eq!(b["error"]["field"], f, "{b}");
        }
    }
    let (_, list) = t.get(&alice, "/api/shares").await;
    assert_eq!(list["shares"], json!([]), "nothing was made: {list}");
    let (s, made) = t
        .post(
            &alice,
            "/api/shares",
            &json!({ "kind": "asset", "id": asset, "expires_in_hours": 720 }),
        )
        .await;
    assert_eq!(s, 201, "{made}");
    t.stop().await;
}

#[tokio::test]
async fn a_board_link_shows_the_boards_own_assets_and_no_other() {
    let t = TestStack::start().await;
    let alice = t.user("alice").await;
    let on_board = image(&t, &alice, "tile one").await;
    let off_board = image(&t, &alice, "not on the board").await;
    let (_, board) = t.post(&alice, "/api/boards", &json!({ "name": "Spring moodboard" })).await;
    let id = board["board"]["id"].as_str().unwrap();
    let tiles = json!([{ "id": "t1", "asset_id": on_board, "x": 0, "y": 0, "w": 100, "h": 100 }]);
    let r = t
        .http
        .put(t.url(&format!("/api/boards/{id}")))
        .bearer_auth(&alice.token)
        .json(&json!({ "version": 1, "tiles": tiles }))
        .send()
        .await
        .unwrap();
    let s = r.status().as_u16();
    let b: Value = r.json().await.unwrap();
    assert_eq!(s, 200, "{b}");
    let (_, token) = share(&t, &alice, "board", id, false).await;
    let (s, page, _) = open(&t, &json!(token)).await;
    assert_eq!(s, 200, "{page}");
    assert_eq!(page["title"], "Spring moodboard");
    let ids: Vec<&str> = page["assets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![on_board.as_str()]);
    assert_eq!(page["tiles"].as_array().unwrap().len(), 1, "{page}");
    assert!(!page.to_string().contains(&off_board));
    assert!(!page.to_string().contains("linked_from"));
    // A tile whose asset is in the trash shows nothing on the shared board.
    assert_eq!(t.delete(&alice, &format!("/api/assets/{on_board}")).await, 204);
    let (s, page, _) = open(&t, &json!(token)).await;
    assert_eq!(s, 200, "{page}");
    assert_eq!(page["assets"], json!([]), "{page}");
    assert!(!page.to_string().contains(&on_board), "{page}");
    t.stop().await;
}

#[tokio::test]
async fn the_public_route_answers_429_past_its_per_source_limit() {
    let t = TestStack::with(|o| o.extra_env.push(("PUBLIC_READS_PER_MINUTE".into(), "3".into()))).await;
    // A fixed one-minute window: start well inside one, so all four reads fall in it.
    let sec = shared::clock::now().timestamp().rem_euclid(60);
    if sec > 45 {
        tokio::time::sleep(std::time::Duration::from_secs((61 - sec) as u64)).await;
    }
    for _ in 0..3 {
        let (s, b, _) = open(&t, &json!("A".repeat(43))).await;
        assert_eq!(s, 404, "{b}");
    }
    let (s, b, h) = open(&t, &json!("A".repeat(43))).await;
    assert_eq!(s, 429, "{b}");
    assert_eq!(b["error"]["code"], "rate_limited", "{b}");
    assert!(b["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{b}");
    let retry: u64 = h["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "Retry-After {retry}");
    t.stop().await;
}

#[tokio::test]
async fn a_comparison_link_shows_each_models_picture_and_the_prompt_only_when_asked() {
    let t = TestStack::start().await;
    let alice = t.user("alice").await;
    let body = json!({ "prompt": "a windmill in fog", "models": ["imagen-4", "nano-banana"] });
    let (s, set) = t.post(&alice, "/api/sets", &body).await;
    assert_eq!(s, 202, "{set}");
    for job in set["jobs"].as_array().unwrap() {
        let done = t.wait_finished(&alice, job["id"].as_str().unwrap()).await;
        assert_eq!(done["job"]["status"], "succeeded", "{done}");
    }
    let id = set["set"]["id"].as_str().unwrap();
    for show in [false, true] {
        let (_, token) = share(&t, &alice, "set", id, show).await;
        let (s, page, _) = open(&t, &json!(token)).await;
        assert_eq!(s, 200, "{page}");
        let models: Vec<&str> = page["assets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["model"].as_str().unwrap())
            .collect();
        assert_eq!(models, vec!["imagen-4", "nano-banana"], "{page}");
        assert_eq!(page.to_string().contains("windmill"), show, "{page}");
        let mut found = Vec::new();
        keys(&page, &mut found);
        assert!(
            !found.iter().any(|k| k.contains("cost") || k == "job_ids" || k == "options"),
            "{page}"
        );
    }
    t.stop().await;
}
