//! draft-cavage-http-signatures-12, as Mastodon, GoToSocial, Misskey, Pleroma and Lemmy
//! send it: `Signature: keyId="…",algorithm="…",headers="…",signature="…"`.

use std::time::SystemTime;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use http::{HeaderMap, HeaderValue, Method};

use super::digest::{check_digest, digest_header};
use super::{
    PendingSignature, PrivateKey, RequestView, Scheme, SignatureError, authority, check_skew,
    header_value, path_and_query, unix, unix_now,
};

struct Params {
    key_id: String,
    algorithm: Option<String>,
    headers: Vec<String>,
    signature: Vec<u8>,
    created: Option<i64>,
    expires: Option<i64>,
}

/// `k1="v1",k2=v2,…` — values quoted (cavage) or, for `created`/`expires`, bare numbers.
fn parse(raw: &str) -> Result<Params, SignatureError> {
    if raw.len() > super::MAX_HEADER_BYTES {
        return Err(SignatureError::Malformed(
            "the signature header is too long".into(),
        ));
    }
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut rest = raw.trim();
    while !rest.is_empty() {
        let (name, after) = rest
            .split_once('=')
            .ok_or_else(|| SignatureError::Malformed("expected name=value".into()))?;
        let name = name.trim().to_ascii_lowercase();
        let after = after.trim_start();
        let (value, remaining) = if let Some(quoted) = after.strip_prefix('"') {
            let end = quoted
                .find('"')
                .ok_or_else(|| SignatureError::Malformed("unterminated quote".into()))?;
            (&quoted[..end], &quoted[end + 1..])
        } else {
            match after.find(',') {
                Some(end) => (&after[..end], &after[end..]),
                None => (after, ""),
            }
        };
        fields.push((name, value.trim().to_string()));
        rest = remaining.trim_start();
        if let Some(r) = rest.strip_prefix(',') {
            rest = r.trim_start();
        } else if !rest.is_empty() {
            return Err(SignatureError::Malformed("expected a comma".into()));
        }
    }
    let get = |n: &str| fields.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
    let number = |n: &str| -> Result<Option<i64>, SignatureError> {
        get(n)
            .map(|v| {
                v.parse::<i64>()
                    .map_err(|_| SignatureError::Malformed(format!("`{n}` is not a number")))
            })
            .transpose()
    };
    Ok(Params {
        key_id: get("keyid").ok_or_else(|| SignatureError::Malformed("no keyId".into()))?,
        algorithm: get("algorithm"),
        headers: get("headers")
            .unwrap_or_else(|| "date".into())
            .split_ascii_whitespace()
            .map(str::to_ascii_lowercase)
            .collect(),
        signature: STANDARD
            .decode(
                get("signature").ok_or_else(|| SignatureError::Malformed("no signature".into()))?,
            )
            .map_err(|_| SignatureError::Malformed("the signature is not base64".into()))?,
        created: number("created")?,
        expires: number("expires")?,
    })
}

pub fn inspect(
    req: &RequestView,
    body: Option<&[u8]>,
    now: SystemTime,
) -> Result<PendingSignature, SignatureError> {
    let raw = match header_value(req.headers, "signature")? {
        Some(v) => v,
        None => header_value(req.headers, "authorization")?
            .and_then(|v| {
                v.trim_start()
                    .strip_prefix("Signature ")
                    .map(str::to_string)
            })
            .ok_or(SignatureError::Missing)?,
    };
    let p = parse(&raw)?;
    match p
        .algorithm
        .as_deref()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        None | Some("rsa-sha256") | Some("hs2019") => {}
        Some(other) => return Err(SignatureError::UnsupportedAlgorithm(other.to_string())),
    }
    let covers = |h: &str| p.headers.iter().any(|x| x == h);
    for required in ["(request-target)", "host"] {
        if !covers(required) {
            return Err(SignatureError::MissingComponent(required.into()));
        }
    }
    if !covers("date") && !covers("(created)") {
        return Err(SignatureError::MissingComponent("date".into()));
    }
    let has_body = body.is_some_and(|b| !b.is_empty()) || *req.method == Method::POST;
    if has_body && !covers("digest") {
        return Err(SignatureError::MissingComponent("digest".into()));
    }

    let (uri, host) = authority(req.target_uri)?;
    let mut lines = Vec::with_capacity(p.headers.len());
    for h in &p.headers {
        let value = match h.as_str() {
            "(request-target)" => format!(
                "{} {}",
                req.method.as_str().to_ascii_lowercase(),
                path_and_query(&uri)
            ),
            "(created)" => p
                .created
                .ok_or_else(|| SignatureError::Malformed("`(created)` signed but absent".into()))?
                .to_string(),
            "(expires)" => p
                .expires
                .ok_or_else(|| SignatureError::Malformed("`(expires)` signed but absent".into()))?
                .to_string(),
            // Behind HTTP/2 the host arrives as :authority, which the map lacks.
            "host" => header_value(req.headers, "host")?.unwrap_or_else(|| host.clone()),
            name => header_value(req.headers, name)?
                .ok_or_else(|| SignatureError::MissingComponent(name.to_string()))?,
        };
        lines.push(format!("{h}: {value}"));
    }

    if covers("date") {
        let date = header_value(req.headers, "date")?
            .ok_or(SignatureError::MissingComponent("date".into()))?;
        let at = httpdate::parse_http_date(&date)
            .map_err(|_| SignatureError::Malformed("`Date` is not an HTTP date".into()))?;
        check_skew(at, now)?;
    }
    if let Some(created) = p.created {
        check_skew(unix(created), now)?;
    }
    if p.expires.is_some_and(|e| e < unix_now(now)) {
        return Err(SignatureError::Expired);
    }
    if has_body {
        let digest = header_value(req.headers, "digest")?.ok_or(SignatureError::DigestMissing)?;
        check_digest(&digest, body.unwrap_or_default())?;
    }
    Ok(PendingSignature {
        key_id: p.key_id,
        scheme: Scheme::Cavage,
        base: lines.join("\n").into_bytes(),
        signature: p.signature,
    })
}

pub fn sign(
    method: &Method,
    target_uri: &str,
    headers: &mut HeaderMap,
    body: Option<&[u8]>,
    key_id: &str,
    key: &PrivateKey,
    now: SystemTime,
) -> Result<(), SignatureError> {
    let (uri, host) = authority(target_uri)?;
    let value = |s: &str| {
        HeaderValue::from_str(s)
            .map_err(|_| SignatureError::Malformed(format!("bad header value {s}")))
    };
    headers.insert(http::header::HOST, value(&host)?);
    if !headers.contains_key(http::header::DATE) {
        headers.insert(http::header::DATE, value(&httpdate::fmt_http_date(now))?);
    }
    let mut names = vec!["(request-target)", "host", "date"];
    if let Some(body) = body {
        headers.insert("digest", value(&digest_header(body))?);
        names.push("digest");
    } else if headers.contains_key(http::header::ACCEPT) {
        names.push("accept");
    }
    let mut lines = Vec::new();
    for name in &names {
        let v = match *name {
            "(request-target)" => format!(
                "{} {}",
                method.as_str().to_ascii_lowercase(),
                path_and_query(&uri)
            ),
            other => header_value(headers, other)?.unwrap_or_default(),
        };
        lines.push(format!("{name}: {v}"));
    }
    let signature = STANDARD.encode(key.sign(lines.join("\n").as_bytes())?);
    let header = format!(
        "keyId=\"{key_id}\",algorithm=\"rsa-sha256\",headers=\"{}\",signature=\"{signature}\"",
        names.join(" ")
    );
    headers.insert("signature", value(&header)?);
    Ok(())
}
