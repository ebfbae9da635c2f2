//! docker-compose.migration-test.yml stays valid: `docker compose config` checks it where the
//! tool exists; elsewhere the file is parsed here and its services checked (images, ports,
//! credentials, health checks), so a broken edit fails CI on machines without Docker too.

use crate::support;

use serde_json::Value;

fn compose_tool() -> Option<Vec<&'static str>> {
    let works = |cmd: &[&str]| {
        std::process::Command::new(cmd[0])
            .args(&cmd[1..])
            .arg("version")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if works(&["docker", "compose"]) {
        Some(vec!["docker", "compose"])
    } else if works(&["docker-compose"]) {
        Some(vec!["docker-compose"])
    } else {
        None
    }
}

#[test]
fn the_compose_file_is_valid() {
    let path = support::repo_path("docker-compose.migration-test.yml");
    if let Some(tool) = compose_tool() {
        let out = std::process::Command::new(tool[0])
            .args(&tool[1..])
            .args(["-f", &path.display().to_string(), "config", "-q"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        return;
    }
    println!("no docker compose tool here: checking the file by parsing it");
    let text = std::fs::read_to_string(&path).unwrap();
    let doc: Value = serde_saphyr::from_str(&text).expect("valid YAML");
    let services = doc["services"].as_object().expect("a services map");
    assert_eq!(services.len(), 2, "two Neo4j servers");
    let mut ports = Vec::new();
    for (name, service) in services {
        let image = service["image"].as_str().unwrap_or_default();
        assert!(image.starts_with("neo4j:"), "{name}: image {image:?}");
        // The YAML merge key brings in the shared environment and health check.
        let auth = service["environment"]["NEO4J_AUTH"]
            .as_str()
            .unwrap_or_default();
        assert!(auth.starts_with("neo4j/"), "{name}: NEO4J_AUTH {auth:?}");
        assert!(
            service["healthcheck"]["test"].is_array(),
            "{name}: health check"
        );
        for port in service["ports"].as_array().expect("ports") {
            let port = port.as_str().unwrap();
            let (host, container) = port.split_once(':').expect("host:container");
            assert!(
                host.parse::<u16>().is_ok() && container.parse::<u16>().is_ok(),
                "{port}"
            );
            ports.push(host.to_owned());
        }
        for volume in service["volumes"].as_array().expect("volumes") {
            let named = volume.as_str().unwrap().split(':').next().unwrap();
            assert!(
                doc["volumes"].get(named).is_some(),
                "{name}: volume {named} is declared"
            );
        }
    }
    let unique: std::collections::BTreeSet<_> = ports.iter().collect();
    assert_eq!(
        unique.len(),
        ports.len(),
        "host ports are distinct: {ports:?}"
    );
}
