#![doc = include_str!("../README.md")]

pub mod accounts;
pub mod app;
pub mod areas;
pub mod audit;
pub mod auth;
pub mod body;
pub mod cli;
pub mod config;
pub mod edge;
pub mod health;
pub mod job_runs;
pub mod metrics;
pub mod organizations;
pub mod problem;
pub mod request_id;
pub mod roles;
pub mod routes;
pub mod sessions;
pub mod state;
pub mod telemetry;
pub mod throttle;
pub mod views;

pub use app::Application;
pub use config::Config;
