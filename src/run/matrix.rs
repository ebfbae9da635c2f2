//! Scenario x version pair = case. Expansion of a scenario's `matrix:` (or of `--versions`),
//! the upgrade-path rules (no downgrade, Neo4j's documented hops), filtering and sharding. All of
//! it runs before anything starts, so a refused pair is bad input (exit 2).

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use super::RunOptions;
use crate::engine::descriptor::descriptor;
use crate::engine::dialect::{EngineKind, Version};
use crate::engine::request::{ServerRequest, ServerRole};
use crate::scenario::{Scenario, UpgradePath};

/// One source version and one target version (image tags), written `SOURCE:TARGET`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct VersionPair {
    /// The source server's version.
    pub source: String,
    /// The target server's version.
    pub target: String,
}

impl FromStr for VersionPair {
    type Err = MatrixError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().split_once(':') {
            Some((a, b)) if !a.trim().is_empty() && !b.trim().is_empty() && !b.contains(':') => {
                Ok(VersionPair {
                    source: a.trim().to_owned(),
                    target: b.trim().to_owned(),
                })
            }
            _ => Err(MatrixError::BadPair(s.to_owned())),
        }
    }
}

impl fmt::Display for VersionPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.source, self.target)
    }
}

/// Parses `--versions 4.14.11:4.18.3,4.16.3:4.18.3`.
/// An empty list (`""`, `","`) is an error: it would silently keep every scenario's own pairs.
pub fn parse_pairs(list: &str) -> Result<Vec<VersionPair>, MatrixError> {
    let pairs: Vec<VersionPair> = list
        .split(',')
        .filter(|p| !p.trim().is_empty())
        .map(str::parse)
        .collect::<Result<_, _>>()?;
    if pairs.is_empty() {
        return Err(MatrixError::NoPairs(list.to_owned()));
    }
    Ok(pairs)
}

/// Why the cases of a run could not be built. Nothing has started when this is returned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MatrixError {
    /// A `--versions` entry is not `SOURCE:TARGET`.
    #[error("invalid version pair {0:?}: expected SOURCE:TARGET, e.g. 4.16.3:4.18.3")]
    BadPair(String),
    #[error(
        "no version pair in {0:?}: expected SOURCE:TARGET[,SOURCE:TARGET...], e.g. 4.16.3:4.18.3"
    )]
    /// A `--versions` list has no pair.
    NoPairs(String),
    #[error("{file}: matrix.pairs: invalid version pair {pair:?}: expected \"SOURCE:TARGET\", e.g. \"4.16.3:4.18.3\"")]
    /// A scenario file's `matrix.pairs` entry is not `SOURCE:TARGET`.
    BadScenarioPair {
        /// The scenario file.
        file: String,
        /// The entry as written.
        pair: String,
    },
    /// A pair goes from a newer version to an older one.
    #[error("{file}: case {case} is a downgrade ({engine} {from} -> {to}): a newer store does not load into an older server; list the pair the other way round or remove it")]
    Downgrade {
        /// The scenario file.
        file: String,
        /// The case name.
        case: String,
        /// The engine.
        engine: EngineKind,
        /// The source version.
        from: String,
        /// The target version.
        to: String,
    },
    /// A pair skips documented upgrade hops and the scenario copies directly.
    #[error("{file}: case {case} skips documented upgrade hops: {engine} {from} -> {to} must pass through {hops}; set `matrix: {{ upgrade_path: chain }}` to copy hop by hop, or `upgrade_path: direct` to copy straight across")]
    SkipsHops {
        /// The scenario file.
        file: String,
        /// The case name.
        case: String,
        /// The engine.
        engine: EngineKind,
        /// The source version.
        from: String,
        /// The target version.
        to: String,
        /// The hops it must pass through.
        hops: String,
    },
    /// Two scenario files give the same case name.
    #[error("{second}: case {case} is also a case of {first}: scenario names must be unique across the files of a run")]
    DuplicateCase {
        /// The case name.
        case: String,
        /// The first file.
        first: String,
        /// The second file.
        second: String,
    },
    /// A partition is not `I/N` with `1 <= I <= N`.
    #[error("invalid partition {0:?}: expected I/N with 1 <= I <= N, e.g. 2/4")]
    BadPartition(String),
    /// The source and the target are the same server and graph.
    #[error("{file}: case {case}: the source and the target are the same server and graph ({endpoint}); a copy into itself would double the graph and pass: point the target at another server or graph")]
    SameServer {
        /// The scenario file.
        file: String,
        /// The case name.
        case: String,
        /// The shared endpoint (without its password).
        endpoint: String,
    },
}

/// One scenario run against one version pair.
#[derive(Debug, Clone)]
pub struct Case {
    /// `quickstart[falkordb-4.16.3->falkordb-4.18.3]`: stable, used by `--filter`, test names
    /// and reports.
    pub name: String,
    /// The scenario the case runs.
    pub scenario: Arc<Scenario>,
    /// The source server to start or reach.
    pub source: ServerRequest,
    /// The target server to start or reach.
    pub target: ServerRequest,
    /// Intermediate servers of an `upgrade_path: chain` case, in order (empty otherwise).
    pub hops: Vec<ServerRequest>,
}

impl Case {
    /// `falkordb-4.16.3->falkordb-4.18.3`
    pub fn pair(&self) -> String {
        format!("{}->{}", side(&self.source), side(&self.target))
    }

    /// The case's path through versions, `neo4j 3.5 -> 4.0 -> 4.4 -> 5.26`.
    pub fn path_description(&self) -> String {
        let mut parts = vec![format!("{} {}", self.source.engine, self.source.version)];
        parts.extend(self.hops.iter().map(|h| h.version.clone()));
        parts.push(self.target.version.clone());
        parts.join(" -> ")
    }

    /// Source, hops, target, in the order an upgrade goes through them.
    pub fn servers(&self) -> Vec<&ServerRequest> {
        std::iter::once(&self.source)
            .chain(self.hops.iter())
            .chain(std::iter::once(&self.target))
            .collect()
    }
}

/// `quickstart[falkordb-4.16.3->falkordb-4.18.3]`
pub fn case_name(scenario: &str, source: &ServerRequest, target: &ServerRequest) -> String {
    format!("{scenario}[{}->{}]", side(source), side(target))
}

fn side(req: &ServerRequest) -> String {
    format!("{}-{}", req.engine, req.version)
}

/// The cases of `scenarios`, in file order then pair order. `versions` (from `--versions`)
/// replaces every scenario's own pairs; `--source-version` / `--target-version` in `options`
/// then override the respective side of every pair. Upgrade-path rules are applied here.
pub fn expand(
    scenarios: &[Scenario],
    options: &RunOptions,
    versions: &[VersionPair],
) -> Result<Vec<Case>, MatrixError> {
    let mut cases = Vec::new();
    for scenario in scenarios {
        let scenario = Arc::new(scenario.clone());
        for pair in scenario_pairs(&scenario, versions)? {
            let pair = VersionPair {
                source: options.source_version.clone().unwrap_or(pair.source),
                target: options.target_version.clone().unwrap_or(pair.target),
            };
            let (mut source, mut target) = options.requests(&scenario);
            source.version = pair.source.clone();
            target.version = pair.target.clone();
            let name = case_name(scenario.name(), &source, &target);
            if let Some(other) = cases.iter().find(|c: &&Case| c.name == name) {
                if other.scenario.path != scenario.path {
                    return Err(MatrixError::DuplicateCase {
                        case: name,
                        first: other.scenario.path.display().to_string(),
                        second: scenario.path.display().to_string(),
                    });
                }
                // The same pair listed twice in one scenario (or made equal by an override).
                continue;
            }
            if let Some(endpoint) = same_server(&source, &target) {
                return Err(MatrixError::SameServer {
                    file: scenario.path.display().to_string(),
                    case: name,
                    endpoint,
                });
            }
            let policy = scenario
                .file
                .matrix
                .as_ref()
                .map(|m| m.upgrade_path)
                .unwrap_or_default();
            let hops = check_path(&scenario, &name, &source, &target, policy)?;
            cases.push(Case {
                name,
                scenario: scenario.clone(),
                source,
                hops,
                target,
            });
        }
    }
    Ok(cases)
}

fn scenario_pairs(
    scenario: &Scenario,
    versions: &[VersionPair],
) -> Result<Vec<VersionPair>, MatrixError> {
    if !versions.is_empty() {
        return Ok(versions.to_vec());
    }
    let file = &scenario.file;
    let (base_source, base_target) = (
        file.source.version.value.clone(),
        file.target.version.value.clone(),
    );
    let Some(m) = &file.matrix else {
        return Ok(vec![VersionPair {
            source: base_source,
            target: base_target,
        }]);
    };
    let mut pairs: Vec<VersionPair> = m
        .pairs
        .iter()
        .map(|p| {
            p.parse().map_err(|_| MatrixError::BadScenarioPair {
                file: scenario.path.display().to_string(),
                pair: p.clone(),
            })
        })
        .collect::<Result<_, _>>()?;
    if !(m.sources.is_empty() && m.targets.is_empty() && !m.pairs.is_empty()) {
        let sources = if m.sources.is_empty() {
            vec![base_source]
        } else {
            m.sources.clone()
        };
        let targets = if m.targets.is_empty() {
            vec![base_target]
        } else {
            m.targets.clone()
        };
        for s in &sources {
            for t in &targets {
                pairs.push(VersionPair {
                    source: s.clone(),
                    target: t.clone(),
                });
            }
        }
    }
    Ok(pairs)
}

/// When both sides are external endpoints naming the same server and graph (loopback names
/// and default ports normalized), that endpoint without credentials.
fn same_server(source: &ServerRequest, target: &ServerRequest) -> Option<String> {
    fn key(req: &ServerRequest) -> Option<(String, u16, String)> {
        let endpoint = crate::engine::endpoint::Endpoint::parse(req.endpoint.as_deref()?).ok()?;
        let port = endpoint
            .port()
            .unwrap_or(descriptor(req.engine).default_port());
        let host = match endpoint.host()?.to_ascii_lowercase().as_str() {
            "localhost" | "127.0.0.1" | "[::1]" | "::1" => "localhost".to_owned(),
            other => other.to_owned(),
        };
        Some((host, port, req.graph.clone().unwrap_or_default()))
    }
    let (s, t) = (key(source)?, key(target)?);
    (s == t && source.engine == target.engine).then(|| {
        format!(
            "{}:{}{}",
            s.0,
            s.1,
            if s.2.is_empty() {
                String::new()
            } else {
                format!(", graph {:?}", s.2)
            }
        )
    })
}

/// The documented intermediate versions between `from` and `to`: the engine's upgrade stops
/// (Neo4j: 3.5 -> 4.0 -> 4.4 -> 5.26 -> 2025+) the pair strictly crosses. Empty when the pair
/// is a documented direct upgrade, or for engines without documented hops.
pub fn required_hops(engine: EngineKind, from: &str, to: &str) -> Vec<String> {
    let (Some(f), Some(t)) = (Version::parse_lenient(from), Version::parse_lenient(to)) else {
        return Vec::new();
    };
    descriptor(engine)
        .upgrade_stops()
        .iter()
        .filter(|(major, minor)| {
            let stop = Version {
                major: *major,
                minor: *minor,
                patch: 0,
            };
            let stop_end = Version {
                major: *major,
                minor: *minor,
                patch: u32::MAX,
            };
            f < stop && t > stop_end
        })
        .map(|(major, minor)| format!("{major}.{minor}"))
        .collect()
}

fn check_path(
    scenario: &Scenario,
    case: &str,
    source: &ServerRequest,
    target: &ServerRequest,
    policy: UpgradePath,
) -> Result<Vec<ServerRequest>, MatrixError> {
    if source.engine != target.engine {
        return Ok(Vec::new());
    }
    let file = scenario.path.display().to_string();
    if let (Some(f), Some(t)) = (source.version(), target.version()) {
        if f > t {
            return Err(MatrixError::Downgrade {
                file,
                case: case.to_owned(),
                engine: source.engine,
                from: source.version.clone(),
                to: target.version.clone(),
            });
        }
    }
    let hops = required_hops(source.engine, &source.version, &target.version);
    if hops.is_empty() || policy == UpgradePath::Direct {
        return Ok(Vec::new());
    }
    if policy == UpgradePath::Refuse {
        return Err(MatrixError::SkipsHops {
            file,
            case: case.to_owned(),
            engine: source.engine,
            from: source.version.clone(),
            to: target.version.clone(),
            hops: hops.join(", "),
        });
    }
    Ok(hops
        .into_iter()
        .map(|version| ServerRequest {
            role: ServerRole::Target,
            version,
            // A scenario's own image names one version; intermediates use the default images.
            image: None,
            ..target.clone()
        })
        .collect())
}

/// Shard `i` of `n` (1-based), parsed from `I/N`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Partition {
    pub index: usize,
    pub count: usize,
}

impl FromStr for Partition {
    type Err = MatrixError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || MatrixError::BadPartition(s.to_owned());
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let index: usize = i.trim().parse().map_err(|_| bad())?;
        let count: usize = n.trim().parse().map_err(|_| bad())?;
        if index == 0 || count == 0 || index > count {
            return Err(bad());
        }
        Ok(Partition { index, count })
    }
}

/// Keeps the cases whose name contains `filter` (case-sensitive substring; the scenario name
/// is part of the case name), then shard `partition`: the k-th remaining case (0-based, in
/// expansion order) belongs to shard `k % n + 1`. Same files and flags give the same shards.
pub fn select(cases: Vec<Case>, filter: Option<&str>, partition: Option<Partition>) -> Vec<Case> {
    cases
        .into_iter()
        .filter(|c| filter.is_none_or(|f| c.name.contains(f)))
        .enumerate()
        .filter(|(k, _)| partition.is_none_or(|p| k % p.count == p.index - 1))
        .map(|(_, c)| c)
        .collect()
}

#[cfg(test)]
mod same_server_tests {
    use super::*;

    fn at(uri: &str, graph: Option<&str>) -> ServerRequest {
        ServerRequest {
            endpoint: Some(uri.to_owned()),
            graph: graph.map(str::to_owned),
            ..ServerRequest::for_tests(EngineKind::Falkordb, "4.18.3")
        }
    }

    #[test]
    fn the_same_endpoint_and_graph_is_one_server() {
        let s = at("redis://:pw@localhost:6379", None);
        assert!(same_server(&s, &at("redis://127.0.0.1:6379", None)).is_some());
        assert!(same_server(&s, &at("redis://127.0.0.1", None)).is_some());
        assert_eq!(
            same_server(&s, &at("redis://127.0.0.1:6379", None)).unwrap(),
            "localhost:6379"
        );
        assert!(same_server(&s, &at("redis://127.0.0.1:6380", None)).is_none());
        assert!(same_server(&s, &at("redis://127.0.0.1:6379", Some("other"))).is_none());
        let started = ServerRequest::for_tests(EngineKind::Falkordb, "4.18.3");
        assert!(same_server(&started, &started).is_none());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neo4j_hops() {
        let n = EngineKind::Neo4j;
        assert_eq!(required_hops(n, "3.5", "4.0"), Vec::<String>::new());
        assert_eq!(required_hops(n, "3.5", "4.4"), vec!["4.0"]);
        assert_eq!(required_hops(n, "3.5", "5.26"), vec!["4.0", "4.4"]);
        assert_eq!(
            required_hops(n, "3.5.35", "2025.01"),
            vec!["4.0", "4.4", "5.26"]
        );
        assert_eq!(required_hops(n, "4.4", "5.26"), Vec::<String>::new());
        assert_eq!(required_hops(n, "4.4.40", "2025.01"), vec!["5.26"]);
        assert_eq!(required_hops(n, "5.20", "2025.01"), vec!["5.26"]);
        assert_eq!(required_hops(n, "5.26", "2025.01"), Vec::<String>::new());
        assert_eq!(required_hops(n, "5.26.5", "2026.01"), Vec::<String>::new());
        assert_eq!(required_hops(n, "4.1", "5.1"), vec!["4.4"]);
        assert!(required_hops(EngineKind::Falkordb, "4.0", "4.18.3").is_empty());
    }

    fn scenario(matrix: &str) -> Scenario {
        let text = format!(
            "name: s\nsource: {{ engine: falkordb, version: \"4.16.3\" }}\ntarget: {{ engine: falkordb, version: \"4.18.3\" }}\n{matrix}"
        );
        crate::scenario::parse_str(&text, std::path::Path::new("s.yaml")).unwrap()
    }

    #[test]
    fn two_files_with_one_scenario_name_are_refused_not_merged() {
        let mut other = scenario("");
        other.path = "other/s.yaml".into();
        let err = expand(&[scenario(""), other], &RunOptions::default(), &[]).unwrap_err();
        assert!(
            matches!(&err, MatrixError::DuplicateCase { first, second, .. } if first == "s.yaml" && second == "other/s.yaml"),
            "{err}"
        );
        // One file listing a pair twice still gives one case.
        let pairs = "matrix: { pairs: [\"4.16.3:4.18.3\", \"4.16.3:4.18.3\"] }";
        assert_eq!(names(pairs, &[]).unwrap().len(), 1);
    }

    fn names(matrix: &str, versions: &[VersionPair]) -> Result<Vec<String>, MatrixError> {
        Ok(
            expand(&[scenario(matrix)], &RunOptions::default(), versions)?
                .into_iter()
                .map(|c| c.name)
                .collect(),
        )
    }

    #[test]
    fn matrices_expand_into_named_cases() {
        assert_eq!(
            names("", &[]).unwrap(),
            vec!["s[falkordb-4.16.3->falkordb-4.18.3]"]
        );
        // sources x targets, the base target standing in for an empty `targets`, plus pairs,
        // deduplicated.
        assert_eq!(
            names(
                "matrix: { sources: [\"4.14.11\", \"4.16.3\"], pairs: [\"4.16.3:4.18.3\", \"4.18.3:4.18.3\"] }\n",
                &[]
            )
            .unwrap(),
            vec![
                "s[falkordb-4.16.3->falkordb-4.18.3]",
                "s[falkordb-4.18.3->falkordb-4.18.3]",
                "s[falkordb-4.14.11->falkordb-4.18.3]",
            ]
        );
        // --versions replaces the file's pairs.
        assert_eq!(
            names(
                "matrix: { pairs: [\"4.18.3:4.18.3\"] }\n",
                &parse_pairs("4.14.11:4.16.3").unwrap()
            )
            .unwrap(),
            vec!["s[falkordb-4.14.11->falkordb-4.16.3]"]
        );
        assert!(matches!(
            names("matrix: { targets: [\"4.14.11\"] }\n", &[]),
            Err(MatrixError::Downgrade { .. })
        ));
        assert!(matches!(
            names("matrix: { pairs: [\"4.18.3\"] }\n", &[]),
            Err(MatrixError::BadScenarioPair { .. })
        ));
    }

    #[test]
    fn filter_then_partition_is_deterministic() {
        let cases = expand(
            &[scenario(
                "matrix: { sources: [\"4.0\", \"4.1\", \"4.2\", \"4.3\", \"4.4\"] }\n",
            )],
            &RunOptions::default(),
            &[],
        )
        .unwrap();
        let pick = |filter: Option<&str>, p: Option<&str>| -> Vec<String> {
            select(cases.clone(), filter, p.map(|p| p.parse().unwrap()))
                .into_iter()
                .map(|c| c.source.version)
                .collect()
        };
        assert_eq!(pick(None, Some("1/2")), vec!["4.0", "4.2", "4.4"]);
        assert_eq!(pick(None, Some("2/2")), vec!["4.1", "4.3"]);
        assert_eq!(pick(Some("falkordb-4.1->"), None), vec!["4.1"]);
        assert_eq!(pick(Some("4.2"), Some("2/2")), Vec::<String>::new());
    }

    #[test]
    fn pairs_and_partitions_parse() {
        assert_eq!(
            parse_pairs("4.14.11:4.18.3, 4.16.3:4.18.3").unwrap(),
            vec![
                VersionPair {
                    source: "4.14.11".into(),
                    target: "4.18.3".into()
                },
                VersionPair {
                    source: "4.16.3".into(),
                    target: "4.18.3".into()
                }
            ]
        );
        assert!(parse_pairs("4.14.11").is_err());
        assert!(parse_pairs("a:b:c").is_err());
        for empty in ["", " ", ",", " , "] {
            assert_eq!(parse_pairs(empty), Err(MatrixError::NoPairs(empty.into())));
        }
        assert_eq!(
            "2/3".parse::<Partition>().unwrap(),
            Partition { index: 2, count: 3 }
        );
        assert!("0/3".parse::<Partition>().is_err());
        assert!("4/3".parse::<Partition>().is_err());
        assert!("x".parse::<Partition>().is_err());
    }
}
