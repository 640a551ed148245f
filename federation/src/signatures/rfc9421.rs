//! RFC 9421 HTTP Message Signatures: `Signature-Input: sig1=("@method" "@target-uri"
//! "content-digest");created=…;keyid="…";alg="rsa-v1_5-sha256"` with
//! `Signature: sig1=:<base64>:`. The signature base is rebuilt from the request exactly
//! as §2.5 says, ending with the `"@signature-params"` line.

use std::time::SystemTime;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use http::{HeaderMap, HeaderValue, Method};

use super::digest::{check_content_digest, content_digest_header};
use super::{
    PendingSignature, PrivateKey, RequestView, Scheme, SignatureError, authority, check_skew,
    header_value, path_and_query, unix, unix_now,
};

const LABEL: &str = "sig1";

fn malformed(m: &str) -> SignatureError {
    SignatureError::Malformed(m.to_string())
}

/// One member of a structured dictionary: `label=value`, keeping the value's raw text.
fn dictionary(raw: &str) -> Result<Vec<(String, String)>, SignatureError> {
    let mut out = Vec::new();
    let bytes = raw.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        while i < bytes.len() && (bytes[i] == b' ' || bytes[i] == b',') {
            i += 1;
        }
        if i >= bytes.len() {
            break;
        }
        let start = i;
        while i < bytes.len() && bytes[i] != b'=' {
            i += 1;
        }
        if i >= bytes.len() {
            return Err(malformed("a dictionary member has no value"));
        }
        let label = raw[start..i].trim().to_string();
        i += 1;
        let value_start = i;
        let (mut depth, mut quoted, mut colon) = (0i32, false, false);
        while i < bytes.len() {
            match bytes[i] {
                b'\\' if quoted => i += 1,
                b'"' => quoted = !quoted,
                b':' if !quoted => colon = !colon,
                b'(' if !quoted => depth += 1,
                b')' if !quoted => depth -= 1,
                b',' if !quoted && !colon && depth == 0 => break,
                _ => {}
            }
            i += 1;
        }
        if quoted || depth != 0 {
            return Err(malformed("unbalanced structured field"));
        }
        let value = raw
            .get(value_start..i.min(raw.len()))
            .ok_or_else(|| malformed("not a structured field"))?;
        out.push((label, value.trim().to_string()));
    }
    Ok(out)
}

struct Input {
    /// Component identifiers as serialized (`"@method"`), in order.
    components: Vec<String>,
    created: Option<i64>,
    expires: Option<i64>,
    key_id: Option<String>,
    alg: Option<String>,
}

/// `("@method" "@target-uri");created=1;keyid="k";alg="…"`
fn parse_input(raw: &str) -> Result<Input, SignatureError> {
    let inner = raw
        .strip_prefix('(')
        .ok_or_else(|| malformed("expected an inner list"))?;
    let close = inner
        .find(')')
        .ok_or_else(|| malformed("unterminated inner list"))?;
    let list = &inner[..close];
    let mut components = Vec::new();
    for item in list.split_ascii_whitespace() {
        if !item.starts_with('"') || !item.ends_with('"') || item.len() < 2 {
            return Err(malformed("a component is not a quoted string"));
        }
        if item.contains(';') {
            return Err(malformed("component parameters are not supported"));
        }
        components.push(item.to_string());
    }
    let (mut created, mut expires, mut key_id, mut alg) = (None, None, None, None);
    for param in inner[close + 1..]
        .split(';')
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let (name, value) = param.split_once('=').unwrap_or((param, "?1"));
        let text = || value.trim_matches('"').to_string();
        let number = || {
            value
                .parse::<i64>()
                .map_err(|_| SignatureError::Malformed(format!("`{name}` is not a number")))
        };
        match name {
            "created" => created = Some(number()?),
            "expires" => expires = Some(number()?),
            "keyid" => key_id = Some(text()),
            "alg" => alg = Some(text()),
            _ => {}
        }
    }
    Ok(Input {
        components,
        created,
        expires,
        key_id,
        alg,
    })
}

fn component_value(
    name: &str,
    req: &RequestView,
    uri: &url::Url,
    host: &str,
) -> Result<String, SignatureError> {
    Ok(match name {
        "@method" => req.method.as_str().to_string(),
        "@target-uri" => req.target_uri.to_string(),
        "@authority" => host.to_string(),
        "@scheme" => uri.scheme().to_string(),
        "@path" => uri.path().to_string(),
        "@query" => format!("?{}", uri.query().unwrap_or("")),
        "@request-target" => path_and_query(uri),
        n if n.starts_with('@') => {
            return Err(SignatureError::Malformed(format!(
                "unsupported component {n}"
            )));
        }
        header => header_value(req.headers, header)?
            .ok_or_else(|| SignatureError::MissingComponent(header.to_string()))?,
    })
}

pub fn inspect(
    req: &RequestView,
    body: Option<&[u8]>,
    now: SystemTime,
) -> Result<PendingSignature, SignatureError> {
    let inputs_raw =
        header_value(req.headers, "signature-input")?.ok_or(SignatureError::Missing)?;
    let sigs_raw = header_value(req.headers, "signature")?.ok_or(SignatureError::Missing)?;
    if inputs_raw.len() > super::MAX_HEADER_BYTES || sigs_raw.len() > super::MAX_HEADER_BYTES {
        return Err(malformed("the signature headers are too long"));
    }
    let inputs = dictionary(&inputs_raw)?;
    let sigs = dictionary(&sigs_raw)?;
    let (label, params_raw) = inputs
        .iter()
        .find(|(l, _)| l == LABEL)
        .or_else(|| inputs.first())
        .ok_or(SignatureError::Missing)?;
    let signature_raw = sigs
        .iter()
        .find(|(l, _)| l == label)
        .map(|(_, v)| v.as_str())
        .ok_or_else(|| malformed("no signature for the signature input"))?;
    let signature = signature_raw
        .strip_prefix(':')
        .and_then(|s| s.strip_suffix(':'))
        .and_then(|s| STANDARD.decode(s).ok())
        .ok_or_else(|| malformed("the signature is not a byte sequence"))?;
    let input = parse_input(params_raw)?;
    match input.alg.as_deref() {
        None | Some("rsa-v1_5-sha256") => {}
        Some(other) => return Err(SignatureError::UnsupportedAlgorithm(other.to_string())),
    }
    let key_id = input.key_id.clone().ok_or_else(|| malformed("no keyid"))?;
    let covers = |c: &str| input.components.iter().any(|x| x.trim_matches('"') == c);
    if !covers("@method") {
        return Err(SignatureError::MissingComponent("@method".into()));
    }
    if !covers("@target-uri")
        && !(covers("@authority") && (covers("@path") || covers("@request-target")))
    {
        return Err(SignatureError::MissingComponent("@target-uri".into()));
    }
    let has_body = body.is_some_and(|b| !b.is_empty()) || *req.method == Method::POST;
    if has_body && !covers("content-digest") {
        return Err(SignatureError::MissingComponent("content-digest".into()));
    }
    let created = input
        .created
        .ok_or(SignatureError::MissingComponent("created".into()))?;
    check_skew(unix(created), now)?;
    if input.expires.is_some_and(|e| e < unix_now(now)) {
        return Err(SignatureError::Expired);
    }
    if has_body {
        let digest =
            header_value(req.headers, "content-digest")?.ok_or(SignatureError::DigestMissing)?;
        check_content_digest(&digest, body.unwrap_or_default())?;
    }
    let (uri, host) = authority(req.target_uri)?;
    let mut base = String::new();
    for c in &input.components {
        let name = c.trim_matches('"');
        let value = component_value(name, req, &uri, &host)?;
        base.push_str(&format!("{c}: {value}\n"));
    }
    base.push_str(&format!("\"@signature-params\": {params_raw}"));
    Ok(PendingSignature {
        key_id,
        scheme: Scheme::Rfc9421,
        base: base.into_bytes(),
        signature,
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
    let value = |s: &str| {
        HeaderValue::from_str(s)
            .map_err(|_| SignatureError::Malformed(format!("bad header value {s}")))
    };
    let mut components = vec!["\"@method\"", "\"@target-uri\""];
    if let Some(body) = body {
        headers.insert("content-digest", value(&content_digest_header(body))?);
        components.push("\"content-digest\"");
    }
    let params = format!(
        "({});created={};keyid=\"{key_id}\";alg=\"rsa-v1_5-sha256\"",
        components.join(" "),
        unix_now(now)
    );
    let view = RequestView {
        method,
        target_uri,
        headers,
    };
    let (uri, host) = authority(target_uri)?;
    let mut base = String::new();
    for c in &components {
        let v = component_value(c.trim_matches('"'), &view, &uri, &host)?;
        base.push_str(&format!("{c}: {v}\n"));
    }
    base.push_str(&format!("\"@signature-params\": {params}"));
    let signature = STANDARD.encode(key.sign(base.as_bytes())?);
    headers.insert("signature-input", value(&format!("{LABEL}={params}"))?);
    headers.insert("signature", value(&format!("{LABEL}=:{signature}:"))?);
    Ok(())
}
