//! Data-driven scenario-format tests: every `tests/validate/*.yaml` is parsed and validated,
//! and the outcome (`ok` or the exact error, file:line:column included) must equal the
//! sidecar `<name>.stderr`. Set `MH_OVERWRITE=1` to rewrite the sidecars, then review the diff.

use std::path::{Path, PathBuf};

use libtest_mimic::{Arguments, Failed, Trial};
use migration_harness::scenario;

fn main() {
    let args = Arguments::from_args();
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/validate");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/validate exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    let trials = files
        .into_iter()
        .map(|path| {
            let name = path
                .file_stem()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            Trial::test(name, move || check(&path))
        })
        .collect();
    libtest_mimic::run(&args, trials).exit();
}

fn check(path: &Path) -> Result<(), Failed> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let rel = path.strip_prefix(&root).unwrap_or(path);
    let actual = match scenario::load_file(rel) {
        Ok(s) => format!("ok {}\n", s.name()),
        Err(e) => format!("{e}\n"),
    };
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
