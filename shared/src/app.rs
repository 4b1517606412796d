//! Everything a function needs, built once per container: configuration, catalog, SDK
//! clients and secret caches. Building it does no network I/O.
use crate::catalog::{Catalog, CatalogError};
use crate::config::{Config, ConfigError};
use crate::lazy::Lazy;
use crate::media::Media;
use crate::queue::Queue;
use crate::replicate::{ApiToken, ReplicateClient, WebhookSecret};
use crate::secrets::{SecretError, Secrets};
use crate::store::Store;
use aws_config::{BehaviorVersion, Region};
use std::sync::OnceLock;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum InitError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Catalog(#[from] CatalogError),
}

#[derive(Debug, thiserror::Error)]
pub enum ProviderSetupError {
    #[error(transparent)]
    Secret(#[from] SecretError),
    #[error("webhook secret is not a valid whsec_ value")]
    BadWebhookSecret,
    #[error("media signing key: {0}")]
    BadMediaKey(#[from] crate::media::signing_key::SigningKeyError),
    #[error("media signing key: {0}")]
    MediaSign(#[from] crate::media::cdn::KeyError),
}

pub struct App {
    pub config: Config,
    pub catalog: Catalog,
    pub store: Store,
    pub media: Media,
    pub queue: Queue,
    pub secrets: Secrets,
    /// The media URL signer and the URLs it signed (crate::media::urls).
    pub media_urls: crate::media::urls::MediaUrls,
    /// For output downloads: no redirects, bounded time. Like every client here, built on first
    /// use: a reqwest client parses the TLS roots (crate::tls; docs/benchmarks.md).
    pub downloads: Lazy<reqwest::Client>,
    api_http: Lazy<reqwest::Client>,
}

/// The SDK configuration, assembled directly instead of by `aws_config::load()`: no provider
/// chains to build, no profile files to look for, nothing on the network. Credentials come
/// from the environment, which is where Lambda puts them (AWS_ACCESS_KEY_ID,
/// AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN). The HTTP client's TLS connector (parsing the
/// compiled-in roots, crate::tls) is built on the first request, not during init
/// (docs/benchmarks.md). With an
/// `endpoint_url` (the local emulator) the credentials are fixed fake ones, never real ones.
pub fn sdk_config(region: &str, endpoint_url: Option<&str>) -> aws_config::SdkConfig {
    use aws_sdk_dynamodb::config::{Credentials, SharedCredentialsProvider};
    use aws_smithy_runtime_api::client::http::{HttpClient, SharedHttpClient, http_client_fn};
    // Built on the first request: building the HTTPS client parses the TLS roots. They are
    // compiled in (crate::tls), not loaded from the system store.
    let real: std::sync::Arc<OnceLock<SharedHttpClient>> = Default::default();
    let http = http_client_fn(move |settings, components| {
        real.get_or_init(|| {
            let tls = aws_smithy_http_client::tls::TlsContext::builder()
                .with_trust_store(crate::tls::sdk_trust_store())
                .build()
                .expect("the compiled-in roots make a TLS context");
            aws_smithy_http_client::Builder::new()
                .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
                    aws_smithy_http_client::tls::rustls_provider::CryptoMode::AwsLc,
                ))
                .tls_context(tls)
                .build_https()
        })
        .http_connector(settings, components)
    });
    let credentials = match endpoint_url {
        Some(_) => SharedCredentialsProvider::new(Credentials::new("local", "local", None, None, "local-stack")),
        None => SharedCredentialsProvider::new(aws_config::environment::EnvironmentVariableCredentialsProvider::new()),
    };
    let mut b = aws_config::SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_string()))
        .http_client(http)
        .credentials_provider(credentials);
    if let Some(ep) = endpoint_url {
        b = b.endpoint_url(ep);
    }
    b.build()
}

impl App {
    pub async fn from_env() -> Result<Self, InitError> {
        Self::new(Config::from_env()?).await
    }

    pub async fn new(config: Config) -> Result<Self, InitError> {
        Self::with_catalog(config, Catalog::builtin()?).await
    }

    /// An app with another catalog than the compiled-in one (tests of a fixture catalog).
    pub async fn with_catalog(config: Config, catalog: Catalog) -> Result<Self, InitError> {
        let sdk = sdk_config(&config.region, config.endpoint_url.as_deref());
        let path_style = config.endpoint_url.is_some();
        // Each SDK client is built on first use (crate::lazy): a function pays only for the
        // clients it touches.
        Ok(Self {
            store: Store::new(
                Lazy::new({
                    let sdk = sdk.clone();
                    move || aws_sdk_dynamodb::Client::new(&sdk)
                }),
                config.tables.clone(),
            ),
            media: Media::new(
                Lazy::new({
                    let sdk = sdk.clone();
                    move || aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&sdk).force_path_style(path_style).build())
                }),
                config.media_bucket.clone(),
            )
            .with_post_signing(sdk.credentials_provider(), config.endpoint_url.clone())
            .with_upload_url(config.upload_url.clone()),
            queue: Queue::new(
                Lazy::new({
                    let sdk = sdk.clone();
                    move || aws_sdk_sqs::Client::new(&sdk)
                }),
                config.queue_url.clone(),
            ),
            secrets: Secrets::new(
                Lazy::new({
                    let sdk = sdk.clone();
                    move || aws_sdk_secretsmanager::Client::new(&sdk)
                }),
                Duration::from_secs(600),
            ),
            downloads: Lazy::new({
                let timeout = config.download_timeout;
                move || crate::media::download_client(timeout)
            }),
            api_http: Lazy::new(|| {
                crate::tls::reqwest_builder()
                    .connect_timeout(Duration::from_secs(5))
                    .build()
                    .expect("a client with the compiled-in roots builds")
            }),
            media_urls: Default::default(),
            catalog,
            config,
        })
    }

    /// The Replicate client with the API token from Secrets Manager (cached).
    pub async fn replicate(&self) -> Result<ReplicateClient, ProviderSetupError> {
        let token = self.secrets.get(&self.config.replicate_token_secret_id).await?;
        Ok(
            ReplicateClient::new(&self.config.replicate_api_base, ApiToken::new(token), (*self.api_http).clone())
                .with_max_retry_wait(self.config.replicate_max_retry_wait),
        )
    }

    /// The CloudFront URL signer: its key pair id and private key, together, from the
    /// `media_signing_key` secret (cached, like every secret, for 10 minutes).
    pub async fn media_signer(&self) -> Result<std::sync::Arc<crate::media::cdn::UrlSigner>, ProviderSetupError> {
        let secret = self.secrets.get(&self.config.media_signing_key_secret_id).await?;
        Ok(self.media_urls.signer(&secret)?)
    }

    /// A signed media URL for `key` (with `download_as`: served as an attachment so named).
    pub async fn media_url(&self, key: &str, download_as: Option<&str>) -> Result<String, ProviderSetupError> {
        let signer = self.media_signer().await?;
        let now = crate::clock::now().timestamp().max(0) as u64;
        Ok(self.media_urls.url(
            &signer,
            &self.config.media_base_url,
            key,
            download_as,
            now,
            self.config.media_url_ttl.as_secs(),
        )?)
    }

    pub async fn webhook_secret(&self) -> Result<WebhookSecret, ProviderSetupError> {
        let raw = self.secrets.get(&self.config.webhook_secret_id).await?;
        WebhookSecret::parse(&raw).map_err(|_| ProviderSetupError::BadWebhookSecret)
    }
}
