//! When ONNX Runtime cannot be loaded, opening the default recaller is a typed
//! error naming the library, not a panic; `--no-dense` still works. Its own test
//! binary: the runtime is loaded (or not) once per process.

use recall::{DenseError, FusionConfig, RecallError, Recaller};

#[test]
fn unloadable_runtime_is_a_typed_error_and_no_dense_still_works() {
    // Edition 2021: set_var is safe; this binary has a single test, so no other
    // thread reads the environment meanwhile.
    std::env::set_var("ORT_DYLIB_PATH", "/nonexistent/libonnxruntime.so");
    let catalog = catalog::Catalog::load_default().expect("catalog");
    let err = Recaller::open_default(&catalog).err().expect("must fail without a runtime");
    assert!(matches!(err, RecallError::Dense(DenseError::LoadRuntime { .. })), "{err}");
    assert!(err.to_string().contains("/nonexistent/libonnxruntime.so"), "{err}");
    let sparse = Recaller::open_with(&catalog, FusionConfig { use_dense: false, ..FusionConfig::default() }).unwrap();
    assert!(sparse.recall("2021年比亚迪的营业收入是多少元？").unwrap().contains("营业收入"));
}
