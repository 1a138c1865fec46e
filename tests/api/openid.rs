//! `OpenIdProvider`: a real OpenID provider on loopback for the identity tests — the npm package
//! `oidc-provider` (OpenID Certified), run by `tests/identity/provider.mjs` from the pinned
//! install `cargo xtask ci` makes in `target/identity` (`cargo xtask identity-provider` makes
//! only that). It serves discovery and its JWKS and signs the access tokens the tests send; its
//! private keys (made by Node's crypto) are also readable here, so a test can forge what no
//! provider would issue (a `crit` header, an `nbf`, another `iss`, an unpublished `kid`) with
//! `jsonwebtoken`'s own encoder. It can be stopped, restarted on the same port, and rotated to a
//! new key set.

use std::{
    io::{BufRead, BufReader, Read},
    path::PathBuf,
    process::{Child, Command, Stdio},
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

/// The audience the provider's tokens carry unless a sign-in names another.
pub const AUDIENCE: &str = "rollcall-api";

/// Every algorithm the provider signs with (one key each).
pub const ALGORITHMS: [&str; 7] = [
    "RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA",
];

/// One of the provider's keys, private half included.
#[derive(Debug, Clone)]
pub struct ProviderKey {
    pub alg: String,
    pub kid: String,
    pub pem: String,
    pub public_pem: String,
}

pub struct OpenIdProvider {
    child: Option<Child>,
    pub issuer: String,
    port: u16,
    dir: PathBuf,
    keys_file: PathBuf,
    pub keys: Vec<ProviderKey>,
    max_age: Option<u64>,
    http: reqwest::Client,
}

/// What a sign-in asks the provider to put in its token.
pub struct SignIn {
    pub subject: String,
    pub claims: Value,
    pub alg: &'static str,
    pub audience: String,
    pub ttl_seconds: u64,
}

impl SignIn {
    /// `subject` with a verified `email`, RS256, for an hour.
    pub fn verified(subject: &str, email: &str) -> Self {
        Self {
            subject: subject.to_owned(),
            claims: json!({"email": email, "email_verified": true, "given_name": "Ada", "family_name": "Lovelace"}),
            alg: "RS256",
            audience: AUDIENCE.to_owned(),
            ttl_seconds: 3600,
        }
    }
}

/// The node_modules holding oidc-provider: `ROLLCALL_TEST_IDENTITY_MODULES`, else
/// `$CARGO_TARGET_DIR/identity/node_modules` (`target/` of the workspace by default).
fn modules() -> PathBuf {
    if let Ok(dir) = std::env::var("ROLLCALL_TEST_IDENTITY_MODULES") {
        return PathBuf::from(dir);
    }
    let workspace = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate is in the workspace")
        .to_path_buf();
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|t| {
            if t.is_absolute() {
                t
            } else {
                workspace.join(t)
            }
        })
        .unwrap_or_else(|_| workspace.join("target"));
    target.join("identity").join("node_modules")
}

impl OpenIdProvider {
    /// A provider with a new key set, on a free port.
    pub fn start() -> Self {
        Self::start_with(None)
    }

    /// A provider whose JWKS answers `Cache-Control: max-age=<max_age>`.
    pub fn start_with(max_age: Option<u64>) -> Self {
        let dir = std::env::temp_dir().join(format!("rollcall-oidc-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("a temporary directory");
        let mut provider = Self {
            child: None,
            issuer: String::new(),
            port: 0,
            keys_file: dir.join("keys-1.json"),
            dir,
            keys: Vec::new(),
            max_age,
            // No idle connections: the provider is killed and restarted under the same port.
            http: reqwest::Client::builder()
                .pool_max_idle_per_host(0)
                .build()
                .expect("an HTTP client"),
        };
        provider.launch();
        provider
    }

    /// Starts the provider and reads where it listens; a start that says nothing within 20 s is
    /// killed and tried again (twice), since Node can hang while making keys.
    fn launch(&mut self) {
        let modules = modules();
        assert!(
            modules.join("oidc-provider").exists(),
            "the OpenID provider the identity tests use is not installed in {}: run `cargo xtask identity-provider` (or `cargo xtask ci`), which installs tests/identity/package-lock.json there",
            modules.display()
        );
        for _ in 0..3 {
            let (mut child, started) = self.spawn(&modules);
            match started.recv_timeout(Duration::from_secs(20)) {
                Ok(line) if !line.is_empty() => {
                    self.child = Some(child);
                    return self.started(&line);
                }
                _ => {
                    let _ = child.kill();
                    let _ = child.wait();
                }
            }
        }
        panic!(
            "the OpenID provider did not say where it listens, three times; its log: {}",
            std::fs::read_to_string(self.dir.join("provider.log")).unwrap_or_default()
        );
    }

    fn spawn(&self, modules: &std::path::Path) -> (Child, std::sync::mpsc::Receiver<String>) {
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("identity")
            .join("provider.mjs");
        let mut command = Command::new("node");
        command
            .arg(script)
            .arg("--modules")
            .arg(modules)
            .arg("--keys")
            .arg(&self.keys_file)
            .arg("--port")
            .arg(self.port.to_string())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(self.dir.join("provider.log")).expect("a log file"));
        if let Some(max_age) = self.max_age {
            command.arg("--max-age").arg(max_age.to_string());
        }
        let mut child = command
            .spawn()
            .expect("node runs (Node.js 20+ must be installed)");
        let stdout = child.stdout.take().expect("stdout is piped");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            // Read to the end, so the provider never writes into a closed pipe.
            let mut lines = BufReader::new(stdout).lines().map_while(Result::ok);
            let _ = tx.send(lines.next().unwrap_or_default());
            lines.for_each(drop);
        });
        (child, rx)
    }

    /// Takes in what the provider printed once listening, and the keys it wrote.
    fn started(&mut self, line: &str) {
        let ready: Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("the OpenID provider printed {line:?}: {e}"));
        self.issuer = ready["issuer"].as_str().expect("an issuer").to_owned();
        self.port = self
            .issuer
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .expect("a port");
        let keys: Value = serde_json::from_str(
            &std::fs::read_to_string(&self.keys_file).expect("the provider wrote its keys"),
        )
        .expect("the provider's keys");
        let text = |k: &Value, name: &str| k[name].as_str().expect(name).to_owned();
        self.keys = keys
            .as_array()
            .expect("a list of keys")
            .iter()
            .map(|k| ProviderKey {
                alg: text(k, "alg"),
                kid: text(k, "kid"),
                pem: text(k, "pem"),
                public_pem: text(k, "publicPem"),
            })
            .collect();
    }

    /// The JWKS URL (what discovery names).
    pub fn jwks_url(&self) -> String {
        format!("{}/jwks", self.issuer)
    }

    /// Stops the provider (SIGKILL): nothing answers on its port.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Stops the provider and leaves its port taking connections that are never answered, as a
    /// provider behind a firewall that drops what it is sent.
    pub fn go_silent(&mut self) -> Silence {
        self.stop();
        let listener = std::net::TcpListener::bind(("127.0.0.1", self.port))
            .expect("the stopped provider's port can be taken again");
        let silence = Silence::default();
        let (accepted, closed) = (silence.accepted.clone(), silence.closed.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                accepted.fetch_add(1, Ordering::SeqCst);
                let closed = closed.clone();
                std::thread::spawn(move || {
                    let mut buf = [0u8; 4096];
                    while matches!(stream.read(&mut buf), Ok(n) if n > 0) {}
                    closed.fetch_add(1, Ordering::SeqCst);
                });
            }
        });
        silence
    }

    /// Starts it again on the same port with the same keys.
    pub fn restart(&mut self) {
        self.stop();
        self.launch();
    }

    /// Starts it again on the same port with a new key set (new `kid`s), as a provider that
    /// rotates its keys.
    pub fn rotate(&mut self) {
        self.stop();
        self.keys_file = self.dir.join(format!("keys-{}.json", uuid::Uuid::new_v4()));
        self.launch();
    }

    /// A token the provider signs for `sign_in`, through its token endpoint.
    pub async fn token(&self, sign_in: &SignIn) -> String {
        let ttl = sign_in.ttl_seconds.to_string();
        let claims = sign_in.claims.to_string();
        let res = self
            .http
            .post(format!("{}/token", self.issuer))
            .form(&[
                ("grant_type", "urn:rollcall:test:sign-in"),
                ("client_id", "rollcall-tests"),
                ("client_secret", "rollcall-tests-secret"),
                ("subject", sign_in.subject.as_str()),
                ("alg", sign_in.alg),
                ("audience", sign_in.audience.as_str()),
                ("ttl", ttl.as_str()),
                ("claims", claims.as_str()),
            ])
            .send()
            .await
            .expect("the provider's token endpoint answers");
        let status = res.status();
        let body: Value = res.json().await.expect("a JSON answer");
        assert!(status.is_success(), "the provider refused: {body}");
        body["access_token"]
            .as_str()
            .expect("an access token")
            .to_owned()
    }

    /// How many times the provider's JWKS was fetched since it (re)started.
    pub async fn jwks_hits(&self) -> u64 {
        let body: Value = self
            .http
            .get(format!("{}/test/jwks-hits", self.issuer))
            .send()
            .await
            .expect("the provider answers")
            .json()
            .await
            .expect("JSON");
        body["hits"].as_u64().expect("a count")
    }

    /// The provider's key for `alg`.
    pub fn key(&self, alg: &str) -> &ProviderKey {
        self.keys
            .iter()
            .find(|k| k.alg == alg)
            .unwrap_or_else(|| panic!("the provider has an {alg} key"))
    }

    /// A token signed by `jsonwebtoken` with the provider's RS256 key: `header` as given (its
    /// `kid` the key's unless set), `claims` merged over the provider's usual ones (`iss`, `aud`,
    /// `exp` an hour after `now`, `iat`).
    pub fn forge(&self, header: Header, claims: Value, now: i64) -> String {
        let key = self.key("RS256");
        let mut all = json!({"iss": self.issuer, "aud": AUDIENCE, "iat": now, "exp": now + 3600});
        all.as_object_mut()
            .unwrap()
            .extend(claims.as_object().expect("claims are an object").clone());
        let header = Header {
            kid: header.kid.or_else(|| Some(key.kid.clone())),
            ..header
        };
        let encoding = EncodingKey::from_rsa_pem(key.pem.as_bytes()).expect("a PKCS#8 RSA key");
        jsonwebtoken::encode(&header, &all, &encoding).expect("signed")
    }

    /// An RS256 header.
    pub fn rs256() -> Header {
        Header::new(Algorithm::RS256)
    }
}

impl Drop for OpenIdProvider {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// What a silent provider's port saw: connections taken, and those the client gave up on.
#[derive(Default)]
pub struct Silence {
    accepted: Arc<AtomicUsize>,
    closed: Arc<AtomicUsize>,
}

impl Silence {
    pub fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }

    /// Connections the client closed (its fetch ended, by its timeout).
    pub fn closed(&self) -> usize {
        self.closed.load(Ordering::SeqCst)
    }
}
