//! Passwords: argon2id hashing on a bounded set of blocking threads (so a burst of sign-ins never
//! stalls the async runtime or token checks), the pool's password policy with Cognito's messages,
//! and generated temporary passwords that satisfy the policy.

use std::sync::Arc;

use argon2::password_hash::PasswordHash;
use argon2::{Algorithm, Argon2, Params, Version};
use cognate_model::cognito_idp as m;
use rand::Rng as _;
use rand::rngs::OsRng;

use crate::error::{Error, Result};

/// argon2id cost parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Argon2Params {
    /// Memory in KiB.
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl Default for Argon2Params {
    /// OWASP's recommendation for argon2id: 19 MiB, 2 iterations, 1 lane.
    fn default() -> Self {
        Argon2Params { memory_kib: 19 * 1024, iterations: 2, parallelism: 1 }
    }
}

/// Hashes and verifies passwords on a fixed set of worker threads, one per permitted concurrent
/// hash, each reusing its own argon2 memory. Nothing runs on the async runtime, at most
/// `max_concurrent` hashes run at once, and memory stays at `max_concurrent` × the argon2 cost
/// however many sign-ins arrive (allocating afresh per hash on many blocking threads made the
/// allocator keep hundreds of megabytes).
#[derive(Clone)]
pub struct Passwords {
    jobs: std::sync::mpsc::SyncSender<Job>,
    /// A hash of a random password, verified when a user does not exist so that the response
    /// takes as long as a real check (no user enumeration through timing).
    decoy: Arc<String>,
}

enum Work {
    Hash,
    Verify(String),
}

struct Job {
    password: String,
    work: Work,
    reply: tokio::sync::oneshot::Sender<Result<String>>,
}

/// PHC strings use standard base64 without padding.
const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD_NO_PAD;

struct Worker {
    argon: Argon2<'static>,
    params: Argon2Params,
    memory: Vec<argon2::Block>,
}

impl Worker {
    fn hash(&mut self, password: &str) -> Result<String> {
        let mut salt = [0u8; 16];
        rand::RngCore::fill_bytes(&mut OsRng, &mut salt);
        let mut out = [0u8; 32];
        self.argon
            .hash_password_into_with_memory(password.as_bytes(), &salt, &mut out, &mut self.memory)
            .map_err(|e| Error::Internal(anyhow::anyhow!("argon2: {e}")))?;
        let p = self.params;
        Ok(format!(
            "$argon2id$v=19$m={},t={},p={}${}${}",
            p.memory_kib,
            p.iterations,
            p.parallelism,
            base64::Engine::encode(&B64, salt),
            base64::Engine::encode(&B64, out)
        ))
    }

    /// "true" or "false": whether `password` matches the PHC string.
    fn verify(&mut self, password: &str, phc: &str) -> Result<String> {
        let parsed = PasswordHash::new(phc).map_err(|e| Error::Internal(anyhow::anyhow!("stored hash: {e}")))?;
        let expected = parsed.hash.ok_or_else(|| Error::Internal(anyhow::anyhow!("stored hash has no output")))?;
        let p = Params::try_from(&parsed).map_err(|e| Error::Internal(anyhow::anyhow!("stored hash: {e}")))?;
        let mut salt = [0u8; 64];
        let salt = parsed
            .salt
            .ok_or_else(|| Error::Internal(anyhow::anyhow!("stored hash has no salt")))?
            .decode_b64(&mut salt)
            .map_err(|e| Error::Internal(anyhow::anyhow!("stored salt: {e}")))?;
        let mut out = vec![0u8; expected.len()];
        let same_params = p.m_cost() == self.params.memory_kib
            && p.t_cost() == self.params.iterations
            && p.p_cost() == self.params.parallelism;
        let result = if same_params && out.len() == 32 {
            self.argon.hash_password_into_with_memory(password.as_bytes(), salt, &mut out, &mut self.memory)
        } else {
            // A hash made with other parameters (configuration changed since): allocate for it.
            Argon2::new(Algorithm::Argon2id, Version::V0x13, p).hash_password_into(password.as_bytes(), salt, &mut out)
        };
        result.map_err(|e| Error::Internal(anyhow::anyhow!("argon2: {e}")))?;
        let is_match: bool = subtle::ConstantTimeEq::ct_eq(out.as_slice(), expected.as_bytes()).into();
        Ok(is_match.to_string())
    }
}

impl Passwords {
    pub fn new(params: Argon2Params, max_concurrent: usize) -> Result<Self> {
        let p = Params::new(params.memory_kib, params.iterations, params.parallelism, Some(32))
            .map_err(|e| Error::Internal(anyhow::anyhow!("invalid argon2 parameters: {e}")))?;
        let make = || Worker {
            argon: Argon2::new(Algorithm::Argon2id, Version::V0x13, p.clone()),
            params,
            memory: vec![argon2::Block::default(); p.block_count()],
        };
        let mut first = make();
        let decoy_password: String = (0..24).map(|_| char::from(OsRng.gen_range(b'a'..=b'z'))).collect();
        let decoy = first.hash(&decoy_password)?;
        let (jobs, rx) = std::sync::mpsc::sync_channel::<Job>(1024);
        let rx = Arc::new(std::sync::Mutex::new(rx));
        spawn_worker(first, rx.clone())?;
        for _ in 1..max_concurrent.max(1) {
            spawn_worker(make(), rx.clone())?;
        }
        Ok(Passwords { jobs, decoy: Arc::new(decoy) })
    }

    async fn run(&self, password: &str, work: Work) -> Result<String> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let job = Job { password: password.to_string(), work, reply };
        let jobs = self.jobs.clone();
        // The queue is bounded; wait for room off the runtime threads.
        tokio::task::spawn_blocking(move || jobs.send(job))
            .await
            .map_err(|e| Error::Internal(e.into()))?
            .map_err(|_| Error::Internal(anyhow::anyhow!("password workers stopped")))?;
        answer.await.map_err(|_| Error::Internal(anyhow::anyhow!("password worker dropped a job")))?
    }

    /// A PHC-format argon2id hash of `password`.
    pub async fn hash(&self, password: &str) -> Result<String> {
        self.run(password, Work::Hash).await
    }

    /// Whether `password` matches `hash` (a PHC string); with `None`, checks the decoy and
    /// returns false, taking the same time.
    pub async fn verify(&self, password: &str, hash: Option<&str>) -> Result<bool> {
        let is_real = hash.is_some();
        let phc = hash.map_or_else(|| self.decoy.as_str().to_string(), str::to_string);
        let is_match = self.run(password, Work::Verify(phc)).await? == "true";
        Ok(is_match && is_real)
    }
}

fn spawn_worker(mut worker: Worker, rx: Arc<std::sync::Mutex<std::sync::mpsc::Receiver<Job>>>) -> Result<()> {
    std::thread::Builder::new()
        .name("cognate-argon2".into())
        .spawn(move || {
            loop {
                // Holding the lock while waiting is the point: idle workers queue on it.
                let job = match rx.lock() {
                    Ok(guard) => guard.recv(),
                    Err(_) => return,
                };
                let Ok(job) = job else { return };
                let result = match &job.work {
                    Work::Hash => worker.hash(&job.password),
                    Work::Verify(phc) => worker.verify(&job.password, phc),
                };
                let _ = job.reply.send(result);
            }
        })
        .map(drop)
        .map_err(|e| Error::Internal(anyhow::anyhow!("starting a password worker: {e}")))
}

const SYMBOLS: &str = "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- ";

/// Checks `password` against the pool's policy. The error text follows Cognito's
/// ("Password did not conform with policy: Password must have uppercase characters").
pub fn check_policy(policy: Option<&m::PasswordPolicyType>, password: &str) -> std::result::Result<(), String> {
    let fail = |why: &str| Err(format!("Password did not conform with policy: {why}"));
    let min = policy.and_then(|p| p.minimum_length).unwrap_or(8);
    if password.chars().count() < usize::try_from(min).unwrap_or(8) {
        return fail("Password not long enough");
    }
    if password.chars().count() > 256 {
        return fail("Password is too long");
    }
    if policy.and_then(|p| p.require_lowercase).unwrap_or(false) && !password.chars().any(|c| c.is_lowercase()) {
        return fail("Password must have lowercase characters");
    }
    if policy.and_then(|p| p.require_uppercase).unwrap_or(false) && !password.chars().any(|c| c.is_uppercase()) {
        return fail("Password must have uppercase characters");
    }
    if policy.and_then(|p| p.require_numbers).unwrap_or(false) && !password.chars().any(|c| c.is_ascii_digit()) {
        return fail("Password must have numeric characters");
    }
    if policy.and_then(|p| p.require_symbols).unwrap_or(false) && !password.chars().any(|c| SYMBOLS.contains(c)) {
        return fail("Password must have symbol characters");
    }
    Ok(())
}

/// A random temporary password that satisfies the policy.
pub fn temporary_password(policy: Option<&m::PasswordPolicyType>) -> String {
    let len = usize::try_from(policy.and_then(|p| p.minimum_length).unwrap_or(8)).unwrap_or(8).max(12);
    let mut rng = OsRng;
    let pick = |set: &[u8], rng: &mut OsRng| char::from(set[rng.gen_range(0..set.len())]);
    let lower = b"abcdefghijkmnopqrstuvwxyz";
    let upper = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
    let digits = b"23456789";
    let symbols = b"!@#%&*-_=+";
    let mut chars = vec![pick(lower, &mut rng), pick(upper, &mut rng), pick(digits, &mut rng), pick(symbols, &mut rng)];
    let all: Vec<u8> = [&lower[..], &upper[..], &digits[..]].concat();
    while chars.len() < len {
        chars.push(pick(&all, &mut rng));
    }
    // Shuffle so the required classes are not always first.
    for i in (1..chars.len()).rev() {
        let j = rng.gen_range(0..=i);
        chars.swap(i, j);
    }
    chars.into_iter().collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn strict() -> m::PasswordPolicyType {
        m::PasswordPolicyType {
            minimum_length: Some(8),
            require_uppercase: Some(true),
            require_lowercase: Some(true),
            require_numbers: Some(true),
            require_symbols: Some(true),
            ..Default::default()
        }
    }

    #[test]
    fn policy_messages_follow_cognito() {
        let p = strict();
        assert_eq!(
            check_policy(Some(&p), "Ab1!").unwrap_err(),
            "Password did not conform with policy: Password not long enough"
        );
        assert_eq!(
            check_policy(Some(&p), "abcdefg1!").unwrap_err(),
            "Password did not conform with policy: Password must have uppercase characters"
        );
        assert!(check_policy(Some(&p), "Abcdefg1!").is_ok());
        for _ in 0..50 {
            assert!(check_policy(Some(&p), &temporary_password(Some(&p))).is_ok());
        }
    }

    #[tokio::test]
    async fn hashes_verify_and_decoy_fails() {
        let pw = Passwords::new(Argon2Params { memory_kib: 1024, iterations: 1, parallelism: 1 }, 2).unwrap();
        let h = pw.hash("Correct horse 1!").await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(pw.verify("Correct horse 1!", Some(&h)).await.unwrap());
        assert!(!pw.verify("wrong", Some(&h)).await.unwrap());
        assert!(!pw.verify("anything", None).await.unwrap());
    }

    #[tokio::test]
    async fn hashes_are_standard_phc_strings() {
        use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _, SaltString};
        let pw = Passwords::new(Argon2Params { memory_kib: 1024, iterations: 1, parallelism: 1 }, 1).unwrap();
        let ours = pw.hash("pw").await.unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(Argon2::default().verify_password(b"pw", &parsed).is_ok(), "the argon2 crate verifies our hashes");
        let theirs = Argon2::default().hash_password(b"pw", &SaltString::generate(&mut OsRng)).unwrap().to_string();
        assert!(pw.verify("pw", Some(&theirs)).await.unwrap(), "we verify hashes made with other parameters");
        assert!(!pw.verify("no", Some(&theirs)).await.unwrap());
    }
}
