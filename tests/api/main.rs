//! Integration tests: real servers on loopback ports, driven over HTTP.

mod bad_input;
mod concurrency;
mod mastodon_py;
mod oauth;
mod replay;
mod support;
