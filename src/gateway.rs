//! The OpenAPI gateway (server side): auth codes, the grants they turn into, and tokens.
//!
//! - `alipay.system.oauth.token` with grant `authorization_code` redeems a code once, for the
//!   user's one `user_id` and the (user, app) `open_id`; with grant `refresh_token` it rotates
//!   both tokens without restarting the refresh deadline.
//! - `alipay.user.info.share` reads the profile with an access token.
//!
//! A revocation by the user bumps an epoch per (user, app): every code and token issued before
//! it is void from then on, without scanning anything.

use serde::{Deserialize, Serialize};

use crate::clock::Instant;
use crate::config::Config;
use crate::detmap::DetMap;
use crate::detmap::hex_keys::HexKeys;
use crate::error_codes::GatewayError;
use crate::identity::{Entropy, IdentityKeys};
use crate::ids::{AccessToken, AlipayUserId, AuthCode, AuthStart, RefreshToken};
use crate::payload::{OauthTokenBody, UserInfoShareBody};
use crate::scope::{Scope, ScopeSet};
use crate::tokens::{TokenKind, TokenMap, TokensOf};
use crate::world::{AppId, UserId};

/// What the gateway knows of one issued auth code.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CodeRecord {
    /// Whose consent it carries.
    pub user: UserId,
    /// The app it was issued to (the host app when called from a plugin).
    pub app: AppId,
    /// The scopes granted.
    pub scopes: ScopeSet,
    /// When it was issued.
    pub issued_at: Instant,
    /// When it stops being redeemable.
    pub expires_at: Instant,
    /// The (user, app) revocation epoch at issue.
    pub epoch: u32,
    /// Whether a redemption has been attempted, and the grant it produced if it succeeded.
    pub state: CodeState,
}

/// A code's life: fresh until the first redemption attempt, burned after it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CodeState {
    /// Never presented.
    Fresh,
    /// Presented once; `Some` grant if that redemption succeeded.
    Burned(Option<GrantIx>),
}

/// Index of a grant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct GrantIx(pub u32);

/// A successful code exchange and the token pair it currently stands for.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Grant {
    /// The user.
    pub user: UserId,
    /// The app.
    pub app: AppId,
    /// The scopes of the code.
    pub scopes: ScopeSet,
    /// The (user, app) revocation epoch at the exchange.
    pub epoch: u32,
    /// Current access token.
    #[serde(with = "crate::hex128")]
    pub access: u128,
    /// Current refresh token.
    #[serde(with = "crate::hex128")]
    pub refresh: u128,
    /// When the current access token was issued.
    pub auth_start: Instant,
    /// When the current access token expires.
    pub access_expires: Instant,
    /// The refresh deadline, fixed at the code exchange.
    pub refresh_deadline: Instant,
    /// Revoked because its code was replayed.
    pub revoked: bool,
}

/// Counters the population simulation and the property tests read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct GatewayStats {
    /// Codes issued (including those whose response was lost).
    pub codes_issued: u64,
    /// Codes redeemed successfully.
    pub codes_redeemed: u64,
    /// Redemptions of a code already presented.
    pub replays_refused: u64,
    /// Redemptions of an expired code.
    pub expired_refused: u64,
    /// Redemptions by an app the code was not issued to.
    pub foreign_refused: u64,
    /// Redemptions of a string that was never a code.
    pub forged_refused: u64,
    /// Redemptions of a code issued before the user revoked the app.
    pub revoked_refused: u64,
    /// Grants revoked because their code was replayed.
    pub grants_revoked_by_replay: u64,
    /// Successful refreshes.
    pub refreshes: u64,
}

/// The server side of the platform.
///
/// Access and refresh tokens share one map (a token is one or the other), so issuing a token
/// probes one big map once; the snapshot still has its `access` and `refresh` members
/// (`crate::tokens` splits and joins them).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Deserialize)]
#[serde(try_from = "GatewayWire")]
pub struct Gateway {
    // Hash maps with a fixed hasher, serialized in key order (see `crate::detmap`).
    codes: DetMap<u128, CodeRecord>,
    grants: Vec<Grant>,
    tokens: TokenMap,
    epochs: DetMap<(UserId, AppId), u32>,
    stats: GatewayStats,
}

/// The snapshot layout of [`Gateway`], member for member: the one token map written as the
/// `access` and `refresh` entry lists it always had. Read into this, then joined.
#[derive(Deserialize)]
struct GatewayWire {
    #[serde(with = "crate::detmap::hex_keys")]
    codes: DetMap<u128, CodeRecord>,
    grants: Vec<Grant>,
    #[serde(with = "crate::detmap::hex_keys")]
    access: DetMap<u128, GrantIx>,
    #[serde(with = "crate::detmap::hex_keys")]
    refresh: DetMap<u128, GrantIx>,
    epochs: DetMap<(UserId, AppId), u32>,
    stats: GatewayStats,
}

impl Serialize for Gateway {
    /// The members of `GatewayWire`, written from borrowed parts (no copy of the maps).
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Wire<'a> {
            codes: HexKeys<'a, CodeRecord>,
            grants: &'a [Grant],
            access: TokensOf<'a>,
            refresh: TokensOf<'a>,
            epochs: &'a DetMap<(UserId, AppId), u32>,
            stats: &'a GatewayStats,
        }
        Wire {
            codes: HexKeys(&self.codes),
            grants: &self.grants,
            access: self.tokens.of_kind(TokenKind::Access),
            refresh: self.tokens.of_kind(TokenKind::Refresh),
            epochs: &self.epochs,
            stats: &self.stats,
        }
        .serialize(s)
    }
}

impl TryFrom<GatewayWire> for Gateway {
    type Error = String;
    fn try_from(w: GatewayWire) -> Result<Self, String> {
        Ok(Gateway {
            codes: w.codes,
            grants: w.grants,
            tokens: TokenMap::join(w.access, w.refresh)?,
            epochs: w.epochs,
            stats: w.stats,
        })
    }
}

/// A grant type the token endpoint understands, or what it was given.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TokenRequest<'a> {
    /// `grant_type=authorization_code&code=…`
    AuthorizationCode(&'a str),
    /// `grant_type=refresh_token&refresh_token=…`
    RefreshToken(&'a str),
    /// Any other `grant_type`.
    Other(&'a str),
}

/// [`TokenRequest`] with its text already parsed (at the edge): `None` for text that cannot be
/// one of the platform's codes or tokens, which the gateway refuses as unknown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TypedTokenRequest {
    /// `grant_type=authorization_code&code=…`
    AuthorizationCode(Option<AuthCode>),
    /// `grant_type=refresh_token&refresh_token=…`
    RefreshToken(Option<RefreshToken>),
    /// Any other `grant_type`.
    Other,
}

impl From<TokenRequest<'_>> for TypedTokenRequest {
    fn from(r: TokenRequest<'_>) -> Self {
        match r {
            TokenRequest::AuthorizationCode(t) => Self::AuthorizationCode(t.parse().ok()),
            TokenRequest::RefreshToken(t) => Self::RefreshToken(t.parse().ok()),
            TokenRequest::Other(_) => Self::Other,
        }
    }
}

impl Gateway {
    fn epoch(&self, user: UserId, app: AppId) -> u32 {
        epoch_of(&self.epochs, user, app)
    }

    /// Issues a fresh code for `user`'s consent to `scopes` in `app`.
    pub fn issue_code(
        &mut self,
        entropy: &mut Entropy,
        user: UserId,
        app: AppId,
        scopes: ScopeSet,
        now: Instant,
        ttl: u64,
    ) -> u128 {
        let epoch = self.epoch(user, app);
        loop {
            let code = entropy.next_u128();
            if let std::collections::hash_map::Entry::Vacant(slot) = self.codes.entry(code) {
                slot.insert(CodeRecord {
                    user,
                    app,
                    scopes,
                    issued_at: now,
                    expires_at: now.plus(ttl),
                    epoch,
                    state: CodeState::Fresh,
                });
                self.stats.codes_issued += 1;
                return code;
            }
        }
    }

    /// `alipay.system.oauth.token`.
    pub fn oauth_token(
        &mut self,
        entropy: &mut Entropy,
        keys: &IdentityKeys,
        config: &Config,
        app: AppId,
        request: impl Into<TypedTokenRequest>,
        now: Instant,
    ) -> Result<OauthTokenBody, GatewayError> {
        match request.into() {
            TypedTokenRequest::AuthorizationCode(code) => {
                self.redeem(entropy, keys, config, app, code, now)
            }
            TypedTokenRequest::RefreshToken(token) => {
                self.refresh(entropy, keys, config, app, token, now)
            }
            TypedTokenRequest::Other => Err(GatewayError::GrantTypeInvalid),
        }
    }

    fn redeem(
        &mut self,
        entropy: &mut Entropy,
        keys: &IdentityKeys,
        config: &Config,
        app: AppId,
        code: Option<AuthCode>,
        now: Instant,
    ) -> Result<OauthTokenBody, GatewayError> {
        let Some(rec) = code.and_then(|c| self.codes.get_mut(&c.get())) else {
            self.stats.forged_refused += 1;
            return Err(GatewayError::CodeInvalid);
        };
        let current_epoch = epoch_of(&self.epochs, rec.user, rec.app);
        if let CodeState::Burned(grant) = rec.state {
            // R-GW-CODE-REPLAY: refuse, and revoke what the first redemption issued (RFC 6749).
            self.stats.replays_refused += 1;
            if let Some(g) = grant {
                let g = &mut self.grants[g.0 as usize];
                if !g.revoked {
                    g.revoked = true;
                    self.stats.grants_revoked_by_replay += 1;
                }
            }
            return Err(GatewayError::CodeInvalid);
        }
        rec.state = CodeState::Burned(None);
        if now >= rec.expires_at {
            self.stats.expired_refused += 1;
            return Err(GatewayError::CodeInvalid);
        }
        if rec.epoch != current_epoch {
            self.stats.revoked_refused += 1;
            return Err(GatewayError::CodeInvalid);
        }
        if rec.app != app {
            self.stats.foreign_refused += 1;
            return Err(GatewayError::UnmatchedAppId);
        }
        let (user, scopes, epoch) = (rec.user, rec.scopes, rec.epoch);
        let ix = GrantIx(self.grants.len() as u32);
        rec.state = CodeState::Burned(Some(ix));
        let access = self.tokens.issue(entropy, TokenKind::Access, ix);
        let refresh = self.tokens.issue(entropy, TokenKind::Refresh, ix);
        self.grants.push(Grant {
            user,
            app,
            scopes,
            epoch,
            access,
            refresh,
            auth_start: now,
            access_expires: now.plus(config.access_token_ttl_seconds),
            refresh_deadline: now.plus(config.refresh_token_ttl_seconds),
            revoked: false,
        });
        self.stats.codes_redeemed += 1;
        Ok(self.token_body(keys, config, ix, now))
    }

    fn refresh(
        &mut self,
        entropy: &mut Entropy,
        keys: &IdentityKeys,
        config: &Config,
        app: AppId,
        token: Option<RefreshToken>,
        now: Instant,
    ) -> Result<OauthTokenBody, GatewayError> {
        let Some(ix) = token.and_then(|t| self.tokens.get(t.get(), TokenKind::Refresh)) else {
            return Err(GatewayError::RefreshTokenInvalid);
        };
        if !self.grant_live(ix) || self.grants[ix.0 as usize].app != app {
            return Err(GatewayError::RefreshTokenInvalid);
        }
        if now >= self.grants[ix.0 as usize].refresh_deadline {
            return Err(GatewayError::RefreshTokenTimeOut);
        }
        let access = self.tokens.issue(entropy, TokenKind::Access, ix);
        let refresh = self.tokens.issue(entropy, TokenKind::Refresh, ix);
        let g = &mut self.grants[ix.0 as usize];
        let (old_access, old_refresh) = (g.access, g.refresh);
        g.access = access;
        g.refresh = refresh;
        g.auth_start = now;
        g.access_expires = now.plus(config.access_token_ttl_seconds);
        self.tokens.remove(old_access);
        self.tokens.remove(old_refresh);
        self.stats.refreshes += 1;
        Ok(self.token_body(keys, config, ix, now))
    }

    /// `alipay.user.info.share` with `auth_token` (`None`: text that cannot be a token). `has_member_info` says whether the calling app
    /// has the legacy member-info package; `profile` gives the user's (avatar, nickname).
    pub fn user_info_share(
        &self,
        keys: &IdentityKeys,
        app: AppId,
        has_member_info: bool,
        auth_token: Option<AccessToken>,
        now: Instant,
        profile: impl FnOnce(UserId) -> (Option<String>, Option<String>),
    ) -> Result<UserInfoShareBody, GatewayError> {
        if !has_member_info {
            return Err(GatewayError::InsufficientIsvPermissions);
        }
        let Some(ix) = auth_token.and_then(|t| self.tokens.get(t.get(), TokenKind::Access)) else {
            return Err(GatewayError::InvalidAuthToken);
        };
        let g = &self.grants[ix.0 as usize];
        if !self.grant_live(ix) || g.app != app {
            return Err(GatewayError::InvalidAuthToken);
        }
        if now >= g.access_expires {
            return Err(GatewayError::AuthTokenTimeOut);
        }
        if !g.scopes.contains(Scope::AuthUser) {
            return Err(GatewayError::InsufficientUserPermissions);
        }
        let (avatar, nick_name) = profile(g.user);
        Ok(UserInfoShareBody {
            code: "10000".into(),
            msg: "Success".into(),
            user_id: AlipayUserId::new(keys.user_id(g.user.0)),
            avatar,
            nick_name,
        })
    }

    /// The user revokes `app` in settings: its codes and tokens for the user are void.
    pub fn revoke(&mut self, user: UserId, app: AppId) {
        let epoch = self.epochs.entry((user, app)).or_insert(0);
        // Wrapping: 2^32 revocations of one pair cannot happen, and no input may panic.
        *epoch = epoch.wrapping_add(1);
    }

    fn grant_live(&self, ix: GrantIx) -> bool {
        let g = &self.grants[ix.0 as usize];
        !g.revoked && g.epoch == self.epoch(g.user, g.app)
    }

    fn token_body(
        &self,
        keys: &IdentityKeys,
        config: &Config,
        ix: GrantIx,
        now: Instant,
    ) -> OauthTokenBody {
        let g = &self.grants[ix.0 as usize];
        let prompted = !g
            .scopes
            .minus([Scope::AuthBase].into_iter().collect())
            .is_empty();
        OauthTokenBody {
            user_id: AlipayUserId::new(keys.user_id(g.user.0)),
            open_id: keys.open_id_value(g.user.0, g.app.0),
            access_token: AccessToken::new(g.access, prompted),
            expires_in: g.access_expires.since(now),
            refresh_token: RefreshToken::new(g.refresh, prompted),
            re_expires_in: g.refresh_deadline.since(now),
            // Exact: an i64 origin plus a u64 clock always fits in i128 (R-GW-AUTH-START).
            auth_start: AuthStart::from_unix(
                i128::from(config.clock_origin_unix) + i128::from(g.auth_start.0),
            ),
        }
    }

    /// The record of a code, if it was ever issued.
    pub fn code(&self, code: u128) -> Option<&CodeRecord> {
        self.codes.get(&code)
    }

    /// Every issued code, in key order.
    pub fn codes(&self) -> impl Iterator<Item = (u128, &CodeRecord)> {
        self.codes.sorted().into_iter().map(|(k, v)| (*k, v))
    }

    /// Every grant.
    pub fn grants(&self) -> &[Grant] {
        &self.grants
    }

    /// Whether the grant `ix` can still be used (not replay-revoked, not revoked by the user).
    pub fn is_grant_live(&self, ix: GrantIx) -> bool {
        self.grant_live(ix)
    }

    /// Checks that every record of a deserialized gateway points at a user, app and grant that
    /// exist, so that no later input can index out of range.
    pub(crate) fn check_refs(&self, users: usize, apps: usize) -> Result<(), String> {
        let pair = |u: UserId, a: AppId| (u.0 as usize) < users && (a.0 as usize) < apps;
        let grant = |g: GrantIx| (g.0 as usize) < self.grants.len();
        for (code, rec) in self.codes.iter() {
            let burned_into = match rec.state {
                CodeState::Burned(Some(g)) => Some(g),
                _ => None,
            };
            if !pair(rec.user, rec.app) || burned_into.is_some_and(|g| !grant(g)) {
                return Err(format!(
                    "code {code:032X} refers to a missing user, app or grant"
                ));
            }
        }
        if let Some(i) = self.grants.iter().position(|g| !pair(g.user, g.app)) {
            return Err(format!("grant #{i} refers to a missing user or app"));
        }
        if self.tokens.grants().any(|g| !grant(g)) {
            return Err("a token refers to a missing grant".into());
        }
        if self.epochs.keys().any(|(u, a)| !pair(*u, *a)) {
            return Err("a revocation refers to a missing user or app".into());
        }
        Ok(())
    }

    /// The counters.
    pub fn stats(&self) -> GatewayStats {
        self.stats
    }

    /// Codes never presented whose lifetime has ended by `now`.
    pub fn expired_unused(&self, now: Instant) -> u64 {
        self.codes
            .values()
            .filter(|c| c.state == CodeState::Fresh && now >= c.expires_at)
            .count() as u64
    }
}

fn epoch_of(epochs: &DetMap<(UserId, AppId), u32>, user: UserId, app: AppId) -> u32 {
    epochs.get(&(user, app)).copied().unwrap_or(0)
}
