//! Domain logic and adapters shared by every function. The domain (`domain`, `catalog`) has no
//! AWS types; the adapters (`store`, `media`, `queue`, `secrets`, `replicate`) are thin.
//! Without the default feature `aws` only the pure parts build (no AWS SDK): what `fuzz/` tests.
pub mod api;
#[cfg(feature = "aws")]
pub mod app;
pub mod billing;
#[cfg(feature = "aws")]
pub mod budget;
pub mod catalog;
pub mod clock;
pub mod config;
pub mod deadline;
pub mod domain;
pub mod environment;
#[cfg(feature = "aws")]
pub mod gate;
#[cfg(feature = "aws")]
pub mod idp;
pub mod lazy;
mod limits;
pub mod media;
pub mod metrics;
#[cfg(feature = "aws")]
pub mod queue;
pub mod replicate;
#[cfg(feature = "aws")]
pub mod runtime;
#[cfg(feature = "aws")]
pub mod sdk;
#[cfg(feature = "aws")]
pub mod secrets;
#[cfg(feature = "aws")]
pub mod service;
#[cfg(feature = "aws")]
pub mod store;
pub mod telemetry;
pub mod thumb;
pub mod tls;

#[cfg(feature = "aws")]
pub use app::App;
