//! Black-box tests of the running service; every store-touching case runs on both engines.

mod access;
mod accounts;
mod areas;
mod authorization;
mod cli;
mod edge;
mod health;
mod jobs;
mod ledger;
mod lifecycle;
mod openapi;
mod organizations;
mod people;
mod points;
mod points_policy;
mod smtp;
