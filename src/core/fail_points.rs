//! Places where a test can make the core panic, to check that no panic reaches Node: in a build
//! with the `failpoints` feature, `FAILPOINTS=verify=panic` (or `write`, `repair`, `read`) makes
//! that path panic. Without the feature they are nothing.

/// Runs the fail point `name`; see the module's comment.
#[inline]
pub fn at(name: &str) {
    #[cfg(feature = "failpoints")]
    {
        static SETUP: std::sync::Once = std::sync::Once::new();
        // The scenario reads FAILPOINTS once and lasts as long as the process.
        SETUP.call_once(|| std::mem::forget(fail::FailScenario::setup()));
        fail::fail_point!(name);
    }
    #[cfg(not(feature = "failpoints"))]
    let _ = name;
}
