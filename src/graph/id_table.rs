//! A table from one server's internal node ids to fixed-size records, kept in an unnamed
//! temporary file instead of memory, so that a mover or a check that must look nodes up by id
//! (a copy's source-to-target id map, the content hash's node digests) keeps a flat memory
//! footprint however large the graph is.
//!
//! Records live at `id * (N + 1)`: a presence byte, then the record. Ids are dense on the
//! engines the harness reads (FalkorDB, Neo4j's record format), and the holes that deleted or
//! unused ids leave are sparse-file holes that take no disk. The file is deleted by the
//! operating system when the table is dropped, also after a crash.
//!
//! Lookups read the file through a read-only memory map: a relationship's end node is a random
//! id, and one `pread` per lookup cost a syscall each (at 1M nodes, most of an import's lookups
//! missed any cache the heap could afford). The mapped pages are the kernel's page cache, the
//! same pages `pread` reads, which it can drop under memory pressure: the process's heap stays
//! flat whatever the graph's size.

use std::fs::File;
use std::io;

/// Ids above this are refused (offsets stay below 2^43 bytes, within ext4's and most other
/// file systems' file size limits for any record size used here).
const MAX_OFFSET: u64 = 1 << 43;

/// Why an id could not be stored or read.
#[derive(Debug, thiserror::Error)]
pub enum IdTableError {
    #[error("node id {id} is outside the id table's range (0..{max})")]
    OutOfRange { id: i64, max: u64 },
    #[error("failed to use the temporary id table file")]
    Io(#[from] io::Error),
}

/// Records of `N` bytes indexed by non-negative node id.
pub struct IdTable<const N: usize> {
    file: File,
    len: u64,
    /// Consecutive puts not yet written: (first id, slots). Nodes arrive in id order, so a page
    /// of puts becomes one write.
    pending: Option<(u64, Vec<u8>)>,
    /// The file mapped read-only up to its length at the last lookup (remapped when puts
    /// have made it longer).
    map: Option<memmap2::Mmap>,
}

/// Pending puts are written once they reach this many bytes.
const PENDING_LIMIT: usize = 256 * 1024;

impl<const N: usize> IdTable<N> {
    /// An empty table in a new unnamed file under the system's temporary directory.
    pub fn new() -> Result<Self, IdTableError> {
        const { assert!(N < 64, "records are copied through a 64-byte buffer") };
        Ok(IdTable {
            file: tempfile::tempfile()?,
            len: 0,
            pending: None,
            map: None,
        })
    }

    /// The largest id this table can hold.
    pub fn max_id() -> u64 {
        MAX_OFFSET / (N as u64 + 1) - 1
    }

    /// True when `id` can be stored.
    pub fn in_range(id: i64) -> bool {
        u64::try_from(id).is_ok_and(|id| id <= Self::max_id())
    }

    fn offset(id: i64) -> Result<u64, IdTableError> {
        match u64::try_from(id) {
            Ok(i) if i <= Self::max_id() => Ok(i * (N as u64 + 1)),
            _ => Err(IdTableError::OutOfRange {
                id,
                max: Self::max_id(),
            }),
        }
    }

    /// Stores `record` for `id`, replacing what was there. Consecutive ids are buffered and
    /// written together (before any read).
    pub fn put(&mut self, id: i64, record: &[u8; N]) -> Result<(), IdTableError> {
        let at = Self::offset(id)?;
        let slot_len = N as u64 + 1;
        let appendable =
            matches!(&self.pending, Some((start, buf)) if start + buf.len() as u64 == at);
        if !appendable {
            self.flush()?;
            self.pending = Some((at, Vec::with_capacity(4096)));
        }
        let (_, buf) = self.pending.as_mut().expect("pending was just set");
        buf.push(1);
        buf.extend_from_slice(record);
        self.len = self.len.max(at + slot_len);
        if buf.len() >= PENDING_LIMIT {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), IdTableError> {
        if let Some((at, buf)) = self.pending.take() {
            write_all_at(&self.file, &buf, at)?;
        }
        Ok(())
    }

    /// The record stored for `id`, if any.
    pub fn get(&mut self, id: i64) -> Result<Option<[u8; N]>, IdTableError> {
        let at = Self::offset(id)?;
        self.flush()?;
        if at + N as u64 + 1 > self.len {
            return Ok(None);
        }
        let map = self.mapped()?;
        let at = at as usize;
        Ok(record(&map[at..at + N + 1]))
    }

    /// The file mapped up to `self.len` (after a flush).
    #[allow(unsafe_code)]
    fn mapped(&mut self) -> Result<&memmap2::Mmap, IdTableError> {
        let stale = self
            .map
            .as_ref()
            .is_none_or(|m| (m.len() as u64) < self.len);
        if stale {
            self.map = None;
            let len = usize::try_from(self.len).map_err(|_| IdTableError::OutOfRange {
                id: -1,
                max: Self::max_id(),
            })?;
            // SAFETY: the file is this table's own unnamed temporary file, which nothing else
            // can open; it is only ever written through `write_all_at` by `&mut self` methods,
            // which never run while a slice of the map is borrowed, and never shrinks, so the
            // mapped range (its length when mapped) stays backed by the file.
            let map = unsafe { memmap2::MmapOptions::new().len(len).map(&self.file)? };
            self.map = Some(map);
        }
        Ok(self.map.as_ref().expect("mapped just above"))
    }

    /// The records of ids `lo..=hi` in one read (for lookups that cluster, such as the start
    /// nodes of one page of relationships).
    pub fn get_range(&mut self, lo: i64, hi: i64) -> Result<Range<N>, IdTableError> {
        let (from, to) = (Self::offset(lo)?, Self::offset(hi.max(lo))?);
        self.flush()?;
        let slot_len = N as u64 + 1;
        let end = (to + slot_len).min(self.len.max(from));
        let mut bytes = vec![0u8; (end - from) as usize];
        if !bytes.is_empty() {
            read_exact_at(&self.file, &mut bytes, from)?;
        }
        Ok(Range { lo, bytes })
    }
}

/// Records read by [`IdTable::get_range`].
pub struct Range<const N: usize> {
    lo: i64,
    bytes: Vec<u8>,
}

impl<const N: usize> Range<N> {
    /// The record of `id`, if it is in the range and stored.
    pub fn get(&self, id: i64) -> Option<[u8; N]> {
        let i = usize::try_from(id.checked_sub(self.lo)?).ok()?;
        let slot = self.bytes.get(i * (N + 1)..(i + 1) * (N + 1))?;
        record(slot)
    }
}

fn record<const N: usize>(slot: &[u8]) -> Option<[u8; N]> {
    if slot[0] == 0 {
        return None;
    }
    let mut out = [0u8; N];
    out.copy_from_slice(&slot[1..=N]);
    Some(out)
}

#[cfg(unix)]
fn write_all_at(file: &File, buf: &[u8], at: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(file, buf, at)
}

#[cfg(unix)]
fn read_exact_at(file: &File, buf: &mut [u8], at: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, at)
}

#[cfg(windows)]
fn write_all_at(file: &File, mut buf: &[u8], mut at: u64) -> io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        let n = file.seek_write(buf, at)?;
        buf = &buf[n..];
        at += n as u64;
    }
    Ok(())
}

#[cfg(windows)]
fn read_exact_at(file: &File, mut buf: &mut [u8], mut at: u64) -> io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        let n = file.seek_read(buf, at)?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        buf = &mut buf[n..];
        at += n as u64;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_and_reads_back_records_by_id_with_holes_absent() {
        let mut t = IdTable::<8>::new().unwrap();
        t.put(0, &7u64.to_be_bytes()).unwrap();
        t.put(1_000_000, &9u64.to_be_bytes()).unwrap();
        assert_eq!(t.get(0).unwrap(), Some(7u64.to_be_bytes()));
        assert_eq!(t.get(1_000_000).unwrap(), Some(9u64.to_be_bytes()));
        assert_eq!(t.get(1).unwrap(), None, "a hole");
        assert_eq!(t.get(2_000_000).unwrap(), None, "past the end");
        t.put(0, &8u64.to_be_bytes()).unwrap();
        assert_eq!(t.get(0).unwrap(), Some(8u64.to_be_bytes()));
    }

    #[test]
    fn buffered_runs_and_range_reads_agree_with_single_lookups() {
        let mut t = IdTable::<8>::new().unwrap();
        // A run, a gap, another run; more than the pending limit in total.
        let ids: Vec<i64> = (0..20_000).chain(30_000..50_000).collect();
        for &id in &ids {
            t.put(id, &(id as u64 * 3).to_be_bytes()).unwrap();
        }
        let range = t.get_range(19_990, 30_010).unwrap();
        for id in 19_990..=30_010 {
            let want = (!(20_000..30_000).contains(&id)).then(|| (id as u64 * 3).to_be_bytes());
            assert_eq!(range.get(id), want, "id {id}");
            assert_eq!(t.get(id).unwrap(), want, "id {id}");
        }
        assert_eq!(range.get(19_989), None, "below the range");
        assert_eq!(range.get(30_011), None, "above the range");
        let tail = t.get_range(49_999, 60_000).unwrap();
        assert_eq!(tail.get(49_999), Some((49_999u64 * 3).to_be_bytes()));
        assert_eq!(tail.get(50_000), None);
    }

    #[test]
    fn mapped_lookups_see_later_puts_and_growth() {
        let mut t = IdTable::<32>::new().unwrap();
        let n = 300_000i64;
        for id in 0..n {
            let mut r = [0u8; 32];
            r[..8].copy_from_slice(&(id as u64).to_be_bytes());
            t.put(id, &r).unwrap();
        }
        for id in (0..n).step_by(997).chain((0..n).rev().step_by(1009)) {
            let r = t.get(id).unwrap().unwrap();
            assert_eq!(u64::from_be_bytes(r[..8].try_into().unwrap()), id as u64);
        }
        // A put after a get replaces what the map shows; a put past the end grows it.
        assert!(t.get(5).unwrap().is_some());
        t.put(5, &[7u8; 32]).unwrap();
        assert_eq!(t.get(5).unwrap(), Some([7u8; 32]));
        assert_eq!(t.get(n).unwrap(), None, "past the end");
        t.put(n + 10, &[9u8; 32]).unwrap();
        assert_eq!(t.get(n + 10).unwrap(), Some([9u8; 32]));
        assert_eq!(t.get(n + 5).unwrap(), None, "a hole");
    }

    #[test]
    fn a_zero_record_is_present_not_absent() {
        let mut t = IdTable::<32>::new().unwrap();
        t.put(3, &[0u8; 32]).unwrap();
        assert_eq!(t.get(3).unwrap(), Some([0u8; 32]));
    }

    #[test]
    fn negative_and_huge_ids_are_refused_with_a_clear_error() {
        let mut t = IdTable::<32>::new().unwrap();
        let e = t.put(-1, &[1u8; 32]).unwrap_err();
        assert!(e.to_string().contains("node id -1 is outside"), "{e}");
        assert!(t.get(i64::MAX).is_err());
        assert!(!IdTable::<32>::in_range(i64::MAX));
        assert!(IdTable::<32>::in_range(1 << 30));
    }
}
