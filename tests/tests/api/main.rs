//! Black-box tests of the running service; every store-touching case runs on both engines.

mod access;
mod accounts;
mod areas;
mod authorization;
mod cli;
mod edge;
mod health;
mod jobs;
mod lifecycle;
mod needs;
mod openapi;
mod organizations;
mod people;
mod smtp;
