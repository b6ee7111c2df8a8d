//! Policy findings: things a reviewer or a user would object to, recorded while the call still
//! runs as the platform would run it. Each finding names the fix.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::detmap::DetMap;
use crate::world::{AppId, UserId};

/// The kinds of finding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum FindingId {
    /// Two popups where one would do: a `my.getAuthCode` popup for profile data (`auth_user`,
    /// `USER_NICKNAME`, `USER_AVATAR`) plus the `userInfo` button's (sources: S-ONE-POPUP).
    DoublePopup,
    /// A prompted scope requested on the first screen (sources: S-NO-FIRST-SCREEN).
    FirstScreenPrompt,
    /// A prompted scope requested in `onLoad`; only silent authorization is allowed there (sources: S-ONLOAD-SILENT).
    PromptInOnload,
    /// `my.getAuthCode` in `onShow`: closing the popup fires `onShow` again (sources: S-NO-ONSHOW).
    CallInOnshow,
}

impl FindingId {
    /// Every finding, in the order of SPEC §5's table (a test ties the two). This is also the
    /// order of `summary.findings` in a trace (the derived `Ord`).
    pub const ALL: [FindingId; 4] = [
        FindingId::DoublePopup,
        FindingId::FirstScreenPrompt,
        FindingId::PromptInOnload,
        FindingId::CallInOnshow,
    ];

    /// The id as written in traces, e.g. `"double-popup"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            FindingId::DoublePopup => "double-popup",
            FindingId::FirstScreenPrompt => "first-screen-prompt",
            FindingId::PromptInOnload => "prompt-in-onload",
            FindingId::CallInOnshow => "call-in-onshow",
        }
    }

    /// The message: what is wrong and the fix.
    pub const fn message(self) -> &'static str {
        match self {
            FindingId::DoublePopup => {
                "two popups for user_id + profile: my.getAuthCode asked for profile data (auth_user) \
                 and the userInfo button asked again; use scopes 'auth_base' (silent) for the \
                 user_id and keep the userInfo button, for one popup"
            }
            FindingId::FirstScreenPrompt => {
                "a prompted scope on the first screen is not allowed; ask after the user knows \
                 the mini program, inside the business flow, or use 'auth_base'"
            }
            FindingId::PromptInOnload => {
                "onLoad may only authorize silently; use scopes 'auth_base' in onLoad and \
                 prompt later from a user action"
            }
            FindingId::CallInOnshow => {
                "my.getAuthCode in onShow repeats: closing the popup fires onShow again; call it \
                 from onLoad (silently) or from a tap"
            }
        }
    }
}

/// One finding.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Finding {
    /// What kind.
    pub id: FindingId,
    /// What is wrong and how to fix it.
    // Borrowed from `FindingId::message` when the simulator raises it: no heap allocation.
    pub message: Cow<'static, str>,
}

impl From<FindingId> for Finding {
    fn from(id: FindingId) -> Self {
        Finding {
            id,
            message: Cow::Borrowed(id.message()),
        }
    }
}

/// Which popups a user has seen from one app since the last revocation: enough to notice the
/// double popup (a prompted `my.getAuthCode` popup and a `userInfo` button popup).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
struct Seen {
    auth_code_popup: bool,
    user_info_popup: bool,
    reported: bool,
}

/// Popup history per (user, app), for the double-popup finding.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PopupHistory {
    seen: DetMap<(UserId, AppId), Seen>,
}

/// Which kind of popup was shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PopupKind {
    /// A `my.getAuthCode` consent popup.
    AuthCode,
    /// The `userInfo` button's popup.
    UserInfo,
}

impl PopupHistory {
    /// Notes a popup; returns the double-popup finding the first time both kinds have been shown.
    pub fn shown(&mut self, user: UserId, app: AppId, kind: PopupKind) -> Option<Finding> {
        let s = self.seen.entry((user, app)).or_default();
        match kind {
            PopupKind::AuthCode => s.auth_code_popup = true,
            PopupKind::UserInfo => s.user_info_popup = true,
        }
        if s.auth_code_popup && s.user_info_popup && !s.reported {
            s.reported = true;
            Some(FindingId::DoublePopup.into())
        } else {
            None
        }
    }

    /// Whether every entry names an existing user and app (for deserialized snapshots).
    pub(crate) fn refs_ok(&self, users: usize, apps: usize) -> bool {
        self.seen
            .keys()
            .all(|(u, a)| (u.0 as usize) < users && (a.0 as usize) < apps)
    }

    /// A revocation starts the user's journey with the app afresh.
    pub fn revoke(&mut self, user: UserId, app: AppId) {
        self.seen.remove(&(user, app));
    }
}
