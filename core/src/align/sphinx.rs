//! PocketSphinx 5prealpha (Debian's `libpocketsphinx3`) through its C API, opened at run time.
//!
//! Why `dlopen` rather than linking: only `align` needs the engine, so the app, the renders
//! and the tests that never align start without it, a build needs no `-dev` headers, and a
//! machine without it gets an error naming the Debian package instead of a loader failure at
//! start. The few functions used are bound by name below (their C prototypes beside them).

use super::AlignError;
use crate::CancelToken;
use libloading::{Library, Symbol};
use std::ffi::{c_char, c_int, c_void, CStr, CString};
use std::path::Path;

/// The acoustic model and dictionary `pocketsphinx-en-us` installs.
pub const MODEL_DIR: &str = "/usr/share/pocketsphinx/model/en-us/en-us";
pub const DICTIONARY: &str = "/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict";
/// The engine's frames per second (`-frate`, its default): a segment's frames are 10 ms each.
pub const FRAMES_PER_SECOND: u64 = 100;
/// The sample rate the model was trained at (`-samprate`, its default).
pub const SAMPLE_RATE: u32 = 16_000;

const LIBRARY: &str = "libpocketsphinx.so.3";
const LIBRARY_PACKAGE: &str = "libpocketsphinx3";
const MODEL_PACKAGE: &str = "pocketsphinx-en-us";

type Ptr = *mut c_void;

/// The bound functions (kept with the library that holds them).
struct Api {
    // arg_t const *ps_args(void);
    args: unsafe extern "C" fn() -> *const c_void,
    // cmd_ln_t *cmd_ln_parse_r(cmd_ln_t *, arg_t const *, int32 argc, char *argv[], int32 strict);
    parse: unsafe extern "C" fn(Ptr, *const c_void, i32, *const *const c_char, i32) -> Ptr,
    // int cmd_ln_free_r(cmd_ln_t *);
    free_config: unsafe extern "C" fn(Ptr) -> c_int,
    // ps_decoder_t *ps_init(cmd_ln_t *); int ps_free(ps_decoder_t *);
    init: unsafe extern "C" fn(Ptr) -> Ptr,
    free: unsafe extern "C" fn(Ptr) -> c_int,
    // char *ps_lookup_word(ps_decoder_t *, const char *); (freed with ckd_free)
    lookup: unsafe extern "C" fn(Ptr, *const c_char) -> *mut c_char,
    ckd_free: unsafe extern "C" fn(*mut c_void),
    // int ps_set_jsgf_string(ps_decoder_t *, const char *name, const char *jsgf);
    set_jsgf: unsafe extern "C" fn(Ptr, *const c_char, *const c_char) -> c_int,
    // int ps_set_search(ps_decoder_t *, const char *name);
    set_search: unsafe extern "C" fn(Ptr, *const c_char) -> c_int,
    // int ps_start_stream(ps_decoder_t *); int ps_start_utt(ps_decoder_t *);
    start_stream: unsafe extern "C" fn(Ptr) -> c_int,
    start: unsafe extern "C" fn(Ptr) -> c_int,
    // int ps_process_raw(ps_decoder_t *, int16 const *, size_t, int no_search, int full_utt);
    process: unsafe extern "C" fn(Ptr, *const i16, usize, c_int, c_int) -> c_int,
    end: unsafe extern "C" fn(Ptr) -> c_int,
    // ps_seg_t *ps_seg_iter(ps_decoder_t *); ps_seg_t *ps_seg_next(ps_seg_t *);
    seg_iter: unsafe extern "C" fn(Ptr) -> Ptr,
    seg_next: unsafe extern "C" fn(Ptr) -> Ptr,
    // char const *ps_seg_word(ps_seg_t *); void ps_seg_frames(ps_seg_t *, int *sf, int *ef);
    seg_word: unsafe extern "C" fn(Ptr) -> *const c_char,
    seg_frames: unsafe extern "C" fn(Ptr, *mut c_int, *mut c_int),
    _library: Library,
}

fn engine_missing(reason: String) -> AlignError {
    AlignError::Engine { package: LIBRARY_PACKAGE, reason }
}

impl Api {
    fn open() -> Result<Self, AlignError> {
        // SAFETY: loading a system library runs its initialisers; PocketSphinx's only set up
        // its own tables.
        let library = unsafe { Library::new(LIBRARY) }
            .map_err(|e| engine_missing(format!("PocketSphinx ({LIBRARY}) cannot be loaded: {e}")))?;
        macro_rules! bind {
            ($name:literal) => {{
                // SAFETY: the type written at the field is the function's C prototype above.
                let symbol: Symbol<_> = unsafe { library.get(concat!($name, "\0").as_bytes()) }
                    .map_err(|e| engine_missing(format!("{LIBRARY} lacks {}: {e}", $name)))?;
                *symbol
            }};
        }
        Ok(Self {
            args: bind!("ps_args"),
            parse: bind!("cmd_ln_parse_r"),
            free_config: bind!("cmd_ln_free_r"),
            init: bind!("ps_init"),
            free: bind!("ps_free"),
            lookup: bind!("ps_lookup_word"),
            ckd_free: bind!("ckd_free"),
            set_jsgf: bind!("ps_set_jsgf_string"),
            set_search: bind!("ps_set_search"),
            start_stream: bind!("ps_start_stream"),
            start: bind!("ps_start_utt"),
            process: bind!("ps_process_raw"),
            end: bind!("ps_end_utt"),
            seg_iter: bind!("ps_seg_iter"),
            seg_next: bind!("ps_seg_next"),
            seg_word: bind!("ps_seg_word"),
            seg_frames: bind!("ps_seg_frames"),
            _library: library,
        })
    }
}

/// A word the engine placed: its dictionary spelling and its frames (first, last, inclusive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub word: String,
    pub first: u64,
    pub last: u64,
}

/// One decoder with the English model and dictionary loaded.
pub struct Decoder {
    api: Api,
    ps: Ptr,
    config: Ptr,
}

fn c_string(s: &str) -> CString {
    CString::new(s.replace('\0', "")).unwrap_or_default()
}

impl Decoder {
    pub fn new() -> Result<Self, AlignError> {
        let api = Api::open()?;
        for path in [MODEL_DIR, DICTIONARY] {
            if !Path::new(path).exists() {
                return Err(AlignError::Engine {
                    package: MODEL_PACKAGE,
                    reason: format!("PocketSphinx's English model is missing ({path})"),
                });
            }
        }
        // Beams far wider than the defaults (1e-48, 1e-48, 7e-29), which lost the grammar's one
        // path on a synthetic voice ("final result does not match the grammar"); the grammar keeps
        // the search small, so it stays much faster than real time (BENCHMARKS.md, "Script alignment").
        // `-dither yes`: digital silence (exact zeros) between words otherwise gives the
        // front end log(0). `-remove_silence no`: its voice-activity filter drops frames, which would shift the
        // times of every word after a pause. `-bestpath no`: the grammar's best path is the
        // alignment; a lattice search after it only costs time.
        let args: Vec<CString> = [
            "-hmm",
            MODEL_DIR,
            "-dict",
            DICTIONARY,
            "-logfn",
            "/dev/null",
            "-remove_silence",
            "no",
            "-dither",
            "yes",
            "-bestpath",
            "no",
            "-beam",
            "1e-100",
            "-pbeam",
            "1e-100",
            "-wbeam",
            "1e-80",
        ]
        .iter()
        .map(|s| c_string(s))
        .collect();
        let argv: Vec<*const c_char> = args.iter().map(|a| a.as_ptr()).collect();
        // SAFETY: argv holds argc valid C strings that outlive the call; the definitions are
        // the library's own.
        let config = unsafe { (api.parse)(std::ptr::null_mut(), (api.args)(), argv.len() as i32, argv.as_ptr(), 1) };
        if config.is_null() {
            return Err(engine_missing("PocketSphinx refused its settings".into()));
        }
        // SAFETY: config is a valid cmd_ln_t; ps_init takes its own reference to it.
        let ps = unsafe { (api.init)(config) };
        if ps.is_null() {
            // SAFETY: config is ours and no decoder holds it.
            unsafe { (api.free_config)(config) };
            return Err(AlignError::Engine {
                package: MODEL_PACKAGE,
                reason: format!("PocketSphinx could not load its English model from {MODEL_DIR}"),
            });
        }
        Ok(Self { api, ps, config })
    }

    /// Whether the dictionary knows `word` (lower case, as the dictionary spells it).
    pub fn knows(&self, word: &str) -> bool {
        self.phones(word).is_some()
    }

    /// How many phones the dictionary says `word` has (`read(2)`: its second pronunciation).
    pub fn phones(&self, word: &str) -> Option<usize> {
        let w = c_string(word);
        // SAFETY: ps is valid; the returned string is ours to free with ckd_free.
        let phones = unsafe { (self.api.lookup)(self.ps, w.as_ptr()) };
        if phones.is_null() {
            return None;
        }
        // SAFETY: a NUL-terminated string from the library, read before it is freed.
        let count = unsafe { std::ffi::CStr::from_ptr(phones) }.to_string_lossy().split_whitespace().count();
        // SAFETY: allocated by the library with its allocator.
        unsafe { (self.api.ckd_free)(phones.cast()) };
        Some(count)
    }

    /// Makes `jsgf` (a JSGF grammar) the search.
    pub fn set_grammar(&mut self, jsgf: &str) -> Result<(), AlignError> {
        let (name, text) = (c_string("align"), c_string(jsgf));
        // SAFETY: valid decoder and C strings; the library copies what it keeps.
        let ok = unsafe {
            (self.api.set_jsgf)(self.ps, name.as_ptr(), text.as_ptr()) == 0
                && (self.api.set_search)(self.ps, name.as_ptr()) == 0
        };
        if ok {
            Ok(())
        } else {
            Err(AlignError::Grammar)
        }
    }

    /// Listens to `voice` (16 kHz mono) as one utterance and returns the words placed, in
    /// order, fillers and silences too; none if the voice never reached the grammar's end.
    pub fn decode(&mut self, voice: &[i16], cancel: &CancelToken) -> Result<Vec<Segment>, AlignError> {
        // A new stream each time: the segments' frames count from the stream's start, and a
        // second pass over the same voice would otherwise be shifted by the first's length.
        // SAFETY: valid decoder with a search set.
        if unsafe { (self.api.start_stream)(self.ps) } < 0 || unsafe { (self.api.start)(self.ps) } < 0 {
            return Err(AlignError::Grammar);
        }
        for block in voice.chunks(1 << 16) {
            if cancel.is_cancelled() {
                // SAFETY: ends the utterance begun above.
                unsafe { (self.api.end)(self.ps) };
                return Err(AlignError::Cancelled);
            }
            // SAFETY: the slice is valid for its length for the call.
            if unsafe { (self.api.process)(self.ps, block.as_ptr(), block.len(), 0, 0) } < 0 {
                return Err(engine_missing("PocketSphinx failed while it listened".into()));
            }
        }
        Ok(self.finish())
    }

    /// Ends the utterance and returns the words placed.
    fn finish(&mut self) -> Vec<Segment> {
        let mut out = Vec::new();
        // SAFETY: valid decoder in an utterance; each segment pointer is used before the next
        // call, and the iterator frees itself when ps_seg_next returns null.
        unsafe {
            (self.api.end)(self.ps);
            let mut seg = (self.api.seg_iter)(self.ps);
            while !seg.is_null() {
                let word = (self.api.seg_word)(seg);
                let (mut first, mut last) = (0, 0);
                (self.api.seg_frames)(seg, &mut first, &mut last);
                if !word.is_null() {
                    out.push(Segment {
                        word: CStr::from_ptr(word).to_string_lossy().into_owned(),
                        first: first.max(0) as u64,
                        last: last.max(first).max(0) as u64,
                    });
                }
                seg = (self.api.seg_next)(seg);
            }
        }
        out
    }
}

impl Drop for Decoder {
    fn drop(&mut self) {
        // SAFETY: both are ours and freed once; the decoder holds a reference on the config.
        unsafe {
            (self.api.free)(self.ps);
            (self.api.free_config)(self.config);
        }
    }
}
