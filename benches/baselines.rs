//! The harness against baselines it did not write (FalkorDB 4.16.3 -> 4.18.3, local processes).
//!
//! `cargo bench --bench baselines`. Sizes: `MH_BENCH_NODES` (comma-separated node counts,
//! default `100000,1000000`), each graph N nodes (two labels, three properties) and 5N
//! relationships (two properties). The bench installs what it compares with, once, into a
//! private virtualenv (`<cache>/bench-venv`, pinned by benches/readers/requirements.txt):
//!
//! - **the vendor's loader**: `falkordb-bulk-insert` from PyPI's `falkordb-bulk-loader`, loading
//!   CSV files the bench writes (FalkorDB's documented bulk-import path);
//! - **a plain reader**: benches/readers/plain_read.py, the redis client with the hiredis
//!   parser, paging nodes and relationships by id ranges in the compact reply format.
//!
//! The source graph is the loader's own load of the CSVs. Then, per size, in one run:
//!
//! | ratio | goal |
//! |---|---|
//! | copy (`transfer::logical::copy`) vs the loader into the target | >= 1.0x |
//! | content hash of both graphs (`graph::hash::stream_hash`, both sides at once) vs the plain reader on both graphs at once | >= 0.9x |
//! | `migration-harness export` (process) vs the plain reader on the source | >= 0.8x |
//! | `migration-harness import` (process) vs the loader | >= 0.8x |
//! | client CPU seconds, harness hash vs the two reader processes | (lower is better) |
//! | peak heap of copy and hash, largest size vs smallest | flat: <= 1.5x |
//!
//! A ratio is baseline time / harness time: above 1 the harness is faster. Timed phases run
//! [`ROUNDS`] times, harness and baseline alternating, and the fastest run of each counts. The load
//! average is printed before and after. Prints numbers; asserts nothing (not a timed test).

mod support;

use std::collections::BTreeMap;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use migration_harness::engine::GraphConnection;
use migration_harness::graph::hash;
use migration_harness::transfer;
use support::{cpu_seconds, loadavg, peak_mib, reset_peak, servers_cpu_seconds, Container, Res};

const SOURCE_VERSION: &str = "4.16.3";
const TARGET_VERSION: &str = "4.18.3";

/// Runs of each timed phase, harness and baseline alternating; the fastest of each counts. Three,
/// as in the measurements of the issue that set the goals: with two, the plain reader's own time
/// moved by 15% between runs of the bench.
const ROUNDS: usize = 3;

/// The private virtualenv with the loader and the reader's client, created on first use.
fn venv() -> Res<PathBuf> {
    let dir = migration_harness::engine::launcher::cache_dir().join("bench-venv");
    let requirements =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/readers/requirements.txt");
    let wanted = std::fs::read_to_string(&requirements)?;
    let stamp = dir.join("requirements.txt");
    if std::fs::read_to_string(&stamp).ok().as_deref() == Some(wanted.as_str()) {
        return Ok(dir);
    }
    eprintln!("installing the baselines into {} (once)", dir.display());
    let _ = std::fs::remove_dir_all(&dir);
    run(
        Command::new("python3").arg("-m").arg("venv").arg(&dir),
        "python3 -m venv",
    )?;
    run(
        Command::new(dir.join("bin/pip"))
            .args(["install", "--quiet", "--disable-pip-version-check", "-r"])
            .arg(&requirements),
        "pip install -r benches/readers/requirements.txt",
    )?;
    std::fs::write(&stamp, wanted)?;
    Ok(dir)
}

fn run(cmd: &mut Command, what: &str) -> Res<String> {
    let out = cmd.stdin(Stdio::null()).output()?;
    if !out.status.success() {
        return Err(format!(
            "{what} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )
        .into());
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The CSV files the loader reads: `Person.csv` and `Customer.csv` (ids unique across both,
/// first column stored as the `id` property), `KNOWS.csv` (source id, target id, properties).
/// Every value's type is the same in every row (the loader infers types per cell).
fn write_csvs(dir: &Path, n: i64) -> Res<()> {
    let mut person = BufWriter::new(std::fs::File::create(dir.join("Person.csv"))?);
    let mut customer = BufWriter::new(std::fs::File::create(dir.join("Customer.csv"))?);
    writeln!(person, "id,name,score")?;
    writeln!(customer, "id,name,score")?;
    for i in 0..n {
        let file = if i % 3 == 0 {
            &mut customer
        } else {
            &mut person
        };
        writeln!(file, "{i},person {i},{i}.5")?;
    }
    person.flush()?;
    customer.flush()?;
    let mut knows = BufWriter::new(std::fs::File::create(dir.join("KNOWS.csv"))?);
    writeln!(knows, "src,dst,since,weight")?;
    for i in 0..5 * n {
        let (s, t) = (i % n, (i * 7919 + 13) % n);
        writeln!(knows, "{s},{t},{},{i}.25", 1990 + i % 30)?;
    }
    knows.flush()?;
    Ok(())
}

/// `falkordb-bulk-insert` into a new graph; wall seconds of the whole process. Its redis client
/// (redis-py 8) gives up on a socket write after 5 s by default, which 1M-node loads hit while
/// the server was busy with the loader's previous GRAPH.BULK, so the URL sets a 600 s socket
/// timeout (the harness's own statement timeout). A failed load is tried once more, after
/// deleting what it left.
fn load(venv: &Path, csv: &Path, uri: &str, graph: &str) -> Res<f64> {
    match load_once(venv, csv, uri, graph) {
        Ok(seconds) => Ok(seconds),
        Err(e) => {
            eprintln!("falkordb-bulk-insert failed, trying once more: {e}");
            let del = redis::Client::open(uri)?
                .get_connection()
                .and_then(|mut c| redis::cmd("DEL").arg(graph).query::<i64>(&mut c));
            del?;
            load_once(venv, csv, uri, graph)
        }
    }
}

fn load_once(venv: &Path, csv: &Path, uri: &str, graph: &str) -> Res<f64> {
    let begin = Instant::now();
    let url = format!("{uri}?socket_timeout=600");
    run(
        Command::new(venv.join("bin/falkordb-bulk-insert"))
            .arg(graph)
            .args(["--server-url", &url, "--id-type", "INTEGER"])
            .arg("--nodes")
            .arg(csv.join("Person.csv"))
            .arg("--nodes")
            .arg(csv.join("Customer.csv"))
            .arg("--relations")
            .arg(csv.join("KNOWS.csv")),
        "falkordb-bulk-insert",
    )?;
    Ok(begin.elapsed().as_secs_f64())
}

/// What one plain-reader process reported.
#[derive(Default, Clone, Copy)]
struct Read {
    entities: u64,
    seconds: f64,
    cpu_seconds: f64,
}

fn spawn_reader(venv: &Path, uri: &str, graph: &str) -> Res<std::process::Child> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/readers/plain_read.py");
    Ok(Command::new(venv.join("bin/python"))
        .arg(script)
        .args([uri, graph, "1000"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?)
}

fn finish_reader(child: std::process::Child) -> Res<Read> {
    let out = child.wait_with_output()?;
    if !out.status.success() {
        return Err(format!(
            "plain_read.py failed: {}",
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    let j: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let num = |k: &str| j[k].as_f64().unwrap_or(0.0);
    Ok(Read {
        entities: (num("nodes") + num("relationships")) as u64,
        seconds: num("seconds"),
        cpu_seconds: num("cpu_seconds"),
    })
}

/// The plain reader on several graphs at once (one process each): the slowest one's wall
/// time, and the CPU seconds of all of them.
fn plain_read(venv: &Path, graphs: &[(&str, &str)]) -> Res<Read> {
    let children = graphs
        .iter()
        .map(|(uri, graph)| spawn_reader(venv, uri, graph))
        .collect::<Res<Vec<_>>>()?;
    let mut total = Read::default();
    for child in children {
        let r = finish_reader(child)?;
        total.entities += r.entities;
        total.seconds = total.seconds.max(r.seconds);
        total.cpu_seconds += r.cpu_seconds;
    }
    Ok(total)
}

fn keep_min(out: &mut BTreeMap<String, f64>, key: String, value: f64) {
    let e = out.entry(key).or_insert(f64::INFINITY);
    *e = e.min(value);
}

fn harness_cli(args: &[&str]) -> Res<f64> {
    let begin = Instant::now();
    run(
        Command::new(env!("CARGO_BIN_EXE_migration-harness"))
            .args(args)
            .env("MH_COLOR", "never")
            .env("MH_QUIET", "1"),
        &format!("migration-harness {}", args[0]),
    )?;
    Ok(begin.elapsed().as_secs_f64())
}

async fn bench_size(
    venv: &Path,
    source: &Container,
    target: &Container,
    n: i64,
    out: &mut BTreeMap<String, f64>,
) -> Res<()> {
    let tag = |k: &str| format!("{n}:{k}");
    let work = tempfile::tempdir()?;
    eprintln!("[{n}] writing CSVs");
    write_csvs(work.path(), n)?;
    let entities = 6 * n as u64;

    eprintln!("[{n}] vendor loader -> source graph");
    let src = source.graph("bench").await?;
    src.wipe().await?;
    load(venv, work.path(), &source.uri, "bench")?;
    let src_hash = hash::stream_hash(&src, 1000).await?;
    if src_hash.nodes + src_hash.relationships != entities {
        return Err(format!(
            "the loader loaded {} nodes + {} relationships, expected {entities} entities",
            src_hash.nodes, src_hash.relationships
        )
        .into());
    }

    let copy = target.graph("copy").await?;
    let loaded = target.graph("loaded").await?;
    for round in 0..ROUNDS {
        eprintln!("[{n}] round {round}: loader, copy");
        loaded.wipe().await?;
        keep_min(
            out,
            tag("loader"),
            load(venv, work.path(), &target.uri, "loaded")?,
        );
        loaded.wipe().await?;

        copy.wipe().await?;
        reset_peak();
        let begin = Instant::now();
        let stats = transfer::logical::copy(&src, &copy, 1000, &|_| {}).await?;
        keep_min(out, tag("copy"), begin.elapsed().as_secs_f64());
        out.insert(tag("copy_peak_mib"), peak_mib());
        if stats.nodes + stats.relationships != entities {
            return Err(format!(
                "the copy moved {} entities, expected {entities}",
                stats.nodes + stats.relationships
            )
            .into());
        }
    }
    if hash::stream_hash(&copy, 1000).await?.graph_hash != src_hash.graph_hash {
        return Err("the copy's content hash differs from the source's".into());
    }

    let both = [
        (source.uri.as_str(), "bench"),
        (target.uri.as_str(), "copy"),
    ];
    for round in 0..ROUNDS {
        eprintln!("[{n}] round {round}: plain reader x2, content hash x2");
        let servers = || {
            [&source.uri, &target.uri]
                .iter()
                .map(|uri| {
                    let port = format!(":{}", uri.rsplit(':').next().unwrap_or_default());
                    servers_cpu_seconds(&["redis-server", &port])
                })
                .sum::<f64>()
        };
        let server_cpu = servers();
        let read = plain_read(venv, &both)?;
        keep_min(out, tag("read_both_server_cpu"), servers() - server_cpu);
        if read.entities != 2 * entities {
            return Err(format!(
                "the plain reader read {} entities, expected {}",
                read.entities,
                2 * entities
            )
            .into());
        }
        keep_min(out, tag("read_both"), read.seconds);
        keep_min(out, tag("read_both_cpu"), read.cpu_seconds);

        reset_peak();
        let cpu = cpu_seconds();
        let server_cpu = servers();
        let begin = Instant::now();
        let (a, b) = tokio::try_join!(
            hash::stream_hash(&src, 1000),
            hash::stream_hash(&copy, 1000)
        )?;
        keep_min(out, tag("hash_both"), begin.elapsed().as_secs_f64());
        keep_min(out, tag("hash_both_cpu"), cpu_seconds() - cpu);
        keep_min(out, tag("hash_both_server_cpu"), servers() - server_cpu);
        out.insert(tag("hash_peak_mib"), peak_mib());
        if a.graph_hash != b.graph_hash {
            return Err("content hashes differ".into());
        }
    }
    copy.wipe().await?;

    let dump = work.path().join("bench.jsonl");
    let dump_s = dump.to_string_lossy().into_owned();
    for round in 0..ROUNDS {
        eprintln!("[{n}] round {round}: plain reader, export, import");
        let read = plain_read(venv, &both[..1])?;
        keep_min(out, tag("read_source"), read.seconds);
        let _ = std::fs::remove_file(&dump);
        keep_min(
            out,
            tag("export"),
            harness_cli(&["export", &source.uri, &dump_s, "--graph", "bench"])?,
        );
        let imported = target.graph("imported").await?;
        imported.wipe().await?;
        keep_min(
            out,
            tag("import"),
            harness_cli(&["import", &dump_s, &target.uri, "--graph", "imported"])?,
        );
        if round == 0 && hash::stream_hash(&imported, 1000).await?.graph_hash != src_hash.graph_hash
        {
            return Err("the imported graph's content hash differs from the source's".into());
        }
        imported.wipe().await?;
    }
    src.wipe().await?;
    Ok(())
}

fn sizes() -> Vec<i64> {
    let raw = std::env::var("MH_BENCH_NODES").unwrap_or_else(|_| "100000,1000000".into());
    let mut sizes: Vec<i64> = raw
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .filter(|n: &i64| *n > 0)
        .collect();
    if sizes.is_empty() {
        sizes = vec![100_000, 1_000_000];
    }
    sizes.sort_unstable();
    sizes.dedup();
    sizes
}

fn main() -> Res<()> {
    let sizes = sizes();
    let venv = venv()?;
    let load_before = loadavg();
    let rt = tokio::runtime::Runtime::new()?;
    let source = Container::start(SOURCE_VERSION)?;
    let target = Container::start(TARGET_VERSION)?;
    let mut out = BTreeMap::new();
    let begin = Instant::now();
    rt.block_on(async {
        for &size in &sizes {
            bench_size(&venv, &source, &target, size, &mut out).await?;
        }
        Ok::<(), Box<dyn std::error::Error>>(())
    })?;
    let get = |size: i64, k: &str| out.get(&format!("{size}:{k}")).copied().unwrap_or(f64::NAN);
    println!(
        "baselines benchmark, FalkorDB {SOURCE_VERSION} -> {TARGET_VERSION}, batch 1000, relationships = 5 x nodes, {:.0} s, load average before {load_before}, after {}",
        begin.elapsed().as_secs_f64(),
        loadavg()
    );
    println!(
        "seconds (best of {ROUNDS}); ratio = baseline / harness, above 1 the harness is faster"
    );
    for &size in &sizes {
        let e = 6.0 * size as f64;
        println!("{size} nodes + {} relationships:", 5 * size);
        let line = |what: &str, harness: &str, baseline: &str, goal: &str| {
            let (h, b) = (get(size, harness), get(size, baseline));
            println!(
                "  {what:<44} harness {h:>7.2} s ({:>7.0}/s)  baseline {b:>7.2} s  ratio {:.2}x  (goal {goal})",
                e / h,
                b / h
            );
        };
        line("copy vs falkordb-bulk-insert", "copy", "loader", ">= 1.0x");
        line(
            "content_hash (both) vs plain read (both)",
            "hash_both",
            "read_both",
            ">= 0.9x",
        );
        line(
            "export vs plain read (source)",
            "export",
            "read_source",
            ">= 0.8x",
        );
        line(
            "import vs falkordb-bulk-insert",
            "import",
            "loader",
            ">= 0.8x",
        );
        println!(
            "  client CPU for the same reads: harness hash {:.2} s, plain readers {:.2} s ({:.2}x)",
            get(size, "hash_both_cpu"),
            get(size, "read_both_cpu"),
            get(size, "hash_both_cpu") / get(size, "read_both_cpu")
        );
        println!(
            "  servers' CPU for the same reads: harness hash {:.2} s, plain readers {:.2} s ({:.2}x)",
            get(size, "hash_both_server_cpu"),
            get(size, "read_both_server_cpu"),
            get(size, "hash_both_server_cpu") / get(size, "read_both_server_cpu")
        );
        println!(
            "  peak heap: copy {:.1} MiB, hash {:.1} MiB",
            get(size, "copy_peak_mib"),
            get(size, "hash_peak_mib")
        );
    }
    let (small, large) = (sizes[0], sizes[sizes.len() - 1]);
    if large != small {
        for key in ["copy_peak_mib", "hash_peak_mib"] {
            println!(
                "  {key} {large} vs {small} nodes: {:.2}x (goal <= 1.5x)",
                get(large, key) / get(small, key)
            );
        }
    }
    Ok(())
}
