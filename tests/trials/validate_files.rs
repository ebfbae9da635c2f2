//! Data-driven scenario-format tests: every `tests/validate/*.yaml` is checked by the real
//! binary, `migration-harness validate tests/validate/<name>.yaml`, and what it says must equal
//! the sidecar `<name>.stderr`: a header of `# exit: <code>` and `# stdout: <line>` lines, then
//! the exact stderr (`ok`, or the error with file:line:column). Set `MH_OVERWRITE=1` to rewrite
//! the sidecars, then review the diff.

use std::path::{Path, PathBuf};

use libtest_mimic::{Failed, Trial};

use crate::support;

/// One trial per file, named `validate_files::<stem>`. Listing reads the directory only.
pub fn trials() -> Vec<Trial> {
    let dir = support::repo_path("tests/validate");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/validate exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let name = path
                .file_stem()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            Trial::test(format!("validate_files::{name}"), move || check(&path))
        })
        .collect()
}

fn check(path: &Path) -> Result<(), Failed> {
    let rel = path.strip_prefix(support::repo_root()).unwrap_or(path);
    let out = support::harness().arg("validate").arg(rel).output()?;
    let mut actual = match out.status.code() {
        Some(code) => format!("# exit: {code}\n"),
        None => {
            return Err(format!("{}: the binary was killed: {}", rel.display(), out.status).into())
        }
    };
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        actual.push_str(&format!("# stdout: {line}\n"));
    }
    actual.push_str(&String::from_utf8_lossy(&out.stderr));
    let sidecar = path.with_extension("stderr");
    if std::env::var_os("MH_OVERWRITE").is_some() {
        std::fs::write(&sidecar, &actual)?;
        return Ok(());
    }
    let expected = std::fs::read_to_string(&sidecar).map_err(|e| {
        format!(
            "missing sidecar {} ({e}); run with MH_OVERWRITE=1 to create it",
            sidecar.display()
        )
    })?;
    if expected != actual {
        return Err(format!(
            "{}:\n--- expected\n{expected}--- actual\n{actual}",
            rel.display()
        )
        .into());
    }
    Ok(())
}
