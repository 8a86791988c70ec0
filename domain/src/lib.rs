#![doc = include_str!("../README.md")]

pub mod areas;
pub mod db;
pub mod schema;
pub mod seed;
pub mod time;
