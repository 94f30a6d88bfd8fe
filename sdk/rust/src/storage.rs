//! The component's own key-value storage (docs/abi.md §10), kept under its
//! name across restarts. Keys are 1 to 512 bytes, values 0 to 256 KiB, both
//! any bytes. Reading needs the grant `storage = "read"` (or `"read-write"`),
//! writing `storage = "read-write"`.
//!
//! Every export call is a transaction: what a call writes is visible to its
//! own reads at once and kept only if it returns `Ok` (0); a trap, an `Err` or
//! a deadline discards it.
//!
//! Absence is not an error here: [`get`], [`exists`] and [`delete`] say it
//! with `None` or `false` where the host returns `not_found` (-3).

use core::fmt::Write;

use crate::error::{check, check64, copied, len32, Error, Result};
use crate::raw;
use crate::text::Buf;

/// Longest key: 512 bytes.
pub const MAX_KEY: usize = 512;
/// Largest value: 256 KiB.
pub const MAX_VALUE: usize = 262_144;

/// The value of `key`, copied into `buf`; `None` if there is no such key.
/// [`Error::Range`] if `buf` is too small (see [`exists`] for the length).
pub fn get<'b>(key: impl AsRef<[u8]>, buf: &'b mut [u8]) -> Result<Option<&'b [u8]>> {
    let key = key.as_ref();
    // SAFETY: the host reads `key` and writes at most `buf.len()` bytes into `buf`.
    let rc = unsafe {
        raw::storage_get(
            key.as_ptr(),
            len32(key.len()),
            buf.as_mut_ptr(),
            len32(buf.len()),
        )
    };
    copied(rc, buf)
}

/// The length of `key`'s value, or `None` if there is no such key.
pub fn exists(key: impl AsRef<[u8]>) -> Result<Option<u32>> {
    let key = key.as_ref();
    // SAFETY: the host only reads `key`.
    match check(unsafe { raw::storage_exists(key.as_ptr(), len32(key.len())) }) {
        Ok(n) => Ok(Some(n)),
        Err(Error::NotFound) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Writes `value` under `key` for this call; kept if the call returns `Ok`.
pub fn set(key: impl AsRef<[u8]>, value: impl AsRef<[u8]>) -> Result<()> {
    let (key, value) = (key.as_ref(), value.as_ref());
    // SAFETY: the host only reads `key` and `value`.
    let rc = unsafe {
        raw::storage_set(
            key.as_ptr(),
            len32(key.len()),
            value.as_ptr(),
            len32(value.len()),
        )
    };
    check(rc).map(drop)
}

/// Deletes `key`: true if it existed, false if there was no such key.
pub fn delete(key: impl AsRef<[u8]>) -> Result<bool> {
    let key = key.as_ref();
    // SAFETY: the host only reads `key`.
    match check(unsafe { raw::storage_delete(key.as_ptr(), len32(key.len())) }) {
        Ok(_) => Ok(true),
        Err(Error::NotFound) => Ok(false),
        Err(e) => Err(e),
    }
}

/// A number kept as its decimal text (as the C SDK's `wh_storage_get_i64`):
/// `None` if there is no such key, [`Error::Invalid`] if its value is not a
/// decimal `i64`.
pub fn get_i64(key: impl AsRef<[u8]>) -> Result<Option<i64>> {
    let mut text = [0u8; 24];
    match get(key, &mut text) {
        Ok(Some(value)) => core::str::from_utf8(value)
            .ok()
            .and_then(|s| s.parse().ok())
            .map(Some)
            .ok_or(Error::Invalid),
        Ok(None) => Ok(None),
        Err(Error::Range) => Err(Error::Invalid),
        Err(e) => Err(e),
    }
}

/// Writes `value` as its decimal text.
pub fn set_i64(key: impl AsRef<[u8]>, value: i64) -> Result<()> {
    let mut text = Buf::<24>::new();
    // An i64 has at most 20 characters: this cannot fail.
    let _ = write!(text, "{}", value);
    set(key, text.as_bytes())
}

/// What [`usage`] reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Usage {
    /// 0: bytes its keys and values hold.
    Bytes = 0,
    /// 1: how many keys it has.
    Keys = 1,
    /// 2: its byte quota (`storage_quota`).
    QuotaBytes = 2,
    /// 3: its key quota (`storage_keys`).
    QuotaKeys = 3,
}

/// One figure of the component's storage use, as this call sees it.
pub fn usage(field: Usage) -> Result<u64> {
    // SAFETY: the import takes no pointer.
    check64(unsafe { raw::storage_usage(field as i32) }).map(|n| n as u64)
}

/// One page of keys, as the host wrote it into a buffer: an iterator over the
/// keys, in order.
#[derive(Clone, Copy, Debug)]
pub struct Page<'b> {
    rest: &'b [u8],
}

impl<'b> Page<'b> {
    /// The keys of a page the host wrote (`storage_list`'s format: each key as
    /// its length, 4 bytes little-endian, then its bytes).
    pub fn new(bytes: &'b [u8]) -> Page<'b> {
        Page { rest: bytes }
    }
}

impl<'b> Iterator for Page<'b> {
    type Item = &'b [u8];
    fn next(&mut self) -> Option<&'b [u8]> {
        if self.rest.len() < 4 {
            return None;
        }
        let len = u32::from_le_bytes([self.rest[0], self.rest[1], self.rest[2], self.rest[3]]);
        let len = len as usize;
        if len > self.rest.len() - 4 {
            self.rest = &[];
            return None;
        }
        let key = &self.rest[4..4 + len];
        self.rest = &self.rest[4 + len..];
        Some(key)
    }
}

/// One call of `storage_list`: the keys starting with `prefix` that sort
/// after `after` (bytewise; empty for the first page), as many as fit in
/// `buf` (at most 1,024). An empty page means no key is left; [`Error::Range`]
/// if `buf` cannot hold the next key (4 bytes + its length).
pub fn list_page<'b>(
    prefix: impl AsRef<[u8]>,
    after: impl AsRef<[u8]>,
    buf: &'b mut [u8],
) -> Result<Page<'b>> {
    let (prefix, after) = (prefix.as_ref(), after.as_ref());
    // SAFETY: the host reads `prefix` and `after` and writes at most
    // `buf.len()` bytes into `buf`.
    let n = check(unsafe {
        raw::storage_list(
            prefix.as_ptr(),
            len32(prefix.len()),
            after.as_ptr(),
            len32(after.len()),
            buf.as_mut_ptr(),
            len32(buf.len()),
        )
    })?;
    Ok(Page::new(&buf[..n as usize]))
}

/// Every key starting with a prefix, page by page: [`list`] makes one.
///
/// ```ignore
/// let mut keys = storage::list("user/");
/// let mut buf = [0u8; 1024];
/// while let Some(page) = keys.next_page(&mut buf)? {
///     for key in page { /* ... */ }
/// }
/// ```
pub struct List<P: AsRef<[u8]>> {
    prefix: P,
    after: [u8; MAX_KEY],
    after_len: usize,
    done: bool,
}

/// The keys that start with `prefix`, in order, read a page at a time.
pub fn list<P: AsRef<[u8]>>(prefix: P) -> List<P> {
    List {
        prefix,
        after: [0; MAX_KEY],
        after_len: 0,
        done: false,
    }
}

impl<P: AsRef<[u8]>> List<P> {
    /// The next page of keys, written into `buf`; `None` once every key was listed.
    pub fn next_page<'b>(&mut self, buf: &'b mut [u8]) -> Result<Option<Page<'b>>> {
        if self.done {
            return Ok(None);
        }
        let page = list_page(self.prefix.as_ref(), &self.after[..self.after_len], buf)?;
        match page.last() {
            Some(last) if last.len() <= MAX_KEY => {
                self.after[..last.len()].copy_from_slice(last);
                self.after_len = last.len();
                Ok(Some(page))
            }
            _ => {
                self.done = true;
                Ok(None)
            }
        }
    }
}
