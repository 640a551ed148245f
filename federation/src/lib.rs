//! The ActivityPub protocol for Tessera, with no database: actor keys, account handles,
//! and (as federation grows) vocabulary, signatures, WebFinger and the safe HTTP client.

pub mod handle;
pub mod keys;
