//! Shared helpers for integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use migration_harness::engine::image::{ensure_image, Availability};

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn repo_path(rel: &str) -> PathBuf {
    repo_root().join(rel)
}

/// The FalkorDB images the CI engine tests use. They are built locally by
/// scripts/local-images.sh (there is no registry); a missing one fails the test with that hint,
/// because the CI engine suite must never pass by not running.
pub async fn require_falkordb_images(versions: &[&str]) {
    for v in versions {
        let image = format!("migration-harness/falkordb:{v}");
        if let Availability::Missing { reason } = ensure_image(&image, false).await {
            panic!("image {image} is missing ({reason}); build it with scripts/local-images.sh");
        }
    }
}

pub fn relative(path: &Path) -> String {
    path.strip_prefix(repo_root())
        .unwrap_or(path)
        .display()
        .to_string()
}
