//! Settings: one's data. Exports (a JSON archive, and Mastodon's CSV files of follows,
//! blocks, mutes and lists) and importing a follows CSV.

use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};
use tessera_federation::handle::Handle;
use tessera_workers::{PullJob, PullPurpose};

use super::page::{self, PageError};
use super::session::SignedIn;
use super::settings::settings_page;
use crate::api::entities::{Ctx, account_to_api};
use crate::api::params::WithFiles;
use crate::app::App;
use crate::error::Error;
use crate::eventlog::local_actor;
use crate::queries::Page;
use crate::queries::accounts as aq;
use crate::queries::statuses::{self as sq, AccountStatusesFilter};
use crate::time::iso;

/// Rows one import may hold (Mastodon allows many more, over hours).
pub const MAX_IMPORT_ROWS: usize = 1000;
const IMPORT_MAX_BYTES: usize = 512 * 1024;

/// The accounts an account follows, is followed by, and blocks: (username, domain).
const FOLLOWING: &str = "SELECT a.username, a.domain FROM follows f JOIN accounts a ON a.id = f.target_account_id \
     WHERE f.account_id = $1 ORDER BY f.id";
const FOLLOWERS: &str = "SELECT a.username, a.domain FROM follows f JOIN accounts a ON a.id = f.account_id \
     WHERE f.target_account_id = $1 ORDER BY f.id";
const BLOCKED: &str = "SELECT a.username, a.domain FROM blocks b JOIN accounts a ON a.id = b.target_account_id \
     WHERE b.account_id = $1 ORDER BY b.id";

pub fn router() -> Router<App> {
    Router::new()
        .route("/settings/data", get(data_page))
        .route("/settings/export/{file}", get(export))
        .route(
            "/settings/import",
            post(import).layer(DefaultBodyLimit::max(IMPORT_MAX_BYTES + 64 * 1024)),
        )
}

#[derive(Deserialize, Default)]
struct Flash {
    #[serde(default)]
    imported: Option<String>,
    #[serde(default)]
    queued: Option<String>,
}

async fn data_page(
    State(app): State<App>,
    SignedIn(visit, _me): SignedIn,
    crate::api::params::Query(flash): crate::api::params::Query<Flash>,
) -> Result<Response, PageError> {
    let notice = flash.imported.map(|n| {
        format!(
            "Followed {n} accounts; {} on other servers are being looked up.",
            flash.queued.as_deref().unwrap_or("0")
        )
    });
    Ok(settings_page(
        &app,
        &visit,
        "data",
        StatusCode::OK,
        notice.as_deref(),
        None,
        minijinja::context! { max_rows => MAX_IMPORT_ROWS },
    ))
}

fn download(content_type: &'static str, name: &str, body: Vec<u8>) -> Response {
    (
        [
            (CONTENT_TYPE, content_type.to_string()),
            (
                CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (CACHE_CONTROL, "no-store".to_string()),
        ],
        body,
    )
        .into_response()
}

async fn export(
    State(app): State<App>,
    SignedIn(_visit, me): SignedIn,
    Path(file): Path<String>,
) -> Result<Response, PageError> {
    let csv_type = "text/csv; charset=utf-8";
    Ok(match file.as_str() {
        "archive.json" => {
            let body =
                serde_json::to_vec_pretty(&archive(&app, &me).await?).map_err(Error::internal)?;
            download("application/json", "archive.json", body)
        }
        "following_accounts.csv" => {
            let rows = addresses(&app, FOLLOWING, me.id).await?;
            let mut out = csv_writer();
            write(
                &mut out,
                &[
                    "Account address",
                    "Show boosts",
                    "Notify on new posts",
                    "Languages",
                ],
            )?;
            for address in rows {
                write(&mut out, &[&address, "true", "false", ""])?;
            }
            download(csv_type, &file, finish(out)?)
        }
        "blocked_accounts.csv" => {
            let rows = addresses(&app, BLOCKED, me.id).await?;
            let mut out = csv_writer();
            for address in rows {
                write(&mut out, &[&address])?;
            }
            download(csv_type, &file, finish(out)?)
        }
        "muted_accounts.csv" => {
            let rows: Vec<(String, Option<String>, i64)> = sqlx::query_as(
                "SELECT a.username, a.domain, m.hide_notifications FROM mutes m JOIN accounts a ON a.id = m.target_account_id WHERE m.account_id = $1 ORDER BY m.id",
            )
            .bind(me.id)
            .fetch_all(&app.db.pool)
            .await?;
            let mut out = csv_writer();
            write(&mut out, &["Account address", "Hide notifications"])?;
            for (username, domain, hide) in rows {
                let address = address_of(&app, &username, domain.as_deref());
                write(
                    &mut out,
                    &[&address, if hide != 0 { "true" } else { "false" }],
                )?;
            }
            download(csv_type, &file, finish(out)?)
        }
        "lists.csv" => {
            let rows: Vec<(String, String, Option<String>)> = sqlx::query_as(
                "SELECT l.title, a.username, a.domain FROM lists l JOIN list_accounts la ON la.list_id = l.id \
                 JOIN accounts a ON a.id = la.account_id WHERE l.account_id = $1 ORDER BY l.id, a.id",
            )
            .bind(me.id)
            .fetch_all(&app.db.pool)
            .await?;
            let mut out = csv_writer();
            for (title, username, domain) in rows {
                write(
                    &mut out,
                    &[&title, &address_of(&app, &username, domain.as_deref())],
                )?;
            }
            download(csv_type, &file, finish(out)?)
        }
        _ => return Err(Error::NotFound.into()),
    })
}

fn csv_writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new())
}

fn write(out: &mut csv::Writer<Vec<u8>>, record: &[&str]) -> Result<(), Error> {
    out.write_record(record).map_err(Error::internal)
}

fn finish(out: csv::Writer<Vec<u8>>) -> Result<Vec<u8>, Error> {
    out.into_inner().map_err(Error::internal)
}

fn address_of(app: &App, username: &str, domain: Option<&str>) -> String {
    format!("{username}@{}", domain.unwrap_or(&app.config.domain))
}

async fn addresses(app: &App, sql: &'static str, account_id: i64) -> Result<Vec<String>, Error> {
    let rows: Vec<(String, Option<String>)> = sqlx::query_as(sql)
        .bind(account_id)
        .fetch_all(&app.db.pool)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(u, d)| address_of(app, &u, d.as_deref()))
        .collect())
}

/// Everything of the account's own: profile, posts (as the API shows them), follows both
/// ways, and every event the account caused or that its stream holds.
async fn archive(app: &App, me: &aq::AccountRow) -> Result<Value, Error> {
    let ctx = Ctx::new(&app.config);
    let mut conn = app.db.pool.acquire().await?;
    let filter = AccountStatusesFilter {
        exclude_replies: false,
        exclude_reblogs: false,
        only_media: false,
        tagged: None,
    };
    let mut statuses = Vec::new();
    let mut max_id = None;
    loop {
        let page = Page {
            max_id,
            limit: 200,
            ..Page::default()
        };
        let views = sq::of_account(&mut conn, Some(me.id), me.id, &filter, &page).await?;
        let Some(last) = views.last() else { break };
        max_id = Some(last.row.id);
        statuses.extend(
            views
                .iter()
                .map(|v| crate::api::entities::status_to_api(v, &ctx)),
        );
    }
    drop(conn);
    let following = addresses(app, FOLLOWING, me.id).await?;
    let followers = addresses(app, FOLLOWERS, me.id).await?;
    let events: Vec<(i64, String, String, String, i64)> = sqlx::query_as(
        "SELECT seq, stream, kind, payload, recorded_at FROM events WHERE actor = $1 OR stream = $2 ORDER BY seq",
    )
    .bind(local_actor(me.id))
    .bind(crate::domain::account::stream(me.id))
    .fetch_all(&app.db.pool)
    .await?;
    let events: Vec<Value> = events
        .into_iter()
        .map(|(seq, stream, kind, payload, at)| {
            json!({
                "seq": seq,
                "stream": stream,
                "kind": kind,
                "recorded_at": iso(at),
                "payload": serde_json::from_str::<Value>(&payload).unwrap_or(Value::String(payload)),
            })
        })
        .collect();
    Ok(json!({
        "exported_at": iso(crate::time::now_ms()),
        "account": account_to_api(me, &ctx),
        "statuses": statuses,
        "following": following,
        "followers": followers,
        "events": events,
    }))
}

#[derive(Deserialize, Default)]
struct ImportForm {
    #[serde(default)]
    authenticity_token: String,
}

async fn import(
    State(app): State<App>,
    SignedIn(visit, me): SignedIn,
    form: Result<WithFiles<ImportForm>, Error>,
) -> Result<Response, PageError> {
    let mut form = form?;
    visit.check_csrf(&form.params.authenticity_token)?;
    let refuse = |message: &str| {
        settings_page(
            &app,
            &visit,
            "data",
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            Some(message),
            minijinja::context! { max_rows => MAX_IMPORT_ROWS },
        )
    };
    let Some(bytes) = form.take("follows").filter(|b| !b.is_empty()) else {
        return Ok(refuse("Choose a CSV file of follows to import."));
    };
    let addresses = match parse_follows(&bytes) {
        Ok(a) => a,
        Err(message) => return Ok(refuse(&message)),
    };
    let mut followed = 0;
    let mut remote = Vec::new();
    for handle in addresses {
        let domain = handle.domain.clone().unwrap_or_default();
        if app.config.is_own_host(&domain) {
            let mut conn = app.db.pool.acquire().await?;
            let target = aq::local_by_username(&mut conn, &handle.username).await?;
            drop(conn);
            if let Some(t) = target.filter(|t| t.id != me.id)
                && app.follow(me.id, t.id).await.is_ok()
            {
                followed += 1;
            }
        } else {
            remote.push(PullJob {
                url: format!("acct:{}@{domain}", handle.username),
                purpose: PullPurpose::FollowImport { account_id: me.id },
            });
        }
    }
    let queued = remote.len();
    if !remote.is_empty() {
        let queues = app
            .federation
            .queues()
            .map_err(|e| Error::Unavailable(e.to_string()))?;
        queues
            .enqueue_pull(remote)
            .await
            .map_err(|e| Error::Unavailable(e.to_string()))?;
    }
    Ok(page::see_other(
        &format!("/settings/data?imported={followed}&queued={queued}"),
        None,
    ))
}

/// The addresses of a follows CSV: Mastodon's (with its header row) or a bare list, one
/// `user@host` (or `@user@host`) in the first column of each row.
pub fn parse_follows(bytes: &[u8]) -> Result<Vec<Handle>, String> {
    if bytes.len() > IMPORT_MAX_BYTES {
        return Err(format!(
            "The file is larger than {} KB.",
            IMPORT_MAX_BYTES / 1024
        ));
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut handles: Vec<Handle> = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| format!("Line {} is not CSV: {e}", i + 1))?;
        let first = record.get(0).unwrap_or("").trim();
        if first.is_empty() || (i == 0 && first.eq_ignore_ascii_case("Account address")) {
            continue;
        }
        let handle = Handle::parse(first.trim_start_matches('@'))
            .filter(|h| h.domain.is_some())
            .ok_or_else(|| {
                format!(
                    "Line {}: “{first}” is not an address such as user@example.social.",
                    i + 1
                )
            })?;
        if !handles.iter().any(|h| h == &handle) {
            handles.push(handle);
        }
        if handles.len() > MAX_IMPORT_ROWS {
            return Err(format!(
                "The file has more than {MAX_IMPORT_ROWS} accounts."
            ));
        }
    }
    if handles.is_empty() {
        return Err("The file names no accounts.".into());
    }
    Ok(handles)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mastodon_follows_csv_gives_its_addresses_once_each() {
        let csv = b"Account address,Show boosts,Notify on new posts,Languages\n\
            alice@example.social,true,false,\n@bob@other.example,false,false,en\nalice@example.social,true,false,\n";
        let handles = parse_follows(csv).unwrap();
        let names: Vec<String> = handles
            .iter()
            .map(|h| format!("{}@{}", h.username, h.domain.as_deref().unwrap_or("")))
            .collect();
        assert_eq!(names, ["alice@example.social", "bob@other.example"]);
        assert!(
            parse_follows(b"just-a-name\n")
                .unwrap_err()
                .contains("Line 1")
        );
        assert!(parse_follows(b"").is_err());
    }
}
