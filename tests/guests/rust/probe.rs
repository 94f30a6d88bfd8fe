//! Probe: the Rust SDK's API surface the examples leave out, one command per
//! request, each answered with what the SDK returned ("ok", a value, or
//! "err <name>"), so a test can drive every binding against the real host.
//! Sends, publications, timers and callbacks it gets are reported to "@host".
#![no_std]

use core::fmt::Write;
use wasmhive::{
    pull, storage, Buf, Callback, Error, Health, Kind, Level, Message, RequestId, Result, TimerId,
};

wasmhive::metadata!(concat!(
    "name=tests/probe\n",
    "version=0.1.0\n",
    "authors=wasmhive\n"
));

type Out = Buf<1024>;

static mut UNHEALTHY: bool = false;

fn unhealthy() -> bool {
    // SAFETY: one export call at a time; a bool read.
    unsafe { core::ptr::addr_of!(UNHEALTHY).read() }
}

fn set_unhealthy() {
    // SAFETY: as above.
    unsafe { core::ptr::addr_of_mut!(UNHEALTHY).write(true) }
}

fn tell_host(out: &Out) -> Result<()> {
    wasmhive::send("@host", out)
}

/// "ok", "<value>" or "err <name>".
fn outcome<T: core::fmt::Display>(out: &mut Out, result: Result<T>) {
    let _ = match result {
        Ok(value) => write!(out, "{}", value),
        Err(e) => write!(out, "err {}", e.name()),
    };
}

fn unit(out: &mut Out, result: Result<()>) {
    outcome(out, result.map(|()| "ok"));
}

fn number(text: &str) -> Result<i64> {
    text.parse().map_err(|_| Error::Invalid)
}

fn start() -> Result<()> {
    let mut value = [0u8; 64];
    if let Some(pattern) = wasmhive::config_get("subscribe", &mut value)? {
        wasmhive::subscribe(pattern)?;
    }
    // No message is current in init.
    let mut out = Out::new();
    let _ = write!(out, "init kind ");
    outcome(&mut out, pull::kind().map(|k| k.code()));
    tell_host(&out)
}

fn on_message(msg: &Message) -> Result<()> {
    let mut out = Out::new();
    match msg.kind {
        Kind::Request => {}
        Kind::Publish => {
            let _ = write!(
                out,
                "publication {} from {}: ",
                msg.topic_str(),
                msg.sender_str()
            );
            out.push(msg.payload);
            return tell_host(&out);
        }
        Kind::Timer => {
            let _ = write!(out, "timer from {}: ", msg.sender_str());
            out.push(msg.payload);
            return tell_host(&out);
        }
        _ => {
            let _ = write!(out, "message from {}: ", msg.sender_str());
            out.push(msg.payload);
            return tell_host(&out);
        }
    }
    let text = msg.payload_str().ok_or(Error::Invalid)?;
    let (command, rest) = text.split_once(' ').unwrap_or((text, ""));
    let (first, second) = rest.split_once(' ').unwrap_or((rest, ""));
    match command {
        "self" => {
            let mut name = [0u8; wasmhive::MAX_NAME];
            let mut tiny = [0u8; 2];
            let _ = write!(
                out,
                "{} ",
                core::str::from_utf8(wasmhive::self_id(&mut name)?).unwrap_or("?")
            );
            outcome(&mut out, wasmhive::self_id(&mut tiny).map(|n| n.len()));
        }
        "pull" => {
            // The pull imports see the message the SDK handed over.
            let mut sender = [0u8; wasmhive::MAX_NAME];
            let mut payload = [0u8; 64];
            let mut tiny = [0u8; 1];
            let same = pull::kind()? == msg.kind
                && pull::sender(&mut sender)? == msg.sender
                && pull::payload(&mut payload)? == msg.payload
                && pull::topic(&mut sender)?.is_empty();
            let _ = write!(out, "same {} ", same);
            outcome(&mut out, pull::payload(&mut tiny).map(|p| p.len()));
        }
        "config" => {
            let mut value = [0u8; 64];
            match wasmhive::config_get(first, &mut value) {
                Ok(Some(value)) => {
                    out.push(value);
                }
                Ok(None) => {
                    let _ = write!(out, "none");
                }
                Err(e) => outcome::<u8>(&mut out, Err(e)),
            }
            let mut tiny = [0u8; 1];
            let _ = write!(out, " ");
            outcome(
                &mut out,
                wasmhive::config_get(first, &mut tiny).map(|v| v.is_some()),
            );
        }
        "log" => {
            let level = match first {
                "trace" => Level::Trace,
                "debug" => Level::Debug,
                "info" => Level::Info,
                "warn" => Level::Warn,
                _ => Level::Error,
            };
            unit(&mut out, wasmhive::log(level, second));
            wasmhive::warn!("formatted {} {}", first, second.len());
        }
        "clock" => {
            let now = wasmhive::now_ms()?;
            let a = wasmhive::monotonic_ns()?;
            let b = wasmhive::monotonic_ns()?;
            let _ = write!(out, "now>0 {} ordered {}", now > 0, b >= a);
        }
        "clock-denied" => outcome(&mut out, wasmhive::now_ms()),
        "subscribe" => unit(&mut out, wasmhive::subscribe(first)),
        "unsubscribe" => unit(&mut out, wasmhive::unsubscribe(first)),
        "publish" => unit(&mut out, wasmhive::publish(first, second)),
        "publish-checked" => outcome(&mut out, wasmhive::publish_checked(first, second)),
        "send" => unit(&mut out, wasmhive::send(first, second)),
        "send-checked" => unit(&mut out, wasmhive::send_checked(first, second)),
        "broadcast" => {
            let mut targets = Buf::<256>::new();
            for name in first.split(',') {
                targets.push(name);
                targets.push("\n");
            }
            outcome(&mut out, wasmhive::broadcast(&targets, second));
        }
        "request" => {
            // request <target> <timeout_ms> [payload]
            let (timeout, payload) = second.split_once(' ').unwrap_or((second, ""));
            let timeout = number(timeout)? as u32;
            outcome(
                &mut out,
                wasmhive::request(first, payload, timeout).map(|id| id.0),
            );
        }
        "cancel" => unit(&mut out, wasmhive::cancel(RequestId(number(first)?))),
        "timer" => {
            let delay = number(first)? as u32;
            outcome(&mut out, wasmhive::send_after(delay, second).map(|id| id.0));
        }
        "cancel-timer" => unit(&mut out, wasmhive::cancel_timer(TimerId(number(first)?))),
        "put" => unit(&mut out, storage::set(first, second)),
        "get" => {
            let mut value = [0u8; 64];
            match storage::get(first, &mut value)? {
                Some(value) => {
                    out.push(value);
                }
                None => {
                    let _ = write!(out, "none");
                }
            }
        }
        "exists" => match storage::exists(first)? {
            Some(len) => {
                let _ = write!(out, "{}", len);
            }
            None => {
                let _ = write!(out, "none");
            }
        },
        "delete" => outcome(&mut out, storage::delete(first)),
        "list" => {
            // A small buffer, so a few keys take several pages.
            let mut keys = storage::list(first);
            let mut page = [0u8; 24];
            let mut pages = 0;
            while let Some(keys_of_page) = keys.next_page(&mut page)? {
                pages += 1;
                for key in keys_of_page {
                    out.push(key);
                    out.push(",");
                }
            }
            let _ = write!(out, " pages {}", pages);
        }
        "usage" => {
            for field in [
                storage::Usage::Bytes,
                storage::Usage::Keys,
                storage::Usage::QuotaBytes,
                storage::Usage::QuotaKeys,
            ] {
                outcome(&mut out, storage::usage(field));
                out.push(" ");
            }
        }
        "reply-twice" => {
            wasmhive::reply_checked("first")?;
            let mut report = Out::new();
            let _ = write!(report, "second reply: ");
            unit(&mut report, wasmhive::reply_checked("second"));
            return tell_host(&report);
        }
        "fail" => return Err(Error::Limit),
        "panic" => panic!("probe asked to panic"),
        "unhealthy" => {
            set_unhealthy();
            let _ = write!(out, "ok");
        }
        "error" => {
            for code in [-1, -3, -7, -8, -11, -12] {
                let _ = write!(out, "{} ", Error::from_code(code));
            }
        }
        _ => return Err(Error::Invalid),
    }
    wasmhive::reply(&out)
}

fn on_callback(cb: &Callback) -> Result<()> {
    let mut out = Out::new();
    let _ = write!(
        out,
        "callback {} {:?} from {}: ",
        cb.id.0,
        cb.status,
        cb.target_str()
    );
    out.push(cb.payload);
    tell_host(&out)
}

fn stop() {
    let mut out = Out::new();
    out.push("shutdown");
    let _ = wasmhive::send_checked("@host", &out);
}

fn check() -> Health {
    if unhealthy() {
        Health::Unhealthy
    } else {
        Health::Healthy
    }
}

wasmhive::component! {
    message: on_message,
    callback: on_callback,
    init: start,
    shutdown: stop,
    health: check,
}
