//! Black-box tests of the running service; every store-touching case runs on both engines.

mod access;
mod accounts;
mod areas;
mod authorization;
mod cli;
mod edge;
mod email;
mod health;
mod jobs;
mod lifecycle;
mod notifications;
mod openapi;
mod organizations;
mod outbox;
mod people;
mod smtp;
mod webhooks;
