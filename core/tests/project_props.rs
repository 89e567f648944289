//! Property tests of the project parser and validator: whatever the bytes, no panic and either
//! a project or a non-empty list of problems; and every well-formed project is accepted with the
//! timeline it describes.

use bazaar_core::project::{builtin_ids, parse_project};
use proptest::prelude::*;
use serde_json::{json, Value};
use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Arbitrary JSON, biased towards project-shaped objects.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
        prop::sample::select(vec!["TitleCard", "cut", "crossfade", "../x.js", "/abs.js", "./a.js"])
            .prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        let keys = prop::sample::select(vec![
            "version",
            "name",
            "width",
            "height",
            "fps",
            "scenes",
            "compositions",
            "composition",
            "durationInFrames",
            "props",
            "transition",
            "type",
            "other",
        ]);
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(keys, inner, 0..8)
                .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_string(), v)).collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        match parse_project(&bytes, root(), "t") {
            Ok(_) => {}
            Err(problems) => prop_assert!(!problems.is_empty()),
        }
    }

    #[test]
    fn arbitrary_json_never_panics_and_problems_are_worded(v in any_json()) {
        let text = v.to_string();
        if let Err(problems) = parse_project(text.as_bytes(), root(), "t") {
            prop_assert!(!problems.is_empty());
            for p in problems {
                prop_assert!(!p.message.trim().is_empty());
                prop_assert!(!p.message.contains("Some(") && !p.message.contains("Err("));
            }
        }
    }

    #[test]
    fn well_formed_projects_are_accepted_with_their_timeline(
        w in 1u32..=3840, h in 1u32..=2160, fps in 1u32..=120,
        scenes in prop::collection::vec((0usize..6, 1u32..=10_000), 1..20),
    ) {
        // Those a scene may name without props (VideoClip and Lottie need their file's `src`).
        let ids: Vec<&str> = builtin_ids().filter(|id| !["VideoClip", "Lottie"].contains(id)).collect();
        let list: Vec<Value> = scenes
            .iter()
            .map(|(i, d)| json!({ "composition": ids[i % ids.len()], "durationInFrames": d }))
            .collect();
        let project = json!({ "version": 1, "width": w * 2, "height": h * 2, "fps": fps, "scenes": list });
        let p = parse_project(project.to_string().as_bytes(), root(), "t");
        prop_assert!(p.is_ok(), "{:?}", p.err());
        let p = p.unwrap();
        let total: u64 = scenes.iter().map(|(_, d)| u64::from(*d)).sum();
        prop_assert_eq!(p.total_frames(), total);
        let mut start = 0u64;
        for (i, (_, d)) in scenes.iter().enumerate() {
            prop_assert_eq!(p.scene_at(start), Some((i, 0)));
            prop_assert_eq!(p.scene_at(start + u64::from(*d) - 1), Some((i, u64::from(*d) - 1)));
            start += u64::from(*d);
        }
        prop_assert_eq!(p.scene_at(total), None);
    }
}
