//! The built-in properties: each has a name (printed in counterexamples), a one-line statement,
//! and can be switched off in [`BackendConfig`](super::BackendConfig).

use std::fmt;

/// A property [`check_backend`](super::check_backend) checks after every action.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Property {
    /// `bad-code-never-logs-in`: a replayed, expired, foreign-app, revoked or forged code never
    /// logs anyone in, and creates no account.
    BadCodeNeverLogsIn,
    /// `fresh-code-logs-in`: a fresh code, posted in time to the app it was issued to, logs its
    /// user in (so a server that refuses everything does not pass).
    FreshCodeLogsIn,
    /// `one-account-per-user`: every login of one Alipay user answers the same account, on every
    /// app of the world, and different users get different accounts (key accounts by
    /// `user_id`: an `open_id` differs per app).
    OneAccountPerUser,
    /// `nothing-after-failure`: after `my.getAuthCode` failed (error 3, 10, 11, or a lost
    /// response) the page has no code; what it posts logs nobody in and creates no account.
    NothingAfterFailure,
    /// `one-popup-per-visit`: a visit shows at most one popup and raises no finding (silent
    /// `auth_base` at login, then the `userInfo` button, is the flow that passes).
    OnePopupPerVisit,
    /// `tokens-honoured`: a session refresh succeeds exactly when the platform still honours the
    /// session's latest refresh token: rotated tokens are replaced, and a revocation by the user
    /// (or a replay of the session's code) ends the session.
    TokensHonoured,
}

impl Property {
    /// Every property, in the order they are checked.
    pub const ALL: [Property; 6] = [
        Property::BadCodeNeverLogsIn,
        Property::FreshCodeLogsIn,
        Property::OneAccountPerUser,
        Property::NothingAfterFailure,
        Property::OnePopupPerVisit,
        Property::TokensHonoured,
    ];

    /// The name printed in counterexamples, e.g. `"bad-code-never-logs-in"`.
    pub const fn name(self) -> &'static str {
        match self {
            Property::BadCodeNeverLogsIn => "bad-code-never-logs-in",
            Property::FreshCodeLogsIn => "fresh-code-logs-in",
            Property::OneAccountPerUser => "one-account-per-user",
            Property::NothingAfterFailure => "nothing-after-failure",
            Property::OnePopupPerVisit => "one-popup-per-visit",
            Property::TokensHonoured => "tokens-honoured",
        }
    }

    /// The property in one sentence.
    pub const fn statement(self) -> &'static str {
        match self {
            Property::BadCodeNeverLogsIn => {
                "a replayed, expired, foreign-app, revoked or forged code never logs anyone in"
            }
            Property::FreshCodeLogsIn => {
                "a fresh code posted in time to its own app logs its user in"
            }
            Property::OneAccountPerUser => "one Alipay user_id, one account, across every app",
            Property::NothingAfterFailure => {
                "no login and no account after my.getAuthCode failed (error 3, 10, 11, lost response)"
            }
            Property::OnePopupPerVisit => "at most one popup per visit, and no finding",
            Property::TokensHonoured => {
                "a session refresh succeeds exactly when the platform honours the session's token"
            }
        }
    }
}

impl fmt::Display for Property {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
