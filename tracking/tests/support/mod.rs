//! A small HTTP server of the tests' own on 127.0.0.1, for the faults a real MLflow server cannot
//! produce on demand (a 503 storm, a hang, a proxy's login page, an error that echoes the token).
//! Each request is answered by the test's function of what was asked.

#![expect(dead_code, reason = "each test binary uses a part of it")]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// What the fake server was asked.
#[derive(Debug, Clone)]
pub struct Request {
    /// Its number, from 0.
    pub n: usize,
    /// The path, with the query.
    pub path: String,
    /// The `Authorization` header's value, if any.
    pub authorization: Option<String>,
}

/// What the fake server does with a request.
#[derive(Clone)]
pub enum Reply {
    /// Answers with a status, extra header lines (each ending in `\r\n`) and a body.
    Status(u16, &'static str, String),
    /// Holds the connection for 30 s without answering.
    Hang,
}

impl Reply {
    /// A reply with a fixed body.
    pub fn new(status: u16, extra_header: &'static str, body: &str) -> Reply {
        Reply::Status(status, extra_header, body.to_string())
    }
}

type Handler = dyn Fn(&Request) -> Reply + Send + Sync;

/// Serves `reply(request)`; returns the base URL and the request counter.
pub fn serve(
    reply: impl Fn(&Request) -> Reply + Send + Sync + 'static,
) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let count = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&count);
    let reply: Arc<Handler> = Arc::new(reply);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (counter, reply) = (Arc::clone(&counter), Arc::clone(&reply));
            std::thread::spawn(move || handle(stream, &counter, &*reply));
        }
    });
    (url, count)
}

fn handle(stream: TcpStream, counter: &AtomicUsize, reply: &Handler) {
    let mut reader = BufReader::new(stream);
    loop {
        let mut length = 0usize;
        let mut line = String::new();
        let mut path = String::new();
        let mut authorization = None;
        // Request line and headers.
        loop {
            line.clear();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            if line == "\r\n" {
                break;
            }
            if path.is_empty() {
                path = line.split(' ').nth(1).unwrap_or_default().to_string();
            }
            let lower = line.to_ascii_lowercase();
            if let Some(v) = lower.strip_prefix("content-length:") {
                length = v.trim().parse().unwrap_or(0);
            }
            if lower.starts_with("authorization:") {
                authorization = Some(line["authorization:".len()..].trim().to_string());
            }
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let request = Request {
            n: counter.fetch_add(1, Ordering::SeqCst),
            path,
            authorization,
        };
        match reply(&request) {
            Reply::Hang => {
                std::thread::sleep(Duration::from_secs(30));
                return;
            }
            Reply::Status(status, extra_header, body) => {
                let response = format!(
                    "HTTP/1.1 {status} X\r\nContent-Length: {}\r\n{extra_header}\r\n{body}",
                    body.len()
                );
                if reader.get_mut().write_all(response.as_bytes()).is_err() {
                    return;
                }
            }
        }
    }
}
