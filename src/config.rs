//! Simulator configuration: lifetimes, the consent-memory switch and the error dialect.

use serde::{Deserialize, Serialize};

use crate::error_codes::Dialect;

/// The shortest auth-code lifetime the platform uses: 3 minutes (sources: S-GW-CODE-TTL).
pub const MIN_CODE_TTL: u64 = 180;
/// The longest: 24 hours (sources: S-GW-CODE-TTL).
pub const MAX_CODE_TTL: u64 = 24 * 3600;

/// How the simulated platform behaves where it has a choice.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct Config {
    /// Auth-code lifetime in seconds, 180 to 86400 (default 180: the platform's floor).
    pub code_ttl_seconds: u64,
    /// Whether an accepted prompted `my.getAuthCode` scope is remembered, making later calls for
    /// it silent until the user revokes the app (default true; see SPEC R-CONSENT-REMEMBER).
    pub remember_consent: bool,
    /// Access-token lifetime in seconds (default 1296000, 15 days, as observed: sources: S-GW-LIFETIMES).
    pub access_token_ttl_seconds: u64,
    /// Refresh deadline in seconds from the code exchange (default 2592000, 30 days: sources: S-GW-LIFETIMES).
    pub refresh_token_ttl_seconds: u64,
    /// Unix time of virtual instant 0, used only to print `auth_start`
    /// (default 1767196800: 2026-01-01 00:00:00 Beijing time).
    pub clock_origin_unix: i64,
    /// Which table of client error messages to use.
    pub dialect: Dialect,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            code_ttl_seconds: MIN_CODE_TTL,
            remember_consent: true,
            access_token_ttl_seconds: 1_296_000,
            refresh_token_ttl_seconds: 2_592_000,
            clock_origin_unix: 1_767_196_800,
            dialect: Dialect::Seeds,
        }
    }
}

/// A configuration value out of its allowed range.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum ConfigError {
    /// `codeTtlSeconds` outside 180..=86400.
    #[error("codeTtlSeconds must be between {MIN_CODE_TTL} and {MAX_CODE_TTL}, got {0}")]
    CodeTtl(u64),
    /// A token lifetime of zero.
    #[error("{0} must be at least 1 second")]
    ZeroLifetime(String),
}

impl Config {
    /// Checks every value is in range.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if !(MIN_CODE_TTL..=MAX_CODE_TTL).contains(&self.code_ttl_seconds) {
            return Err(ConfigError::CodeTtl(self.code_ttl_seconds));
        }
        if self.access_token_ttl_seconds == 0 {
            return Err(ConfigError::ZeroLifetime("accessTokenTtlSeconds".into()));
        }
        if self.refresh_token_ttl_seconds == 0 {
            return Err(ConfigError::ZeroLifetime("refreshTokenTtlSeconds".into()));
        }
        Ok(())
    }
}
