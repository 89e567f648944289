//! `render`'s options read and checked together ([`super::from_cli`]).

use super::*;
use clap::Parser;

fn parse(a: &[&str]) -> Result<RenderArgs, String> {
    let all = ["bazaar-export", "render"].iter().chain(a);
    match super::super::args::Cli::try_parse_from(all).map_err(|e| e.to_string())?.command {
        Some(super::super::args::Sub::Render(cli)) => from_cli(cli, &Config::default()),
        other => panic!("not a render: {other:?}"),
    }
}

#[test]
fn parses_render_options() {
    let r = parse(&["p.json", "-o", "out.webm", "--quality", "low", "--frames", "0-29"]).unwrap();
    assert_eq!(r.project, PathBuf::from("p.json"));
    assert_eq!(r.output, PathBuf::from("out.webm"));
    assert_eq!((r.format, r.quality, r.frames, r.stats), (None, Quality::Low, Some((0, 29)), false));
    assert_eq!((r.jobs, r.size, r.chunk), (1, OutputSize::Preset, None));
    assert!(parse(&["p.json"]).is_err());
    assert!(parse(&["-o", "x.mp4"]).is_err());
    let e = parse(&["p.json", "-o", "x", "--format", "avi"]).unwrap_err();
    assert!(
        e.contains("unknown format \"avi\": use mp4, mp4-hevc, webm, webm-vp9, prores, gif, png-seq, jpeg-seq, wav"),
        "{e}"
    );
}

#[test]
fn every_option_is_read() {
    let r = parse(&[
        "p.json",
        "-o",
        "o.gif",
        "-f",
        "gif",
        "-q",
        "medium",
        "--size",
        "640x360",
        "--input",
        "name=Ada",
        "--input",
        "n=2",
        "--inputs",
        "v.json",
        "--stats",
        "--stats-json",
        "s.json",
        "--dump-frames",
        "d.raw",
    ])
    .unwrap();
    assert_eq!((r.format, r.quality, r.size), (Some(Format::Gif), Quality::Medium, OutputSize::Fit(640, 360)));
    assert_eq!(r.inputs, vec![("name".into(), "Ada".into()), ("n".into(), "2".into())]);
    assert_eq!(r.inputs_file, Some("v.json".into()));
    assert!(r.stats);
    assert_eq!((r.stats_json, r.dump_frames), (Some("s.json".into()), Some("d.raw".into())));
    assert_eq!(parse(&["p.json", "-o", "o.mp4", "-j", "4"]).unwrap().jobs, 4);
    let twice = parse(&["p.json", "-o", "o.mp4", "-q", "low", "--quality", "medium", "--stats", "--stats"]).unwrap();
    assert_eq!((twice.quality, twice.stats), (Quality::Medium, true));
}

#[test]
fn options_that_do_not_go_together_are_refused_in_the_same_words() {
    let chunk = parse(&["p.json", "--chunk", "1/3", "--chunk-dir", "c"]).unwrap();
    assert_eq!((chunk.chunk, chunk.output), (Some((1, 3)), PathBuf::from("c/chunk-1-of-3.mp4")));
    let refused = |a: &[&str], words: &str| {
        let e = parse(a).unwrap_err();
        assert!(e.contains(words), "{a:?}: {e}");
    };
    refused(&["p.json", "--chunk", "1/3"], "--chunk needs --chunk-dir");
    refused(&["p.json", "--chunk", "1/3", "--chunk-dir", "c", "-o", "x.mp4"], "leave -o out");
    refused(&["p.json", "-o", "x.mp4", "--chunk-dir", "c"], "--chunk-dir goes with --chunk K/N");
    refused(&["p.json", "--chunk", "0/2", "--chunk-dir", "c", "--frames", "0-9"], "cannot go together");
    refused(&["p.json", "-o", "x.mp4", "--jobs", "2", "--frames", "0-9"], "--jobs renders the whole video");
    refused(&["p.json", "-o", "x.mp4", "--jobs", "65"], "give a number from 1 to 64");
    refused(&["p.json", "-o", "x.mp4", "--frames", "9-2"], "ends before it starts");
    refused(&["p.json", "-o", "x.mp4", "--input", "nokey"], "is not key=value");
    refused(&["p.json", "--chunk", "auto/3", "--chunk-dir", "c"], "none of SLURM_ARRAY_TASK_ID");
    refused(&["p.json", "-o", "x.mp4", "--size", "huge"], "give project, preset or a size");
    refused(&["p.json"], "`render` needs an output file");
}
