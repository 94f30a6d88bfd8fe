//! Echo: answers every request with its payload, byte for byte, and sends any
//! other message back to whoever sent it.
#![no_std]

use wasmhive::{Kind, Message, Result};

fn on_message(msg: &Message) -> Result<()> {
    match msg.kind {
        Kind::Request => wasmhive::reply(msg.payload),
        Kind::Send => wasmhive::send(msg.sender, msg.payload),
        _ => Ok(()),
    }
}

wasmhive::component! { message: on_message }
