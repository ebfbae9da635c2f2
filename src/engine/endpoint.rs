//! The URI of an existing server (`--source-uri`, `endpoint:`, `export`/`import` URIs), parsed
//! once at the edge: scheme, host, port, user, password (a [`Secret`]), path and query without
//! secrets. Its `Display` never shows a password, so it is what messages print; its parse errors
//! show the URI redacted too.

use std::fmt;

use super::descriptor::descriptor;
use super::dialect::EngineKind;
use super::secret::Secret;

/// Query parameters whose values are secrets (`redis+unix:///run/redis.sock?pass=...`).
const SECRET_QUERY_KEYS: &[&str] = &["pass", "password", "requirepass", "auth"];

/// A parsed endpoint URI. `Display` shows it with the password and secret query values as `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Endpoint {
    scheme: String,
    host: Option<String>,
    port: Option<u16>,
    /// As written (percent-encoded); a user name is not a secret.
    user: String,
    password: Option<Secret>,
    path: String,
    /// Query parameters as written, secret values replaced by `None`.
    query: Vec<(String, Option<String>)>,
}

/// Why a URI is not a usable endpoint. Every message shows the URI redacted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EndpointError {
    #[error("`{shown}` is not a URI (no `scheme://`)")]
    NotAUri { shown: String },
    #[error("`{shown}` is not a valid URI ({reason})")]
    Invalid { shown: String, reason: String },
    #[error("`{shown}` names no host")]
    NoHost { shown: String },
    #[error("`{shown}` names no socket path")]
    NoSocketPath { shown: String },
    #[error("`{shown}` has scheme `{scheme}`")]
    WrongScheme { shown: String, scheme: String },
}

impl EndpointError {
    /// The message with what `engine` expects: `... ; engine falkordb expects one of redis,
    /// rediss, redis+unix, unix, e.g. redis://localhost:6379`.
    pub fn for_engine(&self, engine: EngineKind) -> String {
        format!(
            "{self}; engine {engine} expects one of {}, e.g. {}",
            descriptor(engine).uri_schemes().join(", "),
            example(engine)
        )
    }
}

fn example(engine: EngineKind) -> &'static str {
    match engine {
        EngineKind::Neo4j => "bolt://localhost:7687",
        EngineKind::Falkordb => "redis://localhost:6379",
    }
}

fn is_socket_scheme(scheme: &str) -> bool {
    matches!(scheme, "unix" | "redis+unix")
}

impl Endpoint {
    /// Parses `uri` of any scheme.
    pub fn parse(uri: &str) -> Result<Endpoint, EndpointError> {
        let shown = || redact_unparsed(uri);
        if !uri.contains("://") {
            return Err(EndpointError::NotAUri { shown: shown() });
        }
        let url = url::Url::parse(uri.trim()).map_err(|e| EndpointError::Invalid {
            shown: shown(),
            reason: e.to_string(),
        })?;
        let authority = uri.split_once("://").map_or("", |(_, rest)| rest);
        // A password with an unencoded `#`, `?` or `/` can parse as something else (a host, a
        // port, a path, a query): the parser ends the authority at the first of them, so the
        // `@` that was meant to end the password lands after it. `user:[@ab?c@host/0` parses
        // as password `[`, host `ab` and a query `c@host/0` that shows the rest of the password.
        // So an `@` the parser did not take as the userinfo's end, anywhere after the authority
        // (path, query; a fragment is refused whole), means the URI is not what it seems; refuse
        // it, redacted. A socket URI with no authority (`unix:///run/r.sock?pass=p@ss`) has no
        // userinfo to confuse, so an `@` in its path or query is its own.
        let has_authority = !url.username().is_empty()
            || url.password().is_some()
            || url.host_str().is_some_and(|h| !h.is_empty());
        let at_after_authority = (!is_socket_scheme(&url.scheme().to_ascii_lowercase())
            || has_authority)
            && (url.path().contains('@') || url.query().is_some_and(|q| q.contains('@')));
        if url.fragment().is_some()
            || at_after_authority
            || (authority.contains('@') && url.username().is_empty() && url.password().is_none())
        {
            return Err(EndpointError::Invalid {
                shown: shown(),
                reason: "characters such as `/`, `?`, `#`, `@` in a user name or password must be percent-encoded".into(),
            });
        }
        let scheme = url.scheme().to_ascii_lowercase();
        let host = url.host_str().filter(|h| !h.is_empty()).map(str::to_owned);
        // Everything after a secret parameter's `=` counts as its value: a password with an
        // unencoded `&` would otherwise show its tail as the next parameter.
        let mut query = Vec::new();
        for (k, v) in url.query_pairs() {
            let secret = is_secret_key(&k);
            query.push((k.into_owned(), (!secret).then(|| v.into_owned())));
            if secret {
                break;
            }
        }
        let endpoint = Endpoint {
            host,
            port: url.port(),
            user: url.username().to_owned(),
            password: url.password().map(|p| Secret::new(percent_decode(p))),
            path: url.path().to_owned(),
            query,
            scheme,
        };
        if is_socket_scheme(&endpoint.scheme) {
            if endpoint.path.is_empty() || endpoint.path == "/" {
                return Err(EndpointError::NoSocketPath {
                    shown: endpoint.to_string(),
                });
            }
        } else if endpoint.host.is_none() {
            return Err(EndpointError::NoHost {
                shown: endpoint.to_string(),
            });
        }
        Ok(endpoint)
    }

    /// Parses `uri` as an endpoint of `engine`: its scheme must be one of the engine's
    /// ([`EngineDescriptor::uri_schemes`]). The error message says what the engine expects.
    ///
    /// [`EngineDescriptor::uri_schemes`]: super::descriptor::EngineDescriptor::uri_schemes
    pub fn parse_for(uri: &str, engine: EngineKind) -> Result<Endpoint, String> {
        let endpoint = Endpoint::parse(uri).map_err(|e| e.for_engine(engine))?;
        if !descriptor(engine)
            .uri_schemes()
            .contains(&endpoint.scheme.as_str())
        {
            return Err(EndpointError::WrongScheme {
                shown: endpoint.to_string(),
                scheme: endpoint.scheme.clone(),
            }
            .for_engine(engine));
        }
        Ok(endpoint)
    }

    /// The engine whose URI schemes include this one's, if any.
    pub fn engine(&self) -> Option<EngineKind> {
        crate::engine::descriptor::engine_for_scheme(&self.scheme)
    }

    pub fn scheme(&self) -> &str {
        &self.scheme
    }

    pub fn host(&self) -> Option<&str> {
        self.host.as_deref()
    }

    pub fn port(&self) -> Option<u16> {
        self.port
    }

    /// The user name as written in the URI (percent-encoded), empty when none.
    pub fn user(&self) -> &str {
        &self.user
    }

    pub fn password(&self) -> Option<&Secret> {
        self.password.as_ref()
    }

    pub fn path(&self) -> &str {
        &self.path
    }

    /// Query parameters; secret ones (`pass`, `password`, `requirepass`, `auth`) have `None`.
    pub fn query(&self) -> &[(String, Option<String>)] {
        &self.query
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://", self.scheme)?;
        // A scheme no engine knows is most often a URI typed without one: `user:pw@host` with
        // a password starting `//` reads as scheme `user` and user name `pw`. Its parts cannot
        // be trusted to hold no secret, so none is shown.
        if self.engine().is_none() {
            return f.write_str("***");
        }
        if !self.user.is_empty() || self.password.is_some() {
            f.write_str(&self.user)?;
            if self.password.is_some() {
                f.write_str(":***")?;
            }
            f.write_str("@")?;
        }
        if let Some(host) = &self.host {
            f.write_str(host)?;
        }
        if let Some(port) = self.port {
            write!(f, ":{port}")?;
        }
        f.write_str(&self.path)?;
        for (i, (k, v)) in self.query.iter().enumerate() {
            f.write_str(if i == 0 { "?" } else { "&" })?;
            write!(f, "{k}={}", v.as_deref().unwrap_or("***"))?;
        }
        Ok(())
    }
}

impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Endpoint({self})")
    }
}

/// Removes the password (and secret query values such as `?password=`) from a URI before it is
/// printed. A URI that parses is shown as its [`Endpoint`]; one that
/// does not shows only its scheme: nothing can say where a password containing `@` ends.
///
/// ```
/// use migration_harness::engine::endpoint::redact_uri;
/// assert_eq!(redact_uri("bolt://neo4j:s3cret@db:7687"), "bolt://neo4j:***@db:7687");
/// assert_eq!(redact_uri("bolt://neo4j:pa/ss@db:7687"), "bolt://***");
/// ```
pub fn redact_uri(uri: &str) -> String {
    match Endpoint::parse(uri) {
        Ok(endpoint) => endpoint.to_string(),
        Err(_) => redact_unparsed(uri),
    }
}

/// Redacts a URI that did not parse: only its scheme and `://` are kept (or nothing, when it has
/// no real scheme); everything after becomes `***`.
pub(crate) fn redact_unparsed(uri: &str) -> String {
    // Only a real scheme (`letters[letters digits + - .]://` at the start) is kept: a `//`
    // inside a password must not move the start of the redaction.
    let scheme_end = uri.find("://").filter(|&i| {
        let scheme = &uri[..i];
        scheme
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    });
    // A URI that did not parse cannot say where a password ends (it may hold `@`, `/`, `?`):
    // nothing after the scheme is shown.
    match scheme_end {
        Some(i) => format!("{}***", &uri[..i + 3]),
        None => "***".to_owned(),
    }
}

fn is_secret_key(key: &str) -> bool {
    SECRET_QUERY_KEYS.contains(&key.to_ascii_lowercase().as_str())
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod fallback_tests {
    use super::redact_unparsed;

    #[test]
    fn a_double_slash_inside_a_password_does_not_shorten_the_redaction() {
        let shown = redact_unparsed("user:x`dz?kQ7z%-dI_//secret@host:6379");
        assert!(
            !shown.contains("secret") && !shown.contains("kQ7z"),
            "{shown}"
        );
        assert_eq!(shown, "***");
        assert_eq!(redact_unparsed("redis://:pa//ss@h:1"), "redis://***");
        assert_eq!(
            redact_unparsed("redis+unix://:xx@Q7z@/s"),
            "redis+unix://***"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_lose_their_password() {
        assert_eq!(
            redact_uri("bolt://neo4j:pw@localhost:7687/db"),
            "bolt://neo4j:***@localhost:7687/db"
        );
        assert_eq!(
            redact_uri("redis://:tok@127.0.0.1:6379"),
            "redis://:***@127.0.0.1:6379"
        );
        assert_eq!(redact_uri("bolt://localhost:7687"), "bolt://localhost:7687");
    }

    #[test]
    fn special_characters_and_query_secrets_are_redacted_too() {
        for (uri, shown) in [
            ("bolt://neo4j:pa/ss@host:7687", "bolt://***"),
            ("redis://:pa/ss@host:6379", "redis://***"),
            ("bolt://neo4j:p#a?s:s@host:7687", "bolt://***"),
            (
                "bolt://neo4j:pa%2Fss@host:7687",
                "bolt://neo4j:***@host:7687",
            ),
            ("neo4j:secret@host:7687", "***"),
            (
                "redis+unix:///run/r.sock?pass=secret",
                "redis+unix:///run/r.sock?pass=***",
            ),
            (
                "unix:///run/r.sock?db=2&password=x",
                "unix:///run/r.sock?db=2&password=***",
            ),
            ("unix://?auth=x&requirepass=y", "unix://***"),
            (
                "unix:///r.sock?password=a&b=c",
                "unix:///r.sock?password=***",
            ),
        ] {
            assert_eq!(redact_uri(uri), shown, "{uri}");
        }
    }

    #[test]
    fn parses_the_parts_and_never_displays_the_password() {
        let e = Endpoint::parse("bolt://neo4j:pa%2Fss@db.example:7687/x").unwrap();
        assert_eq!(e.scheme(), "bolt");
        assert_eq!(e.host(), Some("db.example"));
        assert_eq!(e.port(), Some(7687));
        assert_eq!(e.user(), "neo4j");
        assert_eq!(e.password().unwrap().expose(), "pa/ss");
        assert_eq!(e.to_string(), "bolt://neo4j:***@db.example:7687/x");
        assert_eq!(
            format!("{e:?}"),
            "Endpoint(bolt://neo4j:***@db.example:7687/x)"
        );
        let e = Endpoint::parse("redis+unix:///run/r.sock?db=1&pass=secret").unwrap();
        assert_eq!(e.to_string(), "redis+unix:///run/r.sock?db=1&pass=***");
        assert_eq!(e.engine(), Some(EngineKind::Falkordb));
    }

    #[test]
    fn schemes_are_checked_against_the_engine_descriptor() {
        assert!(Endpoint::parse_for("redis://h:6379", EngineKind::Falkordb).is_ok());
        assert!(Endpoint::parse_for("unix:///tmp/r.sock", EngineKind::Falkordb).is_ok());
        let err = Endpoint::parse_for("bolt://h:7687", EngineKind::Falkordb).unwrap_err();
        assert!(err.contains("redis, rediss, redis+unix, unix"), "{err}");
        let err = Endpoint::parse_for("redis://:s3cret@h:1", EngineKind::Neo4j).unwrap_err();
        assert!(
            !err.contains("s3cret") && err.contains("bolt, bolt+s"),
            "{err}"
        );
        for bad in ["localhost:6379", "redis://", "redis://h:port", "unix://"] {
            assert!(
                Endpoint::parse_for(bad, EngineKind::Falkordb).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn unencoded_special_characters_are_refused_redacted() {
        for uri in [
            "bolt://neo4j:pa/ss@h:7687",
            "bolt://neo4j:12#34@h:7687",
            "redis://:pa?ss@h:6379",
            "bolt://neo4j:p@ss@h:7687",
            "redis://user:@$%=Q7z(/@127.0.0.1:1/0?password=x",
            "bolt://neo4j:@pa/ss@h:7687",
            "redis://user:[@P$Y{Q7zJZ?@127.0.0.1:1/0?password=[@P$Y{Q7zJZ?",
            "redis://:x@Q7z?abc@127.0.0.1:1",
            "redis+unix://:x@Q7z/abc@/r.sock",
        ] {
            let shown = match Endpoint::parse(uri) {
                Ok(e) => e.to_string(),
                Err(e) => e.to_string(),
            };
            for secret in [
                "pa/ss",
                "12#34",
                "pa?ss",
                "p@ss",
                "34",
                "Q7z",
                "//neo4j:@",
                "/ss@",
            ] {
                assert!(!shown.contains(secret), "{uri}: {shown}");
            }
        }
    }

    /// The URI forms a user may type a password into, with the password as typed (`{pw}`).
    const TEMPLATES: &[&str] = &[
        "redis://:{pw}@127.0.0.1:1",
        "redis://user:{pw}@127.0.0.1:1/0?password={pw}",
        "rediss://user:{pw}@db.example:6380/2",
        "bolt://neo4j:{pw}@127.0.0.1:7687",
        "neo4j+s://neo4j:{pw}@db.example:7687/db",
        "redis+unix:///run/r.sock?pass={pw}",
        "unix:///run/r.sock?db=1&password={pw}&x=y",
        "redis+unix://:{pw}@/run/r.sock",
        "user:{pw}@127.0.0.1:1",
        "redis://user:{pw}@127.0.0.1:42303/0?password={pw}",
        "redis+unix:///nonexistent/r.sock?pass={pw}",
        "user:{pw}@127.0.0.1:42303",
    ];

    fn shown(uri: &str) -> Vec<String> {
        let mut shown = vec![redact_uri(uri)];
        match Endpoint::parse(uri) {
            Ok(e) => shown.extend([e.to_string(), format!("{e:?}")]),
            Err(e) => shown.extend([e.to_string(), e.for_engine(EngineKind::Falkordb)]),
        }
        for engine in [EngineKind::Neo4j, EngineKind::Falkordb] {
            if let Err(e) = Endpoint::parse_for(uri, engine) {
                shown.push(e);
            }
        }
        shown
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: 2000,
            failure_persistence: None,
            ..Default::default()
        })]

        /// No part of a password, as typed or percent-encoded, shows in what an endpoint or its
        /// error prints: the distinctive core `Q7z` would show wherever a misparse put any
        /// part of it (a host, a port, a path, a query).
        #[test]
        fn no_part_of_a_password_is_ever_shown(
            password in "[ -~\u{e9}\u{4e2d}]{0,6}Q7z[ -~\u{e9}\u{4e2d}]{0,10}"
        ) {
            let encoded: String = password
                .bytes()
                .map(|b| {
                    if b.is_ascii_alphanumeric() {
                        (b as char).to_string()
                    } else {
                        format!("%{b:02X}")
                    }
                })
                .collect();
            for pw in [password.as_str(), encoded.as_str()] {
                for template in TEMPLATES {
                    let uri = template.replace("{pw}", pw);
                    for text in shown(&uri) {
                        proptest::prop_assert!(!text.contains("Q7z"), "{uri} shows {text}");
                    }
                }
            }
        }
    }
}
