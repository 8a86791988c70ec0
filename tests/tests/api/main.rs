//! Black-box tests of the running service; every store-touching case runs on both engines.

mod access;
mod accounts;
mod areas;
mod cli;
mod edge;
mod health;
mod jobs;
mod openapi;
mod organizations;
mod smtp;
