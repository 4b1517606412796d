//! The embedded local stack: everything of Visual Neurons on one machine, with the same
//! handlers as the Lambdas. See docs/architecture.md.
pub mod auth;
pub mod bootstrap;
pub mod catalog_check;
pub mod cognito;
pub mod gateway;
pub mod headers;
pub mod iam;
pub mod invoke;
pub mod ledger;
pub mod media;
pub mod moto;
pub mod operator;
pub mod report;
pub mod routes;
pub mod seed;
pub mod simulator;
pub mod stack;
pub mod tables;
pub mod uploads;
pub mod worker_loop;

pub use ledger::ledger_table;

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;
