//! `vn-local dev` brings the whole system up; `vn-local user` adds a user to the running one;
//! `vn-local catalog-check` compares the catalog with Replicate (or, without a token, the
//! simulator); `vn-local ledger` prints the operator's month; `vn-local reconcile-report` the last
//! provider audit.
use chrono::Datelike;
use local::stack::{Stack, StackOptions};
use local::{BoxError, cognito};
use shared::config::Tables;
use std::path::PathBuf;
use std::time::Duration;

const STATE_FILE: &str = ".local/stack.json";
/// Clearly fake development defaults, printed when used.
const DEV_DEMO_PASSWORD: &str = "DemoPassword-123";
const DEV_WEBHOOK_SECRET: &str = "whsec_ZGV2LW9ubHktd2ViaG9vay1zZWNyZXQtbm90LXJlYWw=";

/// Readable logs for a terminal; `LOG_LEVEL` takes `tracing` directives here.
fn init_logs() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("LOG_LEVEL").unwrap_or_else(|_| EnvFilter::new("info,aws_config=warn,aws_smithy_runtime=warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .compact()
        .try_init();
}

fn env(k: &str) -> Option<String> {
    std::env::var(k).ok().filter(|v| !v.trim().is_empty())
}

#[tokio::main]
async fn main() {
    init_logs();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("dev") => dev().await,
        Some("user") => user(&args[1..]).await,
        Some("backfill") => backfill(&args[1..]).await,
        Some("catalog-check") => catalog_check().await,
        Some("ledger") => ledger(&args[1..]).await,
        Some("reconcile-report") => reconcile_report().await,
        Some("seed") => seed(&args[1..]).await,
        _ => Err(
            "usage: vn-local dev | vn-local user --name NAME [--password PASSWORD [--permanent]] [--limit USD] [--storage-limit MB] | vn-local backfill [--aws] | vn-local catalog-check | vn-local ledger [--month YYYY-MM] [--aws] | vn-local reconcile-report | vn-local seed --name NAME --assets N [--size PX] [--no-thumbs]"
                .into(),
        ),
    };
    if let Err(e) = result {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

async fn dev() -> Result<(), BoxError> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let port: u16 = env("PORT").map(|p| p.parse()).transpose()?.unwrap_or(3000);
    let (password, password_is_default) = match env("DEMO_PASSWORD") {
        Some(p) => (p, false),
        None => (DEV_DEMO_PASSWORD.to_string(), true),
    };
    let token = env("REPLICATE_API_TOKEN");
    let secret = env("REPLICATE_WEBHOOK_SECRET").or_else(|| token.is_none().then(|| DEV_WEBHOOK_SECRET.to_string()));
    if let Some(s) = &secret {
        shared::replicate::WebhookSecret::parse(s).map_err(|e| format!("REPLICATE_WEBHOOK_SECRET must be a whsec_ value: {e}"))?;
    }
    let real_without_public_url = token.is_some() && env("PUBLIC_BASE_URL").is_none();
    let mut opts = StackOptions::for_tests();
    opts.port = port;
    opts.moto_url = env("MOTO_URL");
    opts.moto_port = env("MOTO_PORT").map(|p| p.parse()).transpose()?.unwrap_or(0);
    opts.prefix = "vn-local".into();
    opts.region = env("AWS_REGION").unwrap_or_else(|| "us-east-1".into());
    opts.demo_user = Some(("demo".into(), password.clone()));
    opts.replicate_token = token.clone();
    opts.webhook_secret = secret;
    opts.static_root = Some(root.join("frontend-static"));
    opts.public_base_url = env("PUBLIC_BASE_URL");
    opts.monthly_limit_usd = env("MONTHLY_LIMIT_USD").unwrap_or_else(|| "20".into());
    if let Some(mb) = env("STORAGE_LIMIT_MB") {
        opts.storage_limit_mb = mb;
    }
    opts.job_starts_per_minute = env("JOB_STARTS_PER_MINUTE").map(|s| s.parse()).transpose()?.unwrap_or(30);
    opts.sim.step_delay = Duration::from_millis(env("SIM_STEP_MS").map(|s| s.parse()).transpose()?.unwrap_or(700));
    if let Some(f) = env("SIM_FAULT") {
        opts.sim.default_fault = Some(f.parse().map_err(|e| format!("SIM_FAULT: {e}"))?);
    }
    // Without a public URL Replicate can't call us back: poll often instead.
    (opts.reconcile_every, opts.reconcile_after) = if real_without_public_url {
        (Duration::from_secs(3), Duration::from_secs(2))
    } else {
        (Duration::from_secs(30), Duration::from_secs(60))
    };

    opts.audit_every = Duration::from_secs(15 * 60);
    opts.erase_every = Duration::from_secs(120);

    let stack = Stack::start(opts).await?;
    let state = serde_json::json!({
        "base_url": stack.base_url,
        "moto_url": stack.moto.url,
        "pool": stack.pool,
        "usage_table": stack.resources.tables.usage,
        "assets_table": stack.resources.tables.assets,
        "media_bucket": stack.resources.media_bucket,
        "queue_url": stack.resources.queue_url,
    });
    std::fs::create_dir_all(root.join(".local"))?;
    std::fs::write(root.join(STATE_FILE), serde_json::to_vec_pretty(&state)?)?;

    let url = stack.base_url.replace("127.0.0.1", "localhost");
    println!();
    println!("  Visual Neurons is running at {url}");
    println!(
        "  Log in as demo / {}{}",
        password,
        if password_is_default {
            "   (dev default; set DEMO_PASSWORD to change)"
        } else {
            ""
        }
    );
    match &token {
        None => println!("  Provider: Replicate simulator (set REPLICATE_API_TOKEN to use the real API)"),
        Some(_) if real_without_public_url => {
            println!("  Provider: Replicate (real, billed). No PUBLIC_BASE_URL: results are polled, not pushed.")
        }
        Some(_) => println!("  Provider: Replicate (real, billed)"),
    }
    if env("REPLICATE_WEBHOOK_SECRET").is_none() && token.is_none() {
        println!("  Webhook secret: the dev default (set REPLICATE_WEBHOOK_SECRET to change)");
    }
    println!("  AWS emulator (moto): {}", stack.moto.url);
    println!("  Add a user: make user NAME=alice PASSWORD='...'   Stop: Ctrl-C");
    println!();

    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {},
        _ = term.recv() => {},
    }
    println!("stopping…");
    stack.stop().await;
    let _ = std::fs::remove_file(root.join(STATE_FILE));
    Ok(())
}

async fn user(args: &[String]) -> Result<(), BoxError> {
    let get = |flag: &str| args.iter().position(|a| a == flag).and_then(|i| args.get(i + 1)).cloned();
    let name = get("--name").ok_or("--name is required")?;
    let password = get("--password");
    let limit = get("--limit")
        .map(|l| shared::domain::Micros::parse_usd(&l).ok_or(format!("--limit {l:?} is not an amount of dollars")))
        .transpose()?;
    let storage = get("--storage-limit")
        .map(|l| shared::domain::storage::parse_mb(&l).ok_or(format!("--storage-limit {l:?} is not a number of MB")))
        .transpose()?;
    if password.is_none() && limit.is_none() && storage.is_none() {
        return Err(
            "give --password (to create the user) and/or --limit (their monthly limit in USD) and/or --storage-limit (their storage limit in MB)"
                .into(),
        );
    }
    let permanent = args.iter().any(|a| a == "--permanent");
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(root.join(STATE_FILE)).map_err(|_| "no running local stack (start it with `make dev`)")?)?;
    let pool: cognito::Pool = serde_json::from_value(state["pool"].clone())?;
    let http = reqwest::Client::new();
    if let Some(password) = password {
        cognito::create_user(&http, &pool, &name, &password, permanent).await?;
        if permanent {
            println!("created user {name} with a permanent password");
        } else {
            println!("created user {name} with a temporary password: the first login asks for a new one");
        }
    }
    if limit.is_none() && storage.is_none() {
        return Ok(());
    }
    // What the admin does in the DynamoDB console: the user's `limit` item in the usage table.
    let sub = cognito::user_sub(&http, &pool, &name).await?;
    let sub = shared::domain::UserId::parse(&sub).ok_or("the user's sub is not a user id")?;
    let moto = state["moto_url"].as_str().ok_or("state without moto_url")?;
    let table = state["usage_table"].as_str().ok_or("state without usage_table: restart make dev")?;
    let store = local_store(
        &pool.region,
        moto,
        Tables {
            usage: table.to_string(),
            ..no_tables()
        },
    );
    if let Some(limit) = limit {
        store.usage().set_monthly_limit(&sub, Some(limit)).await?;
        println!("set {name}'s monthly limit to {limit}");
    }
    if let Some(bytes) = storage {
        store.usage().set_storage_limit(&sub, Some(bytes)).await?;
        println!("set {name}'s storage limit to {} MB", shared::domain::storage::mb_string(bytes));
    }
    Ok(())
}

/// Fills an existing user's gallery on the running local stack with `--assets` saved images
/// of `--size` pixels (default 256), each with its thumbnail unless `--no-thumbs`, for tests
/// and measurements (local::seed).
async fn seed(args: &[String]) -> Result<(), BoxError> {
    let get = |flag: &str| args.iter().position(|a| a == flag).and_then(|i| args.get(i + 1)).cloned();
    let name = get("--name").ok_or("--name is required (an existing user)")?;
    let n: usize = get("--assets")
        .ok_or("--assets is required")?
        .parse()
        .map_err(|_| "--assets must be a whole number")?;
    let size: u32 = get("--size")
        .map(|s| s.parse())
        .transpose()
        .map_err(|_| "--size must be a whole number of pixels")?
        .unwrap_or(256);
    if !(16..=2048).contains(&size) {
        return Err("--size must be between 16 and 2048 pixels".into());
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(root.join(STATE_FILE)).map_err(|_| "no running local stack (start it with `make dev`)")?)?;
    let pool: cognito::Pool = serde_json::from_value(state["pool"].clone())?;
    let sub = cognito::user_sub(&reqwest::Client::new(), &pool, &name).await?;
    let sub = shared::domain::UserId::parse(&sub).ok_or("the user's sub is not a user id")?;
    let moto = state["moto_url"].as_str().ok_or("state without moto_url")?;
    let field = |k: &str| {
        state[k]
            .as_str()
            .map(str::to_string)
            .ok_or(format!("state without {k}: restart make dev"))
    };
    let store = local_store(
        &pool.region,
        moto,
        Tables {
            assets: field("assets_table")?,
            usage: field("usage_table")?,
            ..no_tables()
        },
    );
    let sdk = shared::app::sdk_config(&pool.region, Some(moto));
    let s3 = aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&sdk).force_path_style(true).build());
    let media = shared::media::Media::new(shared::lazy::Lazy::new(move || s3.clone()), field("media_bucket")?);
    let written = local::seed::seed(&store, &media, &sub, n, size, !args.iter().any(|a| a == "--no-thumbs")).await?;
    println!("seeded {written} saved images for {name}");
    Ok(())
}

fn no_tables() -> Tables {
    Tables {
        jobs: String::new(),
        assets: String::new(),
        usage: String::new(),
        idempotency: String::new(),
        shares: String::new(),
    }
}

/// A store on these tables of the local emulator, with the admin's (unrestricted) credentials.
fn local_store(region: &str, moto: &str, tables: Tables) -> shared::store::Store {
    let client = aws_sdk_dynamodb::Client::new(&shared::app::sdk_config(region, Some(moto)));
    shared::store::Store::new(shared::lazy::Lazy::new(move || client.clone()), tables)
}

/// Brings asset items written before the gallery indexes, expiry and the storage count up to
/// date (service::backfill_assets; idempotent). Without `--aws`: the running local stack. With
/// `--aws`: the deployment the AWS credentials, `ASSETS_TABLE` and `USAGE_TABLE` name
/// (docs/deploy.md).
async fn backfill(args: &[String]) -> Result<(), BoxError> {
    let days: u32 = match env("UNSAVED_EXPIRATION_DAYS") {
        Some(d) => d
            .parse()
            .ok()
            .filter(|d| *d >= 1)
            .ok_or("UNSAVED_EXPIRATION_DAYS must be a whole number of days, at least 1")?,
        None => 30,
    };
    let (conf, assets, usage, queue_url) = if args.iter().any(|a| a == "--aws") {
        let assets = env("ASSETS_TABLE").ok_or("ASSETS_TABLE (the deployment's assets table name) is required with --aws")?;
        let usage = env("USAGE_TABLE").ok_or("USAGE_TABLE (the deployment's usage table name) is required with --aws")?;
        (
            aws_config::defaults(aws_config::BehaviorVersion::latest()).load().await,
            assets,
            usage,
            env("GENERATION_QUEUE_URL"),
        )
    } else {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
        let state: serde_json::Value = serde_json::from_slice(
            &std::fs::read(root.join(STATE_FILE)).map_err(|_| "no running local stack (start it with `make dev`)")?,
        )?;
        let moto = state["moto_url"].as_str().ok_or("state without moto_url")?.to_string();
        let table = |k: &str| {
            state[k]
                .as_str()
                .map(str::to_string)
                .ok_or(format!("state without {k}: restart make dev"))
        };
        let region = env("AWS_REGION").unwrap_or_else(|| "us-east-1".into());
        (
            shared::app::sdk_config(&region, Some(&moto)),
            table("assets_table")?,
            table("usage_table")?,
            Some(table("queue_url")?),
        )
    };
    let client = aws_sdk_dynamodb::Client::new(&conf);
    let sqs = aws_sdk_sqs::Client::new(&conf);
    let tables = Tables {
        assets: assets.clone(),
        usage,
        ..no_tables()
    };
    let store = shared::store::Store::new(shared::lazy::Lazy::new(move || client.clone()), tables);
    let r = shared::service::backfill_assets(&store, days).await?;
    println!(
        "backfill of {assets}: {} items scanned, {} updated, {} added to their user's storage count, {} indexed for search, {} stale holds released",
        r.scanned, r.updated, r.counted, r.indexed, r.holds_repaired
    );
    // Thumbnails the worker makes (service::thumbs), once the records are counted.
    match queue_url {
        Some(url) => {
            let queue = shared::queue::Queue::new(shared::lazy::Lazy::new(move || sqs.clone()), url);
            let sent = shared::service::thumbs::backfill_thumbs(&store, &queue).await?;
            println!("{sent} thumbnails asked of the worker (images without one)");
        }
        None => println!("thumbnails skipped: set GENERATION_QUEUE_URL (the deployment's queue) to ask for them"),
    }
    Ok(())
}

/// `make catalog-check`: every catalog model against Replicate (`REPLICATE_API_TOKEN`;
/// `REPLICATE_API_BASE` to point elsewhere) or, without a token, against the simulator's
/// schemas. Prints what to change and fails on any difference.
async fn catalog_check() -> Result<(), BoxError> {
    use shared::replicate::{ApiToken, ReplicateClient};
    let catalog = shared::catalog::Catalog::builtin()?;
    let http = shared::tls::reqwest_builder().redirect(reqwest::redirect::Policy::none()).build()?;
    let (client, sim, against) = match env("REPLICATE_API_TOKEN") {
        Some(token) => {
            let base = env("REPLICATE_API_BASE").unwrap_or_else(|| "https://api.replicate.com/v1".into());
            (
                ReplicateClient::new(&base, ApiToken::new(token), http),
                None,
                format!("Replicate ({base})"),
            )
        }
        None => {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
            let sim = local::simulator::start(local::simulator::SimConfig::default(), listener).await;
            let client = ReplicateClient::new(&sim.base_url(), ApiToken::new(sim.api_token()), http);
            let against = "the Replicate simulator (local/src/simulator/schemas.json; set REPLICATE_API_TOKEN to ask Replicate)";
            (client, Some(sim), against.to_string())
        }
    };
    let report = local::catalog_check::check(&client, &catalog).await;
    if let Some(sim) = sim {
        sim.shutdown();
    }
    let report = report?;
    print!("{}", report.text(&against));
    if report.passed() {
        Ok(())
    } else {
        Err(format!("{} difference(s) between the catalog and {against}", report.drift.len()).into())
    }
}

/// The running local stack's state file, as `make dev` wrote it.
fn local_state() -> Result<serde_json::Value, BoxError> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let bytes = std::fs::read(root.join(STATE_FILE)).map_err(|_| "no running local stack (start it with `make dev`)")?;
    Ok(serde_json::from_slice(&bytes)?)
}

/// Where the operator's commands read: the running local stack, or with `--aws` the deployment
/// the AWS credentials and the given variables name.
async fn operator_place(aws: bool) -> Result<local::operator::Place, BoxError> {
    if aws {
        let usage_table = env("USAGE_TABLE").ok_or("USAGE_TABLE (the deployment's usage table name) is required with --aws")?;
        let conf = aws_config::defaults(aws_config::BehaviorVersion::latest()).load().await;
        return Ok(local::operator::Place::new(&conf, false, usage_table, env("MEDIA_BUCKET")));
    }
    let state = local_state()?;
    let moto = state["moto_url"].as_str().ok_or("state without moto_url")?;
    let usage_table = state["usage_table"].as_str().ok_or("state without usage_table: restart make dev")?;
    let bucket = state["media_bucket"]
        .as_str()
        .ok_or("state without media_bucket: restart make dev")?;
    let region = env("AWS_REGION").unwrap_or_else(|| "us-east-1".into());
    let conf = shared::app::sdk_config(&region, Some(moto));
    Ok(local::operator::Place::new(
        &conf,
        true,
        usage_table.to_string(),
        Some(bucket.to_string()),
    ))
}

/// Prints the running local stack's last provider audit report (docs/deploy.md has the same
/// for AWS with the aws CLI).
async fn reconcile_report() -> Result<(), BoxError> {
    let place = operator_place(false).await?;
    match place.last_report().await? {
        None => println!("{}", local::operator::NO_REPORT),
        Some((key, body)) => {
            println!("{key}");
            print!("{}", local::report::table(&body)?);
        }
    }
    Ok(())
}

/// `make ledger`: the operator's month in one answer (the current month unless
/// `--month YYYY-MM`): per model and in total, what users paid, what Replicate billed, the
/// margin and the operator's loss (docs/data-model.md "The operator's ledger"), then whether
/// the last provider audit found predictions no job knows. Without `--aws`: the running local
/// stack. With `--aws`: `USAGE_TABLE` (and `MEDIA_BUCKET` for the audit) of a deployment.
async fn ledger(args: &[String]) -> Result<(), BoxError> {
    let month = match args.iter().position(|a| a == "--month").and_then(|i| args.get(i + 1)) {
        Some(m) => {
            chrono::NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d").map_err(|_| format!("--month {m:?} is not YYYY-MM"))?
        }
        None => shared::clock::now().date_naive().with_day(1).ok_or("no first day")?,
    };
    let place = operator_place(args.iter().any(|a| a == "--aws")).await?;
    print!("{}", place.month_answer(month).await?.text()?);
    Ok(())
}
