//! Media files: checking and processing images ([`process`]) and keeping them
//! ([`storage`]). The use cases are in `app::media`, the routes in `api::v1::media`.

pub mod process;
pub mod storage;
