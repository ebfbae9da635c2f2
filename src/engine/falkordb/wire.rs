//! A minimal RESP2 connection for graph queries. Its replies are whole frames of bytes, which
//! [`super::compact::parse_reply`] reads straight into the harness's values: the redis crate's
//! generic value tree (an owned vector for every array and string of a reply) took most of the
//! client's CPU time in a whole-graph read. `GRAPH.BULK` goes this way too, its tokens written
//! from the encoder's buffers without a copy. Other commands keep using the redis crate.
//!
//! One request at a time; the caller serializes (see `FalkorConnection`). A request that
//! does not finish (timed out, cancelled, failed) leaves the connection unusable: the caller
//! drops it and opens another.

use std::io;

use redis::{ConnectionAddr, ConnectionInfo};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

/// Arguments from this size on are written where they are instead of copied into the request.
const BIG_ARG: usize = 1 << 16;

/// An open connection that speaks RESP2 (the default protocol, no `HELLO`).
pub struct Wire {
    stream: Box<dyn Stream>,
}

impl Wire {
    /// Connects to `info`'s address (TCP or a Unix socket), authenticates and selects its
    /// database. An address this client cannot reach (TLS) is an error of kind `Unsupported`.
    /// Errors never contain the password.
    pub async fn connect(info: &ConnectionInfo) -> io::Result<Wire> {
        let stream: Box<dyn Stream> = match info.addr() {
            ConnectionAddr::Tcp(host, port) => {
                let s = tokio::net::TcpStream::connect((host.as_str(), *port)).await?;
                s.set_nodelay(true)?;
                Box::new(s)
            }
            #[cfg(unix)]
            ConnectionAddr::Unix(path) => Box::new(tokio::net::UnixStream::connect(path).await?),
            _ => {
                return Err(io::Error::new(
                    io::ErrorKind::Unsupported,
                    "this address type (TLS) is not supported",
                ))
            }
        };
        let mut wire = Wire { stream };
        let settings = info.redis_settings();
        if let Some(password) = settings.password() {
            let mut args: Vec<&[u8]> = vec![b"AUTH"];
            if let Some(user) = settings.username() {
                args.push(user.as_bytes());
            }
            args.push(password.as_bytes());
            wire.expect_ok(&args, "AUTH").await?;
        }
        if settings.db() != 0 {
            let db = settings.db().to_string();
            wire.expect_ok(&[b"SELECT", db.as_bytes()], "SELECT").await?;
        }
        Ok(wire)
    }

    /// Sends a command whose reply must be `+OK`; a refusal becomes an error with the
    /// server's text (never the arguments, which may hold a password).
    async fn expect_ok(&mut self, args: &[&[u8]], what: &str) -> io::Result<()> {
        let reply = self.request(args, Vec::new()).await?;
        if reply.starts_with(b"+") {
            return Ok(());
        }
        let text = String::from_utf8_lossy(&reply);
        Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            format!(
                "{what} was refused: {}",
                text.trim_start_matches('-').trim_end()
            ),
        ))
    }

    /// Sends one command and returns its whole reply frame, read into `buf` (cleared first).
    /// A caller that hands the buffer of an earlier reply back here spares the allocator a
    /// fresh buffer of up to a megabyte per reply (fresh pages the kernel must fault in and
    /// zero: 4% of the content hash's client time before buffers were reused).
    pub async fn request(&mut self, args: &[&[u8]], mut buf: Vec<u8>) -> io::Result<Vec<u8>> {
        // Small arguments are gathered into one write; a large one (a GRAPH.BULK token) is
        // written from where it is, not copied.
        let mut out = Vec::with_capacity(
            16 + args
                .iter()
                .map(|a| 16 + if a.len() < BIG_ARG { a.len() } else { 0 })
                .sum::<usize>(),
        );
        out.extend_from_slice(format!("*{}\r\n", args.len()).as_bytes());
        for a in args {
            out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
            if a.len() < BIG_ARG {
                out.extend_from_slice(a);
            } else {
                self.stream.write_all(&out).await?;
                out.clear();
                self.stream.write_all(a).await?;
            }
            out.extend_from_slice(b"\r\n");
        }
        self.stream.write_all(&out).await?;
        self.stream.flush().await?;
        buf.clear();
        let mut frame = Frame::default();
        loop {
            if let Some(end) = frame.advance(&buf)? {
                if end != buf.len() {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        "the server sent more than one reply to one command",
                    ));
                }
                return Ok(buf);
            }
            if buf.capacity() - buf.len() < (1 << 15) {
                buf.reserve(buf.len().max(1 << 16));
            }
            if self.stream.read_buf(&mut buf).await? == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the server closed the connection",
                ));
            }
        }
    }
}

/// Finds where a reply frame ends in bytes that arrive piece by piece, without reading any
/// byte twice: the position of the next item header and the counts of elements still due
/// in each open array.
#[derive(Default)]
struct Frame {
    pos: usize,
    open: Vec<u64>,
}

impl Frame {
    /// The end of the frame, once all of it is in `buf`.
    fn advance(&mut self, buf: &[u8]) -> io::Result<Option<usize>> {
        loop {
            // Integers, lengths and counts in one pass over their digits (most of a reply's
            // lines); anything else, or a line not all here yet, goes the general way below.
            if let Some(&kind @ (b':' | b'$' | b'*')) = buf.get(self.pos) {
                if let Some((n, after)) = super::compact::int_line(buf, self.pos + 1) {
                    match kind {
                        b'*' if n > 0 => {
                            self.pos = after;
                            self.open.push(n as u64);
                            continue;
                        }
                        b'$' if n >= 0 => {
                            let end = after + n as usize + 2;
                            if end > buf.len() {
                                return Ok(None);
                            }
                            self.pos = end;
                        }
                        _ => self.pos = after,
                    }
                    if let Some(end) = self.complete() {
                        return Ok(Some(end));
                    }
                    continue;
                }
            }
            let rest = &buf[self.pos..];
            let Some(cr) = rest.iter().position(|&b| b == b'\r') else {
                return Ok(None);
            };
            if rest.len() < cr + 2 {
                return Ok(None);
            }
            let bad = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_owned());
            if rest[cr + 1] != b'\n' || cr == 0 {
                return Err(bad("malformed reply line"));
            }
            let count = || -> io::Result<i64> {
                super::compact::parse_int(&rest[1..cr])
                    .ok_or_else(|| bad("malformed length in a reply"))
            };
            let after = self.pos + cr + 2;
            match rest[0] {
                b'+' | b'-' | b':' | b',' | b'#' | b'_' | b'(' => self.pos = after,
                b'$' | b'=' | b'!' => match count()? {
                    n if n < 0 => self.pos = after,
                    n => {
                        let end = after + n as usize + 2;
                        if end > buf.len() {
                            return Ok(None);
                        }
                        self.pos = end;
                    }
                },
                kind @ (b'*' | b'~' | b'>' | b'%' | b'|') => {
                    let n = count()?;
                    self.pos = after;
                    if n > 0 {
                        let n = n as u64 * if matches!(kind, b'%' | b'|') { 2 } else { 1 };
                        self.open.push(n);
                        continue;
                    }
                }
                _ => return Err(bad("unknown item type in a reply")),
            }
            if let Some(end) = self.complete() {
                return Ok(Some(end));
            }
        }
    }

    /// One item is complete: it counts against the innermost open array. The end of the
    /// frame when that was its last item.
    fn complete(&mut self) -> Option<usize> {
        loop {
            match self.open.last_mut() {
                None => return Some(self.pos),
                Some(due) => {
                    *due -= 1;
                    if *due > 0 {
                        return None;
                    }
                    self.open.pop();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Frame;

    fn ends(bytes: &[u8]) -> Option<usize> {
        Frame::default().advance(bytes).unwrap()
    }

    #[test]
    fn a_frame_ends_after_its_last_element_however_it_arrives() {
        let frame: &[u8] = b"*3\r\n*1\r\n*2\r\n:1\r\n$1\r\nn\r\n*0\r\n*2\r\n$3\r\nabc\r\n$-1\r\n";
        assert_eq!(ends(frame), Some(frame.len()));
        for cut in 0..frame.len() {
            assert_eq!(ends(&frame[..cut]), None, "{cut}");
            // Fed in two pieces, the same scanner finds the same end.
            let mut f = Frame::default();
            let mut buf = frame[..cut].to_vec();
            assert_eq!(f.advance(&buf).unwrap(), None);
            buf.extend_from_slice(&frame[cut..]);
            assert_eq!(f.advance(&buf).unwrap(), Some(frame.len()), "{cut}");
        }
        assert_eq!(ends(b"-ERR no\r\n"), Some(9));
        assert_eq!(ends(b"*-1\r\n"), Some(5));
        assert!(Frame::default().advance(b"?x\r\n").is_err());
        assert!(Frame::default().advance(b"$x\r\n").is_err());
    }

    /// A random well-formed RESP item: integers, bulk and simple strings, errors, nils and
    /// arrays of those, nested.
    fn item() -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            any::<i64>().prop_map(|n| format!(":{n}\r\n").into_bytes()),
            proptest::collection::vec(any::<u8>(), 0..40).prop_map(|b| {
                let mut v = format!("${}\r\n", b.len()).into_bytes();
                v.extend_from_slice(&b);
                v.extend_from_slice(b"\r\n");
                v
            }),
            "[a-z ]{0,12}".prop_map(|t| format!("+{t}\r\n").into_bytes()),
            "[a-z ]{1,12}".prop_map(|t| format!("-{t}\r\n").into_bytes()),
            Just(b"$-1\r\n".to_vec()),
            Just(b"*-1\r\n".to_vec()),
        ];
        leaf.prop_recursive(4, 64, 8, |inner| {
            proptest::collection::vec(inner, 0..8).prop_map(|items| {
                let mut v = format!("*{}\r\n", items.len()).into_bytes();
                for i in items {
                    v.extend_from_slice(&i);
                }
                v
            })
        })
    }

    proptest::proptest! {
        /// A frame's end is found exactly at its end, never before, however the bytes arrive.
        #[test]
        fn random_frames_end_where_they_end(frame in item(), cut in 0usize..1000, junk in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..8)) {
            let cut = cut % (frame.len() + 1);
            let mut buf = frame.clone();
            buf.extend_from_slice(&junk);
            proptest::prop_assert_eq!(ends(&buf), Some(frame.len()));
            if cut < frame.len() {
                proptest::prop_assert_eq!(ends(&frame[..cut]), None);
            }
            let mut f = Frame::default();
            let mut piece = frame[..cut].to_vec();
            let first = f.advance(&piece).unwrap();
            proptest::prop_assert_eq!(first, (cut == frame.len()).then_some(frame.len()));
            if first.is_none() {
                piece.extend_from_slice(&frame[cut..]);
                proptest::prop_assert_eq!(f.advance(&piece).unwrap(), Some(frame.len()));
            }
        }
    }
}
