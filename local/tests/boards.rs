//! Boards (the canvas, `/api/boards`): every rule a 400 naming its field with nothing written,
//! another user's board a 404 on every route, a stale version a 409, and a 200-tile round trip.
//! A board is two items (its summary, which the list reads, and the whole board, which get
//! reads): every write keeps them the same board, and a delete leaves neither.
mod common;
use common::{TestStack, User};
use serde_json::{Value, json};

async fn send(t: &TestStack, u: &User, method: reqwest::Method, path: &str, body: Option<&Value>) -> (u16, Value) {
    let mut r = t.http.request(method, t.url(path)).bearer_auth(&u.token);
    if let Some(b) = body {
        r = r.json(b);
    }
    let r = r.send().await.unwrap();
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

async fn put(t: &TestStack, u: &User, id: &str, body: &Value) -> (u16, Value) {
    send(t, u, reqwest::Method::PUT, &format!("/api/boards/{id}"), Some(body)).await
}

async fn create(t: &TestStack, u: &User, name: &str) -> Value {
    let (s, b) = t.post(u, "/api/boards", &json!({ "name": name })).await;
    assert_eq!(s, 201, "{b}");
    assert_eq!(b["board"]["version"], 1);
    assert_eq!(b["board"]["tiles"], json!([]));
    b["board"].clone()
}

/// `n` finished images of the user's, by asset id.
async fn images(t: &TestStack, u: &User, n: usize) -> Vec<String> {
    let mut jobs = Vec::new();
    for i in 0..n {
        jobs.push(t.generate(u, &format!("tile source {i}")).await["id"].as_str().unwrap().to_string());
    }
    let mut out = Vec::new();
    for j in jobs {
        let done = t.wait_finished(u, &j).await;
        assert_eq!(done["job"]["status"], "succeeded", "{done}");
        out.push(done["job"]["asset_ids"][0].as_str().unwrap().to_string());
    }
    out
}

/// The board as read, after checking that the list shows the same board: name, version, times
/// and tile count (a write that changed one of its two items and not the other fails here).
async fn read_as_listed(t: &TestStack, u: &User, id: &str) -> Value {
    let (s, got) = t.get(u, &format!("/api/boards/{id}")).await;
    assert_eq!(s, 200, "{got}");
    let (s, list) = t.get(u, "/api/boards?limit=100").await;
    assert_eq!(s, 200, "{list}");
    let listed = list["boards"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["id"] == id)
        .unwrap_or_else(|| panic!("{id} is not listed: {list}"));
    let board = &got["board"];
    for k in ["name", "version", "created_at", "updated_at"] {
        assert_eq!(listed[k], board[k], "{k}: listed {listed}, read {}", board[k]);
    }
    assert_eq!(listed["tile_count"], board["tiles"].as_array().unwrap().len(), "{listed}");
    got
}

/// The sort keys of the user's board items in the `usage` table, sorted.
async fn board_items(t: &TestStack, u: &User) -> Vec<String> {
    let sub = t.sub(u).await;
    let sdk = shared::app::sdk_config("us-east-1", Some(&t.stack.moto.url));
    let ddb = aws_sdk_dynamodb::Client::new(&sdk);
    let out = ddb
        .query()
        .table_name(&t.stack.resources.tables.usage)
        .key_condition_expression("user_id = :u")
        .expression_attribute_values(":u", aws_sdk_dynamodb::types::AttributeValue::S(sub.as_str().into()))
        .consistent_read(true)
        .send()
        .await
        .unwrap();
    let mut keys: Vec<String> = out
        .items()
        .iter()
        .filter_map(|i| i.get("period").and_then(|p| p.as_s().ok()).cloned())
        .filter(|p| p.starts_with("board#") || p.starts_with("tiles#"))
        .collect();
    keys.sort();
    keys
}

fn tile(id: &str, asset: &str, x: i64, y: i64) -> Value {
    json!({ "id": id, "asset_id": asset, "x": x, "y": y, "w": 160, "h": 120, "z": 0 })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_rule_is_a_400_naming_its_field_and_writes_nothing() {
    let t = TestStack::start().await;
    let u = t.user("alice").await;
    let asset = images(&t, &u, 1).await.remove(0);
    let board = create(&t, &u, "  Ideas  ").await;
    assert_eq!(board["name"], "Ideas", "the name is trimmed");
    let id = board["id"].as_str().unwrap();
    let (s, saved) = put(&t, &u, id, &json!({ "version": 1, "tiles": [tile("a", &asset, 0, 0)] })).await;
    assert_eq!(s, 200, "{saved}");
    assert_eq!(saved["board"]["version"], 2);

    let good = tile("b", &asset, 10, 10);
    let with = |k: &str, v: Value| {
        let mut t = good.clone();
        t[k] = v;
        t
    };
    let cases: Vec<(Value, &str)> = vec![
        (json!({ "version": 2 }), "tiles"),
        (json!({ "version": 2, "name": " " }), "name"),
        (json!({ "version": 2, "name": "x".repeat(81) }), "name"),
        (json!({ "version": 2, "name": "bell\u{7}" }), "name"),
        (json!({ "version": 2, "tiles": [with("id", json!("no spaces"))] }), "tiles[0].id"),
        (json!({ "version": 2, "tiles": [with("id", json!("x".repeat(17)))] }), "tiles[0].id"),
        (json!({ "version": 2, "tiles": [good.clone(), good.clone()] }), "tiles[1].id"),
        (
            json!({ "version": 2, "tiles": [with("asset_id", json!("../etc"))] }),
            "tiles[0].asset_id",
        ),
        (json!({ "version": 2, "tiles": [with("x", json!(100_001))] }), "tiles[0].x"),
        (json!({ "version": 2, "tiles": [with("y", json!(-1e300))] }), "tiles[0].y"),
        (json!({ "version": 2, "tiles": [with("w", json!(39))] }), "tiles[0].w"),
        (json!({ "version": 2, "tiles": [with("h", json!(4001))] }), "tiles[0].h"),
        (json!({ "version": 2, "tiles": [with("z", json!(-1))] }), "tiles[0].z"),
        (
            json!({ "version": 2, "tiles": [with("linked_from", json!("b"))] }),
            "tiles[0].linked_from",
        ),
        (json!({ "version": 2, "tiles": vec![good.clone(); 501] }), "tiles"),
    ];
    for (body, field) in cases {
        let (s, b) = put(&t, &u, id, &body).await;
        assert_eq!(s, 400, "{field}: {b}");
        assert_eq!(b["error"]["code"], "validation_error", "{b}");
        assert_eq!(b["error"]["field"], field, "{b}");
    }
    // Shapes serde refuses: still a 400, still nothing written.
    for body in [
        json!({ "tiles": [] }),
        json!({ "version": 2, "tiles": [good.clone()], "owner": "x" }),
    ] {
        let (s, b) = put(&t, &u, id, &body).await;
        assert_eq!(s, 400, "{body}: {b}");
    }
    for (body, field) in [(json!({ "name": "" }), "name"), (json!({ "name": "\u{1b}[31m" }), "name")] {
        let (s, b) = t.post(&u, "/api/boards", &body).await;
        assert_eq!((s, b["error"]["field"].as_str()), (400, Some(field)), "{b}");
    }
    let (s, after) = t.get(&u, &format!("/api/boards/{id}")).await;
    assert_eq!(s, 200);
    assert_eq!(after["board"], saved["board"], "nothing was written");
    let (_, list) = t.get(&u, "/api/boards").await;
    assert_eq!(list["boards"].as_array().unwrap().len(), 1, "no board was created: {list}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_users_board_is_a_404_on_every_route_and_their_assets_cannot_be_placed() {
    let t = TestStack::start().await;
    let (a, b) = (t.user("mallory").await, t.user("victim").await);
    let b_asset = images(&t, &b, 1).await.remove(0);
    let theirs = create(&t, &b, "Private").await;
    let id = theirs["id"].as_str().unwrap();
    let (s, saved) = put(&t, &b, id, &json!({ "version": 1, "tiles": [tile("v", &b_asset, 5, 5)] })).await;
    assert_eq!(s, 200, "{saved}");

    let path = format!("/api/boards/{id}");
    for (method, body) in [
        (reqwest::Method::GET, None),
        (reqwest::Method::PUT, Some(json!({ "version": 2, "name": "mine now" }))),
        (reqwest::Method::PUT, Some(json!({ "version": 2, "tiles": [] }))),
        (reqwest::Method::DELETE, None),
    ] {
        let (s, r) = send(&t, &a, method.clone(), &path, body.as_ref()).await;
        assert_eq!(s, 404, "{method} {r}");
        assert_eq!(r["error"]["code"], "not_found");
    }
    let (_, list) = t.get(&a, "/api/boards").await;
    assert_eq!(list["boards"], json!([]), "{list}");

    // The victim's asset on the caller's own board: 404, as if it did not exist.
    let mine = create(&t, &a, "Mine").await;
    let mine_id = mine["id"].as_str().unwrap();
    let (s, r) = put(&t, &a, mine_id, &json!({ "version": 1, "tiles": [tile("x", &b_asset, 0, 0)] })).await;
    assert_eq!((s, r["error"]["code"].as_str()), (404, Some("not_found")), "{r}");
    let (s, r) = put(
        &t,
        &a,
        mine_id,
        &json!({ "version": 1, "tiles": [tile("x", "01JAAAAAAAAAAAAAAAAAAAAAAA-0", 0, 0)] }),
    )
    .await;
    assert_eq!(s, 404, "a missing asset: {r}");
    let (_, still) = t.get(&a, &format!("/api/boards/{mine_id}")).await;
    assert_eq!(still["board"]["version"], 1);

    let (s, v) = t.get(&b, &path).await;
    assert_eq!(s, 200);
    assert_eq!(v["board"], saved["board"], "the victim's board is untouched");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_version_is_a_409_and_the_newer_write_stays() {
    let t = TestStack::start().await;
    let u = t.user("alice").await;
    let asset = images(&t, &u, 1).await.remove(0);
    let id = create(&t, &u, "Shared").await["id"].as_str().unwrap().to_string();
    // Two devices read version 1; the first saves.
    let (s, first) = put(&t, &u, &id, &json!({ "version": 1, "tiles": [tile("a", &asset, 100, 100)] })).await;
    assert_eq!(s, 200, "{first}");
    assert_eq!(first["board"]["version"], 2);
    // The second saves what it read: refused, nothing written.
    let (s, r) = put(&t, &u, &id, &json!({ "version": 1, "name": "Renamed", "tiles": [] })).await;
    assert_eq!(s, 409, "{r}");
    assert_eq!(r["error"]["code"], "conflict");
    let msg = r["error"]["message"].as_str().unwrap();
    assert!(msg.contains("reload") && msg.contains("version 2"), "{msg}");
    let now = read_as_listed(&t, &u, &id).await;
    assert_eq!(now["board"], first["board"], "neither the summary nor the tiles were written");
    // After reloading it can save.
    let (s, r) = put(&t, &u, &id, &json!({ "version": 2, "name": "Renamed" })).await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["board"]["version"], 3);
    assert_eq!(r["board"]["tiles"], first["board"]["tiles"], "a rename keeps the tiles");
    assert_eq!(read_as_listed(&t, &u, &id).await["board"], r["board"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_tiles_round_trip_rename_delete_and_list_pages() {
    let t = TestStack::start().await;
    let u = t.user("alice").await;
    let assets = images(&t, &u, 3).await;
    let id = create(&t, &u, "Big").await["id"].as_str().unwrap().to_string();
    assert_eq!(board_items(&t, &u).await, [format!("board#{id}"), format!("tiles#{id}")]);
    read_as_listed(&t, &u, &id).await;
    let tiles: Vec<Value> = (0..200)
        .map(|i| {
            let mut v = json!({
                "id": format!("t{i:03}"), "asset_id": assets[i % 3],
                "x": (i % 20) as i64 * 180 - 1000, "y": (i / 20) * 140, "w": 160 + i % 7, "h": 120, "z": i,
            });
            if i > 0 && i % 10 == 0 {
                v["linked_from"] = json!(format!("t{:03}", i - 1));
            }
            v
        })
        .collect();
    let (s, saved) = put(&t, &u, &id, &json!({ "version": 1, "tiles": tiles })).await;
    assert_eq!(s, 200, "{saved}");
    assert_eq!(saved["board"]["tiles"], json!(tiles));
    let got = read_as_listed(&t, &u, &id).await;
    assert_eq!(got["board"]["tiles"], json!(tiles), "PUT then GET is identical");
    assert_eq!(got["board"]["version"], 2);
    let shown: Vec<&str> = got["assets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(shown.len(), 3, "each asset once");
    assert!(assets.iter().all(|a| shown.contains(&a.as_str())));
    assert!(
        got["assets"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["url"].as_str().is_some_and(|u| !u.is_empty()))
    );
    assert_eq!(got["missing_asset_ids"], json!([]));

    // A deleted asset stays on the board (it no longer blocks saves) and is listed as missing.
    let (s, _) = send(&t, &u, reqwest::Method::DELETE, &format!("/api/assets/{}", assets[0]), None).await;
    assert_eq!(s, 204);
    let (s, r) = put(&t, &u, &id, &json!({ "version": 2, "name": "  Big board  ", "tiles": tiles })).await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["board"]["name"], "Big board");
    let got = read_as_listed(&t, &u, &id).await;
    assert_eq!(got["missing_asset_ids"], json!([assets[0]]));
    assert_eq!(got["board"]["name"], "Big board");

    // Paging: newest first, every board once.
    let mut made = vec![id.clone()];
    for i in 0..4 {
        made.push(create(&t, &u, &format!("Board {i}")).await["id"].as_str().unwrap().to_string());
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/boards?limit=2&cursor={c}"),
            None => "/api/boards?limit=2".into(),
        };
        let (s, page) = t.get(&u, &path).await;
        assert_eq!(s, 200, "{page}");
        for b in page["boards"].as_array().unwrap() {
            assert!(b.get("tiles").is_none(), "the list leaves tiles out");
            seen.push((b["id"].as_str().unwrap().to_string(), b["tile_count"].as_u64().unwrap()));
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    made.reverse();
    assert_eq!(seen.iter().map(|(i, _)| i.clone()).collect::<Vec<_>>(), made);
    assert_eq!(seen.last().unwrap().1, 200, "the first board has its 200 tiles");

    let (s, _) = send(&t, &u, reqwest::Method::DELETE, &format!("/api/boards/{id}"), None).await;
    assert_eq!(s, 204);
    let (s, _) = t.get(&u, &format!("/api/boards/{id}")).await;
    assert_eq!(s, 404);
    let left = board_items(&t, &u).await;
    assert!(
        !left.iter().any(|k| k.ends_with(id.as_str())),
        "the summary and the tiles are gone: {left:?}"
    );
    assert_eq!(left.len(), 8, "the other four boards' items stay: {left:?}");
    let (s, _) = send(&t, &u, reqwest::Method::DELETE, &format!("/api/boards/{id}"), None).await;
    assert_eq!(s, 404, "deleting twice");
    let (s, r) = put(&t, &u, &id, &json!({ "version": 3, "name": "ghost" })).await;
    assert_eq!(s, 404, "{r}");
}
