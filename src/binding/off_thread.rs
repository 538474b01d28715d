//! Any piece of work run on libuv's thread pool, resolving to what it returns.

use napi::bindgen_prelude::{ToNapiValue, TypeName};
use napi::{Env, Task};

use super::failure::catch_panic;

/// Runs `work` off the main thread; the promise resolves to its result, or rejects with the
/// message of a panic inside it (which `lib/errors.js` turns into `ERR_INTERNAL`) instead of letting
/// it end the process.
pub struct OffThread<T> {
    work: Option<Box<dyn FnOnce() -> T + Send>>,
}

impl<T> OffThread<T> {
    /// A task that will run `work` once.
    pub fn new(work: impl FnOnce() -> T + Send + 'static) -> Self {
        OffThread { work: Some(Box::new(work)) }
    }
}

impl<T: ToNapiValue + TypeName + Send + 'static> Task for OffThread<T> {
    type Output = T;
    type JsValue = T;

    fn compute(&mut self) -> napi::Result<T> {
        let work = self.work.take().ok_or_else(|| napi::Error::from_reason("the task already ran"))?;
        Ok(catch_panic(work)?)
    }

    fn resolve(&mut self, _env: Env, output: T) -> napi::Result<T> {
        Ok(output)
    }
}
