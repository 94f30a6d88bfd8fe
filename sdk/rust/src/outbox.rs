//! The outbox (docs/abi.md §2): `send`, `reply` and `publish` queue their
//! message here when it fits, and the host sends the queue when the export
//! call returns, or before the next import that sends, so order is kept: one
//! host call less per message.

use core::ptr::{addr_of, addr_of_mut};

/// Bytes of the outbox's record area, as the C SDK's `WH_OUTBOX_CAPACITY`.
pub const OUTBOX_CAPACITY: usize = 4096;
const RECORD_HEADER: usize = 12;

pub(crate) const OP_SEND: u32 = 0;
pub(crate) const OP_REPLY: u32 = 1;
pub(crate) const OP_PUBLISH: u32 = 2;

#[repr(C)]
struct Outbox {
    /// Bytes of records in `data`; the host sets it back to 0 when it sends them.
    used: u32,
    data: [u8; OUTBOX_CAPACITY],
}

static mut OUTBOX: Outbox = Outbox {
    used: 0,
    data: [0; OUTBOX_CAPACITY],
};

/// Whether the host asked where the outbox is. A host that does not know the
/// outbox never asks, and then every message goes by import.
static mut ASKED: bool = false;

/// The `wasmhive_outbox` export's value: capacity in the high 32 bits, address
/// in the low. The host calls it once per instance, before `init`.
pub(crate) fn announce_outbox() -> i64 {
    // SAFETY: the host never re-enters the module, so nothing else runs.
    unsafe { addr_of_mut!(ASKED).write_volatile(true) };
    // SAFETY: only the address is taken.
    let address = unsafe { addr_of!(OUTBOX) } as usize as u64;
    ((OUTBOX_CAPACITY as u64) << 32 | address) as i64
}

/// Queues one record; false if the host takes no outbox or it does not fit
/// (then the caller calls the import).
pub(crate) fn put(op: u32, name: &[u8], payload: &[u8]) -> bool {
    // SAFETY: one export call at a time, and the host changes `used` only
    // inside an import or between export calls, never while this runs. The
    // bytes written lie inside `data`: checked against the room left.
    unsafe {
        if !addr_of!(ASKED).read_volatile() {
            return false;
        }
        let used_ptr = addr_of_mut!(OUTBOX.used);
        let used = used_ptr.read_volatile() as usize;
        if used > OUTBOX_CAPACITY {
            return false;
        }
        let room = OUTBOX_CAPACITY - used;
        if room < RECORD_HEADER
            || name.len() > room - RECORD_HEADER
            || payload.len() > room - RECORD_HEADER - name.len()
        {
            return false;
        }
        let at = (addr_of_mut!(OUTBOX.data) as *mut u8).add(used);
        let header = [op, name.len() as u32, payload.len() as u32];
        for (i, field) in header.iter().enumerate() {
            core::ptr::copy_nonoverlapping(field.to_le_bytes().as_ptr(), at.add(4 * i), 4);
        }
        core::ptr::copy_nonoverlapping(name.as_ptr(), at.add(RECORD_HEADER), name.len());
        core::ptr::copy_nonoverlapping(
            payload.as_ptr(),
            at.add(RECORD_HEADER + name.len()),
            payload.len(),
        );
        used_ptr.write_volatile((used + RECORD_HEADER + name.len() + payload.len()) as u32);
    }
    true
}
