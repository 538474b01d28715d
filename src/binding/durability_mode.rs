//! The durability modes as JavaScript names them: the one list of them, which `lib/` reads to
//! check the `durability` option and which the constructor of `NativeWriter` takes.

use napi_derive::napi;

use crate::core::Durability;

/// `durability`: `"none"`, `"data"` or `"full"`; napi refuses any other string.
#[napi(string_enum = "lowercase")]
pub enum DurabilityMode {
    None,
    Data,
    Full,
}

impl From<DurabilityMode> for Durability {
    fn from(mode: DurabilityMode) -> Self {
        match mode {
            DurabilityMode::None => Durability::None,
            DurabilityMode::Data => Durability::Data,
            DurabilityMode::Full => Durability::Full,
        }
    }
}
