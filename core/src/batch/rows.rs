//! A batch's rows: one video per row, its columns (CSV, with a header row) or keys (JSON Lines)
//! being the project's inputs. A row that cannot be read (a wrong number of fields, bytes that
//! are not UTF-8, a line that is not a JSON object) is a failed row, reported with its number;
//! the others go on. What makes every row suspect stops the batch before anything is rendered:
//! a column the project does not declare, a column named twice, a quote never closed.

use crate::project::checker::describe;
use crate::project::inputs::{typed, InputValues};
use serde_json::{Map, Value};

/// What a batch's rows file may hold at most.
pub const MAX_ROWS_BYTES: u64 = 64 << 20;

/// One row: its number (1 = the first row of data) and its inputs, or why it cannot be used.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub number: usize,
    pub inputs: Result<InputValues, String>,
}

/// Reads `bytes` as CSV (`csv`) or JSON Lines, against the project's declared inputs (name →
/// default). `Err` when the file cannot be used at all.
pub fn read_rows(bytes: &[u8], csv: bool, declared: &Map<String, Value>) -> Result<Vec<Row>, String> {
    if csv {
        csv_rows(bytes, declared)
    } else {
        Ok(json_lines(bytes, declared))
    }
}

/// What a message lists as the project's inputs.
fn known(declared: &Map<String, Value>) -> String {
    declared.keys().cloned().collect::<Vec<_>>().join(", ")
}

/// A name from the file, quoted, or described when long (a 10 MB header is no message).
fn quoted(name: &str) -> String {
    if name.chars().count() > 40 {
        describe(&Value::String(name.to_string()))
    } else {
        format!("{name:?}")
    }
}

fn json_lines(bytes: &[u8], declared: &Map<String, Value>) -> Vec<Row> {
    let lines = bytes.split(|b| *b == b'\n').map(|l| l.strip_suffix(b"\r").unwrap_or(l));
    let rows = lines.filter(|l| !l.iter().all(u8::is_ascii_whitespace)).enumerate().map(|(i, line)| {
        let inputs = std::str::from_utf8(line)
            .map_err(|_| "it is not UTF-8 text".to_string())
            .and_then(|text| {
                let value = serde_json::from_str::<Value>(text).map_err(|e| format!("it is not JSON: {e}"))?;
                match value {
                    Value::Object(o) => match serde_json::from_str::<KeyTwice>(text) {
                        Ok(KeyTwice(Some(k))) => Err(format!("it gives {k:?} twice: give each input once")),
                        _ => Ok(o),
                    },
                    other => Err(format!("it must be a JSON object of inputs, not {}", describe(&other))),
                }
            })
            .and_then(|o| match o.keys().find(|k| !declared.contains_key(*k)) {
                Some(k) => {
                    Err(format!("{} is not an input of the project (it declares: {})", quoted(k), known(declared)))
                }
                None => Ok(o),
            });
        Row { number: i + 1, inputs }
    });
    rows.collect()
}

/// The first key a JSON object gives twice: serde_json keeps the last one silently, which would
/// render a row with a value its author did not mean (as a CSV column named twice would).
struct KeyTwice(Option<String>);

impl<'de> serde::Deserialize<'de> for KeyTwice {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Keys;
        impl<'de> serde::de::Visitor<'de> for Keys {
            type Value = KeyTwice;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<KeyTwice, A::Error> {
                let mut seen = std::collections::HashSet::new();
                while let Some(k) = map.next_key::<String>()? {
                    map.next_value::<serde::de::IgnoredAny>()?;
                    if !seen.insert(k.clone()) {
                        return Ok(KeyTwice(Some(k)));
                    }
                }
                Ok(KeyTwice(None))
            }
        }
        d.deserialize_map(Keys)
    }
}

/// CSV as the `csv` crate reads it (RFC 4180: quoted fields may hold commas, line breaks and
/// doubled quotes; LF, CR or CRLF line ends; a UTF-8 BOM; blank lines left out). Fields stay
/// bytes until here, so a row that is not UTF-8 fails alone.
fn csv_rows(bytes: &[u8], declared: &Map<String, Value>) -> Result<Vec<Row>, String> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(bytes);
    let mut records = Vec::new();
    for record in reader.byte_records() {
        records.push(record.map_err(|e| format!("cannot be read as CSV: {e}"))?);
    }
    if ends_in_open_quote(bytes) {
        // The open quote is in the last record: everything after it became its one value.
        let line = records.last().and_then(|r| r.position()).map_or(1, |p| p.line());
        let row = records.len().saturating_sub(1);
        let which = if row == 0 { "the header".to_string() } else { format!("row {row}") };
        return Err(format!(
            "a quoted value in {which} (from line {line}) is never closed, so every line after it would be \
             read as that one value: add the closing \" (a quote inside a quoted value is written \"\")"
        ));
    }
    let mut records = records.into_iter();
    let header = records.next().ok_or("the CSV file is empty: its first row names the inputs")?;
    let header: Vec<String> = header
        .iter()
        .map(|f| std::str::from_utf8(f).map(|h| h.trim().to_string()))
        .collect::<Result<_, _>>()
        .map_err(|_| "the CSV header is not UTF-8 text".to_string())?;
    for (i, h) in header.iter().enumerate() {
        if !declared.contains_key(h) {
            return Err(format!(
                "the CSV column {} is not an input of the project (it declares: {})",
                quoted(h),
                known(declared)
            ));
        }
        if let Some(first) = header[..i].iter().position(|x| x == h) {
            return Err(format!(
                "the CSV column {h:?} is there twice (columns {} and {}): which value a row means cannot be told; \
                 keep one",
                first + 1,
                i + 1
            ));
        }
    }
    let rows = records.enumerate().map(|(i, fields)| {
        let inputs = if fields.len() != header.len() {
            Err(format!("it has {} fields, the header has {}", fields.len(), header.len()))
        } else {
            fields
                .iter()
                .zip(&header)
                .map(|(f, h)| {
                    let text = std::str::from_utf8(f).map_err(|_| format!("its {h:?} is not UTF-8 text"))?;
                    Ok((h.clone(), typed(text, declared.get(h))))
                })
                .collect::<Result<InputValues, String>>()
        };
        Row { number: i + 1, inputs }
    });
    Ok(rows.collect())
}

/// Whether the CSV ends inside a quoted value. The `csv` crate reads such a file without a word
/// (it "prefers a parse over no parse"): the rest of the file becomes the one value, so rows
/// vanish into it. Its parser, `csv-core`, is fed the file and then `,` and a line end: inside a
/// quoted value these are text and no record ends; anywhere else a record ends.
fn ends_in_open_quote(bytes: &[u8]) -> bool {
    use csv_core::ReadRecordResult::*;
    let mut parser = csv_core::Reader::new();
    // What the fields hold is not wanted: the buffers are reused whenever they fill.
    let (mut out, mut ends) = ([0u8; 4096], [0usize; 64]);
    let mut input = bytes;
    while !input.is_empty() {
        let (_, read, _, _) = parser.read_record(input, &mut out, &mut ends);
        input = &input[read..];
    }
    let mut probe: &[u8] = b",\n";
    while !probe.is_empty() {
        let (result, read, _, _) = parser.read_record(probe, &mut out, &mut ends);
        probe = &probe[read..];
        if matches!(result, Record) {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn declared() -> Map<String, Value> {
        json!({ "name": "World", "count": 1 }).as_object().unwrap().clone()
    }

    #[test]
    fn csv_rows_are_read_with_quotes_and_typed_by_their_defaults() {
        let csv = b"name,count\r\nAda,3\n\"Lovelace, Ada\",\"4\"\n\n\"say \"\"hi\"\"\",x\n";
        let rows = read_rows(csv, true, &declared()).unwrap();
        let inputs: Vec<_> = rows.iter().map(|r| r.inputs.clone().unwrap()).collect();
        assert_eq!(inputs[0], *json!({ "name": "Ada", "count": 3 }).as_object().unwrap());
        assert_eq!(inputs[1], *json!({ "name": "Lovelace, Ada", "count": 4 }).as_object().unwrap());
        assert_eq!(inputs[2], *json!({ "name": "say \"hi\"", "count": "x" }).as_object().unwrap());
        assert_eq!(rows.iter().map(|r| r.number).collect::<Vec<_>>(), [1, 2, 3]);
    }

    #[test]
    fn a_bad_row_fails_alone_and_an_unknown_column_stops_the_batch() {
        let rows = read_rows(b"name,count\nAda,1,extra\nBob,2\n\xff\xfe,3\n", true, &declared()).unwrap();
        assert_eq!(rows[0].inputs, Err("it has 3 fields, the header has 2".into()));
        assert!(rows[1].inputs.is_ok());
        assert_eq!(rows[2].inputs, Err("its \"name\" is not UTF-8 text".into()));
        let e = read_rows(b"name,colour\nAda,red\n", true, &declared()).unwrap_err();
        // In the project file's order (serde_json keeps it: oxc_resolver turns on preserve_order).
        assert_eq!(e, "the CSV column \"colour\" is not an input of the project (it declares: name, count)");
        assert!(read_rows(b"", true, &declared()).is_err());
    }

    #[test]
    fn a_quote_never_closed_or_a_column_named_twice_stops_the_batch() {
        // The old reader read rows 2 and 3 into row 1's value and carried on.
        let e = read_rows(b"name\nAda\n\"Bob\nCy\nDee\n", true, &declared()).unwrap_err();
        assert!(e.starts_with("a quoted value in row 2 (from line 3) is never closed"), "{e}");
        let e = read_rows(b"\"name,count\nAda,1\n", true, &declared()).unwrap_err();
        assert!(e.starts_with("a quoted value in the header (from line 1)"), "{e}");
        // Closed quotes, a doubled quote at the very end, and a quote inside an unquoted value hold.
        assert!(read_rows(b"name\n\"a \"\"b\"\"\"", true, &declared()).is_ok());
        assert!(read_rows(b"name\nsay \"hi\n", true, &declared()).is_ok());
        let e = read_rows(b"name,count,name\nAda,1,Bob\n", true, &declared()).unwrap_err();
        assert_eq!(e, "the CSV column \"name\" is there twice (columns 1 and 3): which value a row means cannot be told; keep one");
    }

    #[test]
    fn a_bom_crlf_and_nul_bytes_are_read_as_they_are() {
        let rows = read_rows(b"\xef\xbb\xbf\"name\",count\r\nA\0da,2\r\n", true, &declared()).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].inputs, Ok(json!({ "name": "A\u{0}da", "count": 2 }).as_object().unwrap().clone()));
    }

    #[test]
    fn json_lines_keep_their_types() {
        let rows = read_rows(
            b"{\"name\":\"Ada\",\"count\":2}\n\n[1]\n{\"nope\":1}\n{\"name\":\"a\",\"name\":\"b\"}\n",
            false,
            &declared(),
        )
        .unwrap();
        assert_eq!(rows.len(), 4);
        assert_eq!(rows[0].inputs, Ok(json!({ "name": "Ada", "count": 2 }).as_object().unwrap().clone()));
        assert!(rows[1].inputs.as_ref().unwrap_err().contains("JSON object"));
        assert!(rows[2].inputs.as_ref().unwrap_err().contains("\"nope\" is not an input"));
        assert_eq!(rows[3].inputs, Err("it gives \"name\" twice: give each input once".into()));
    }
}
