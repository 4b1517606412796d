//! Fuzz targets for the pure parsers of `shared` (the webhook verifier, the request parsers, the
//! cursor decoder, the catalog's validation, the media sniffers), and the deadline-bounded
//! mutation loop that drives them from the seed corpora in `fuzz/corpus/<target>/`.
//!
//! A target takes arbitrary bytes, must never panic, and checks its properties with `assert!`:
//! a failed property is a panic too, which the loop records as a crash. It returns a short
//! outcome label (which branch the input reached); the loop keeps inputs that reach a new one.
//! This crate depends on `shared` without its `aws` feature: no AWS SDK in its graph.
pub mod engine;
pub mod mutate;
pub mod targets;

pub use targets::{TARGETS, Target};
