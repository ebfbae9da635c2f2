//! A server's store on disk, outliving the server process: what an upgrade in place starts the
//! next version on, and what an engine's admin tool ([`StoreAdmin`]) dumps, loads and migrates.
//! Only the process launcher has stores (a container's volume is out of reach here).
//!
//! [`StoreAdmin`]: super::descriptor::StoreAdmin

use std::path::{Path, PathBuf};

use super::launcher::process;
use super::request::ServerRequest;
use super::EngineError;

/// A stopped server's data directory (or an empty one for a load). Dropping it removes it.
#[derive(Debug)]
pub struct Store {
    dir: tempfile::TempDir,
    /// The installed version that last wrote it (`5.26.30`), or `None` for an empty store.
    pub written_by: Option<String>,
}

impl Store {
    /// The directory a launcher's process runs in (the engine's files are below it).
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A new empty store for a server of `request`, inside this run's registry directory.
    pub fn empty(request: &ServerRequest) -> Result<Store, EngineError> {
        Ok(Store {
            dir: process::new_data_dir(request)?,
            written_by: None,
        })
    }

    pub(crate) fn from_dir(dir: tempfile::TempDir, written_by: Option<String>) -> Store {
        Store { dir, written_by }
    }

    pub(crate) fn into_dir(self) -> tempfile::TempDir {
        self.dir
    }

    /// A copy of this (stopped) store for a server of `request`: an upgrade in place consumes
    /// the original, the copy keeps the version before it. Files are copied, never linked.
    pub fn copy_for(&self, request: &ServerRequest) -> Result<Store, EngineError> {
        let copy = Store::empty(request)?;
        copy_tree(self.path(), copy.path()).map_err(|e| EngineError::Unsupported {
            server: request.label(),
            message: format!(
                "failed to copy the store {} to {}: {e}",
                self.path().display(),
                copy.path().display()
            ),
        })?;
        Ok(Store {
            written_by: self.written_by.clone(),
            ..copy
        })
    }

    /// Bytes on disk below the store.
    pub fn size(&self) -> u64 {
        tree_size(self.path())
    }
}

/// Copies `from`'s files and directories into the existing directory `to` (symlinks are
/// recreated, not followed).
pub fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        let dest: PathBuf = to.join(entry.file_name());
        if kind.is_dir() {
            std::fs::create_dir(&dest)?;
            copy_tree(&entry.path(), &dest)?;
        } else if kind.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(entry.path())?, &dest)?;
        } else {
            std::fs::copy(entry.path(), &dest)?;
        }
    }
    Ok(())
}

fn tree_size(path: &Path) -> u64 {
    std::fs::read_dir(path)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => tree_size(&e.path()),
            Ok(t) if t.is_file() => e.metadata().map(|m| m.len()).unwrap_or(0),
            _ => 0,
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tree_is_copied_with_its_links() {
        let from = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(from.path().join("data/databases")).unwrap();
        std::fs::write(from.path().join("data/databases/store"), b"12345").unwrap();
        std::os::unix::fs::symlink("databases/store", from.path().join("data/link")).unwrap();
        let to = tempfile::tempdir().unwrap();
        copy_tree(from.path(), to.path()).unwrap();
        assert_eq!(
            std::fs::read(to.path().join("data/databases/store")).unwrap(),
            b"12345"
        );
        assert_eq!(
            std::fs::read_link(to.path().join("data/link")).unwrap(),
            PathBuf::from("databases/store")
        );
        assert_eq!(tree_size(to.path()), 5);
    }
}
