//! A toy login server for a mini program, checked with `authsim::testing::check_backend`.
//! Copy it as the start of your own server's test.
//!
//! ```text
//! cargo run --example login_server --features testing                      # passes
//! cargo run --example login_server --features testing -- --key-by-open-id  # a bug: the counterexample
//! ```
//!
//! The server keeps one account per Alipay `user_id` (across all the company's mini programs)
//! and one session (a refresh token) per account and app. Its login endpoint refuses an empty
//! code itself and passes every gateway refusal on.

use std::collections::HashMap;
use std::process::ExitCode;

use authsim::ids::RefreshToken;
use authsim::testing::{
    AccountId, Backend, BackendConfig, BackendError, GatewayClient, check_backend,
};
use authsim::world::AppId;

/// The server's database.
struct LoginServer {
    /// Accounts by the key the server chose: `user_id` (right) or `open_id` (the bug).
    accounts: HashMap<String, AccountId>,
    /// The session of each (account, app): its latest refresh token.
    sessions: HashMap<(AccountId, AppId), RefreshToken>,
    key_by_open_id: bool,
}

impl LoginServer {
    fn new(key_by_open_id: bool) -> Self {
        LoginServer {
            accounts: HashMap::new(),
            sessions: HashMap::new(),
            key_by_open_id,
        }
    }
}

impl Backend for LoginServer {
    fn login(
        &mut self,
        app: AppId,
        code: &str,
        gateway: &mut dyn GatewayClient,
    ) -> Result<AccountId, BackendError> {
        if code.is_empty() {
            return Err(BackendError::Refused("the page sent no code".into()));
        }
        // One redemption per code: the gateway refuses replays, expired and foreign codes.
        let token = gateway.oauth_token(code)?;
        let key = if self.key_by_open_id {
            token.open_id.to_string() // wrong: an open_id differs per app
        } else {
            token.user_id.to_string()
        };
        let next = AccountId(self.accounts.len() as u64);
        let account = *self.accounts.entry(key).or_insert(next);
        self.sessions.insert((account, app), token.refresh_token);
        Ok(account)
    }

    fn refresh(
        &mut self,
        app: AppId,
        account: AccountId,
        gateway: &mut dyn GatewayClient,
    ) -> Result<(), BackendError> {
        let Some(&token) = self.sessions.get(&(account, app)) else {
            return Err(BackendError::Refused("no session".into()));
        };
        match gateway.refresh_token(token) {
            Ok(fresh) => {
                // A refresh rotates the token: the one just presented is void from now on.
                self.sessions.insert((account, app), fresh.refresh_token);
                Ok(())
            }
            Err(e) => {
                // Revoked, replayed or past its deadline: the session is over.
                self.sessions.remove(&(account, app));
                Err(e.into())
            }
        }
    }

    fn accounts(&self) -> usize {
        self.accounts.len()
    }
}

fn main() -> ExitCode {
    let key_by_open_id = std::env::args().any(|a| a == "--key-by-open-id");
    match check_backend(BackendConfig::default(), || {
        LoginServer::new(key_by_open_id)
    }) {
        Ok(passed) => {
            println!(
                "login server: {} journeys passed, {} consent and code paths reached",
                passed.cases,
                passed.paths.len()
            );
            ExitCode::SUCCESS
        }
        Err(counterexample) => {
            eprintln!("{counterexample}");
            ExitCode::FAILURE
        }
    }
}
