//! Counter: a number kept in storage, so it outlives a crash, a restart and
//! the host. Commands, as sends or requests (a request is answered with the
//! count):
//!   "add" or "add N"  adds 1 or N;
//!   "get"             reads it;
//!   "reset"           sets it to 0;
//!   "crash"           panics: the component traps and is restarted, and the
//!                     count is what the last call that returned Ok left.
//! Needs `storage = "read-write"`; logs with `log = "info"`.
#![no_std]

use core::fmt::Write;
use wasmhive::{storage, Buf, Error, Message, Result};

wasmhive::metadata!(
    "name=demo/counter\n\
     version=1.0.0\n\
     description=A count kept in storage: add, get, reset\n"
);

const KEY: &str = "count";

fn start() -> Result<()> {
    let count = storage::get_i64(KEY)?.unwrap_or(0);
    wasmhive::info!("counter starts at {}", count);
    Ok(())
}

fn on_message(msg: &Message) -> Result<()> {
    let text = msg.payload_str().ok_or(Error::Invalid)?;
    let (command, argument) = text.split_once(' ').unwrap_or((text, ""));
    let count = storage::get_i64(KEY)?.unwrap_or(0);
    let count = match command {
        "add" => {
            let n: i64 = match argument {
                "" => 1,
                n => n.parse().map_err(|_| Error::Invalid)?,
            };
            let sum = count.checked_add(n).ok_or(Error::Invalid)?;
            storage::set_i64(KEY, sum)?;
            sum
        }
        "get" => count,
        "reset" => {
            storage::set_i64(KEY, 0)?;
            0
        }
        "crash" => panic!("asked to crash at {}", count),
        _ => return Err(Error::Invalid),
    };
    if msg.is_request() {
        let mut out = Buf::<24>::new();
        let _ = write!(out, "{}", count);
        // Sent once this call's write commits (docs/abi.md §10).
        wasmhive::reply(&out)?;
    }
    Ok(())
}

wasmhive::component! {
    init: start,
    message: on_message,
}
