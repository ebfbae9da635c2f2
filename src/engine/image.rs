//! Making sure a container image is present before testcontainers is asked to start it, so a
//! missing image is a clear "not available" (and a skip in the Neo4j suite), not a pull error
//! buried in a startup failure.

use tokio::process::Command;

/// Outcome of [`ensure_image`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Availability {
    Present,
    Pulled,
    Missing { reason: String },
}

/// Is `image` in the local Docker engine? When it is not and `pull` is true, tries
/// `docker pull` once. Never fails: a broken Docker shows up as `Missing` with its message.
pub async fn ensure_image(image: &str, pull: bool) -> Availability {
    match docker(&["image", "inspect", "--format", "{{.Id}}", image]).await {
        Ok(_) => return Availability::Present,
        Err(e) if !pull => {
            return Availability::Missing {
                reason: format!("not in the local Docker engine ({e})"),
            }
        }
        Err(_) => {}
    }
    match docker(&["pull", "--quiet", image]).await {
        Ok(_) => Availability::Pulled,
        Err(e) => Availability::Missing {
            reason: format!("not in the local Docker engine, and pulling failed: {e}"),
        },
    }
}

async fn docker(args: &[&str]) -> Result<String, String> {
    let out = Command::new("docker")
        .args(args)
        .output()
        .await
        .map_err(|e| format!("cannot run docker: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
    } else {
        let err = String::from_utf8_lossy(&out.stderr);
        Err(err
            .lines()
            .last()
            .unwrap_or("docker failed")
            .trim()
            .to_owned())
    }
}
