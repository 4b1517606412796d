//! Zips to take home (`/api/zips`, `/api/exports`): a selection zip holds exactly the selected
//! files that are the caller's, named and byte for byte as their single downloads; ids not found
//! (deleted, another user's, unknown) are skipped and named; an export holds every asset, a
//! `metadata.json` (with each file's collections) and a `usage.csv` with exact decimal dollars; an Idempotency-Key's repeat is
//! the first zip; another user's zip is a 404; the limits answer 400.
mod common;
use common::uploads::{complete, png, upload};
use common::{TestStack, User};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// Polls the zip until it is no longer building.
async fn wait_built(t: &TestStack, u: &User, path: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (s, b) = t.get(u, path).await;
        assert_eq!(s, 200, "{b}");
        if b["state"] != "building" {
            return b;
        }
        assert!(Instant::now() < deadline, "{path} still building: {b}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The file name and bytes of an asset's single download.
async fn single_download(t: &TestStack, u: &User, id: &str) -> (String, Vec<u8>) {
    let (s, a) = t.get(u, &format!("/api/assets/{id}")).await;
    assert_eq!(s, 200, "{a}");
    let r = t.http.get(a["asset"]["download_url"].as_str().unwrap()).send().await.unwrap();
    let cd = r.headers()["content-disposition"].to_str().unwrap().to_string();
    let name = cd.split("filename=\"").nth(1).unwrap().trim_end_matches('"').to_string();
    (name, r.bytes().await.unwrap().to_vec())
}

/// Downloads a built zip and reads every entry (name, bytes) with the zip crate's reader.
async fn entries(t: &TestStack, zip: &Value) -> Vec<(String, Vec<u8>)> {
    let r = t
        .http
        .get(zip["url"].as_str().expect("a built zip has a link"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let cd = r.headers()["content-disposition"].to_str().unwrap().to_string();
    assert!(cd.contains(zip["file_name"].as_str().unwrap()), "{cd}");
    let data = r.bytes().await.unwrap().to_vec();
    // async_zip 0.0.19 marks its readers deprecated for a `read1` module it doesn't ship yet.
    #[allow(deprecated)]
    let mut reader = async_zip::base::read::seek::ZipFileReader::with_tokio(std::io::Cursor::new(data))
        .await
        .expect("a valid zip");
    let mut out = Vec::new();
    for i in 0..reader.file().entries().len() {
        let name = reader.file().entries()[i].filename().as_str().unwrap().to_string();
        let mut bytes = Vec::new();
        let mut e = reader.reader_with_entry(i).await.unwrap();
        e.read_to_end_checked(&mut bytes).await.expect("the entry's CRC matches");
        out.push((name, bytes));
    }
    out
}

/// An uploaded PNG, completed: an asset of the gallery.
async fn uploaded(t: &TestStack, u: &User, w: u32, h: u32) -> String {
    let id = upload(t, u, "image/png", &png(w, h)).await;
    let (s, b) = complete(t, u, &id).await;
    assert_eq!(s, 200, "{b}");
    id
}

async fn image(t: &TestStack, u: &User, prompt: &str) -> (String, Value) {
    let id = t.generate(u, prompt).await["id"].as_str().unwrap().to_string();
    let done = t.wait_finished(u, &id).await;
    assert_eq!(done["job"]["status"], "succeeded", "{done}");
    (done["job"]["asset_ids"][0].as_str().unwrap().to_string(), done["job"].clone())
}

#[tokio::test]
async fn a_selection_zip_holds_the_selected_files_as_their_single_downloads() {
    let t = TestStack::start().await;
    let (u, v) = (t.user("zipper").await, t.user("other").await);
    let a = uploaded(&t, &u, 8, 8).await;
    let b = uploaded(&t, &u, 9, 7).await;
    let (g, _) = image(&t, &u, "A red fox in snow").await;
    let gone = uploaded(&t, &u, 5, 5).await;
    assert_eq!(t.delete(&u, &format!("/api/assets/{gone}")).await, 204);
    let theirs = uploaded(&t, &v, 6, 6).await;
    let ids = json!({ "asset_ids": [a, g, theirs, b, gone, a] });

    let (s, started) = t.post_with(&u, "/api/zips", &ids, Some("zip-1")).await;
    assert_eq!(s, 202, "{started}");
    let id = started["id"].as_str().unwrap().to_string();
    assert_eq!(started["files_total"], 3, "{started}");
    assert_eq!(started["skipped"], json!([theirs, gone]), "{started}");
    // The same request again is the same zip; the key with another body is refused.
    let (s, again) = t.post_with(&u, "/api/zips", &ids, Some("zip-1")).await;
    assert_eq!((s, &again["id"]), (200, &json!(id)), "{again}");
    let (s, other) = t.post_with(&u, "/api/zips", &json!({ "asset_ids": [a] }), Some("zip-1")).await;
    assert_eq!(s, 409, "{other}");

    let zip = wait_built(&t, &u, &format!("/api/zips/{id}")).await;
    assert_eq!(zip["state"], "done", "{zip}");
    assert_eq!(zip["files_done"], 3, "{zip}");
    let got = entries(&t, &zip).await;
    let mut want = Vec::new();
    for asset in [&a, &g, &b] {
        want.push(single_download(&t, &u, asset).await);
    }
    assert_eq!(got, want, "entries in selection order, named and byte for byte as single downloads");

    // Another user, or the other kind's route, doesn't find it.
    assert_eq!(t.get(&v, &format!("/api/zips/{id}")).await.0, 404);
    assert_eq!(t.get(&u, &format!("/api/exports/{id}")).await.0, 404);
    assert_eq!(t.get(&u, "/api/zips/not-an-id").await.0, 404);
    t.stop().await;
}

#[tokio::test]
async fn selections_past_the_limits_are_refused() {
    let t = TestStack::start().await;
    let (u, v) = (t.user("limits").await, t.user("owner").await);
    let theirs = uploaded(&t, &v, 6, 6).await;
    for (body, status) in [
        (json!({ "asset_ids": [] }), 400),
        (json!({ "asset_ids": ["../../etc"] }), 400),
        (
            json!({ "asset_ids": (0..501).map(|_| ulid::Ulid::new().to_string()).collect::<Vec<_>>() }),
            400,
        ),
        (json!({ "asset_ids": [theirs] }), 404),
        (json!({ "asset_ids": [ulid::Ulid::new().to_string()] }), 404),
        (json!({ "ids": [theirs] }), 400),
    ] {
        let (s, b) = t.post(&u, "/api/zips", &body).await;
        assert_eq!(s, status, "{body} → {b}");
        assert!(b["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{b}");
    }
    t.stop().await;
}

#[tokio::test]
async fn an_export_holds_every_asset_its_metadata_and_usage() {
    let t = TestStack::start().await;
    let (u, v) = (t.user("exporter").await, t.user("bystander").await);
    let up = uploaded(&t, &u, 8, 8).await;
    let (g, job) = image(&t, &u, "A lighthouse at dusk").await;
    let gone = uploaded(&t, &u, 4, 4).await;
    assert_eq!(t.delete(&u, &format!("/api/assets/{gone}")).await, 204);
    uploaded(&t, &v, 6, 6).await;
    // Two collections: both files in one, the generated one also in the other.
    let mut collections = Vec::new();
    for (name, members) in [("Keepers", vec![&g, &up]), ("Lighthouses", vec![&g])] {
        let (s, c) = t.post(&u, "/api/collections", &json!({ "name": name })).await;
        assert_eq!(s, 201, "{c}");
        let cid = c["collection"]["id"].as_str().unwrap().to_string();
        let path = format!("/api/collections/{cid}/assets");
        let (s, b) = t.post(&u, &path, &json!({ "action": "add", "asset_ids": members })).await;
        assert_eq!(s, 200, "{b}");
        collections.push(json!({ "id": cid, "name": name }));
    }

    // A style preset of each user: only the exporter's is in the export.
    let preset = json!({ "name": "Dusk", "model": "imagen-4", "options": { "aspect_ratio": "16:9" }, "prompt_suffix": ", film grain" });
    for who in [&u, &v] {
        let (s, b) = t.post(who, "/api/presets", &preset).await;
        assert_eq!(s, 201, "{b}");
    }
    let (s, started) = t.post_with(&u, "/api/exports", &json!({}), Some("exp-1")).await;
    assert_eq!(s, 202, "{started}");
    let id = started["id"].as_str().unwrap().to_string();
    let (s, again) = t.post_with(&u, "/api/exports", &json!({}), Some("exp-1")).await;
    assert_eq!((s, &again["id"]), (200, &json!(id)), "{again}");
    let zip = wait_built(&t, &u, &format!("/api/exports/{id}")).await;
    assert_eq!(
        (&zip["state"], &zip["files_done"], &zip["files_total"]),
        (&json!("done"), &json!(2), &json!(2)),
        "{zip}"
    );
    assert_eq!(t.get(&v, &format!("/api/exports/{id}")).await.0, 404);

    let got = entries(&t, &zip).await;
    let names: Vec<&str> = got.iter().map(|(n, _)| n.as_str()).collect();
    let (g_name, g_bytes) = single_download(&t, &u, &g).await;
    let (up_name, up_bytes) = single_download(&t, &u, &up).await;
    // Newest first, as the gallery lists them; then the metadata and the usage.
    assert_eq!(names, [g_name.as_str(), up_name.as_str(), "metadata.json", "usage.csv"]);
    assert_eq!((&got[0].1, &got[1].1), (&g_bytes, &up_bytes));

    let meta: Value = serde_json::from_slice(&got[2].1).unwrap();
    let assets = meta["assets"].as_array().unwrap();
    assert_eq!(assets.len(), 2, "{meta}");
    assert_eq!(assets[0]["file"], g_name.as_str());
    assert_eq!(assets[0]["prompt"], "A lighthouse at dusk");
    assert_eq!(assets[0]["model"], job["model"]);
    assert_eq!(assets[0]["options"], job["options"]);
    assert_eq!(assets[0]["job_id"], job["id"]);
    assert_eq!(assets[1]["source"], "upload");
    assert_eq!(assets[1]["parent_ids"], json!([]));
    // Each file's collections (newest collection first), and the user's collections.
    assert_eq!(assets[0]["collections"], json!([collections[1], collections[0]]), "{meta}");
    assert_eq!(assets[1]["collections"], json!([collections[0]]), "{meta}");
    let listed: Vec<&str> = meta["collections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(listed, ["Lighthouses", "Keepers"]);
    let (_, mine) = t.get(&u, "/api/presets").await;
    assert_eq!(meta["presets"], mine["presets"], "the exporter's presets, as the API lists them");
    assert_eq!(meta["presets"][0]["prompt_suffix"], ", film grain", "{meta}");
    let cost = job["cost_usd"].as_f64().expect("a settled job has its cost");
    let micros = (cost * 1_000_000.0).round() as i64;
    let exact = format!("{}.{:06}", micros / 1_000_000, micros % 1_000_000);
    assert_eq!(assets[0]["job_cost_usd"], exact.as_str(), "{meta}");

    let csv = String::from_utf8(got[3].1.clone()).unwrap();
    let day = job["created_at"].as_str().unwrap()[..10].to_string();
    assert_eq!(
        csv,
        format!("date,model,jobs,usd\n{day},{},1,{exact}\n", job["model"].as_str().unwrap())
    );
    t.stop().await;
}
