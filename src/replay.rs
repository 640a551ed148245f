//! `tessera replay`: rebuild every read model from the event log into fresh tables, compare
//! them with the live ones, and (with `--apply`) swap the rebuilt ones in. The rebuilt
//! tables live in a scratch SQLite file attached beside the live one, or a scratch
//! PostgreSQL schema; the same projection code fills them.

use sqlx::Connection;

use crate::config::Config;
use crate::db::{Conn, Kind};
use crate::eventlog;
use crate::projections::{self, Checkpointed, READ_MODELS};

#[derive(Debug)]
pub struct TableDiff {
    pub table: &'static str,
    pub only_live: i64,
    pub only_rebuilt: i64,
}

#[derive(Debug)]
pub struct Report {
    pub events: i64,
    pub differences: Vec<TableDiff>,
    pub applied: bool,
}

const PG_SCHEMA: &str = "tessera_replay";

pub async fn run(config: &Config, apply: bool) -> anyhow::Result<Report> {
    let live = crate::server::open(config).await?;
    // Compare against live models that have seen the whole log, not a lagging projector.
    projections::catch_up(&live, &Default::default()).await?;
    let kind = live.kind;
    live.pool.close().await;

    let (mut conn, live_prefix, scratch) = match kind {
        Kind::Sqlite => {
            let live_path = config
                .database_url
                .trim_start_matches("sqlite://")
                .trim_start_matches("sqlite:");
            let live_path = live_path.split('?').next().unwrap_or(live_path).to_string();
            let scratch =
                std::path::PathBuf::from(format!("{live_path}.replay-{}", std::process::id()));
            let _ = std::fs::remove_file(&scratch);
            let url = format!("sqlite://{}?mode=rwc", scratch.display());
            // sqlx's migrator runs on sqlx's own connection.
            let mut migrating = sqlx::AnyConnection::connect(&url).await?;
            kind.migrator().run(&mut migrating).await?;
            migrating.close().await?;
            let mut conn = Conn::connect(&url).await?;
            sqlx::query("ATTACH DATABASE $1 AS live")
                .bind(&live_path)
                .execute(&mut conn)
                .await?;
            (conn, "live.".to_string(), Some(scratch))
        }
        Kind::Postgres => {
            let mut conn = Conn::connect(&config.database_url).await?;
            let live_schema: String = sqlx::query_scalar("SELECT CAST(current_schema() AS TEXT)")
                .fetch_one(&mut conn)
                .await?;
            sqlx::raw_sql(crate::sqlf!("DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE; CREATE SCHEMA {PG_SCHEMA}; SET search_path TO {PG_SCHEMA}")).execute(&mut conn)
                .await?;
            match conn.as_sqlx() {
                Some(migrating) => kind.migrator().run(migrating).await?,
                None => anyhow::bail!("a PostgreSQL connection was expected"),
            }
            (conn, format!("{live_schema}."), None)
        }
    };
    let result = rebuild_and_compare(&mut conn, &live_prefix, apply).await;
    match kind {
        Kind::Sqlite => {
            let _ = conn.close().await;
            if let Some(path) = scratch {
                let _ = std::fs::remove_file(&path);
                let _ = std::fs::remove_file(format!("{}-wal", path.display()));
                let _ = std::fs::remove_file(format!("{}-shm", path.display()));
            }
        }
        Kind::Postgres => {
            let _ = sqlx::raw_sql(crate::sqlf!("DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
                .execute(&mut conn)
                .await;
            let _ = conn.close().await;
        }
    }
    result
}

async fn rebuild_and_compare(conn: &mut Conn, live: &str, apply: bool) -> anyhow::Result<Report> {
    let copied = sqlx::query(crate::sqlf!(
        "INSERT INTO events SELECT * FROM {live}events"
    ))
    .execute(&mut *conn)
    .await?;
    let events = i64::try_from(copied.rows_affected()).unwrap_or(i64::MAX);

    let mut seq = 0;
    loop {
        // A connection of its own: plain BEGIN and COMMIT serve both databases.
        sqlx::raw_sql("BEGIN").execute(&mut *conn).await?;
        let batch = eventlog::read_after(conn, seq, 1000).await?;
        let Some(last) = batch.last().map(|r| r.seq) else {
            sqlx::raw_sql("ROLLBACK").execute(&mut *conn).await?;
            break;
        };
        for rec in &batch {
            projections::apply_all(conn, rec).await?;
        }
        sqlx::raw_sql("COMMIT").execute(&mut *conn).await?;
        seq = last;
    }

    let mut differences = Vec::new();
    for table in READ_MODELS {
        let only_rebuilt: i64 = sqlx::query_scalar(crate::sqlf!(
            "SELECT COUNT(*) FROM (SELECT * FROM {table} EXCEPT SELECT * FROM {live}{table}) d"
        ))
        .fetch_one(&mut *conn)
        .await?;
        let only_live: i64 = sqlx::query_scalar(crate::sqlf!(
            "SELECT COUNT(*) FROM (SELECT * FROM {live}{table} EXCEPT SELECT * FROM {table}) d"
        ))
        .fetch_one(&mut *conn)
        .await?;
        if only_live > 0 || only_rebuilt > 0 {
            differences.push(TableDiff {
                table,
                only_live,
                only_rebuilt,
            });
        }
    }

    if apply {
        sqlx::raw_sql("BEGIN").execute(&mut *conn).await?;
        let tx = &mut *conn;
        for table in READ_MODELS {
            sqlx::query(crate::sqlf!("DELETE FROM {live}{table}"))
                .execute(&mut *tx)
                .await?;
            sqlx::query(crate::sqlf!(
                "INSERT INTO {live}{table} SELECT * FROM {table}"
            ))
            .execute(&mut *tx)
            .await?;
        }
        for p in Checkpointed::ALL {
            sqlx::query(crate::sqlf!(
                "DELETE FROM {live}projector_checkpoints WHERE name = $1"
            ))
            .bind(p.name())
            .execute(&mut *tx)
            .await?;
            sqlx::query(crate::sqlf!(
                "INSERT INTO {live}projector_checkpoints (name, seq) VALUES ($1, $2)"
            ))
            .bind(p.name())
            .bind(seq)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::raw_sql("COMMIT").execute(&mut *conn).await?;
    }
    Ok(Report {
        events,
        differences,
        applied: apply,
    })
}
