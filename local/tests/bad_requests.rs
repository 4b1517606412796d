//! The bad-request corpus (`local/tests/fixtures/bad-requests.json`, over 500 hand-written
//! cases): broken encodings, huge numbers, deep nesting, unicode lookalikes, repeated keys,
//! wrong types, forged credentials, another user's ids and cursors on every id route, and a
//! caller whose storage is full (403 `storage_exceeded` on whatever would store). Each
//! request gets its documented status (and, for API errors, the api.md code and field) and an
//! error body with a message; afterwards every table, the bucket and the queue are exactly as
//! they were, so no bad request wrote anything.
mod common;
use base64::Engine;
use common::TestStack;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

#[derive(Deserialize)]
struct Corpus {
    groups: Vec<Group>,
}

#[derive(Deserialize)]
struct Group {
    vars: Vec<BTreeMap<String, String>>,
    cases: Vec<Map<String, Value>>,
}

#[derive(Deserialize, Clone, Debug)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    method: String,
    path: String,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    json: Option<Value>,
    raw: Option<String>,
    raw_hex: Option<String>,
    raw_repeat: Option<Vec<(String, usize)>>,
    #[serde(default)]
    auth: Option<String>,
    status: u16,
    code: Option<String>,
    field: Option<String>,
    #[serde(default)]
    all_not_found: bool,
}

/// Replaces every `{name}` of `vars` in every string of `v` (keys included).
fn fill(v: &Value, vars: &BTreeMap<String, String>) -> Value {
    match v {
        Value::String(s) => Value::String(fill_str(s, vars)),
        Value::Array(a) => Value::Array(a.iter().map(|x| fill(x, vars)).collect()),
        Value::Object(o) => Value::Object(o.iter().map(|(k, x)| (fill_str(k, vars), fill(x, vars))).collect()),
        other => other.clone(),
    }
}

fn fill_str(s: &str, vars: &BTreeMap<String, String>) -> String {
    vars.iter().fold(s.to_string(), |acc, (k, v)| acc.replace(&format!("{{{k}}}"), v))
}

fn load(vars: &BTreeMap<String, String>) -> Vec<Case> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/bad-requests.json")).unwrap();
    let corpus: Corpus = serde_json::from_str(&text).unwrap();
    let mut cases = Vec::new();
    for g in corpus.groups {
        for local in &g.vars {
            for c in &g.cases {
                let mut all = local.clone();
                all.extend(vars.clone());
                let case = fill(&fill(&Value::Object(c.clone()), local), vars);
                cases.push(serde_json::from_value::<Case>(case).unwrap_or_else(|e| panic!("corpus entry {c:?}: {e}")));
            }
        }
    }
    cases
}

fn body_of(c: &Case) -> Option<Vec<u8>> {
    if let Some(j) = &c.json {
        return Some(serde_json::to_vec(j).unwrap());
    }
    if let Some(r) = &c.raw {
        return Some(r.clone().into_bytes());
    }
    if let Some(h) = &c.raw_hex {
        return Some(hex::decode(h).unwrap_or_else(|e| panic!("{}: raw_hex: {e}", c.name)));
    }
    c.raw_repeat
        .as_ref()
        .map(|parts| parts.iter().flat_map(|(t, n)| t.repeat(*n).into_bytes()).collect())
}

/// Everything a request could have written: every item of every table, every object of the
/// bucket, and the messages in the queue.
async fn state(t: &TestStack) -> Vec<String> {
    let sdk = shared::app::sdk_config("us-east-1", Some(&t.stack.moto.url));
    let ddb = aws_sdk_dynamodb::Client::new(&sdk);
    let s3 = aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&sdk).force_path_style(true).build());
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let r = &t.stack.resources;
    let mut out = Vec::new();
    for table in [
        &r.tables.jobs,
        &r.tables.assets,
        &r.tables.usage,
        &r.tables.idempotency,
        &r.tables.shares,
    ] {
        let mut items = ddb.scan().table_name(table).send().await.unwrap().items.unwrap_or_default();
        // The public route counts every request per source (rate#…), bad ones included.
        items.retain(|i| !matches!(i.get("pk"), Some(aws_sdk_dynamodb::types::AttributeValue::S(k)) if k.starts_with("rate#")));
        let mut rows: Vec<String> = items.iter().map(|i| format!("{table}: {}", canon_item(i))).collect();
        rows.sort();
        out.extend(rows);
    }
    let objects = s3.list_objects_v2().bucket(&r.media_bucket).send().await.unwrap();
    for o in objects.contents() {
        out.push(format!("s3: {} {:?} {:?}", o.key().unwrap_or(""), o.size(), o.e_tag()));
    }
    let attrs = sqs
        .get_queue_attributes()
        .queue_url(&r.queue_url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::All)
        .send()
        .await
        .unwrap();
    let counts = attrs.attributes().cloned().unwrap_or_default();
    for name in ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"] {
        let key = aws_sdk_sqs::types::QueueAttributeName::from(name);
        out.push(format!("sqs {name}: {:?}", counts.get(&key)));
    }
    out
}

/// An item as text with its maps in key order (the SDK's maps are `HashMap`s).
fn canon_item(item: &std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>) -> String {
    let sorted: BTreeMap<_, _> = item.iter().map(|(k, v)| (k.clone(), canon(v))).collect();
    format!("{sorted:?}")
}

fn canon(v: &aws_sdk_dynamodb::types::AttributeValue) -> String {
    use aws_sdk_dynamodb::types::AttributeValue as A;
    match v {
        A::M(m) => canon_item(m),
        A::L(l) => format!("{:?}", l.iter().map(canon).collect::<Vec<_>>()),
        A::Ss(s) | A::Ns(s) => {
            let mut s = s.clone();
            s.sort();
            format!("{s:?}")
        }
        other => format!("{other:?}"),
    }
}

/// A copy of `token` with its payload replaced, or its signature removed, or an `alg: none` header.
fn forged(token: &str, other: &str, how: &str) -> String {
    let parts: Vec<&str> = token.split('.').collect();
    let other_payload = other.split('.').nth(1).unwrap();
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    match how {
        "tampered" => format!("{}.{}.{}", parts[0], other_payload, parts[2]),
        "unsigned" => format!("{}.{}.", parts[0], parts[1]),
        "alg_none" => format!("{}.{}.", b64.encode(r#"{"alg":"none","typ":"JWT"}"#), parts[1]),
        _ => unreachable!(),
    }
}

#[tokio::test]
async fn every_bad_request_gets_its_documented_4xx_and_writes_nothing() {
    let t = TestStack::start().await;
    let (a, b) = (t.user("mallory").await, t.user("victim").await);

    // The victim's things: two finished jobs (so both lists have a next page), and an upload
    // announced but never completed. The caller's own: one finished job.
    let mut b_jobs = Vec::new();
    for prompt in ["a red fox", "a blue whale"] {
        b_jobs.push(t.generate(&b, prompt).await["id"].as_str().unwrap().to_string());
    }
    let a_job = t.generate(&a, "a green frog").await["id"].as_str().unwrap().to_string();
    let mut finished = Vec::new();
    for (user, id) in [(&b, &b_jobs[0]), (&b, &b_jobs[1]), (&a, &a_job)] {
        let job = t.wait_finished(user, id).await;
        assert_eq!(job["job"]["status"], "succeeded", "{job}");
        finished.push(job);
    }
    // A comparison of the victim's, settled before the corpus runs (its jobs must not move).
    let (s, set) = t
        .post(
            &b,
            "/api/sets",
            &json!({"prompt": "a yellow kite", "models": ["imagen-4", "nano-banana"]}),
        )
        .await;
    assert_eq!(s, 202, "{set}");
    for job in set["jobs"].as_array().expect("the set's jobs") {
        let id = job["id"].as_str().or(job["job"]["id"].as_str()).expect("a set job id");
        let done = t.wait_finished(&b, id).await;
        assert_eq!(done["job"]["status"], "succeeded", "{done}");
    }
    // A story of the victim's, settled too.
    let (s, story) = t.post(&b, "/api/stories", &json!({"prompt": "a paper boat", "frames": 2})).await;
    assert_eq!(s, 202, "{story}");
    let done = t.wait_finished(&b, story["story"]["job_id"].as_str().expect("a story job")).await;
    assert_eq!(done["job"]["status"], "succeeded", "{done}");
    let (s, upload) = t
        .post(&b, "/api/uploads", &json!({"content_type": "image/png", "bytes": 100}))
        .await;
    assert_eq!(s, 201, "{upload}");
    // A board each: the caller's (bad saves must leave it as it is) and the victim's.
    let (s, a_board) = t.post(&a, "/api/boards", &json!({"name": "mine"})).await;
    assert_eq!(s, 201, "{a_board}");
    let (s, b_board) = t.post(&b, "/api/boards", &json!({"name": "theirs"})).await;
    assert_eq!(s, 201, "{b_board}");
    // One of the victim's assets in their trash (restoring or purging it must be 404 to others).
    let b_trashed = finished[1]["job"]["asset_ids"][0].as_str().unwrap().to_string();
    assert_eq!(t.delete(&b, &format!("/api/assets/{b_trashed}")).await, 204);
    // A collection each: the caller's (bad changes must leave it as it is) and the victim's.
    let (s, a_coll) = t.post(&a, "/api/collections", &json!({"name": "mine"})).await;
    assert_eq!(s, 201, "{a_coll}");
    let (s, b_coll) = t.post(&b, "/api/collections", &json!({"name": "theirs"})).await;
    assert_eq!(s, 201, "{b_coll}");
    // A style preset each: the caller's (bad renames must leave it as it is) and the victim's.
    let preset = json!({"name": "mine", "model": "imagen-4", "options": {"aspect_ratio": "16:9"}});
    let (s, a_preset) = t.post(&a, "/api/presets", &preset).await;
    assert_eq!(s, 201, "{a_preset}");
    let (s, b_preset) = t.post(&b, "/api/presets", &json!({"name": "theirs", "model": "imagen-4"})).await;
    assert_eq!(s, 201, "{b_preset}");
    // A share link of the victim's (theirs to revoke, no one else's).
    let b_asset_id = finished[0]["job"]["asset_ids"][0].as_str().unwrap().to_string();
    let share = json!({"kind": "asset", "id": b_asset_id, "expires_in_hours": 1});
    let (s, b_share) = t.post(&b, "/api/shares", &share).await;
    assert_eq!(s, 201, "{b_share}");
    // A zip of the victim's, built (its record and object are part of the state compared).
    let (s, b_zip) = t.post(&b, "/api/zips", &json!({"asset_ids": [b_asset_id]})).await;
    assert_eq!(s, 202, "{b_zip}");
    let b_zip = b_zip["id"].as_str().expect("a zip id").to_string();
    for _ in 0..300 {
        if t.get(&b, &format!("/api/zips/{b_zip}")).await.1["state"] != "building" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let (s, jobs_page) = t.get(&b, "/api/jobs?limit=1").await;
    assert_eq!(s, 200);
    let (s, assets_page) = t.get(&b, "/api/assets?limit=1").await;
    assert_eq!(s, 200);
    let now = shared::clock::now().timestamp();
    let vars: BTreeMap<String, String> = [
        ("a_job", a_job.clone()),
        ("a_asset", finished[2]["job"]["asset_ids"][0].as_str().unwrap().to_string()),
        ("b_job", b_jobs[0].clone()),
        ("b_asset", finished[0]["job"]["asset_ids"][0].as_str().unwrap().to_string()),
        ("b_trashed", b_trashed.clone()),
        ("b_upload", upload["asset_id"].as_str().unwrap().to_string()),
        ("b_set", set["set"]["id"].as_str().expect("a set id").to_string()),
        ("b_story", story["story"]["id"].as_str().expect("a story id").to_string()),
        ("b_user", t.sub(&b).await.as_str().to_string()),
        ("a_board", a_board["board"]["id"].as_str().expect("a board id").to_string()),
        ("b_board", b_board["board"]["id"].as_str().expect("a board id").to_string()),
        ("b_share", b_share["share"]["id"].as_str().expect("a share id").to_string()),
        ("b_zip", b_zip),
        (
            "a_collection",
            a_coll["collection"]["id"].as_str().expect("a collection id").to_string(),
        ),
        (
            "b_collection",
            b_coll["collection"]["id"].as_str().expect("a collection id").to_string(),
        ),
        ("a_preset", a_preset["preset"]["id"].as_str().expect("a preset id").to_string()),
        ("b_preset", b_preset["preset"]["id"].as_str().expect("a preset id").to_string()),
        (
            "b_jobs_cursor",
            jobs_page["next_cursor"].as_str().expect("a second page of jobs").to_string(),
        ),
        (
            "b_assets_cursor",
            assets_page["next_cursor"].as_str().expect("a second page of assets").to_string(),
        ),
        ("now", now.to_string()),
        ("hour_ago", (now - 3600).to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    // The cursors really work for their owner, so refusing them to another user means something.
    let (s, _) = t.get(&b, &format!("/api/jobs?cursor={}", vars["b_jobs_cursor"])).await;
    assert_eq!(s, 200);

    let cases = load(&vars);
    for c in &cases {
        let text = format!("{} {:?} {:?} {:?}", c.path, c.json, c.raw, c.headers);
        assert!(
            !text.contains("{b_") && !text.contains("{a_"),
            "{}: a placeholder was not filled",
            c.name
        );
    }
    assert!(cases.len() >= 200, "the corpus has {} cases", cases.len());
    // The caller's storage is full: a limit of 0 (the corpus's `storage_exceeded` cases).
    let a_sub = t.sub(&a).await;
    t.stack.app.store.usage().set_storage_limit(&a_sub, Some(0)).await.unwrap();
    let before = state(&t).await;

    let mut failures = Vec::new();
    for c in &cases {
        let method = reqwest::Method::from_bytes(c.method.as_bytes()).unwrap();
        let mut req = t.http.request(method.clone(), t.url(&c.path));
        req = match c.auth.as_deref() {
            None => req.bearer_auth(&a.token),
            Some("none") => req,
            Some(h) if h.starts_with("header:") => req.header("authorization", &h["header:".len()..]),
            Some(how) => req.bearer_auth(forged(&a.token, &b.token, how)),
        };
        for (k, v) in &c.headers {
            req = req.header(k.as_str(), reqwest::header::HeaderValue::from_bytes(v.as_bytes()).unwrap());
        }
        if let Some(body) = body_of(c).filter(|_| method != reqwest::Method::GET) {
            req = req.header("content-type", "application/json").body(body);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let body: Value = resp.json().await.unwrap_or(Value::Null);
        let err = &body["error"];
        let mut wrong = Vec::new();
        if status != c.status {
            wrong.push(format!("status {status}, wanted {}", c.status));
        }
        if c.status >= 400 && err["message"].as_str().is_none_or(str::is_empty) {
            wrong.push("no error message".into());
        }
        if let Some(code) = c.code.as_ref().filter(|code| err["code"] != json!(code)) {
            wrong.push(format!("code {}, wanted {code}", err["code"]));
        }
        if let Some(field) = c.field.as_ref().filter(|field| err["field"] != json!(field)) {
            wrong.push(format!("field {}, wanted {field}", err["field"]));
        }
        if c.all_not_found {
            let results = body["results"].as_array().cloned().unwrap_or_default();
            if results.is_empty() || results.iter().any(|r| r["status"] != "not_found") {
                wrong.push(format!("results {}, wanted all not_found", body["results"]));
            }
        }
        if !wrong.is_empty() {
            let msg = err["message"].as_str().unwrap_or("");
            failures.push(format!("{}: {} ({msg})", c.name, wrong.join("; ")));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );

    let after = state(&t).await;
    let changed: Vec<_> = after
        .iter()
        .filter(|x| !before.contains(x))
        .chain(before.iter().filter(|x| !after.contains(x)))
        .collect();
    assert!(changed.is_empty(), "bad requests wrote something:\n{changed:#?}");
    // And the victim's things are still theirs, unchanged.
    let (s, job) = t.get(&b, &format!("/api/jobs/{}", vars["b_job"])).await;
    assert_eq!((s, &job["job"]["status"]), (200, &json!("succeeded")));
    let (s, asset) = t.get(&b, &format!("/api/assets/{}", vars["b_asset"])).await;
    assert_eq!((s, &asset["asset"]["saved"]), (200, &json!(false)));
    t.stop().await;
}
