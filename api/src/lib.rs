#![doc = include_str!("../README.md")]

pub mod app;
pub mod areas;
pub mod cli;
pub mod config;
pub mod edge;
pub mod health;
pub mod metrics;
pub mod problem;
pub mod request_id;
pub mod routes;
pub mod telemetry;

pub use app::Application;
pub use config::Config;
