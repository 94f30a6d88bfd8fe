//! The message being handled: its kind, sender, topic and payload, read from
//! the inbox the host writes before each call (docs/abi.md §2), or pulled by
//! import when it did not fit.

use core::ptr::{addr_of, addr_of_mut};

use crate::error::{check, len32, Error, Result};
use crate::raw;

/// Longest name or topic (docs/abi.md §7): 255 bytes, and one to spare.
pub const MAX_NAME: usize = 256;
/// Largest payload always handled. A message whose sender, topic and payload
/// together fit the inbox ([`INBOX_CAPACITY`] bytes) is handled whatever its
/// payload; one that does not is pulled, and refused when its payload is over
/// this: its handler is not called and the call returns [`Error::TooBig`] (a
/// request then gets status `TargetError`).
pub const MAX_PAYLOAD: usize = 65536;
/// Bytes of the inbox's data area, as the C SDK: `2 * MAX_NAME + MAX_PAYLOAD`.
pub const INBOX_CAPACITY: usize = 2 * MAX_NAME + MAX_PAYLOAD;

/// What kind of message this is (`msg_kind()`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// 0: a `send` (or a `broadcast`).
    Send,
    /// 1: a `request`: answer it with [`reply`](crate::reply).
    Request,
    /// 2: a publication on a topic this component subscribed to.
    Publish,
    /// 3: the answer to a request this component made (see [`Callback`]).
    Callback,
    /// 4: a timer this component set with [`send_after`](crate::send_after).
    Timer,
    /// A kind this SDK does not know.
    Other(i32),
}

impl Kind {
    pub const fn from_code(code: i32) -> Kind {
        match code {
            0 => Kind::Send,
            1 => Kind::Request,
            2 => Kind::Publish,
            3 => Kind::Callback,
            4 => Kind::Timer,
            other => Kind::Other(other),
        }
    }
    pub const fn code(self) -> i32 {
        match self {
            Kind::Send => 0,
            Kind::Request => 1,
            Kind::Publish => 2,
            Kind::Callback => 3,
            Kind::Timer => 4,
            Kind::Other(code) => code,
        }
    }
}

/// A message delivered to `handle_message`. The slices live in the SDK's inbox:
/// they are valid until the handler returns.
#[derive(Clone, Copy, Debug)]
pub struct Message<'a> {
    pub kind: Kind,
    /// The sender's name (`@host` for the host application; its own name for a timer).
    pub sender: &'a [u8],
    /// The topic of a publication; empty for every other kind.
    pub topic: &'a [u8],
    pub payload: &'a [u8],
}

impl<'a> Message<'a> {
    pub fn is_request(&self) -> bool {
        self.kind == Kind::Request
    }
    /// The sender's name as text (names are printable ASCII, docs/abi.md §7).
    pub fn sender_str(&self) -> &'a str {
        core::str::from_utf8(self.sender).unwrap_or("")
    }
    /// The topic as text (empty unless a publication).
    pub fn topic_str(&self) -> &'a str {
        core::str::from_utf8(self.topic).unwrap_or("")
    }
    /// The payload as text, if it is UTF-8.
    pub fn payload_str(&self) -> Option<&'a str> {
        core::str::from_utf8(self.payload).ok()
    }
}

/// The outcome of a request (docs/abi.md §6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    /// 0: the payload is the reply.
    Ok,
    /// 1: no reply within the request's timeout.
    Timeout,
    /// 2: the target trapped, failed, or returned without replying.
    TargetError,
    /// 3: no such target, it stopped, or the host shut down.
    UnknownTarget,
    /// 4: no `send` grant matches the target.
    Denied,
    /// A status this SDK does not know.
    Other(i32),
}

impl Status {
    pub const fn from_code(code: i32) -> Status {
        match code {
            0 => Status::Ok,
            1 => Status::Timeout,
            2 => Status::TargetError,
            3 => Status::UnknownTarget,
            4 => Status::Denied,
            other => Status::Other(other),
        }
    }
    pub const fn code(self) -> i32 {
        match self {
            Status::Ok => 0,
            Status::Timeout => 1,
            Status::TargetError => 2,
            Status::UnknownTarget => 3,
            Status::Denied => 4,
            Status::Other(code) => code,
        }
    }
}

/// A request's correlation id, as [`request`](crate::request) returned it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RequestId(pub i64);

/// The answer to a request, delivered to `handle_callback`. The slices are
/// valid until the handler returns.
#[derive(Clone, Copy, Debug)]
pub struct Callback<'a> {
    pub id: RequestId,
    pub status: Status,
    /// The name of the component the request went to.
    pub target: &'a [u8],
    /// The reply when `status` is `Ok`; empty otherwise.
    pub payload: &'a [u8],
}

impl<'a> Callback<'a> {
    pub fn target_str(&self) -> &'a str {
        core::str::from_utf8(self.target).unwrap_or("")
    }
    pub fn payload_str(&self) -> Option<&'a str> {
        core::str::from_utf8(self.payload).ok()
    }
}

/// The inbox's layout (docs/abi.md §2): a header of little-endian `u32`s, then
/// the data area. The host writes it before each `handle_message` and
/// `handle_callback`; the SDK only reads it, and only in those calls.
#[repr(C)]
struct Inbox {
    filled: u32,
    kind: u32,
    sender_len: u32,
    topic_len: u32,
    payload_len: u32,
    data: [u8; INBOX_CAPACITY],
}

static mut INBOX: Inbox = Inbox {
    filled: 0,
    kind: 0,
    sender_len: 0,
    topic_len: 0,
    payload_len: 0,
    data: [0; INBOX_CAPACITY],
};

/// The `wasmhive_inbox` export's value: capacity in the high 32 bits, address in the low.
pub(crate) fn announce_inbox() -> i64 {
    // SAFETY: only the address is taken.
    let address = unsafe { addr_of!(INBOX) } as usize as u64;
    ((INBOX_CAPACITY as u64) << 32 | address) as i64
}

fn data_ptr() -> *mut u8 {
    // SAFETY: only the address is taken.
    unsafe { addr_of_mut!(INBOX.data) as *mut u8 }
}

/// `len` bytes of the data area from `offset`, for the rest of the export call.
///
/// SAFETY: `offset + len <= INBOX_CAPACITY`, and nothing writes the inbox until
/// the export call returns (the host writes it only before the call; the SDK
/// pulls into it only before handing out a view).
unsafe fn data<'a>(offset: usize, len: usize) -> &'a [u8] {
    core::slice::from_raw_parts(data_ptr().add(offset) as *const u8, len)
}

/// The header the host wrote, if it says the data area holds the message:
/// (kind, sender_len, topic_len, payload_len).
fn filled_header() -> Option<(u32, usize, usize, usize)> {
    // SAFETY: plain reads of the header the host wrote before this call.
    let (filled, kind, sender, topic, payload) = unsafe {
        (
            addr_of!(INBOX.filled).read_volatile(),
            addr_of!(INBOX.kind).read_volatile(),
            addr_of!(INBOX.sender_len).read_volatile() as usize,
            addr_of!(INBOX.topic_len).read_volatile() as usize,
            addr_of!(INBOX.payload_len).read_volatile() as usize,
        )
    };
    let fits = sender <= INBOX_CAPACITY
        && topic <= INBOX_CAPACITY - sender
        && payload <= INBOX_CAPACITY - sender - topic;
    if filled == 1 && fits {
        Some((kind, sender, topic, payload))
    } else {
        None
    }
}

/// Pulls `len` bytes with `pull` into the data area at `offset` (at most `cap`).
///
/// SAFETY: `offset + cap <= INBOX_CAPACITY`; called before any view of the
/// inbox is handed out in this export call.
unsafe fn pull_into<'a>(
    pull: unsafe extern "C" fn(*mut u8, i32) -> i32,
    offset: usize,
    cap: usize,
) -> Result<&'a [u8]> {
    let n = check(pull(data_ptr().add(offset), len32(cap)))? as usize;
    Ok(data(offset, n.min(cap)))
}

/// The current message, from the inbox or pulled. For the SDK's `handle_message`.
///
/// SAFETY: only inside `handle_message`; the view is used until it returns.
pub(crate) unsafe fn load_message<'a>(sender_len: i32, payload_len: i32) -> Result<Message<'a>> {
    if let Some((kind, sender, topic, payload)) = filled_header() {
        return Ok(Message {
            kind: Kind::from_code(kind as i32),
            sender: data(0, sender),
            topic: data(sender, topic),
            payload: data(sender + topic, payload),
        });
    }
    if sender_len < 0
        || sender_len as usize > MAX_NAME
        || payload_len < 0
        || payload_len as usize > MAX_PAYLOAD
    {
        return Err(Error::TooBig);
    }
    let kind = Kind::from_code(check(raw::msg_kind())? as i32);
    let sender = pull_into(raw::msg_sender, 0, sender_len as usize)?;
    let topic = if kind == Kind::Publish {
        pull_into(raw::msg_topic, MAX_NAME, MAX_NAME)?
    } else {
        data(MAX_NAME, 0)
    };
    let payload = pull_into(raw::msg_payload, 2 * MAX_NAME, payload_len as usize)?;
    Ok(Message {
        kind,
        sender,
        topic,
        payload,
    })
}

/// The current callback's target and payload. For the SDK's `handle_callback`.
///
/// SAFETY: only inside `handle_callback`; the view is used until it returns.
pub(crate) unsafe fn load_callback<'a>(
    id: i64,
    status: i32,
    payload_len: i32,
) -> Result<Callback<'a>> {
    let (target, payload) = if let Some((_, sender, topic, payload)) = filled_header() {
        (data(0, sender), data(sender + topic, payload))
    } else {
        if payload_len < 0 || payload_len as usize > MAX_PAYLOAD {
            return Err(Error::TooBig);
        }
        let target = pull_into(raw::msg_sender, 0, MAX_NAME)?;
        let payload = pull_into(raw::msg_payload, 2 * MAX_NAME, payload_len as usize)?;
        (target, payload)
    };
    Ok(Callback {
        id: RequestId(id),
        status: Status::from_code(status),
        target,
        payload,
    })
}

/// Pulling the current message by import (`msg_kind`, `msg_sender`,
/// `msg_topic`, `msg_payload`), into buffers of your own. Handlers need none
/// of this: the SDK hands them the message. Outside `handle_message` and
/// `handle_callback` each returns [`Error::State`].
pub mod pull {
    use super::Kind;
    use crate::error::{check, len32, Result};
    use crate::raw;

    /// The current message's kind.
    pub fn kind() -> Result<Kind> {
        // SAFETY: the import takes no pointer.
        check(unsafe { raw::msg_kind() }).map(|k| Kind::from_code(k as i32))
    }
    /// The sender's name, copied into `buf`; [`Error::Range`](crate::Error::Range) if it does not fit.
    pub fn sender(buf: &mut [u8]) -> Result<&[u8]> {
        // SAFETY: the host writes at most `buf.len()` bytes into `buf`.
        let n = check(unsafe { raw::msg_sender(buf.as_mut_ptr(), len32(buf.len())) })?;
        Ok(&buf[..n as usize])
    }
    /// The topic (empty unless a publication), copied into `buf`.
    pub fn topic(buf: &mut [u8]) -> Result<&[u8]> {
        // SAFETY: as for `sender`.
        let n = check(unsafe { raw::msg_topic(buf.as_mut_ptr(), len32(buf.len())) })?;
        Ok(&buf[..n as usize])
    }
    /// The payload, copied into `buf`.
    pub fn payload(buf: &mut [u8]) -> Result<&[u8]> {
        // SAFETY: as for `sender`.
        let n = check(unsafe { raw::msg_payload(buf.as_mut_ptr(), len32(buf.len())) })?;
        Ok(&buf[..n as usize])
    }
}
