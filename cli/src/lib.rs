#![warn(missing_docs, unreachable_pub)]
//! # authsim-cli
//!
//! The `authsim` command over the [`authsim`] library: everything a person runs, and everything
//! that does I/O, uses threads or reads the wall clock. The library holds the model, the scenario
//! format and the exploration engine; this package holds the commands around them.
//!
//! | command | module |
//! |---|---|
//! | `authsim` / `authsim demo`, `authsim run` | [`commands`] (the human table: [`table`]) |
//! | `authsim diagram` | [`diagram`] |
//! | `authsim serve --stdio` | [`serve_stdio`] |
//! | `authsim serve --http` (the gateway, `/sim/*`) | [`http`]; the signed wire form, keys, app ids: [`wire`] |
//! | `authsim conform` | [`conform`] |
//! | `authsim simulate` | [`population`] |
//! | `authsim explore` | [`explore`] |

pub mod commands;
pub mod conform;
pub mod diagram;
pub mod explore;
pub mod http;
pub mod output;
pub mod population;
pub mod serve_stdio;
pub mod table;
pub mod wire;
