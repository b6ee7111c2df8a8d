//! Plays one journey against a fresh server and a fresh simulated platform, checking the
//! enabled properties after every action and writing down what happened.

use std::collections::{BTreeMap, BTreeSet};

use super::backend::{AccountId, Backend, BackendError, GatewayClient, Pages};
use super::journey::{Action, ConsentPath, Delivery, forged_text, next_app};
use super::properties::Property;
use crate::call::{Container, Decision, Lifecycle, Network, Page};
use crate::error_codes::UNMATCHED_APP_ID;
use crate::explore::SmallWorld;
use crate::gateway::CodeState;
use crate::ids::{AccessToken, AlipayUserId, AuthCode, RefreshToken};
use crate::payload::{GatewayErrorBody, OauthTokenBody, Payload, UserInfoShareBody};
use crate::scope::ScopesArg;
use crate::sim::{AuthCodeRequest, Outcome, Simulator, Step};
use crate::world::{AppId, UserId};

/// The seed of the simulated platform (it only decides the text of codes and ids).
pub(crate) const PLATFORM_SEED: u64 = 7;

/// A property broken at the current action (`None`: the server panicked).
#[derive(Clone, Debug)]
pub(crate) struct Violation {
    pub(crate) property: Option<Property>,
    pub(crate) what: String,
}

/// What a code posted to a server is, by the platform's books, before the server sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CodeKind {
    /// The page had no code: `my.getAuthCode` failed with this error.
    AfterFailure(u32),
    Fresh,
    Replayed,
    Expired,
    ForeignApp,
    Revoked,
    Forged,
}

impl CodeKind {
    fn path(self) -> ConsentPath {
        match self {
            CodeKind::AfterFailure(_) | CodeKind::Forged => ConsentPath::ForgedCode,
            CodeKind::Fresh => ConsentPath::FreshCode,
            CodeKind::Replayed => ConsentPath::ReplayedCode,
            CodeKind::Expired => ConsentPath::ExpiredCode,
            CodeKind::ForeignApp => ConsentPath::ForeignAppCode,
            CodeKind::Revoked => ConsentPath::RevokedCode,
        }
    }

    fn describe(self) -> &'static str {
        match self {
            CodeKind::AfterFailure(_) => "no code (the call failed)",
            CodeKind::Fresh => "a fresh code",
            CodeKind::Replayed => "a code already presented (a replay)",
            CodeKind::Expired => "an expired code",
            CodeKind::ForeignApp => "a code issued to another app",
            CodeKind::Revoked => "a code issued before the user revoked the app",
            CodeKind::Forged => "a string that was never a code",
        }
    }
}

/// The gateway client the server gets: the simulator, bound to one app, noting each call.
struct SimClient<'a> {
    sim: &'a mut Simulator,
    app: AppId,
    user_ids: &'a [AlipayUserId],
    notes: Vec<String>,
    tokens: Vec<(UserId, RefreshToken)>,
}

impl SimClient<'_> {
    fn user_name(&self, id: AlipayUserId) -> String {
        match self.user_ids.iter().position(|u| *u == id) {
            Some(i) => format!("u{i}"),
            None => format!("unknown user {id}"),
        }
    }

    fn token_answer(&mut self, api: &str, step: Step) -> Result<OauthTokenBody, GatewayErrorBody> {
        match step.result {
            Payload::OauthToken(ok) => {
                let body = ok.alipay_system_oauth_token_response;
                let who = self.user_name(body.user_id);
                self.notes.push(format!("{api} → {who}'s user_id"));
                if let Some(i) = self.user_ids.iter().position(|u| *u == body.user_id) {
                    self.tokens.push((UserId(i as u32), body.refresh_token));
                }
                Ok(body)
            }
            other => Err(self.refusal(api, other)),
        }
    }

    fn refusal(&mut self, api: &str, payload: Payload) -> GatewayErrorBody {
        match payload {
            Payload::GatewayError(e) => {
                self.notes
                    .push(format!("{api} → {}", e.error_response.sub_code));
                e.error_response
            }
            other => unreachable!("a gateway call answers a body or error_response: {other:?}"),
        }
    }
}

const IN_WORLD: &str = "the harness only names users and apps of its world";

impl GatewayClient for SimClient<'_> {
    fn app(&self) -> AppId {
        self.app
    }

    fn oauth_token(&mut self, code: &str) -> Result<OauthTokenBody, GatewayErrorBody> {
        let step = self.sim.redeem(self.app, code).expect(IN_WORLD);
        self.token_answer("oauth.token(code)", step)
    }

    fn refresh_token(&mut self, token: RefreshToken) -> Result<OauthTokenBody, GatewayErrorBody> {
        let step = self.sim.refresh_grant(self.app, token).expect(IN_WORLD);
        self.token_answer("oauth.token(refresh_token)", step)
    }

    fn user_info_share(
        &mut self,
        token: AccessToken,
    ) -> Result<UserInfoShareBody, GatewayErrorBody> {
        let step = self.sim.user_info_share(self.app, token).expect(IN_WORLD);
        match step.result {
            Payload::UserInfoShare(ok) => {
                self.notes.push("user.info.share → profile".into());
                Ok(ok.alipay_user_info_share_response)
            }
            other => Err(self.refusal("user.info.share", other)),
        }
    }
}

/// One journey in progress.
pub(crate) struct Run<B> {
    world: SmallWorld,
    sim: Simulator,
    backend: B,
    pages: Pages,
    enabled: BTreeSet<Property>,
    user_ids: Vec<AlipayUserId>,
    /// The account the server answered at each user's latest successful login, and where.
    accounts: BTreeMap<UserId, (AccountId, AppId)>,
    /// The account of each (user, app) session: its latest successful login there.
    session_accounts: BTreeMap<(UserId, AppId), AccountId>,
    /// The latest refresh token the gateway handed each app's server for each user.
    session_tokens: BTreeMap<(UserId, AppId), RefreshToken>,
    /// The latest code each (user, app) page received.
    last_code: BTreeMap<(UserId, AppId), AuthCode>,
    /// What happened at each action played, in order.
    pub(crate) log: Vec<String>,
    /// The paths the journey went through.
    pub(crate) paths: BTreeSet<ConsentPath>,
}

impl<B: Backend> Run<B> {
    pub(crate) fn new(world: SmallWorld, backend: B, enabled: BTreeSet<Property>) -> Self {
        let sim = world.simulator(PLATFORM_SEED);
        let user_ids = world
            .user_ids()
            .map(|u| sim.alipay_user_id(u).expect(IN_WORLD))
            .collect();
        Run {
            world,
            pages: backend.pages(),
            sim,
            backend,
            enabled,
            user_ids,
            accounts: BTreeMap::new(),
            session_accounts: BTreeMap::new(),
            session_tokens: BTreeMap::new(),
            last_code: BTreeMap::new(),
            log: Vec::new(),
            paths: BTreeSet::new(),
        }
    }

    /// Plays `actions` in order; stops at the first broken property. `self.log` has one line
    /// per action played, the failing one included.
    pub(crate) fn play(&mut self, actions: &[Action]) -> Result<(), Violation> {
        for action in actions {
            self.log.push(String::new());
            self.action(action)?;
        }
        Ok(())
    }

    fn note(&mut self, text: impl AsRef<str>) {
        let line = self.log.last_mut().expect("play opens a line per action");
        if !line.is_empty() {
            line.push_str("; ");
        }
        line.push_str(text.as_ref());
    }

    fn broken(&self, property: Property, what: String) -> Result<(), Violation> {
        if self.enabled.contains(&property) {
            Err(Violation {
                property: Some(property),
                what,
            })
        } else {
            Ok(())
        }
    }

    fn action(&mut self, action: &Action) -> Result<(), Violation> {
        match action {
            Action::Visit {
                user,
                app,
                decision,
                network,
                delivery,
            } => self.visit(*user, *app, decision, *network, *delivery),
            Action::Profile {
                user,
                app,
                decision,
                network,
            } => self.profile(*user, *app, decision, *network),
            Action::Resend { user, app, to } => match self.last_code.get(&(*user, *app)) {
                Some(&code) => self.post(Some(*user), *to, Some(code), None).map(drop),
                None => {
                    self.note("nothing to post: no code yet");
                    Ok(())
                }
            },
            Action::Forged { app, kind } => self
                .login(None, *app, forged_text(*kind), CodeKind::Forged)
                .map(drop),
            Action::Refresh { user, app } => self.refresh(*user, *app),
            Action::Revoke { user, app } => {
                self.sim.revoke(*user, *app).expect(IN_WORLD);
                Ok(())
            }
            Action::Wait { seconds } => {
                self.sim.advance(*seconds);
                Ok(())
            }
        }
    }

    /// A `my.getAuthCode` by a page; notes it and its path.
    fn call(
        &mut self,
        user: UserId,
        app: AppId,
        scopes: ScopesArg,
        page: Page,
        decision: &Decision,
        network: Network,
    ) -> Step {
        let text = match &scopes.0 {
            Some(v) => v.to_string(),
            None => "no scopes".into(),
        };
        let req = AuthCodeRequest {
            user,
            app,
            scopes,
            page,
            decision: decision.clone(),
            network,
        };
        let step = self.sim.get_auth_code(req).expect(IN_WORLD);
        let popups = popups_text(step.popups);
        let path = match step.client_error() {
            None => {
                self.note(format!("my.getAuthCode({text}) → authCode{popups}"));
                let prompted = match &step.result {
                    Payload::AuthCode(ok) => ok.auth_success_scopes.iter().any(|s| !s.is_silent()),
                    _ => false,
                };
                Some(match (step.popups, prompted) {
                    (0, false) => ConsentPath::SilentCall,
                    (0, true) => ConsentPath::RememberedConsent,
                    _ => ConsentPath::PopupAccepted,
                })
            }
            Some(error) => {
                let lost = if step.issued_code.is_some() {
                    " (the code was issued, the response lost)"
                } else {
                    ""
                };
                self.note(format!(
                    "my.getAuthCode({text}) → error {error}{popups}{lost}"
                ));
                match error {
                    crate::ERROR_DENIED => Some(ConsentPath::PopupDenied),
                    crate::ERROR_DISMISSED => Some(ConsentPath::PopupDismissed),
                    crate::ERROR_NETWORK if step.issued_code.is_some() => {
                        Some(ConsentPath::ResponseLost)
                    }
                    crate::ERROR_NETWORK => Some(ConsentPath::NetworkFailed),
                    _ => None,
                }
            }
        };
        self.paths.extend(path);
        step
    }

    /// The login page's call, as the login page and a profile page without a session make it.
    fn login_call(
        &mut self,
        user: UserId,
        app: AppId,
        first_screen: bool,
        decision: &Decision,
        network: Network,
    ) -> Step {
        let page = Page {
            first_screen,
            lifecycle: Lifecycle::OnLoad,
            container: Container::Page,
        };
        let scopes = self.pages.login_scopes.clone();
        self.call(user, app, scopes, page, decision, network)
    }

    fn visit(
        &mut self,
        user: UserId,
        app: AppId,
        decision: &Decision,
        network: Network,
        delivery: Delivery,
    ) -> Result<(), Violation> {
        let step = self.login_call(user, app, true, decision, network);
        let code = step.auth_code();
        let to = match delivery {
            Delivery::OtherApp => next_app(app, self.world.apps),
            Delivery::Direct | Delivery::Late | Delivery::AfterRevoke => app,
        };
        if delivery == Delivery::AfterRevoke && code.is_some() {
            self.sim.revoke(user, app).expect(IN_WORLD);
            self.note(format!("u{} revokes a{} meanwhile", user.0, app.0));
        }
        if delivery == Delivery::Late && code.is_some() {
            let ttl = self.sim.config().code_ttl_seconds;
            self.sim.advance(ttl);
            self.note(format!("{ttl} s pass on the way"));
        }
        self.post(Some(user), to, code, step.client_error())?;
        self.one_popup(step.popups, &step)
    }

    fn profile(
        &mut self,
        user: UserId,
        app: AppId,
        decision: &Decision,
        network: Network,
    ) -> Result<(), Violation> {
        let mut popups = 0;
        let mut findings = Vec::new();
        let login = if let Some(scopes) = self.pages.profile_scopes.clone() {
            let page = Page::default(); // a tap, not the first screen
            Some(self.call(user, app, scopes, page, decision, network))
        } else if !self.session_accounts.contains_key(&(user, app)) {
            Some(self.login_call(user, app, false, decision, network))
        } else {
            None
        };
        if let Some(step) = login {
            popups += step.popups;
            findings.extend(step.findings.iter().cloned());
            let logged_in = self.post(Some(user), app, step.auth_code(), step.client_error())?;
            if logged_in.is_none() {
                return self.popups_and_findings(popups, &findings);
            }
        }
        let tap = self
            .sim
            .authorize(user, app, "userInfo", decision.clone(), network)
            .expect(IN_WORLD);
        popups += tap.popups;
        findings.extend(tap.findings.iter().cloned());
        let ok = tap.outcome == Outcome::Success;
        self.note(format!(
            "userInfo button → {}{}",
            if ok { "onGetAuthorize" } else { "onError" },
            popups_text(tap.popups)
        ));
        self.paths.extend(match (tap.popups, ok) {
            (0, true) => Some(ConsentPath::ButtonAlreadyConsented),
            (0, false) => None,
            (_, true) => Some(ConsentPath::ButtonAccepted),
            (_, false) => Some(ConsentPath::ButtonRefused),
        });
        if ok {
            let info = self.sim.get_open_user_info(user, app).expect(IN_WORLD);
            let code = match &info.result {
                Payload::Response(r) => serde_json::from_str::<serde_json::Value>(&r.response)
                    .ok()
                    .and_then(|v| v["response"]["code"].as_str().map(str::to_owned)),
                _ => None,
            };
            self.note(format!(
                "my.getOpenUserInfo → code {}",
                code.as_deref().unwrap_or("?")
            ));
        }
        self.popups_and_findings(popups, &findings)
    }

    fn one_popup(&mut self, popups: u32, step: &Step) -> Result<(), Violation> {
        self.popups_and_findings(popups, &step.findings)
    }

    fn popups_and_findings(
        &mut self,
        popups: u32,
        findings: &[crate::findings::Finding],
    ) -> Result<(), Violation> {
        if popups > 1 {
            let also = match findings.first() {
                Some(f) => format!(", and raised {}: {}", f.id.as_str(), f.message),
                None => String::new(),
            };
            return self.broken(
                Property::OnePopupPerVisit,
                format!("this visit showed {popups} popups{also}"),
            );
        }
        if let Some(f) = findings.first() {
            return self.broken(
                Property::OnePopupPerVisit,
                format!("this visit raised {}: {}", f.id.as_str(), f.message),
            );
        }
        Ok(())
    }

    /// What the page posts after its call: the code, or (after a failure) the empty string.
    fn post(
        &mut self,
        user: Option<UserId>,
        to: AppId,
        code: Option<AuthCode>,
        error: Option<u32>,
    ) -> Result<Option<AccountId>, Violation> {
        match code {
            Some(code) => {
                if let Some(u) = user {
                    // The page's latest code: what a later Resend posts again.
                    let from = self.issued_app(code).unwrap_or(to);
                    self.last_code.insert((u, from), code);
                }
                let kind = self.classify(to, code);
                self.login(user, to, &code.to_string(), kind)
            }
            None => {
                let kind = CodeKind::AfterFailure(error.unwrap_or(0));
                self.login(user, to, "", kind)
            }
        }
    }

    fn issued_app(&self, code: AuthCode) -> Option<AppId> {
        self.sim.gateway().code(code.get()).map(|r| r.app)
    }

    /// The platform's verdict on `code` at `to`'s server, asked of a copy of the simulator so
    /// that nothing is burned.
    fn classify(&self, to: AppId, code: AuthCode) -> CodeKind {
        let Some(rec) = self.sim.gateway().code(code.get()) else {
            return CodeKind::Forged;
        };
        if rec.state != CodeState::Fresh {
            return CodeKind::Replayed;
        }
        if self.sim.now() >= rec.expires_at {
            return CodeKind::Expired;
        }
        let mut probe = self.sim.clone();
        let step = probe.redeem(to, code).expect(IN_WORLD);
        match step.sub_code() {
            None => CodeKind::Fresh,
            Some(UNMATCHED_APP_ID) => CodeKind::ForeignApp,
            Some(_) => CodeKind::Revoked,
        }
    }

    /// Calls the server with a gateway client bound to `app`; keeps the refresh tokens the
    /// gateway handed out as the sessions' latest, and returns the calls made, for the log.
    fn with_gateway<R>(
        &mut self,
        app: AppId,
        call: impl FnOnce(&mut B, &mut dyn GatewayClient) -> R,
    ) -> (R, String) {
        let mut client = SimClient {
            sim: &mut self.sim,
            app,
            user_ids: &self.user_ids,
            notes: Vec::new(),
            tokens: Vec::new(),
        };
        let result = call(&mut self.backend, &mut client);
        let (notes, tokens) = (client.notes, client.tokens);
        for (u, token) in tokens {
            self.session_tokens.insert((u, app), token);
        }
        let via = if notes.is_empty() {
            " [the gateway was not asked]".to_owned()
        } else {
            format!(" [{}]", notes.join(", "))
        };
        (result, via)
    }

    /// Posts `text` to `to`'s login endpoint and checks the answer against what the code is.
    fn login(
        &mut self,
        user: Option<UserId>,
        to: AppId,
        text: &str,
        kind: CodeKind,
    ) -> Result<Option<AccountId>, Violation> {
        self.paths.insert(kind.path());
        let before = self.backend.accounts();
        let (result, via) = self.with_gateway(to, |b, g| b.login(to, text, g));
        let after = self.backend.accounts();
        let answer = match &result {
            Ok(account) => format!("logged in as {account}"),
            Err(e) => format!("{e}"),
        };
        let shown = if text.is_empty() {
            "\"\"".to_owned()
        } else {
            text.to_owned()
        };
        self.note(format!(
            "posted {shown} to a{}'s server{via} → {answer}",
            to.0
        ));
        let created = after > before;
        match (kind, &result) {
            (CodeKind::AfterFailure(error), _) if result.is_ok() || created => {
                self.broken(
                    Property::NothingAfterFailure,
                    format!(
                        "my.getAuthCode failed (error {error}), so the page had no code, yet the \
                         server {}",
                        outcome_text(&result)
                    ),
                )?;
            }
            (CodeKind::Fresh, Err(e)) => {
                self.broken(
                    Property::FreshCodeLogsIn,
                    format!("a fresh code, posted in time to its own app, was refused: {e}"),
                )?;
            }
            (CodeKind::AfterFailure(_) | CodeKind::Fresh, _) => {}
            (bad, _) if result.is_ok() || created => {
                self.broken(
                    Property::BadCodeNeverLogsIn,
                    format!(
                        "{} was posted and the server {}",
                        bad.describe(),
                        outcome_text(&result)
                    ),
                )?;
            }
            _ => {}
        }
        let Ok(account) = result else {
            return Ok(None);
        };
        // Whose code it was, by the platform's books (a forged string belongs to nobody).
        if let Some(u) = user {
            self.same_account(u, to, account)?;
            self.session_accounts.insert((u, to), account);
        }
        Ok(Some(account))
    }

    fn same_account(
        &mut self,
        user: UserId,
        app: AppId,
        account: AccountId,
    ) -> Result<(), Violation> {
        if let Some(&(before, at)) = self.accounts.get(&user)
            && before != account
        {
            self.broken(
                Property::OneAccountPerUser,
                format!(
                    "u{} logged in at a{} as {account}, but at a{} as {before}: one user_id, \
                     one account (an open_id differs per app; key accounts by user_id)",
                    user.0, app.0, at.0
                ),
            )?;
        }
        if let Some((other, _)) = self
            .accounts
            .iter()
            .find(|(u, (acc, _))| **u != user && *acc == account)
        {
            self.broken(
                Property::OneAccountPerUser,
                format!(
                    "u{} logged in as {account}, which is u{}'s account",
                    user.0, other.0
                ),
            )?;
        }
        self.accounts.insert(user, (account, app));
        Ok(())
    }

    fn refresh(&mut self, user: UserId, app: AppId) -> Result<(), Violation> {
        let (Some(&account), Some(&token)) = (
            self.session_accounts.get(&(user, app)),
            self.session_tokens.get(&(user, app)),
        ) else {
            self.note("no session: nothing to refresh");
            return Ok(());
        };
        // The platform's verdict on the session's latest token, asked of a copy.
        let verdict = {
            let mut probe = self.sim.clone();
            let step = probe.refresh_grant(app, token).expect(IN_WORLD);
            step.sub_code().map(str::to_owned)
        };
        self.paths.insert(match verdict {
            None => ConsentPath::RefreshHonoured,
            Some(_) => ConsentPath::RefreshRefused,
        });
        let (result, via) = self.with_gateway(app, |b, g| b.refresh(app, account, g));
        let answer = match &result {
            Ok(()) => "ok".to_owned(),
            Err(e) => e.to_string(),
        };
        self.note(format!("refresh of {account}{via} → {answer}"));
        match (verdict, result) {
            (None, Err(e)) => self.broken(
                Property::TokensHonoured,
                format!(
                    "the session's latest refresh token is live, yet the refresh failed ({e}): \
                     keep the refresh_token of every token response, a refresh rotates it"
                ),
            ),
            (Some(sub_code), Ok(())) => self.broken(
                Property::TokensHonoured,
                format!(
                    "the platform refuses the session's latest refresh token ({sub_code}: \
                     revoked, replayed or past its deadline), yet the server reported a live \
                     session"
                ),
            ),
            _ => Ok(()),
        }
    }
}

fn popups_text(popups: u32) -> String {
    match popups {
        0 => String::new(),
        1 => " after 1 popup".into(),
        n => format!(" after {n} popups"),
    }
}

/// What a server did with a post it should have refused (it logged in, or created an account).
fn outcome_text(result: &Result<AccountId, BackendError>) -> String {
    match result {
        Ok(account) => format!("logged in as {account}"),
        Err(_) => "refused it but created an account".into(),
    }
}
