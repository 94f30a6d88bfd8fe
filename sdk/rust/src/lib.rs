//! wasmhive guest SDK for Rust, ABI v1: a safe API over every host function
//! of docs/abi.md, for components built with `rustc --target
//! wasm32-unknown-unknown`. `no_std`, and no allocator needed.
//!
//! ```ignore
//! #![no_std]
//! use wasmhive::{reply, Message, Result};
//!
//! fn on_message(msg: &Message) -> Result<()> {
//!     reply(msg.payload) // an echo
//! }
//!
//! wasmhive::component! { message: on_message }
//! ```
//!
//! [`component!`] defines the module's exports (the ABI version marker, the
//! inbox, the outbox, `handle_message`, and the optional `init`,
//! `handle_callback`, `shutdown` and `health`); [`metadata!`] describes the
//! component to `wasmhive inspect`. Every host function returns
//! [`Result`]: the value, or the [`Error`] its negative code names. A panic
//! logs its message (with a `log` grant) and traps: the host then restarts
//! the component as its supervisor says. The contract itself is docs/abi.md.
#![no_std]

mod error;
mod message;
mod outbox;
pub mod raw;
pub mod storage;
mod text;

pub use error::{Error, Result};
pub use message::{
    pull, Callback, Kind, Message, RequestId, Status, INBOX_CAPACITY, MAX_NAME, MAX_PAYLOAD,
};
pub use outbox::OUTBOX_CAPACITY;
pub use text::Buf;

use error::{check, check64, copied, len32};

// ---------------------------------------------------------------------------
// Messaging (docs/abi.md §4, §6, §7)

/// Sends `payload` to the component named `target`. Queued in the outbox when
/// it fits, as Erlang's `!`: `Ok` then says nothing about delivery, and a
/// message the host cannot deliver (no such target, full mailbox, denied, too
/// big) becomes a dead letter. What does not fit goes by import, as
/// [`send_checked`].
pub fn send(target: impl AsRef<[u8]>, payload: impl AsRef<[u8]>) -> Result<()> {
    let (target, payload) = (target.as_ref(), payload.as_ref());
    if outbox::put(outbox::OP_SEND, target, payload) {
        return Ok(());
    }
    send_checked(target, payload)
}

/// Sends at once and returns the host's answer: [`Error::NotFound`],
/// [`Error::Busy`], [`Error::Denied`], ...
pub fn send_checked(target: impl AsRef<[u8]>, payload: impl AsRef<[u8]>) -> Result<()> {
    let (target, payload) = (target.as_ref(), payload.as_ref());
    // SAFETY: the host only reads the two slices.
    let rc = unsafe {
        raw::send(
            target.as_ptr(),
            len32(target.len()),
            payload.as_ptr(),
            len32(payload.len()),
        )
    };
    check(rc).map(drop)
}

/// Sends a request; its answer comes to the `callback` handler of
/// [`component!`] with this id, exactly once unless [`cancel`]led: the reply,
/// or a timeout after `timeout_ms` (1 ms to the host's maximum, 1 hour by
/// default), or why it failed.
pub fn request(
    target: impl AsRef<[u8]>,
    payload: impl AsRef<[u8]>,
    timeout_ms: u32,
) -> Result<RequestId> {
    let (target, payload) = (target.as_ref(), payload.as_ref());
    // SAFETY: the host only reads the two slices.
    let rc = unsafe {
        raw::request(
            target.as_ptr(),
            len32(target.len()),
            payload.as_ptr(),
            len32(payload.len()),
            timeout_ms as i64,
        )
    };
    check64(rc).map(RequestId)
}

/// Answers the request being handled. Queued in the outbox when it fits (then
/// `Ok`); otherwise as [`reply_checked`].
pub fn reply(payload: impl AsRef<[u8]>) -> Result<()> {
    let payload = payload.as_ref();
    if outbox::put(outbox::OP_REPLY, &[], payload) {
        return Ok(());
    }
    reply_checked(payload)
}

/// Answers at once: [`Error::State`] if no request is being handled or it was
/// answered already, [`Error::Busy`] if the requester's mailbox has no room.
pub fn reply_checked(payload: impl AsRef<[u8]>) -> Result<()> {
    let payload = payload.as_ref();
    // SAFETY: the host only reads the slice.
    check(unsafe { raw::reply(payload.as_ptr(), len32(payload.len())) }).map(drop)
}

/// No callback will come for this request; [`Error::NotFound`] if it is no
/// longer pending.
pub fn cancel(id: RequestId) -> Result<()> {
    // SAFETY: the import takes no pointer.
    check(unsafe { raw::cancel(id.0) }).map(drop)
}

/// Sends `payload` once to each distinct name in `targets`, names separated
/// by `\n`. Returns how many mailboxes took it (the others are dead letters).
pub fn broadcast(targets: impl AsRef<[u8]>, payload: impl AsRef<[u8]>) -> Result<u32> {
    let (targets, payload) = (targets.as_ref(), payload.as_ref());
    // SAFETY: the host only reads the two slices.
    check(unsafe {
        raw::broadcast(
            targets.as_ptr(),
            len32(targets.len()),
            payload.as_ptr(),
            len32(payload.len()),
        )
    })
}

/// Publishes `payload` on `topic` (`orders.created`). Queued in the outbox
/// when it fits (then `Ok`, and what is refused is a dead letter); otherwise
/// as [`publish_checked`].
pub fn publish(topic: impl AsRef<[u8]>, payload: impl AsRef<[u8]>) -> Result<()> {
    let (topic, payload) = (topic.as_ref(), payload.as_ref());
    if outbox::put(outbox::OP_PUBLISH, topic, payload) {
        return Ok(());
    }
    publish_checked(topic, payload).map(drop)
}

/// Publishes at once: how many subscribers' mailboxes took it (0 if none).
pub fn publish_checked(topic: impl AsRef<[u8]>, payload: impl AsRef<[u8]>) -> Result<u32> {
    let (topic, payload) = (topic.as_ref(), payload.as_ref());
    // SAFETY: the host only reads the two slices.
    check(unsafe {
        raw::publish(
            topic.as_ptr(),
            len32(topic.len()),
            payload.as_ptr(),
            len32(payload.len()),
        )
    })
}

/// Receives the publications whose topic matches `pattern` (`orders.*`,
/// `orders.>`) as messages of kind [`Kind::Publish`]. Subscriptions belong to
/// the instance: subscribe again in `init` after a restart.
pub fn subscribe(pattern: impl AsRef<[u8]>) -> Result<()> {
    let pattern = pattern.as_ref();
    // SAFETY: the host only reads the slice.
    check(unsafe { raw::subscribe(pattern.as_ptr(), len32(pattern.len())) }).map(drop)
}

/// Drops exactly this pattern; [`Error::NotFound`] if this instance does not hold it.
pub fn unsubscribe(pattern: impl AsRef<[u8]>) -> Result<()> {
    let pattern = pattern.as_ref();
    // SAFETY: the host only reads the slice.
    check(unsafe { raw::unsubscribe(pattern.as_ptr(), len32(pattern.len())) }).map(drop)
}

/// This component's own name, copied into `buf` (256 bytes always suffice).
pub fn self_id(buf: &mut [u8]) -> Result<&[u8]> {
    // SAFETY: the host writes at most `buf.len()` bytes into `buf`.
    let n = check(unsafe { raw::self_id(buf.as_mut_ptr(), len32(buf.len())) })?;
    Ok(&buf[..n as usize])
}

// ---------------------------------------------------------------------------
// Logging, clocks, timers, configuration (docs/abi.md §4, §11, §12)

/// A log line's level; the `log` grant names the most verbose one allowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Trace = 0,
    Debug = 1,
    Info = 2,
    Warn = 3,
    Error = 4,
}

/// Writes `text` to the host's log as `[<component>] <text>` (escaped).
/// [`Error::Denied`] without a `log` grant of this level, [`Error::Limit`]
/// over the log rate (100 lines a second).
pub fn log(level: Level, text: impl AsRef<[u8]>) -> Result<()> {
    let text = text.as_ref();
    // SAFETY: the host only reads the slice.
    check(unsafe { raw::log(level as i32, text.as_ptr(), len32(text.len())) }).map(drop)
}

/// Milliseconds since the Unix epoch (needs `clock = true`).
pub fn now_ms() -> Result<i64> {
    // SAFETY: the import takes no pointer.
    check64(unsafe { raw::now_ms() })
}

/// Nanoseconds on the host's monotonic clock: only differences mean something
/// (needs `clock = true`).
pub fn monotonic_ns() -> Result<i64> {
    // SAFETY: the import takes no pointer.
    check64(unsafe { raw::monotonic_ns() })
}

/// A timer's id, as [`send_after`] returned it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TimerId(pub i64);

/// After `delay_ms` (up to 7 days) this component gets `payload` as a message
/// of kind [`Kind::Timer`] from itself. Armed when the call returns `Ok`;
/// timers belong to the instance (a restart drops them).
pub fn send_after(delay_ms: u32, payload: impl AsRef<[u8]>) -> Result<TimerId> {
    let payload = payload.as_ref();
    // SAFETY: the host only reads the slice.
    check64(unsafe { raw::send_after(delay_ms as i64, payload.as_ptr(), len32(payload.len())) })
        .map(TimerId)
}

/// The timer will not fire; [`Error::NotFound`] if it is no longer pending.
pub fn cancel_timer(id: TimerId) -> Result<()> {
    // SAFETY: the import takes no pointer.
    check(unsafe { raw::cancel_timer(id.0) }).map(drop)
}

/// The value of `key` in the component's `[component.config]` table, copied
/// into `buf`; `None` if the table has no such key, [`Error::Range`] if `buf`
/// is too small.
pub fn config_get<'b>(key: impl AsRef<[u8]>, buf: &'b mut [u8]) -> Result<Option<&'b [u8]>> {
    let key = key.as_ref();
    // SAFETY: the host reads `key` and writes at most `buf.len()` bytes into `buf`.
    let rc = unsafe {
        raw::config_get(
            key.as_ptr(),
            len32(key.len()),
            buf.as_mut_ptr(),
            len32(buf.len()),
        )
    };
    copied(rc, buf)
}

/// Logs formatted text at a level: `wasmhive::log!(Level::Info, "n = {}", n)`.
/// The line is formatted into a 1,024-byte buffer (longer text is cut) and a
/// refusal (no grant, over the rate) is ignored: call [`log()`] to see it.
/// [`trace!`], [`debug!`], [`info!`], [`warn!`] and [`error!`] name the level.
#[macro_export]
macro_rules! log {
    ($level:expr, $($arg:tt)+) => {
        $crate::__rt::log_fmt($level, ::core::format_args!($($arg)+))
    };
}
#[macro_export]
macro_rules! trace { ($($arg:tt)+) => { $crate::log!($crate::Level::Trace, $($arg)+) }; }
#[macro_export]
macro_rules! debug { ($($arg:tt)+) => { $crate::log!($crate::Level::Debug, $($arg)+) }; }
#[macro_export]
macro_rules! info { ($($arg:tt)+) => { $crate::log!($crate::Level::Info, $($arg)+) }; }
#[macro_export]
macro_rules! warn { ($($arg:tt)+) => { $crate::log!($crate::Level::Warn, $($arg)+) }; }
#[macro_export]
macro_rules! error { ($($arg:tt)+) => { $crate::log!($crate::Level::Error, $($arg)+) }; }

// ---------------------------------------------------------------------------
// Exports (docs/abi.md §3) and metadata (§9)

/// What a `health` handler answers (docs/abi.md §3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Health {
    Healthy = 0,
    Degraded = 1,
    /// `health_failures` such answers in a row restart the component.
    Unhealthy = 2,
}

/// Defines the module's exports, each from a function (or closure) of yours:
///
/// ```ignore
/// wasmhive::component! {
///     init: start,            // fn() -> Result<()>: Err fails the start
///     message: on_message,    // fn(&Message) -> Result<()>: required
///     callback: on_callback,  // fn(&Callback) -> Result<()>
///     shutdown: stop,         // fn()
///     health: check,          // fn() -> Health
/// }
/// ```
///
/// `message` also exports the ABI version marker (`wasmhive_abi_v1`) and
/// announces the SDK's inbox and outbox (docs/abi.md §2). Only `message` is
/// required; the others, in any order, only when you need them (a component
/// without `callback` has the answers to its requests dead-lettered). Use the
/// macro once per component. An `Err(e)` returned by a handler is returned to
/// the host as `e.code()`, a handling error: its storage writes are discarded
/// and a request being handled gets status `TargetError` unless it was
/// answered.
#[macro_export]
macro_rules! component {
    ($($export:ident : $handler:expr),+ $(,)?) => {
        $( $crate::__wasmhive_export!($export, $handler); )+
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __wasmhive_export {
    (message, $f:expr) => {
        const _: () = {
            #[export_name = "wasmhive_abi_v1"]
            extern "C" fn __wasmhive_abi_v1() {}
            #[export_name = "wasmhive_inbox"]
            extern "C" fn __wasmhive_inbox() -> i64 {
                $crate::__rt::announce_inbox()
            }
            #[export_name = "wasmhive_outbox"]
            extern "C" fn __wasmhive_outbox() -> i64 {
                $crate::__rt::announce_outbox()
            }
            #[export_name = "handle_message"]
            extern "C" fn __wasmhive_handle_message(sender_len: i32, payload_len: i32) -> i32 {
                $crate::__rt::handle_message(sender_len, payload_len, $f)
            }
        };
    };
    (callback, $f:expr) => {
        const _: () = {
            #[export_name = "handle_callback"]
            extern "C" fn __wasmhive_handle_callback(
                id: i64,
                status: i32,
                payload_len: i32,
            ) -> i32 {
                $crate::__rt::handle_callback(id, status, payload_len, $f)
            }
        };
    };
    (init, $f:expr) => {
        const _: () = {
            #[export_name = "init"]
            extern "C" fn __wasmhive_init() -> i32 {
                $crate::__rt::init($f)
            }
        };
    };
    (shutdown, $f:expr) => {
        const _: () = {
            #[export_name = "shutdown"]
            extern "C" fn __wasmhive_shutdown() {
                $crate::__rt::shutdown($f)
            }
        };
    };
    (health, $f:expr) => {
        const _: () = {
            #[export_name = "health"]
            extern "C" fn __wasmhive_health() -> i32 {
                $crate::__rt::health($f)
            }
        };
    };
    ($other:ident, $f:expr) => {
        ::core::compile_error!(::core::concat!(
            "wasmhive::component!: unknown export `",
            ::core::stringify!($other),
            "` (expected init, message, callback, shutdown or health)"
        ));
    };
}

/// Describes the component in the custom section `wasmhive_metadata`
/// (docs/abi.md §9), which `wasmhive inspect` shows without running it:
///
/// ```ignore
/// wasmhive::metadata!("name=demo/counter\nversion=1.0.0\nlicense=MIT\n");
/// ```
///
/// The text (a string literal, or a constant `&str` expression such as
/// `concat!(...)`) becomes the section exactly; it takes no linear memory.
/// At most once per component. A module whose metadata breaks the format (a
/// key twice, a control character, a value too long, ...) is refused at load.
#[macro_export]
macro_rules! metadata {
    ($text:expr) => {
        const _: () = {
            const TEXT: &str = $text;
            #[link_section = "wasmhive_metadata"]
            #[used]
            static METADATA: [u8; TEXT.len()] = $crate::__rt::bytes_of(TEXT);
        };
    };
}

/// What the macros expand to. Not part of the API.
#[doc(hidden)]
pub mod __rt {
    use super::{Callback, Health, Level, Message, Result};
    use core::fmt::Write;

    pub fn announce_inbox() -> i64 {
        crate::message::announce_inbox()
    }
    pub fn announce_outbox() -> i64 {
        crate::outbox::announce_outbox()
    }

    fn returned(result: Result<()>) -> i32 {
        match result {
            Ok(()) => 0,
            // Any non-zero return is a handling error; keep the code when it is one.
            Err(e) if e.code() != 0 => e.code(),
            Err(_) => -1,
        }
    }

    pub fn handle_message<F>(sender_len: i32, payload_len: i32, handler: F) -> i32
    where
        F: FnOnce(&Message<'_>) -> Result<()>,
    {
        // SAFETY: called only by the `handle_message` export; the view does
        // not outlive this call.
        match unsafe { crate::message::load_message(sender_len, payload_len) } {
            Ok(message) => returned(handler(&message)),
            Err(e) => returned(Err(e)),
        }
    }

    pub fn handle_callback<F>(id: i64, status: i32, payload_len: i32, handler: F) -> i32
    where
        F: FnOnce(&Callback<'_>) -> Result<()>,
    {
        // SAFETY: called only by the `handle_callback` export; the view does
        // not outlive this call.
        match unsafe { crate::message::load_callback(id, status, payload_len) } {
            Ok(callback) => returned(handler(&callback)),
            Err(e) => returned(Err(e)),
        }
    }

    pub fn init<F: FnOnce() -> Result<()>>(handler: F) -> i32 {
        returned(handler())
    }

    pub fn shutdown<F: FnOnce()>(handler: F) {
        handler()
    }

    pub fn health<F: FnOnce() -> Health>(handler: F) -> i32 {
        handler() as i32
    }

    pub fn log_fmt(level: Level, args: core::fmt::Arguments<'_>) {
        let mut line = crate::Buf::<1024>::new();
        let _ = line.write_fmt(args);
        let _ = crate::log(level, &line);
    }

    /// A string's bytes as an array of its length, for `metadata!`.
    pub const fn bytes_of<const N: usize>(text: &str) -> [u8; N] {
        let bytes = text.as_bytes();
        let mut out = [0u8; N];
        let mut i = 0;
        while i < N {
            out[i] = bytes[i];
            i += 1;
        }
        out
    }
}

/// A panic logs its message at level error (when the component may log) and
/// traps: the call fails and the supervisor restarts the component.
#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    use core::fmt::Write;
    let mut line = Buf::<512>::new();
    let _ = write!(line, "{}", info);
    let _ = log(Level::Error, &line);
    core::arch::wasm32::unreachable()
}
