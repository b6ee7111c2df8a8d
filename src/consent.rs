//! The consent store: what each user has agreed to, per app.
//!
//! Two kinds of consent are kept per (user, app): the prompted `my.getAuthCode` scopes the user
//! accepted (remembered only when [`crate::config::Config::remember_consent`] is on: the platform does
//! not document it, see SPEC R-CONSENT-REMEMBER), and the button consents `userInfo` and
//! `phoneNumber` that `my.getOpenUserInfo`, `my.getPhoneNumber` and `my.getSetting` read.
//! A revocation in the mini program's settings clears both (sources: S-REVOKE).

use serde::{Deserialize, Serialize};

use crate::detmap::DetMap;
use crate::scope::ScopeSet;
use crate::world::{AppId, UserId};

/// What one user has consented to for one app.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Consent {
    /// Prompted `my.getAuthCode` scopes accepted.
    pub scopes: ScopeSet,
    /// The `userInfo` button was accepted.
    pub user_info: bool,
    /// The `phoneNumber` button was accepted.
    pub phone_number: bool,
}

/// Every (user, app) consent, in a hash map that serializes in key order, so snapshots serialize
/// identically.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ConsentStore {
    entries: DetMap<(UserId, AppId), Consent>,
}

impl ConsentStore {
    /// The consent of `user` for `app` (all false if none was ever given).
    pub fn get(&self, user: UserId, app: AppId) -> Consent {
        self.entries.get(&(user, app)).copied().unwrap_or_default()
    }

    /// Records accepted prompted scopes.
    pub fn grant_scopes(&mut self, user: UserId, app: AppId, scopes: ScopeSet) {
        if scopes.is_empty() {
            return;
        }
        let e = self.entries.entry((user, app)).or_default();
        e.scopes = e.scopes.union(scopes);
    }

    /// Records an accepted `userInfo` button.
    pub fn grant_user_info(&mut self, user: UserId, app: AppId) {
        self.entries.entry((user, app)).or_default().user_info = true;
    }

    /// Records an accepted `phoneNumber` button.
    pub fn grant_phone_number(&mut self, user: UserId, app: AppId) {
        self.entries.entry((user, app)).or_default().phone_number = true;
    }

    /// The user revokes the app in settings: every consent for it is gone.
    pub fn revoke(&mut self, user: UserId, app: AppId) {
        self.entries.remove(&(user, app));
    }

    /// Whether every entry names an existing user and app (for deserialized snapshots).
    pub(crate) fn refs_ok(&self, users: usize, apps: usize) -> bool {
        self.entries
            .keys()
            .all(|(u, a)| (u.0 as usize) < users && (a.0 as usize) < apps)
    }

    /// Number of (user, app) pairs with any consent.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no consent is recorded.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}
