//! Keeping credentials out of everything kdgat prints or stores: a password written into
//! `MLFLOW_TRACKING_URI` (`http://user:password@host`) is taken out of the URI and sent as basic
//! authentication instead, and [`Redactor`] blanks every form of a secret (the token, the password,
//! the `Authorization` header's encoding) in text that came back from the server or the network
//! stack, such as a server that echoes the token in its error message.

use crate::config::Credentials;

/// What a secret is replaced with.
pub const REDACTED: &str = "<redacted>";

/// `scheme://user:password@host/…` split into the URI without its user part and the decoded user
/// and password (`None` when the URI has no user part). Text that is not a URI comes back whole.
pub(crate) fn split_userinfo(uri: &str) -> (String, Option<(String, String)>) {
    let Some((scheme, rest)) = uri.split_once("://") else {
        return (uri.to_string(), None);
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    let Some((userinfo, host)) = authority.rsplit_once('@') else {
        return (uri.to_string(), None);
    };
    let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
    (
        format!("{scheme}://{host}{path}"),
        Some((percent_decode(user), percent_decode(password))),
    )
}

/// Decodes `%XX` escapes; anything else is kept as written.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Blanks the secrets of one set of credentials out of text.
#[derive(Clone, Default)]
pub(crate) struct Redactor {
    secrets: Vec<String>,
}

impl Redactor {
    /// A redactor for `credentials`: the token; the password, also percent-encoded, and the
    /// base64 `user:password` of a basic `Authorization` header.
    pub fn new(credentials: &Credentials) -> Redactor {
        let mut secrets = match credentials {
            Credentials::None => Vec::new(),
            Credentials::Token(token) => vec![token.clone()],
            Credentials::Basic { username, password } => vec![
                password.clone(),
                percent_encode(password),
                base64(format!("{username}:{password}").as_bytes()),
            ],
        };
        secrets.retain(|s| !s.is_empty());
        // Longest first, so that a secret containing another is blanked whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        secrets.dedup();
        Redactor { secrets }
    }

    /// `text` with every secret replaced by [`REDACTED`].
    pub fn redact(&self, text: &str) -> String {
        self.secrets.iter().fold(text.to_string(), |text, secret| {
            text.replace(secret, REDACTED)
        })
    }
}

/// Percent-encodes everything but unreserved characters (RFC 3986), as a URI's user part has it.
fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Standard base64 with padding (what a basic `Authorization` header carries).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | (u32::from(b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_user_part_is_taken_out_of_a_uri() {
        assert_eq!(
            split_userinfo("http://ann:hun%40ter2@127.0.0.1:5005/mlflow"),
            (
                "http://127.0.0.1:5005/mlflow".to_string(),
                Some(("ann".to_string(), "hun@ter2".to_string()))
            )
        );
        assert_eq!(
            split_userinfo("https://h/x@y"),
            ("https://h/x@y".to_string(), None)
        );
        assert_eq!(split_userinfo("no uri"), ("no uri".to_string(), None));
    }

    #[test]
    fn every_form_of_a_secret_is_blanked() {
        let basic = Redactor::new(&Credentials::Basic {
            username: "ann".into(),
            password: "p@ss".into(),
        });
        // "ann:p@ss" in base64, as an Authorization header carries it.
        let echoed = "bad header Basic YW5uOnBAc3M= for p@ss (p%40ss)";
        assert_eq!(
            basic.redact(echoed),
            "bad header Basic <redacted> for <redacted> (<redacted>)"
        );
        let token = Redactor::new(&Credentials::Token("tok123".into()));
        assert_eq!(
            token.redact("token tok123 expired"),
            "token <redacted> expired"
        );
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b"abc"), "YWJj");
    }
}
