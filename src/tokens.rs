//! The gateway's one token map: every live access and refresh token, each to its grant.
//!
//! One map instead of two halves the probes of an exchange (issue 10): a fresh token is checked
//! for a collision and inserted with one probe (the entry API), where two maps needed a
//! `contains_key` in each and then an insert. Snapshots keep their two members: [`TokensOf`]
//! writes one kind as the `access` or `refresh` entry list it always was, and [`TokenMap::join`]
//! reads the two back into one.

use std::collections::hash_map::Entry;

use serde::{Serialize, Serializer};

use crate::detmap::DetMap;
use crate::gateway::GrantIx;
use crate::hex128::Hex;
use crate::identity::Entropy;

/// Which of a grant's two tokens a key is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum TokenKind {
    /// `access_token` (`auth_token`).
    Access,
    /// `refresh_token`.
    Refresh,
}

/// What a token stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Slot {
    grant: GrantIx,
    kind: TokenKind,
}

/// Every live token, access and refresh alike, keyed by its 128 bits.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub(crate) struct TokenMap(DetMap<u128, Slot>);

impl TokenMap {
    /// Draws a token no live token has, and files it under `grant`: one probe of the map.
    pub(crate) fn issue(&mut self, entropy: &mut Entropy, kind: TokenKind, grant: GrantIx) -> u128 {
        loop {
            let t = entropy.next_u128();
            if let Entry::Vacant(slot) = self.0.entry(t) {
                slot.insert(Slot { grant, kind });
                return t;
            }
        }
    }

    /// The grant of a live token of this kind (a refresh token is no access token).
    pub(crate) fn get(&self, token: u128, kind: TokenKind) -> Option<GrantIx> {
        self.0
            .get(&token)
            .filter(|s| s.kind == kind)
            .map(|s| s.grant)
    }

    /// Forgets a rotated-out token.
    pub(crate) fn remove(&mut self, token: u128) {
        self.0.remove(&token);
    }

    /// The grant of every token.
    pub(crate) fn grants(&self) -> impl Iterator<Item = GrantIx> + '_ {
        self.0.values().map(|s| s.grant)
    }

    /// The tokens of one kind, as the snapshot's `access` or `refresh` member.
    pub(crate) fn of_kind(&self, kind: TokenKind) -> TokensOf<'_> {
        TokensOf { map: self, kind }
    }

    /// The map the snapshot's `access` and `refresh` members describe; a token in both is
    /// refused (the gateway never issues one: every token is new to both kinds).
    pub(crate) fn join(
        access: DetMap<u128, GrantIx>,
        refresh: DetMap<u128, GrantIx>,
    ) -> Result<TokenMap, String> {
        let mut map = DetMap::default();
        map.reserve(access.len() + refresh.len());
        let access = access.iter().map(|(t, g)| (t, g, TokenKind::Access));
        let refresh = refresh.iter().map(|(t, g)| (t, g, TokenKind::Refresh));
        for (&token, &grant, kind) in access.chain(refresh) {
            if map.insert(token, Slot { grant, kind }).is_some() {
                return Err(format!(
                    "token {token:032x} is both an access and a refresh token"
                ));
            }
        }
        Ok(TokenMap(map))
    }
}

/// One kind of token, written as `[["<32 hex digits>", grant], ...]` in key order: exactly
/// what a `DetMap<u128, GrantIx>` of that kind alone writes with `crate::detmap::hex_keys`.
pub(crate) struct TokensOf<'a> {
    map: &'a TokenMap,
    kind: TokenKind,
}

impl Serialize for TokensOf<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut entries: Vec<(u128, GrantIx)> = self
            .map
            .0
            .iter()
            .filter(|(_, slot)| slot.kind == self.kind)
            .map(|(t, slot)| (*t, slot.grant))
            .collect();
        entries.sort_unstable_by_key(|(t, _)| *t);
        s.collect_seq(entries.into_iter().map(|(t, g)| (Hex(t), g)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// R-DET-SNAPSHOT: the one map writes the two members two maps wrote, and reads them back.
    #[test]
    fn r_det_snapshot_one_map_writes_the_two_members_of_two_maps() {
        let mut entropy = Entropy::new(5);
        let mut tokens = TokenMap::default();
        let (mut access, mut refresh) = (DetMap::default(), DetMap::default());
        for g in 0..300 {
            let a = tokens.issue(&mut entropy, TokenKind::Access, GrantIx(g));
            let r = tokens.issue(&mut entropy, TokenKind::Refresh, GrantIx(g));
            access.insert(a, GrantIx(g));
            refresh.insert(r, GrantIx(g));
            assert_eq!(tokens.get(a, TokenKind::Access), Some(GrantIx(g)));
            assert_eq!(tokens.get(a, TokenKind::Refresh), None);
            assert_eq!(tokens.get(r, TokenKind::Refresh), Some(GrantIx(g)));
        }
        let two_maps = |m: &DetMap<u128, GrantIx>| {
            let mut out = Vec::new();
            crate::detmap::hex_keys::serialize(m, &mut serde_json::Serializer::new(&mut out))
                .expect("json");
            out
        };
        let of = |k| serde_json::to_vec(&tokens.of_kind(k)).expect("json");
        assert_eq!(of(TokenKind::Access), two_maps(&access));
        assert_eq!(of(TokenKind::Refresh), two_maps(&refresh));
        assert_eq!(TokenMap::join(access.clone(), refresh), Ok(tokens));
        let clash = TokenMap::join(access.clone(), access);
        assert!(clash.is_err_and(|e| e.contains("both an access and a refresh token")));
    }
}
