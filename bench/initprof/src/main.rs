//! Prints how long each init step takes, in order, as `step<TAB>microseconds` (first call:
//! cold caches, as in a new Lambda container), then a second App::new for comparison.
use aws_smithy_runtime_api::client::http::HttpClient;
use std::time::{Duration, Instant};

fn step<T>(name: &str, t: &mut Instant, v: T) -> T {
    let now = Instant::now();
    println!("{name}\t{}", now.duration_since(*t).as_micros());
    *t = now;
    v
}

fn main() {
    let start = Instant::now();
    let mut t = start;
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    step("tokio runtime", &mut t, ());
    rt.block_on(async {
        shared::telemetry::init();
        step("telemetry::init (tracing-subscriber json + EnvFilter)", &mut t, ());
        let config = shared::config::Config::from_env().expect("config");
        step("Config::from_env", &mut t, ());
        let sdk = shared::app::sdk_config(&config.region, config.endpoint_url.as_deref());
        step("shared::app::sdk_config (no load(), lazy connector)", &mut t, ());
        let ddb = aws_sdk_dynamodb::Client::new(&sdk);
        step("dynamodb Client::new", &mut t, ());
        let s3 = aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&sdk).force_path_style(config.endpoint_url.is_some()).build());
        step("s3 Client::from_conf", &mut t, ());
        let sqs = aws_sdk_sqs::Client::new(&sdk);
        step("sqs Client::new", &mut t, ());
        let sm = aws_sdk_secretsmanager::Client::new(&sdk);
        step("secretsmanager Client::new", &mut t, ());
        let cat = shared::catalog::Catalog::builtin().expect("catalog");
        step("Catalog::builtin", &mut t, ());
        let dl = shared::media::download_client(Duration::from_secs(20));
        step("reqwest download client (1st reqwest/rustls)", &mut t, ());
        let api = reqwest::Client::builder().connect_timeout(Duration::from_secs(5)).build().unwrap();
        step("reqwest api client (2nd)", &mut t, ());
        drop((ddb, s3, sqs, sm, cat, dl, api));
        let app = shared::App::from_env().await.expect("app");
        step("second App::from_env (warm caches, for comparison)", &mut t, ());
        drop(app);
        // Where does the SDK build its TLS connector (and load the root store)? A client that
        // reports when the SDK asks it for a connector, delegating to the default hyper 1 + rustls.
        let t0 = Instant::now();
        let inner = aws_smithy_http_client::Builder::new()
            .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(aws_smithy_http_client::tls::rustls_provider::CryptoMode::AwsLc))
            .build_https();
        let probe = aws_smithy_runtime_api::client::http::http_client_fn(move |s, c| {
            println!("  sdk asked for a connector at +{} us", t0.elapsed().as_micros());
            let conn = inner.http_connector(s, c);
            println!("  connector built at +{} us", t0.elapsed().as_micros());
            conn
        });
        let sdk2 = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("us-east-1"))
            .http_client(probe)
            .load()
            .await;
        println!("  load() with the probe client done at +{} us", t0.elapsed().as_micros());
        let d2 = aws_sdk_dynamodb::Client::new(&sdk2);
        println!("  dynamodb Client::new done at +{} us", t0.elapsed().as_micros());
        let s32 = aws_sdk_s3::Client::new(&sdk2);
        println!("  s3 Client::new done at +{} us", t0.elapsed().as_micros());
        let q2 = aws_sdk_sqs::Client::new(&sdk2);
        println!("  sqs Client::new done at +{} us", t0.elapsed().as_micros());
        let sm2 = aws_sdk_secretsmanager::Client::new(&sdk2);
        println!("  secretsmanager Client::new done at +{} us", t0.elapsed().as_micros());
        drop((d2, s32, q2, sm2));
        let t1 = Instant::now();
        let app2 = shared::App::from_env().await.expect("app");
        println!("  App::from_env as now in shared: {} us", t1.elapsed().as_micros());
        drop(app2);
        t = Instant::now();
    });
    println!("total\t{}", start.elapsed().as_micros());
}
