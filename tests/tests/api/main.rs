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
mod ledger;
mod lifecycle;
mod needs;
mod notifications;
mod openapi;
mod organizations;
mod outbox;
mod paid;
mod people;
mod points;
mod points_policy;
mod rewards;
mod smtp;
mod transactions;
mod web;
mod webhooks;
