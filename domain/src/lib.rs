#![doc = include_str!("../README.md")]

pub mod access;
pub mod accounts;
pub mod api_keys;
pub mod areas;
pub mod audit;
pub mod db;
pub mod job_runs;
pub mod organizations;
pub mod proxies;
pub mod residents;
pub mod schema;
pub mod seed;
pub mod sessions;
pub mod time;
pub mod volunteers;
pub mod webhooks;
