//! What the tests that run `scopegate serve` as a process share: free ports, raw requests on
//! a socket (headers exactly as given, duplicates included), and a server killed when dropped.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A running server, killed when dropped.
pub struct Server {
    pub child: Child,
    pub port: u16,
    pub admin: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `scopegate` with `args` in `dir` and waits until its admin listener says ready.
pub fn launch(dir: &Path, args: &[String], port: u16, admin: u16, stdout: Stdio) -> Server {
    let child = Command::new(env!("CARGO_BIN_EXE_scopegate"))
        .args(args)
        .current_dir(dir)
        .stdout(stdout)
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = Server { child, port, admin };
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if let Ok(r) = request(admin, "GET", "/readyz", &[]) {
            if r.status == 200 {
                return server;
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("scopegate serve did not become ready");
}

#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub head: String,
    pub body: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }

    pub fn code(&self) -> String {
        serde_json::from_str::<Value>(&self.body)
            .ok()
            .and_then(|v| v["code"].as_str().map(str::to_string))
            .unwrap_or_default()
    }
}

/// One request on a fresh connection, headers exactly as given (duplicates included).
pub fn request(
    port: u16,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
) -> std::io::Result<Reply> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut raw = format!("{method} {target} HTTP/1.1\r\nHost: scopegate\r\nConnection: close\r\n");
    for (k, v) in headers {
        raw.push_str(&format!("{k}: {v}\r\n"));
    }
    raw.push_str("\r\n");
    s.write_all(raw.as_bytes())?;
    let mut out = Vec::new();
    s.read_to_end(&mut out)?;
    let text = String::from_utf8_lossy(&out).to_string();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    Ok(Reply {
        status,
        head: head.to_string(),
        body: body.to_string(),
    })
}
