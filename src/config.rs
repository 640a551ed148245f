//! Configuration: built-in defaults, then an optional TOML file, then environment variables.
//! Every key is documented in docs/configuration.md. A bad value is a [`ConfigError`] that
//! names the key; the command line turns it into one line and exit status 2.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    Http,
    Https,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Registrations {
    Open,
    Approval,
    Closed,
}

/// Where media files are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MediaStore {
    /// Under `<data_dir>/media`.
    Local,
    /// An S3-compatible bucket (AWS, MinIO, Garage, R2 ...).
    S3 {
        bucket: String,
        /// For anything but AWS itself, e.g. `http://127.0.0.1:9000`.
        endpoint: Option<String>,
        region: String,
        access_key_id: String,
        secret_access_key: String,
    },
}

#[derive(Debug, Clone)]
pub struct Config {
    /// Public host, with a port when not the default one for the scheme.
    pub domain: String,
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub scheme: Scheme,
    pub registrations: Registrations,
    pub max_status_chars: usize,
    pub instance_title: String,
    pub contact_email: String,
    /// The OAuth password grant, kept for command-line clients (Mastodon 4.4 removed it).
    pub password_grant: bool,
    /// Let outbound fetches and deliveries reach loopback and private addresses
    /// (local development and tests only).
    pub allow_private_addresses: bool,
    /// Require signed GETs for our own ActivityPub documents.
    pub authorized_fetch: bool,
    /// Queues on Redis instead of the database.
    pub redis_url: Option<String>,
    /// Send mail over SMTP; without it, mail is written as .eml files under the data folder.
    pub smtp_url: Option<String>,
    /// Run the queue workers inside `serve` (off with `serve --no-workers`).
    pub run_workers: bool,
    /// Seconds a running job may go without its worker renewing it before it runs again.
    pub queue_lease_secs: u64,
    /// Multiplies every retry back-off (tests shrink it; 1 in production).
    pub queue_retry_scale: f64,
    /// Accounts registered through the API must confirm their e-mail address first.
    pub email_confirmation: bool,
    pub media_store: MediaStore,
    /// Whether the API's request rate limits apply (Mastodon's; on by default).
    pub rate_limits: bool,
    /// API requests per token (or per address) per 5 minutes.
    pub api_rate_limit: u32,
    /// POSTs to the inboxes per client address per minute (see docs/federation.md).
    pub inbox_ip_rate_limit: u32,
    /// Verified POSTs to the inboxes per remote host per minute.
    pub inbox_host_rate_limit: u32,
    /// Fetches of signing keys (unknown, or refetched after a rotation) per remote host per
    /// minute.
    pub key_fetch_rate_limit: u32,
    /// Posts an account may feature in its showcase (Mastodon's pins, where it is 5).
    pub showcase_limit: i64,
}

#[derive(Debug, thiserror::Error)]
#[error("invalid {key}: {message}")]
pub struct ConfigError {
    pub key: String,
    pub message: String,
}

fn bad(key: &str, message: impl Into<String>) -> ConfigError {
    ConfigError {
        key: key.to_string(),
        message: message.into(),
    }
}

/// Keys of the TOML file; the environment variable of each is named beside it.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    domain: Option<String>,                  // TESSERA_DOMAIN
    listen: Option<String>,                  // TESSERA_LISTEN
    data_dir: Option<String>,                // TESSERA_DATA_DIR
    database_url: Option<String>,            // DATABASE_URL
    scheme: Option<String>,                  // TESSERA_SCHEME
    registrations: Option<String>,           // TESSERA_REGISTRATIONS
    max_status_chars: Option<String>,        // TESSERA_MAX_STATUS_CHARS
    instance_title: Option<String>,          // TESSERA_INSTANCE_TITLE
    contact_email: Option<String>,           // TESSERA_CONTACT_EMAIL
    password_grant: Option<String>,          // TESSERA_PASSWORD_GRANT
    allow_private_addresses: Option<String>, // TESSERA_ALLOW_PRIVATE_ADDRESSES
    authorized_fetch: Option<String>,        // TESSERA_AUTHORIZED_FETCH
    redis_url: Option<String>,               // REDIS_URL
    smtp_url: Option<String>,                // TESSERA_SMTP_URL
    run_workers: Option<String>,             // TESSERA_RUN_WORKERS
    queue_lease_secs: Option<String>,        // TESSERA_QUEUE_LEASE_SECS
    queue_retry_scale: Option<String>,       // TESSERA_QUEUE_RETRY_SCALE
    email_confirmation: Option<String>,      // TESSERA_EMAIL_CONFIRMATION
    s3_bucket: Option<String>,               // TESSERA_S3_BUCKET
    s3_endpoint: Option<String>,             // TESSERA_S3_ENDPOINT
    s3_region: Option<String>,               // TESSERA_S3_REGION
    s3_access_key_id: Option<String>,        // TESSERA_S3_ACCESS_KEY_ID
    s3_secret_access_key: Option<String>,    // TESSERA_S3_SECRET_ACCESS_KEY
    rate_limits: Option<String>,             // TESSERA_RATE_LIMITS
    api_rate_limit: Option<String>,          // TESSERA_API_RATE_LIMIT
    inbox_ip_rate_limit: Option<String>,     // TESSERA_INBOX_IP_RATE_LIMIT
    inbox_host_rate_limit: Option<String>,   // TESSERA_INBOX_HOST_RATE_LIMIT
    key_fetch_rate_limit: Option<String>,    // TESSERA_KEY_FETCH_RATE_LIMIT
    showcase_limit: Option<String>,          // TESSERA_SHOWCASE_LIMIT
}

impl Config {
    /// Load from the optional file and the process environment.
    pub fn load(file: Option<&Path>) -> Result<Config, ConfigError> {
        Self::load_from(file, |k| std::env::var(k).ok().filter(|v| !v.is_empty()))
    }

    pub fn load_from(
        file: Option<&Path>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        let from_file = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| bad("--config", format!("{}: {e}", path.display())))?;
                toml::from_str::<FileConfig>(&text)
                    .map_err(|e| bad("--config", format!("{}: {}", path.display(), e.message())))?
            }
            None => FileConfig::default(),
        };
        let pick = |env_key: &str, file_value: &Option<String>| {
            env(env_key).or_else(|| file_value.clone())
        };

        let domain =
            pick("TESSERA_DOMAIN", &from_file.domain).unwrap_or_else(|| "localhost:8080".into());
        validate_domain(&domain).map_err(|m| bad("TESSERA_DOMAIN", m))?;

        let listen_raw =
            pick("TESSERA_LISTEN", &from_file.listen).unwrap_or_else(|| "127.0.0.1:8080".into());
        let listen = listen_raw.parse::<SocketAddr>().map_err(|_| {
            bad(
                "TESSERA_LISTEN",
                format!("`{listen_raw}` is not an address such as 127.0.0.1:8080"),
            )
        })?;

        let data_dir = PathBuf::from(
            pick("TESSERA_DATA_DIR", &from_file.data_dir).unwrap_or_else(|| "./data".into()),
        );

        let database_url = pick("DATABASE_URL", &from_file.database_url)
            .unwrap_or_else(|| format!("sqlite://{}/tessera.db", data_dir.display()));
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://"))
        {
            return Err(bad(
                "DATABASE_URL",
                "must start with sqlite:, postgres:// or postgresql://",
            ));
        }

        let scheme = match pick("TESSERA_SCHEME", &from_file.scheme).as_deref() {
            None => {
                if is_local_host(&domain) {
                    Scheme::Http
                } else {
                    Scheme::Https
                }
            }
            Some("http") => Scheme::Http,
            Some("https") => Scheme::Https,
            Some(other) => {
                return Err(bad(
                    "TESSERA_SCHEME",
                    format!("`{other}` is neither http nor https"),
                ));
            }
        };

        let registrations = match pick("TESSERA_REGISTRATIONS", &from_file.registrations).as_deref()
        {
            None | Some("open") => Registrations::Open,
            Some("approval") => Registrations::Approval,
            Some("closed") => Registrations::Closed,
            Some(other) => {
                return Err(bad(
                    "TESSERA_REGISTRATIONS",
                    format!("`{other}` is not one of open, approval, closed"),
                ));
            }
        };

        let max_status_chars = match pick("TESSERA_MAX_STATUS_CHARS", &from_file.max_status_chars) {
            None => 500,
            Some(v) => v
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=100_000).contains(n))
                .ok_or_else(|| {
                    bad(
                        "TESSERA_MAX_STATUS_CHARS",
                        format!("`{v}` is not a number from 1 to 100000"),
                    )
                })?,
        };

        let password_grant = boolean(
            "TESSERA_PASSWORD_GRANT",
            pick("TESSERA_PASSWORD_GRANT", &from_file.password_grant),
            true,
        )?;
        let allow_private_addresses = boolean(
            "TESSERA_ALLOW_PRIVATE_ADDRESSES",
            pick(
                "TESSERA_ALLOW_PRIVATE_ADDRESSES",
                &from_file.allow_private_addresses,
            ),
            false,
        )?;
        let authorized_fetch = boolean(
            "TESSERA_AUTHORIZED_FETCH",
            pick("TESSERA_AUTHORIZED_FETCH", &from_file.authorized_fetch),
            false,
        )?;
        let redis_url = pick("REDIS_URL", &from_file.redis_url);
        if let Some(url) = &redis_url
            && !(url.starts_with("redis://") || url.starts_with("rediss://"))
        {
            return Err(bad("REDIS_URL", "must start with redis:// or rediss://"));
        }
        let smtp_url = pick("TESSERA_SMTP_URL", &from_file.smtp_url);
        if let Some(url) = &smtp_url
            && !(url.starts_with("smtp://") || url.starts_with("smtps://"))
        {
            return Err(bad(
                "TESSERA_SMTP_URL",
                "must start with smtp:// or smtps://",
            ));
        }

        let run_workers = boolean(
            "TESSERA_RUN_WORKERS",
            pick("TESSERA_RUN_WORKERS", &from_file.run_workers),
            true,
        )?;
        let queue_lease_secs = match pick("TESSERA_QUEUE_LEASE_SECS", &from_file.queue_lease_secs) {
            None => 60,
            Some(v) => v
                .parse::<u64>()
                .ok()
                .filter(|n| (2..=86_400).contains(n))
                .ok_or_else(|| {
                    bad(
                        "TESSERA_QUEUE_LEASE_SECS",
                        format!("`{v}` is not a number of seconds from 2 to 86400"),
                    )
                })?,
        };
        let queue_retry_scale =
            match pick("TESSERA_QUEUE_RETRY_SCALE", &from_file.queue_retry_scale) {
                None => 1.0,
                Some(v) => v
                    .parse::<f64>()
                    .ok()
                    .filter(|n| (0.0001..=100.0).contains(n))
                    .ok_or_else(|| {
                        bad(
                            "TESSERA_QUEUE_RETRY_SCALE",
                            format!("`{v}` is not a number from 0.0001 to 100"),
                        )
                    })?,
            };

        let email_confirmation = boolean(
            "TESSERA_EMAIL_CONFIRMATION",
            pick("TESSERA_EMAIL_CONFIRMATION", &from_file.email_confirmation),
            true,
        )?;

        let media_store = match pick("TESSERA_S3_BUCKET", &from_file.s3_bucket) {
            None => MediaStore::Local,
            Some(bucket) => {
                let need = |key: &str, value: &Option<String>| {
                    pick(key, value)
                        .ok_or_else(|| bad(key, "is required when TESSERA_S3_BUCKET is set"))
                };
                let endpoint = pick("TESSERA_S3_ENDPOINT", &from_file.s3_endpoint);
                if let Some(e) = &endpoint
                    && !(e.starts_with("http://") || e.starts_with("https://"))
                {
                    return Err(bad(
                        "TESSERA_S3_ENDPOINT",
                        "must start with http:// or https://",
                    ));
                }
                MediaStore::S3 {
                    bucket,
                    endpoint,
                    region: pick("TESSERA_S3_REGION", &from_file.s3_region)
                        .unwrap_or_else(|| "us-east-1".into()),
                    access_key_id: need("TESSERA_S3_ACCESS_KEY_ID", &from_file.s3_access_key_id)?,
                    secret_access_key: need(
                        "TESSERA_S3_SECRET_ACCESS_KEY",
                        &from_file.s3_secret_access_key,
                    )?,
                }
            }
        };
        let rate_limits = boolean(
            "TESSERA_RATE_LIMITS",
            pick("TESSERA_RATE_LIMITS", &from_file.rate_limits),
            true,
        )?;

        let requests = |key: &str, value: &Option<String>, default: u32| match pick(key, value) {
            None => Ok(default),
            Some(v) => v
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=1_000_000).contains(n))
                .ok_or_else(|| {
                    bad(
                        key,
                        format!("`{v}` is not a number of requests from 1 to 1000000"),
                    )
                }),
        };
        let api_rate_limit = requests("TESSERA_API_RATE_LIMIT", &from_file.api_rate_limit, 300)?;
        // The inbox limits are per minute and far above what a busy peer sends: a server the
        // size of mastodon.social delivers bursts of hundreds of activities a second to a
        // large instance, and more while it catches up after an outage (a 429 only delays
        // those: senders retry later). 6,000 a minute per host lets such bursts through and
        // holds a host to 100 a second on average. One address may carry many servers
        // (shared hosting, a relay), so it gets twice that. A key is fetched once per new
        // actor (then kept), so 600 a minute is far above a host's real need, while it
        // bounds what one forged key id after another makes us fetch from a host.
        let inbox_ip_rate_limit = requests(
            "TESSERA_INBOX_IP_RATE_LIMIT",
            &from_file.inbox_ip_rate_limit,
            12_000,
        )?;
        let inbox_host_rate_limit = requests(
            "TESSERA_INBOX_HOST_RATE_LIMIT",
            &from_file.inbox_host_rate_limit,
            6_000,
        )?;
        let key_fetch_rate_limit = requests(
            "TESSERA_KEY_FETCH_RATE_LIMIT",
            &from_file.key_fetch_rate_limit,
            600,
        )?;

        let showcase_limit = match pick("TESSERA_SHOWCASE_LIMIT", &from_file.showcase_limit) {
            None => 12,
            Some(v) => v
                .parse::<i64>()
                .ok()
                .filter(|n| (1..=100).contains(n))
                .ok_or_else(|| {
                    bad(
                        "TESSERA_SHOWCASE_LIMIT",
                        format!("`{v}` is not a number of posts from 1 to 100"),
                    )
                })?,
        };

        Ok(Config {
            showcase_limit,
            media_store,
            rate_limits,
            api_rate_limit,
            inbox_ip_rate_limit,
            inbox_host_rate_limit,
            key_fetch_rate_limit,
            instance_title: pick("TESSERA_INSTANCE_TITLE", &from_file.instance_title)
                .unwrap_or_else(|| "Tessera".into()),
            contact_email: pick("TESSERA_CONTACT_EMAIL", &from_file.contact_email)
                .unwrap_or_default(),
            domain,
            listen,
            data_dir,
            database_url,
            scheme,
            registrations,
            max_status_chars,
            password_grant,
            allow_private_addresses,
            authorized_fetch,
            redis_url,
            smtp_url,
            run_workers,
            queue_lease_secs,
            queue_retry_scale,
            email_confirmation,
        })
    }

    /// `https://example.com` — the origin every public URL starts with.
    pub fn base_url(&self) -> String {
        let scheme = match self.scheme {
            Scheme::Http => "http",
            Scheme::Https => "https",
        };
        format!("{scheme}://{}", self.domain)
    }

    /// Does `url_or_host` name this server, in any spelling of its host (case, a trailing
    /// dot, a default port, Unicode or punycode)?
    pub fn is_own_host(&self, url_or_host: &str) -> bool {
        tessera_federation::host::same_host(url_or_host, &self.base_url())
    }

    /// The host part of the domain, without a port (for mail addresses; `acct` handles
    /// keep the port, so that servers on development ports can tell each other apart).
    pub fn host(&self) -> &str {
        match self.domain.rsplit_once(':') {
            Some((host, port)) if port.chars().all(|c| c.is_ascii_digit()) => host,
            _ => &self.domain,
        }
    }
}

fn boolean(key: &str, value: Option<String>, default: bool) -> Result<bool, ConfigError> {
    match value.as_deref() {
        None => Ok(default),
        Some("true" | "on" | "1" | "yes") => Ok(true),
        Some("false" | "off" | "0" | "no") => Ok(false),
        Some(other) => Err(bad(key, format!("`{other}` is not true or false"))),
    }
}

fn validate_domain(domain: &str) -> Result<(), String> {
    let parsed =
        url::Url::parse(&format!("http://{domain}/")).map_err(|e| format!("`{domain}`: {e}"))?;
    if parsed.host_str().is_none()
        || parsed.path() != "/"
        || parsed.username() != ""
        || domain.contains('/')
    {
        return Err(format!(
            "`{domain}` is not a host name with an optional port"
        ));
    }
    Ok(())
}

pub fn is_local_host(domain: &str) -> bool {
    let host = domain
        .rsplit_once(':')
        .map(|(h, p)| {
            if p.chars().all(|c| c.is_ascii_digit()) {
                h
            } else {
                domain
            }
        })
        .unwrap_or(domain);
    host == "localhost"
        || host.ends_with(".localhost")
        || host.starts_with("127.")
        || host == "[::1]"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::load_from(None, move |k| {
            pairs
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn defaults_run_on_a_fresh_machine() {
        let c = load(&[]).unwrap();
        assert_eq!(c.domain, "localhost:8080");
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(c.scheme, Scheme::Http);
        assert_eq!(c.database_url, "sqlite://./data/tessera.db");
        assert_eq!(c.base_url(), "http://localhost:8080");
        assert_eq!(c.registrations, Registrations::Open);
    }

    #[test]
    fn a_public_domain_defaults_to_https() {
        let c = load(&[("TESSERA_DOMAIN", "social.example")]).unwrap();
        assert_eq!(c.base_url(), "https://social.example");
    }

    #[test]
    fn bad_values_name_their_key() {
        let e = load(&[("TESSERA_LISTEN", "nowhere")]).unwrap_err();
        assert_eq!(e.key, "TESSERA_LISTEN");
        let e = load(&[("TESSERA_REGISTRATIONS", "sometimes")]).unwrap_err();
        assert!(e.to_string().starts_with("invalid TESSERA_REGISTRATIONS"));
        let e = load(&[("TESSERA_DOMAIN", "a b/c")]).unwrap_err();
        assert_eq!(e.key, "TESSERA_DOMAIN");
        let e = load(&[("DATABASE_URL", "mysql://x")]).unwrap_err();
        assert_eq!(e.key, "DATABASE_URL");
    }

    #[test]
    fn file_values_are_overridden_by_the_environment() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tessera.toml");
        std::fs::write(
            &path,
            "domain = \"file.example\"\nregistrations = \"closed\"\n",
        )
        .unwrap();
        let c = Config::load_from(Some(&path), |k| {
            (k == "TESSERA_DOMAIN").then(|| "env.example".to_string())
        })
        .unwrap();
        assert_eq!(c.domain, "env.example");
        assert_eq!(c.registrations, Registrations::Closed);
        std::fs::write(&path, "colour = \"blue\"\n").unwrap();
        assert_eq!(
            Config::load_from(Some(&path), |_| None).unwrap_err().key,
            "--config"
        );
    }
}
