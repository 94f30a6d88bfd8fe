//! The host's error codes (docs/abi.md §5) as an enum.

use core::fmt;

/// Why a host function refused: one variant per negative code of docs/abi.md
/// §5. A refused call had no effect (apart from an audit record or a dead
/// letter, as §4 says).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Error {
    /// -1: a malformed argument (name, topic, pattern, timeout, level, ...).
    Invalid,
    /// -2: a buffer outside this module's memory.
    Fault,
    /// -3: no such component, subscription, request, key, timer or entry.
    NotFound,
    /// -4: the component's grants do not allow it.
    Denied,
    /// -5: the target's mailbox (or the host's queue) is full.
    Busy,
    /// -6: a payload, name, topic, pattern, key or value over its limit.
    TooBig,
    /// -7: the output buffer is smaller than the data; nothing was copied.
    Range,
    /// -8: not valid now: no current message, or `reply` outside a request.
    State,
    /// -9: a per-component quota is used up (rates, requests, timers, ...).
    Limit,
    /// -10: the host does not offer the feature.
    Unsupported,
    /// -11: the host's storage failed to read; a later call may succeed.
    Io,
    /// A negative code this SDK does not know (a later host's).
    Other(i32),
}

/// The crate's result type: a host function's value, or why it refused.
pub type Result<T, E = Error> = core::result::Result<T, E>;

impl Error {
    /// The error for a negative code; `Other` for one this SDK does not know.
    pub const fn from_code(code: i32) -> Error {
        match code {
            -1 => Error::Invalid,
            -2 => Error::Fault,
            -3 => Error::NotFound,
            -4 => Error::Denied,
            -5 => Error::Busy,
            -6 => Error::TooBig,
            -7 => Error::Range,
            -8 => Error::State,
            -9 => Error::Limit,
            -10 => Error::Unsupported,
            -11 => Error::Io,
            other => Error::Other(other),
        }
    }

    /// The code as the host returns it (negative).
    pub const fn code(self) -> i32 {
        match self {
            Error::Invalid => -1,
            Error::Fault => -2,
            Error::NotFound => -3,
            Error::Denied => -4,
            Error::Busy => -5,
            Error::TooBig => -6,
            Error::Range => -7,
            Error::State => -8,
            Error::Limit => -9,
            Error::Unsupported => -10,
            Error::Io => -11,
            Error::Other(code) => code,
        }
    }

    /// The code's name in docs/abi.md §5: `"not_found"`, `"denied"`, ...
    pub const fn name(self) -> &'static str {
        match self {
            Error::Invalid => "invalid",
            Error::Fault => "fault",
            Error::NotFound => "not_found",
            Error::Denied => "denied",
            Error::Busy => "busy",
            Error::TooBig => "too_big",
            Error::Range => "range",
            Error::State => "state",
            Error::Limit => "limit",
            Error::Unsupported => "unsupported",
            Error::Io => "io",
            Error::Other(_) => "unknown",
        }
    }
}

impl fmt::Display for Error {
    /// The name and the code: `not_found (-3)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.name(), self.code())
    }
}

/// A host function's `i32` result: the value, or the error its code names.
pub(crate) fn check(rc: i32) -> Result<u32> {
    if rc >= 0 {
        Ok(rc as u32)
    } else {
        Err(Error::from_code(rc))
    }
}

/// What an import that copies a value into `buf` returned: the first `rc`
/// bytes of `buf`, or `None` when it found nothing to copy.
pub(crate) fn copied(rc: i32, buf: &[u8]) -> Result<Option<&[u8]>> {
    match check(rc) {
        Ok(n) => Ok(Some(&buf[..n as usize])),
        Err(Error::NotFound) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The same for the functions that return `i64`.
pub(crate) fn check64(rc: i64) -> Result<i64> {
    if rc >= 0 {
        Ok(rc)
    } else if rc >= i32::MIN as i64 {
        Err(Error::from_code(rc as i32))
    } else {
        Err(Error::Other(i32::MIN))
    }
}

/// A `u32` length as the `i32` the imports take (read back as unsigned by the host).
#[inline]
pub(crate) fn len32(len: usize) -> i32 {
    len as u32 as i32
}
