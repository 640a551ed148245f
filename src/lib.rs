//! Tessera: an event-sourced, federated ActivityPub server with the Mastodon client API.
//!
//! The flow of a write: an HTTP handler in [`api`] parses the request and calls a use case
//! in [`app`]; the use case does its I/O, builds a command, lets the pure aggregate in
//! [`domain`] decide which [`events`] happen, and appends them through [`eventlog`] with the
//! inline [`projections`] in one transaction. Checkpointed projectors fill the slower read
//! models afterwards; [`replay`] rebuilds all read models from the log.

/// `format!` for SQL whose dynamic parts are our own constants (column lists, table names
/// and `$n` placeholders), never input: values always go through binds.
#[macro_export]
macro_rules! sqlf {
    ($($t:tt)*) => { sqlx::AssertSqlSafe(format!($($t)*)) };
}

pub mod api;
pub mod app;
pub mod bench;
pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod eventlog;
pub mod events;
pub mod federate;
pub mod ids;
pub mod mail;
pub mod media;
pub mod oauth;
pub mod projections;
pub mod queries;
pub mod replay;
pub mod server;
pub mod streaming;
pub mod time;
pub mod web;
