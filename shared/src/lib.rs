//! Domain logic and adapters shared by every function. The domain (`domain`, `catalog`) has no
//! AWS types; the adapters (`store`, `media`, `queue`, `secrets`, `replicate`) are thin.
pub mod api;
pub mod app;
pub mod catalog;
pub mod clock;
pub mod config;
pub mod domain;
pub mod lazy;
pub mod media;
pub mod metrics;
pub mod queue;
pub mod replicate;
pub mod runtime;
pub mod secrets;
pub mod service;
pub mod store;
pub mod telemetry;
pub mod tls;

pub use app::App;
