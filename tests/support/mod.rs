//! What the tests that run `scopegate serve` as a process share: a server started on ports it
//! picks, raw requests on a socket (headers exactly as given, duplicates included), and a
//! server killed when dropped.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

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

/// Runs `scopegate` with `args` in `dir`, its two listeners on ports the system picks, and
/// waits until its admin listener says ready. The ports are read from the server's own
/// `listening` event: a port found free beforehand can be taken by another test (or be the
/// same twice) before the server binds it, and the server then never became ready.
pub fn launch(dir: &Path, args: &[String], stdout: Stdio) -> Server {
    use std::io::BufRead;

    let mut child = Command::new(env!("CARGO_BIN_EXE_scopegate"))
        .args(args)
        .args(["--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0"])
        .current_dir(dir)
        .stdout(stdout)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // stderr is read to its end on a thread of its own (a full pipe would block the server);
    // its lines come back here until the listening event, and are kept for a failure's message.
    let (lines, from_server) = std::sync::mpsc::channel();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            let _ = lines.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut said = Vec::new();
    let (port, admin) = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = match from_server.recv_timeout(left) {
            Ok(line) => line,
            Err(_) => {
                let _ = child.kill();
                panic!(
                    "scopegate serve did not start listening; it said:\n{}",
                    said.join("\n")
                );
            }
        };
        let event: Value = serde_json::from_str(&line).unwrap_or(Value::Null);
        if event["event"] == "listening" {
            let port_of = |key: &str| -> u16 {
                let address: std::net::SocketAddr = event[key].as_str().unwrap().parse().unwrap();
                address.port()
            };
            break (port_of("address"), port_of("admin"));
        }
        said.push(line);
    };
    let server = Server { child, port, admin };
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
