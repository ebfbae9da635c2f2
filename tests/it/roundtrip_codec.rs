//! In-process round trips of every storable value type: the canonical encoding decodes back to
//! an equal value, and two values are equal exactly when their encodings are equal (so the
//! content hash agrees with typed equality: `1 != 1.0`, NaN equals NaN, `-0.0 != 0.0`, a zone id
//! is not an offset). Also the dump's JSON encoding (`transfer::dump`).

use crate::roundtrip_strategies as strategies;

use migration_harness::transfer::dump;
use migration_harness::value::{canonical, Value};
use proptest::prelude::*;
use strategies::any_value;

fn enc(v: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    canonical::encode(v, &mut out);
    out
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 512,
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::Direct(
                "proptest-regressions/roundtrip_codec.txt",
            ),
        )),
        ..ProptestConfig::default()
    })]

    #[test]
    fn canonical_encoding_round_trips(v in any_value()) {
        let bytes = enc(&v);
        let back = canonical::decode(&bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&back, &v);
        prop_assert_eq!(enc(&back), bytes);
        prop_assert_eq!(&v.clone(), &v);
    }

    #[test]
    fn equality_and_encoding_agree(a in any_value(), b in any_value()) {
        prop_assert_eq!(a == b, enc(&a) == enc(&b));
        // And a value always differs from any of another type.
        if a.type_name() != b.type_name() {
            prop_assert_ne!(enc(&a), enc(&b));
        }
    }

    #[test]
    fn dump_json_round_trips(v in any_value()) {
        let json = dump::value_to_json(&v);
        let text = serde_json::to_string(&json).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let parsed: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let back = dump::value_from_json(&parsed).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(back, v);
    }
}
