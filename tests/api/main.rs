//! Integration tests: real servers on loopback ports, driven over HTTP.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod admin;
mod bad_input;
mod bookmarks;
mod cli;
mod concurrency;
mod conversations;
mod delivery;
mod discovery;
mod federation;
mod fedify;
mod filters;
mod fixtures;
mod grouped_notifications;
mod inbox;
mod lists;
mod mail;
mod mastodon_py;
mod media;
mod mutes;
mod oauth;
mod peer;
mod pins;
mod polls;
mod ratelimit;
mod reading;
mod relations;
mod replay;
mod reports;
mod scheduled;
mod search;
mod streaming;
mod support;
mod tags;
mod web_push;
