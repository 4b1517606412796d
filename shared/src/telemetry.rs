//! Logs: JSON lines through `tracing`, with the span fields (the Lambda request id, job ids).
//! Never log tokens, secrets or presigned URLs. `LOG_LEVEL` is one level (error, warn, info,
//! debug, trace); a level filter, not a directive parser, keeps a regex engine out of the binary.
use tracing_subscriber::filter::LevelFilter;

/// The level `LOG_LEVEL` names, `info` when unset or not a level.
pub fn level() -> LevelFilter {
    std::env::var("LOG_LEVEL")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(LevelFilter::INFO)
}

pub fn init() {
    let _ = tracing_subscriber::fmt()
        .json()
        .with_max_level(level())
        .with_current_span(true)
        .with_span_list(false)
        .with_target(false)
        .without_time()
        .try_init();
}
