//! The few lines every function's `main` calls: logging, the app built once, the Lambda loop
//! (an HTTP request passes the account gate, crate::gate, before its handler).
use crate::api::{ApiError, ApiResult};
use crate::app::App;
use lambda_http::{Body, Request, RequestExt, Response};
use std::future::Future;
use std::sync::Arc;

/// Turns a handler result into the HTTP response (errors in the api.md shape).
pub fn respond(r: ApiResult) -> Response<Body> {
    r.unwrap_or_else(ApiError::into_response)
}

pub async fn run_http<F, Fut>(handler: F) -> Result<(), lambda_http::Error>
where
    F: Fn(Arc<App>, Request) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = ApiResult> + Send,
{
    crate::telemetry::init();
    let app = Arc::new(App::from_env().await?);
    lambda_http::run(lambda_http::service_fn(move |req: Request| {
        let (app, h) = (app.clone(), handler.clone());
        let deadline = req.lambda_context_ref().map(|c| c.deadline());
        async move {
            let served = crate::gate::serve(app, req, h);
            Ok::<_, lambda_http::Error>(respond(crate::deadline::scope(deadline, served).await))
        }
    }))
    .await
}

/// When the invocation being handled must have answered (crate::deadline); `None` outside one.
pub fn deadline() -> Option<std::time::SystemTime> {
    crate::deadline::get()
}

/// For functions fed by SQS, schedules or other JSON events. The handler runs with the
/// invocation's [`deadline`] in scope.
pub async fn run_event<E, R, F, Fut>(handler: F) -> Result<(), lambda_runtime::Error>
where
    E: serde::de::DeserializeOwned + Send + 'static,
    R: serde::Serialize + Send + 'static,
    F: Fn(Arc<App>, E) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<R, lambda_runtime::Error>> + Send,
{
    crate::telemetry::init();
    let app = Arc::new(App::from_env().await?);
    lambda_runtime::run(lambda_runtime::service_fn(move |ev: lambda_runtime::LambdaEvent<E>| {
        let (app, h) = (app.clone(), handler.clone());
        let deadline = ev.context.deadline();
        async move { crate::deadline::scope(Some(deadline), h(app, ev.payload)).await }
    }))
    .await
}
