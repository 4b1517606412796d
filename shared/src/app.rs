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
    /// The user pool, server side (the account erasure's AdminDeleteUser).
    pub idp: crate::idp::Idp,
    /// The media URL signer and the URLs it signed (crate::media::urls).
    pub media_urls: crate::media::urls::MediaUrls,
    /// For output downloads: no redirects, bounded time. Like every client here, built on first
    /// use: a reqwest client parses the TLS roots (crate::tls; docs/benchmarks.md).
    pub downloads: Lazy<reqwest::Client>,
    api_http: Lazy<reqwest::Client>,
}

pub use crate::sdk::{sdk_config, sdk_config_as};

impl App {
    pub async fn from_env() -> Result<Self, InitError> {
        Self::new(Config::from_env()?).await
    }

    pub async fn new(config: Config) -> Result<Self, InitError> {
        Self::with_catalog(config, Catalog::builtin()?).await
    }

    /// An app with another catalog than the compiled-in one (tests of a fixture catalog).
    pub async fn with_catalog(config: Config, catalog: Catalog) -> Result<Self, InitError> {
        Self::local_as(config, catalog, None).await
    }

    /// The app of one function of the local stack, its AWS calls signed with that function's
    /// own access key ([`sdk_config_as`]).
    pub async fn local_as(config: Config, catalog: Catalog, access_key_id: Option<&str>) -> Result<Self, InitError> {
        let sdk = sdk_config_as(&config.region, config.endpoint_url.as_deref(), access_key_id);
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
            idp: crate::idp::Idp::new(
                &config.region,
                config.endpoint_url.clone(),
                config.user_pool_id.clone(),
                sdk.credentials_provider(),
            ),
            media_urls: Default::default(),
            catalog,
            config,
        })
    }

    /// The HTTP client of API calls made without an SDK (Replicate, the user pool).
    pub fn api_http(&self) -> &reqwest::Client {
        &self.api_http
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
