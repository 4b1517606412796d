//! Payload sizes against AWS's quotas (docs/aws-limits.md): the largest answer a function can
//! give must fit Lambda's synchronous response payload (6 MB), which is less than API
//! Gateway's 10 MB. The local gateway refuses a larger one as AWS does (local/src/gateway.rs).
#[cfg(test)]
mod tests {
    use crate::domain::board::{COORD_LIMIT, MAX_NAME_CHARS, MAX_TILE_SIZE, MAX_TILES, MAX_Z};
    use crate::domain::{Asset, AssetId, AssetKind, AssetSource, Board, BoardId, JobId, MAX_PROMPT_CHARS, Tile, TileId, UserId};
    use crate::media::cdn::{KeyKind, UrlSigner, generate_key_pair};
    use crate::media::urls::MediaUrls;
    use serde_json::json;

    /// Lambda's synchronous invocation payload, request and response (Lambda quotas).
    pub const LAMBDA_SYNC_PAYLOAD: usize = 6 * 1024 * 1024;

    /// The API Gateway v2 response as the Lambda runtime sends it: the body is a JSON string
    /// inside the response JSON, so every quote in it is escaped once more.
    fn lambda_response_size(body: &serde_json::Value) -> usize {
        let text = body.to_string();
        json!({ "statusCode": 200, "headers": { "content-type": "application/json" }, "body": text })
            .to_string()
            .len()
    }

    /// The largest asset a board can show: the longest prompt in 4-byte characters, the most
    /// sources, the longest ids, and both signed URLs of a long site name.
    fn largest_asset(i: usize, urls: &MediaUrls, signer: &UrlSigner) -> serde_json::Value {
        let user = UserId::parse(&"u".repeat(128)).unwrap();
        let job = JobId::new();
        let asset = Asset {
            user_id: user.clone(),
            asset_id: AssetId::parse(&format!("{job}-{}", i % 1000)).unwrap(),
            kind: AssetKind::Image,
            source: AssetSource::Generated,
            model: Some("qwen-image-edit-plus".into()),
            prompt: Some("\u{1F5BC}".repeat(MAX_PROMPT_CHARS)),
            parent_ids: (0..10).map(|n| AssetId::parse(&format!("{job}-{n}")).unwrap()).collect(),
            job_id: Some(job.clone()),
            saved: true,
            content_type: "image/webp".into(),
            bytes: u64::MAX,
            width: Some(u32::MAX),
            height: Some(u32::MAX),
            duration_s: Some(f64::MAX),
            created_at: "2026-12-06T12:00:00.000Z".into(),
            s3_key: format!("users/{user}/assets/{job}-{}.webp", i % 1000),
            filename: None,
            expires_at: None,
            pinned: false,
            counted: false,
            thumb_key: None,
            thumb_bytes: 0,
        };
        let base = format!("https://{}.example.com/media", "studio-of-a-very-long-name".repeat(3));
        let name = crate::domain::download::download_name(&asset);
        let url = urls.url(signer, &base, &asset.s3_key, None, 1_800_000_000, 3600).unwrap();
        let download = urls.url(signer, &base, &asset.s3_key, Some(&name), 1_800_000_000, 3600).unwrap();
        asset.to_api(&url, &download)
    }

    /// Lambda's environment: 4 KB per function, names and values together (Lambda quotas).
    /// Every variable Terraform sets (infra/environment.json) with the longest value it can
    /// have: a 26-character name prefix (variables.tf), a 253-character custom domain, the
    /// longest Region name, secret ARNs with their random suffix. A variable added to the list
    /// needs its bound here.
    #[test]
    fn every_functions_environment_fits_lambdas_4_kb() {
        const LONGEST: &[(&str, usize)] = &[
            ("JOBS_TABLE", 26 + 5),
            ("ASSETS_TABLE", 26 + 7),
            ("USAGE_TABLE", 26 + 6),
            ("IDEMPOTENCY_TABLE", 26 + 12),
            ("SHARES_TABLE", 26 + 7),
            ("PUBLIC_READS_PER_MINUTE", 10),
            ("MEDIA_BUCKET", 63),
            // https://sqs.<region>.amazonaws.com/<account>/<prefix>-generation
            ("GENERATION_QUEUE_URL", 8 + 4 + 14 + 15 + 12 + 2 + 26 + 11),
            // arn:aws:secretsmanager:<region>:<account>:secret:<prefix>/<name>-<6>
            ("REPLICATE_TOKEN_SECRET_ID", 23 + 14 + 1 + 12 + 8 + 26 + 20 + 7),
            ("WEBHOOK_SECRET_ID", 23 + 14 + 1 + 12 + 8 + 26 + 25 + 7),
            ("MEDIA_SIGNING_KEY_SECRET_ID", 23 + 14 + 1 + 12 + 8 + 26 + 18 + 7),
            ("PUBLIC_BASE_URL", 8 + 253),
            ("MEDIA_BASE_URL", 8 + 253 + 6),
            ("MONTHLY_LIMIT_USD", 20),
            ("STORAGE_LIMIT_MB", 20),
            ("JOB_STARTS_PER_MINUTE", 10),
            ("METRICS", 3),
            ("OUTPUT_HOST_ALLOWLIST", 56),
            ("RECONCILE_AFTER_S", 10),
            ("UNSAVED_EXPIRATION_DAYS", 10),
            ("TRASH_RETENTION_DAYS", 10),
            ("LOG_LEVEL", 256),
            // A user pool id: `{region}_{id}`, at most 55 characters (Cognito API reference).
            ("USER_POOL_ID", 55),
            ("VN_HANDLER", 17),
        ];
        let list: serde_json::Value = serde_json::from_str(include_str!("../../infra/environment.json")).unwrap();
        let mut total = 0;
        for (name, v) in list["variables"].as_object().unwrap() {
            if !v["set_by"].as_array().unwrap().iter().any(|p| p == "terraform") {
                continue;
            }
            let longest = LONGEST
                .iter()
                .find(|(n, _)| n == name)
                .unwrap_or_else(|| panic!("{name}: give the longest value Terraform can set"))
                .1;
            total += name.len() + longest;
        }
        println!("the largest environment: {total} bytes of Lambda's 4096");
        assert!(total < 4096 * 3 / 4, "{total} bytes");
    }

    /// boards-get answers a board of 500 tiles with each tile's asset: the largest such answer
    /// fits Lambda's 6 MB (it is the largest answer of any function: a gallery page is 48
    /// assets, a set 4 jobs, a story 8 frames).
    #[test]
    fn the_largest_board_answer_fits_lambdas_response_payload() {
        let (private, _) = generate_key_pair(KeyKind::EcdsaP256).unwrap();
        let signer = UrlSigner::from_pem(&private, "K2JCJMDEHXQW5F").unwrap();
        let urls = MediaUrls::default();
        let id = |i: usize| TileId::parse(&format!("{i:0>16}")).unwrap();
        let tiles: Vec<Tile> = (0..MAX_TILES)
            .map(|i| Tile {
                id: id(i),
                asset_id: AssetId::parse(&format!("01JD{i:0>22}-999")).unwrap(),
                x: -COORD_LIMIT,
                y: -COORD_LIMIT,
                w: MAX_TILE_SIZE,
                h: MAX_TILE_SIZE,
                z: MAX_Z,
                linked_from: Some(id(i + 1)),
            })
            .collect();
        let board = Board {
            user_id: UserId::parse(&"u".repeat(128)).unwrap(),
            board_id: BoardId::new(),
            name: "\u{1F5BC}".repeat(MAX_NAME_CHARS),
            tiles,
            version: u64::MAX,
            created_at: "2026-12-06T12:00:00.000Z".into(),
            updated_at: "2026-12-06T12:00:00.000Z".into(),
        };
        let assets: Vec<_> = (0..MAX_TILES).map(|i| largest_asset(i, &urls, &signer)).collect();
        let body = json!({ "board": board.to_api(), "assets": assets, "missing_asset_ids": [] });
        let size = lambda_response_size(&body);
        println!(
            "the largest boards-get answer: {size} bytes, {:.0}% of Lambda's {LAMBDA_SYNC_PAYLOAD}",
            size as f64 * 100.0 / LAMBDA_SYNC_PAYLOAD as f64
        );
        assert!(size < LAMBDA_SYNC_PAYLOAD, "{size} bytes");
    }
}
