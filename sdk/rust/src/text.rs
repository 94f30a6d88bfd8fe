//! A fixed-size byte buffer to build payloads in without an allocator.

use core::fmt;

/// Up to `N` bytes, built with `write!` (`use core::fmt::Write`) or
/// [`push`](Buf::push), then passed wherever a payload goes (`&buf`,
/// [`as_bytes`](Buf::as_bytes)).
///
/// ```ignore
/// use core::fmt::Write;
/// let mut out = wasmhive::Buf::<32>::new();
/// write!(out, "{} {}", total, errors).ok();
/// wasmhive::reply(&out)?;
/// ```
///
/// What does not fit is cut: `write!` then returns `Err(fmt::Error)` and
/// `push` returns false, with the buffer holding what fitted (for `write!`,
/// possibly part of a character).
#[derive(Clone)]
pub struct Buf<const N: usize> {
    len: usize,
    bytes: [u8; N],
}

impl<const N: usize> Buf<N> {
    pub const fn new() -> Self {
        Buf {
            len: 0,
            bytes: [0; N],
        }
    }
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
    /// The contents as text, if they are UTF-8.
    pub fn as_str(&self) -> Option<&str> {
        core::str::from_utf8(self.as_bytes()).ok()
    }
    pub fn len(&self) -> usize {
        self.len
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    pub const fn capacity(&self) -> usize {
        N
    }
    pub fn clear(&mut self) {
        self.len = 0;
    }
    /// Appends `bytes`: true if all of them fitted, false if they were cut.
    pub fn push(&mut self, bytes: impl AsRef<[u8]>) -> bool {
        let bytes = bytes.as_ref();
        let n = bytes.len().min(N - self.len);
        self.bytes[self.len..self.len + n].copy_from_slice(&bytes[..n]);
        self.len += n;
        n == bytes.len()
    }
}

impl<const N: usize> Default for Buf<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> fmt::Write for Buf<N> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if self.push(s) {
            Ok(())
        } else {
            Err(fmt::Error)
        }
    }
}

impl<const N: usize> AsRef<[u8]> for Buf<N> {
    fn as_ref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl<const N: usize> core::ops::Deref for Buf<N> {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl<const N: usize> fmt::Debug for Buf<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.as_str() {
            Some(text) => fmt::Debug::fmt(text, f),
            None => fmt::Debug::fmt(self.as_bytes(), f),
        }
    }
}
