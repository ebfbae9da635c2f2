use std::fmt;

/// A password or token. It never prints: `Debug` and `Display` show `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// A random 24-character alphanumeric password (Neo4j 5 wants at least 8).
    pub fn generate() -> Self {
        use rand::distr::{Alphanumeric, SampleString};
        Secret(Alphanumeric.sample_string(&mut rand::rng(), 24))
    }

    /// The secret itself, for handing to a driver. Never format it into a message.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// Removes the password from a URI such as `bolt://neo4j:pw@host:7687` before it is printed.
///
/// ```
/// use migration_harness::engine::secret::redact_uri;
/// assert_eq!(redact_uri("bolt://neo4j:s3cret@db:7687"), "bolt://neo4j:***@db:7687");
/// ```
pub fn redact_uri(uri: &str) -> String {
    let Some((scheme, rest)) = uri.split_once("://") else {
        return uri.to_owned();
    };
    let (authority, tail) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split_once(':').map_or(userinfo, |(u, _)| u);
            format!("{scheme}://{user}:***@{host}{tail}")
        }
        None => uri.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let s = Secret::new("hunter22");
        assert_eq!(format!("{s} {s:?}"), "*** ***");
        assert_eq!(Secret::generate().expose().len(), 24);
    }

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
}
