//! The AWS SDK's configuration for every client: credentials, TLS, and bounded time. Every
//! call has an attempt timeout, an operation timeout and a retry limit, and no attempt runs past
//! the invocation's deadline (crate::deadline): the connector cuts it [`crate::deadline::SDK_MARGIN`]
//! before, and a call made after that fails at once without retries. `budget` (a unit test)
//! reads these figures to bound each function's worst case.
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region};
use aws_smithy_runtime_api::client::http::{HttpConnector, HttpConnectorFuture};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::result::ConnectorError;
use std::sync::OnceLock;
use std::time::Duration;

/// Time to open a connection.
pub const SDK_CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// One attempt (an S3 part of 8 MiB included).
pub const SDK_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
/// One call, its retries and their backoff included.
pub const SDK_OPERATION_TIMEOUT: Duration = Duration::from_secs(25);
/// One attempt of CompleteMultipartUpload, and the call with its retries: S3 assembles the
/// whole object (a 2 GiB zip is 257 parts) before it answers.
pub const SDK_COMPLETE_MULTIPART_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(120);
pub const SDK_COMPLETE_MULTIPART_OPERATION_TIMEOUT: Duration = Duration::from_secs(150);

/// The timeouts of a CompleteMultipartUpload call (the connect timeout stays the client's).
pub fn complete_multipart_timeouts() -> TimeoutConfig {
    TimeoutConfig::builder()
        .operation_attempt_timeout(SDK_COMPLETE_MULTIPART_ATTEMPT_TIMEOUT)
        .operation_timeout(SDK_COMPLETE_MULTIPART_OPERATION_TIMEOUT)
        .build()
}

/// Tries per call, the first included (the SDK's standard mode).
pub const SDK_MAX_ATTEMPTS: u32 = 3;
/// The SDK's waits between tries: shorter than [`crate::deadline::SDK_MARGIN`], so a wait
/// after a try that failed just before the margin still ends before the deadline (and the try
/// after it fails at once: budget::tests).
pub const SDK_INITIAL_BACKOFF: Duration = Duration::from_millis(100);
pub const SDK_MAX_BACKOFF: Duration = Duration::from_millis(200);

/// The connector every SDK client uses: the real one, with each attempt cut to the time the
/// invocation has left (crate::deadline::remaining_for_sdk).
#[derive(Debug)]
struct DeadlineConnector {
    inner: aws_smithy_runtime_api::client::http::SharedHttpConnector,
}

impl HttpConnector for DeadlineConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        match crate::deadline::remaining_for_sdk() {
            None => self.inner.call(request),
            // A user error: the SDK does not retry it.
            Some(left) if left.is_zero() => HttpConnectorFuture::ready(Err(ConnectorError::user(
                "the invocation's deadline has passed: no AWS call is started".into(),
            ))),
            Some(left) => {
                let call = self.inner.call(request);
                HttpConnectorFuture::new(async move {
                    match tokio::time::timeout(left, call).await {
                        Ok(r) => r,
                        Err(_) => Err(ConnectorError::user("the invocation's deadline came during the AWS call".into())),
                    }
                })
            }
        }
    }
}

/// The SDK configuration, assembled directly instead of by `aws_config::load()`: no provider
/// chains to build, no profile files to look for, nothing on the network. Credentials come
/// from the environment, which is where Lambda puts them (AWS_ACCESS_KEY_ID,
/// AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN). The HTTP client's TLS connector (parsing the
/// compiled-in roots, crate::tls) is built on the first request, not during init
/// (docs/benchmarks.md). With an
/// `endpoint_url` (the local emulator) the credentials are fixed fake ones, never real ones.
pub fn sdk_config(region: &str, endpoint_url: Option<&str>) -> aws_config::SdkConfig {
    sdk_config_as(region, endpoint_url, None)
}

/// [`sdk_config`] signing as `access_key_id` against the local emulator (each function of the
/// local stack has its own key, checked against its own policy: local/src/iam.rs); `None` is
/// the emulator's unrestricted key. Ignored without an `endpoint_url`.
pub fn sdk_config_as(region: &str, endpoint_url: Option<&str>, access_key_id: Option<&str>) -> aws_config::SdkConfig {
    use aws_sdk_dynamodb::config::{Credentials, SharedCredentialsProvider};
    use aws_smithy_runtime_api::client::http::{HttpClient, SharedHttpClient, SharedHttpConnector, http_client_fn};
    // Built on the first request: building the HTTPS client parses the TLS roots. They are
    // compiled in (crate::tls), not loaded from the system store.
    let real: std::sync::Arc<OnceLock<SharedHttpClient>> = Default::default();
    let http = http_client_fn(move |settings, components| {
        let inner = real
            .get_or_init(|| {
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
            .http_connector(settings, components);
        SharedHttpConnector::new(DeadlineConnector { inner })
    });
    let credentials = match endpoint_url {
        Some(_) => SharedCredentialsProvider::new(Credentials::new(
            access_key_id.unwrap_or("local"),
            "local",
            None,
            None,
            "local-stack",
        )),
        None => SharedCredentialsProvider::new(aws_config::environment::EnvironmentVariableCredentialsProvider::new()),
    };
    let mut b = aws_config::SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_string()))
        .http_client(http)
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(SDK_CONNECT_TIMEOUT)
                .operation_attempt_timeout(SDK_ATTEMPT_TIMEOUT)
                .operation_timeout(SDK_OPERATION_TIMEOUT)
                .build(),
        )
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(SDK_MAX_ATTEMPTS)
                .with_initial_backoff(SDK_INITIAL_BACKOFF)
                .with_max_backoff(SDK_MAX_BACKOFF),
        )
        .credentials_provider(credentials);
    if let Some(ep) = endpoint_url {
        b = b.endpoint_url(ep);
    }
    b.build()
}
