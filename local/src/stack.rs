//! The whole system on one machine: emulator, resources, user pool, the Replicate simulator
//! (or the real API), the gateway, the worker loop and the timers of the reconciler and the
//! provider audit. `make dev` runs
//! one; integration tests start their own, isolated by a unique resource prefix.
use crate::BoxError;
use crate::auth::JwtVerifier;
use crate::bootstrap::{Resources, create_resources};
use crate::cognito::{self, Pool};
use crate::gateway::{Gateway, router};
use crate::moto::Moto;
use crate::simulator::{self, SimConfig, SimHandle};
use serde_json::json;
use shared::App;
use shared::config::Config;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;

/// How often the trash sweep runs (infra/functions.tf: hourly).
pub const TRASH_SWEEP_EVERY: Duration = Duration::from_secs(3600);

#[derive(Clone, Debug)]
pub struct StackOptions {
    /// Gateway port (0: any free port).
    pub port: u16,
    /// Use this emulator instead of starting one.
    pub moto_url: Option<String>,
    pub moto_port: u16,
    pub prefix: String,
    pub region: String,
    /// A demo user created with a permanent password.
    pub demo_user: Option<(String, String)>,
    /// A real Replicate token: use the real API instead of the simulator.
    pub replicate_token: Option<String>,
    pub replicate_api_base: Option<String>,
    /// `whsec_…`; None: the simulator's own, or for the real API the account's (fetched).
    pub webhook_secret: Option<String>,
    pub static_root: Option<PathBuf>,
    pub public_base_url: Option<String>,
    pub reconcile_every: Duration,
    pub reconcile_after: Duration,
    /// How often the provider audit runs (infra/functions.tf: every 15 minutes).
    pub audit_every: Duration,
    pub monthly_limit_usd: String,
    /// Every user's default storage limit in MB (`STORAGE_LIMIT_MB`).
    pub storage_limit_mb: String,
    /// Jobs one user may start per minute (0: no limit; tests that load one user turn it off).
    pub job_starts_per_minute: u32,
    /// Another catalog than the compiled-in one (a test's fixture).
    pub catalog: Option<shared::catalog::Catalog>,
    pub submit_deadline: Duration,
    pub give_up_after: Duration,
    /// How long a prompt rewrite is waited for before the API answers 202 (`PROMPT_WAIT_S`).
    pub prompt_wait: Duration,
    /// Run the SQS worker loop (tests that play a crashed worker turn it off).
    pub run_worker: bool,
    /// The generation queue's visibility timeout: how soon a message the worker failed (or
    /// crashed on) comes back.
    pub queue_visibility_s: u32,
    /// More function environment (e.g. `MAX_VIDEO_BYTES`), over the stack's own.
    pub extra_env: Vec<(String, String)>,
    /// Tests only: another route table than the compiled-in routes.json, for the functions'
    /// identities (e.g. one grant removed: crate::iam) and timeouts.
    pub routes_json: Option<String>,
    /// Functions' timeouts (seconds) over routes.json's, scaled down for the local stack and
    /// tests: the worker's must not exceed the queue's visibility timeout, as AWS requires of
    /// an SQS event source mapping.
    pub timeouts: Vec<(String, u32)>,
    pub sim: SimConfig,
}

impl StackOptions {
    pub fn for_tests() -> Self {
        let sim = SimConfig {
            step_delay: Duration::from_millis(50),
            webhook_retry_delays: vec![Duration::from_millis(100), Duration::from_millis(200)],
            ..SimConfig::default()
        };
        Self {
            port: 0,
            moto_url: std::env::var("MOTO_URL").ok().filter(|s| !s.is_empty()),
            moto_port: 0,
            prefix: format!("t{}", ulid::Ulid::new().to_string().to_lowercase()),
            region: "us-east-1".into(),
            demo_user: None,
            replicate_token: None,
            replicate_api_base: None,
            webhook_secret: None,
            static_root: None,
            public_base_url: None,
            reconcile_every: Duration::from_secs(3600),
            reconcile_after: Duration::from_secs(600),
            audit_every: Duration::from_secs(3600),
            monthly_limit_usd: "20".into(),
            storage_limit_mb: shared::domain::storage::DEFAULT_STORAGE_LIMIT_MB.into(),
            job_starts_per_minute: 0,
            catalog: None,
            submit_deadline: Duration::from_secs(300),
            give_up_after: Duration::from_secs(3600),
            prompt_wait: Duration::from_secs(20),
            run_worker: true,
            queue_visibility_s: 30,
            extra_env: Vec::new(),
            routes_json: None,
            // The queue's visibility timeout is 30 s here (6x the worker's 300 s in AWS): the
            // worker runs under 30 s, so a message it dies on comes back when its run is over.
            timeouts: vec![("worker".into(), 30)],
            sim,
        }
    }
}

pub struct Stack {
    pub base_url: String,
    pub pool: Pool,
    /// The stack's unrestricted app (the test harness's and the admin's view of the resources);
    /// each function runs with its own (`apps`).
    pub app: Arc<App>,
    /// Each function's app, signing as that function (crate::iam).
    pub apps: BTreeMap<String, Arc<App>>,
    /// The stack's resource prefix (its functions' access keys start with `VN.{prefix}.`).
    pub prefix: String,
    pub sim: Option<SimHandle>,
    pub resources: Resources,
    pub moto: Moto,
    tasks: Vec<JoinHandle<()>>,
}

impl Stack {
    pub async fn start(opts: StackOptions) -> Result<Self, BoxError> {
        let moto = match &opts.moto_url {
            Some(u) => Moto::existing(u),
            None => Moto::start(opts.moto_port).await?,
        };
        let http = reqwest::Client::new();

        let (sim, api_base, token, allow, webhook_secret) = match &opts.replicate_token {
            None => {
                let mut cfg = opts.sim.clone();
                if let Some(s) = &opts.webhook_secret {
                    cfg.webhook_secret = s.clone();
                }
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
                let sim = simulator::start(cfg.clone(), listener).await;
                let base = sim.base_url();
                let allow = sim.origin();
                (Some(sim), base, cfg.api_token.clone(), allow, cfg.webhook_secret.clone())
            }
            Some(t) => {
                let base = opts
                    .replicate_api_base
                    .clone()
                    .unwrap_or_else(|| "https://api.replicate.com/v1".into());
                let secret = match &opts.webhook_secret {
                    Some(s) => s.clone(),
                    None => {
                        let client =
                            shared::replicate::ReplicateClient::new(&base, shared::replicate::ApiToken::new(t.clone()), http.clone());
                        client.default_webhook_secret().await?.to_whsec()
                    }
                };
                (
                    None,
                    base,
                    t.clone(),
                    "https://replicate.delivery,https://*.replicate.delivery".to_string(),
                    secret,
                )
            }
        };

        let sdk = shared::app::sdk_config(&opts.region, Some(&moto.url));
        let resources = create_resources(&sdk, &opts.prefix, &token, &webhook_secret, opts.queue_visibility_s).await?;
        let pool = cognito::create_pool(&http, &format!("{}/", moto.url), &opts.region, &format!("{}-users", opts.prefix)).await?;
        if let Some((u, p)) = &opts.demo_user {
            cognito::create_user(&http, &pool, u, p, true).await?;
        }

        let listener = tokio::net::TcpListener::bind(("127.0.0.1", opts.port)).await?;
        let base_url = format!("http://127.0.0.1:{}", listener.local_addr()?.port());
        let public = opts.public_base_url.clone().unwrap_or_else(|| base_url.clone());
        let send_webhooks = opts.replicate_token.is_none() || opts.public_base_url.is_some();
        let mut env: HashMap<&str, String> = HashMap::from([
            ("AWS_REGION", opts.region.clone()),
            ("AWS_ENDPOINT_URL", moto.url.clone()),
            ("JOBS_TABLE", resources.tables.jobs.clone()),
            ("ASSETS_TABLE", resources.tables.assets.clone()),
            ("USAGE_TABLE", resources.tables.usage.clone()),
            ("IDEMPOTENCY_TABLE", resources.tables.idempotency.clone()),
            ("SHARES_TABLE", resources.tables.shares.clone()),
            ("MEDIA_BUCKET", resources.media_bucket.clone()),
            ("GENERATION_QUEUE_URL", resources.queue_url.clone()),
            ("REPLICATE_API_BASE", api_base),
            ("REPLICATE_TOKEN_SECRET_ID", resources.replicate_token_secret_id.clone()),
            ("WEBHOOK_SECRET_ID", resources.webhook_secret_id.clone()),
            ("MEDIA_SIGNING_KEY_SECRET_ID", resources.media_signing_key_secret_id.clone()),
            ("PUBLIC_BASE_URL", public),
            ("OUTPUT_HOST_ALLOWLIST", allow),
            ("MONTHLY_LIMIT_USD", opts.monthly_limit_usd.clone()),
            ("STORAGE_LIMIT_MB", opts.storage_limit_mb.clone()),
            ("JOB_STARTS_PER_MINUTE", opts.job_starts_per_minute.to_string()),
            ("RECONCILE_AFTER_S", opts.reconcile_after.as_secs().to_string()),
            ("SUBMIT_DEADLINE_S", opts.submit_deadline.as_secs().to_string()),
            ("GIVE_UP_AFTER_S", opts.give_up_after.as_secs().to_string()),
            ("PROMPT_WAIT_S", opts.prompt_wait.as_secs().to_string()),
            ("SEND_WEBHOOKS", send_webhooks.to_string()),
        ]);
        for (k, v) in &opts.extra_env {
            env.insert(k.as_str(), v.clone());
        }
        // The names are infra/environment.json's: every one the local stack must set, no other.
        shared::environment::check("local", env.iter().map(|(k, v)| (*k, v.as_str())))?;
        let config = Config::from_lookup(|k| env.get(k).cloned())?;
        let catalog = match opts.catalog.clone() {
            Some(c) => c,
            None => shared::catalog::Catalog::builtin()?,
        };
        let app = Arc::new(App::with_catalog(config.clone(), catalog.clone()).await?);
        let mut routes = match &opts.routes_json {
            Some(j) => crate::routes::parse(j)?,
            None => crate::routes::table(),
        };
        for (name, secs) in &opts.timeouts {
            let f = routes
                .functions
                .get_mut(name)
                .ok_or_else(|| format!("no function {name} to time out"))?;
            f.timeout_s = *secs;
        }
        let worker_timeout = routes.functions.get("worker").map_or(0, |f| f.timeout_s);
        if opts.queue_visibility_s < worker_timeout {
            return Err(format!(
                "the queue's visibility timeout ({} s) is under the worker's timeout ({worker_timeout} s): AWS refuses such an SQS trigger",
                opts.queue_visibility_s
            )
            .into());
        }
        let apps = crate::iam::register_stack(&http, &moto.url, &opts.prefix, &opts.region, &routes, &resources).await?;
        let mut function_apps = BTreeMap::new();
        for name in routes.functions.keys() {
            let key = crate::iam::access_key_id(&opts.prefix, name);
            function_apps.insert(
                name.clone(),
                Arc::new(App::local_as(config.clone(), catalog.clone(), Some(&key)).await?),
            );
        }
        debug_assert_eq!(apps, function_apps.len());

        let provider = if sim.is_some() { "simulator" } else { "replicate" };
        let config_json = json!({
            "region": opts.region,
            "cognito": { "endpoint": pool.endpoint, "user_pool_id": pool.user_pool_id, "client_id": pool.client_id },
            "api_base": "/api",
            "provider": provider,
        });
        let timeouts: BTreeMap<String, Duration> = routes
            .functions
            .iter()
            .map(|(name, f)| (name.clone(), Duration::from_secs(f.timeout_s.into())))
            .collect();
        let gw = Gateway {
            apps: function_apps.clone(),
            timeouts: timeouts.clone(),
            verifier: Arc::new(JwtVerifier::new(pool.clone(), http.clone())),
            static_root: opts.static_root.clone(),
            config_json,
            // Cognito is the emulator locally; uploads post to the gateway's own /upload.
            headers: crate::headers::security_headers(&moto.url, base_url.starts_with("https://")),
            uploads: crate::uploads::UploadOrigin::new(&moto.url, &resources.media_bucket, http.clone()),
            media: crate::media::MediaOrigin::new(&app.config, resources.media_keys.clone(), {
                // CloudFront's origin access (infra/storage.tf's bucket policy): GetObject on users/*.
                let key = crate::iam::access_key_id(&opts.prefix, crate::iam::CLOUDFRONT);
                let sdk = shared::app::sdk_config_as(&opts.region, Some(&moto.url), Some(&key));
                aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&sdk).force_path_style(true).build())
            })?,
        };
        let mut tasks = Vec::new();
        let server = router(gw);
        tasks.push(tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, server).await {
                tracing::error!(error = %e, "gateway stopped");
            }
        }));
        if opts.run_worker {
            // The event source mapping polls with the worker's role.
            let key = crate::iam::access_key_id(&opts.prefix, "worker");
            let sqs = aws_sdk_sqs::Client::new(&shared::app::sdk_config_as(&opts.region, Some(&moto.url), Some(&key)));
            tasks.push(tokio::spawn(crate::worker_loop::run(
                function_apps["worker"].clone(),
                sqs,
                resources.queue_url.clone(),
                Duration::from_secs(1),
                timeouts["worker"],
            )));
        }
        tasks.push(tokio::spawn(crate::worker_loop::run_reconciler(
            function_apps["reconciler"].clone(),
            opts.reconcile_every,
            timeouts["reconciler"],
        )));
        tasks.push(tokio::spawn(crate::worker_loop::run_provider_audit(
            function_apps["provider-audit"].clone(),
            opts.audit_every,
            timeouts["provider-audit"],
        )));
        tasks.push(tokio::spawn(crate::worker_loop::run_trash_sweep(
            function_apps["trash-sweep"].clone(),
            TRASH_SWEEP_EVERY,
            timeouts["trash-sweep"],
        )));
        Ok(Self {
            base_url,
            pool,
            app,
            apps: function_apps,
            prefix: opts.prefix.clone(),
            sim,
            resources,
            moto,
            tasks,
        })
    }

    /// Stops every task and process this stack started.
    pub async fn stop(mut self) {
        for t in &self.tasks {
            t.abort();
        }
        if let Some(s) = &self.sim {
            s.shutdown();
        }
        self.moto.stop().await;
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}
